#include "driver/programs/helm_setup.h"

#include <fmt/format.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "driver/programs/locations.h"

namespace dotk8s {
namespace fs = std::filesystem;

const char kPostPluginYaml[] = R"(# Helm 4 post-renderer plugin, kept by dotk8s: `helm ... --post-renderer dotk8s-post`.
# Helm 3 cannot load this file (it rejects apiVersion): never put it in a Helm 3 plugin directory.
apiVersion: v1
name: dotk8s-post
type: postrenderer/v1
version: 0.1.0
runtime: subprocess
runtimeConfig:
  platformCommand:
    - command: ${HELM_PLUGIN_DIR}/bin/dotk8s-post
)";

int ParseHelmMajor(std::string_view version) {
  if (version.rfind("v3.", 0) == 0) return 3;
  if (version.rfind("v4.", 0) == 0) return 4;
  return 0;
}

bool RefusedHelmVersion(std::string_view version, std::string* why, std::string* fix) {
  if (version != "v3.18.0") return false;
  *why = fmt::format(
      "Helm {} renders `{{{{ if 0 }}}}` as true (helm/helm#30880, fixed in 3.18.1): kube-prometheus-stack's "
      "Prometheus would get maximumStartupDurationSeconds: 0 and the HTTP add-on's PodDisruptionBudget "
      "minAvailable: 0 beside maxUnavailable, which the API server rejects",
      version);
  *fix = "use Helm 3.17.x, Helm 3.18.1 or later, or Helm 4 (--helm PATH)";
  return true;
}

std::string PrepareHelm3PluginDir(const DriverContext& context) {
  std::string dir = DataDir(context) + "/helm3-plugins";
  std::error_code ec;
  fs::create_directories(dir, ec);
  return dir;
}

namespace {

// dotk8s's own directory: made if missing; write bits for group and others
// taken off if it is ours (a umask of 002 makes them), refused if it is not.
bool MakePrivate(const std::string& path, std::string* why) {
  std::error_code ec;
  fs::create_directories(path, ec);
  if (!HasTrustedAncestors(path, why)) return false;
  struct stat info {};
  if (::lstat(path.c_str(), &info) == 0 && S_ISDIR(info.st_mode) && info.st_uid == ::geteuid() &&
      (info.st_mode & (S_IWGRP | S_IWOTH)) != 0) {
    fs::permissions(path, fs::perms::group_write | fs::perms::others_write, fs::perm_options::remove, ec);
  }
  return IsPrivateDirectory(path, why);
}

bool CheckHelm3PluginDir(const DriverContext& context, std::string* error) {
  // Helm 3 loads every plugin it finds there (downloaders, commands): dotk8s
  // puts none there, and no one else may.
  const std::string dir = PrepareHelm3PluginDir(context);
  std::string why;
  for (const std::string& path : {DataDir(context), dir}) {
    if (!MakePrivate(path, &why)) {
      *error = fmt::format("the empty Helm 3 plugin directory is not private: {}; Helm 3 would load plugins someone "
                           "else put there (remove it, or set XDG_DATA_HOME to a directory of your own)",
                           why);
      return false;
    }
  }
  return true;
}

}  // namespace

bool DetectHelm(const DriverContext& context, const std::string& program, HelmInfo* helm, std::string* error) {
  if (!CheckHelm3PluginDir(context, error)) return false;
  Command command;
  command.argv = {program, "version", "--template", "{{.Version}}"};
  command.env = {{"HELM_PLUGINS", PrepareHelm3PluginDir(context)}};
  command.purpose = "asking helm for its version";
  ProcessResult result = context.runner->Run(command);
  if (!result.start_error.empty()) {
    *error = fmt::format("cannot run helm ({})", result.start_error);
    return false;
  }
  if (result.exit_code != 0) {
    *error = fmt::format("`{} version` failed: {}", program, result.err);
    return false;
  }
  helm->program = program;
  helm->version = result.out;
  while (!helm->version.empty() && std::isspace(static_cast<unsigned char>(helm->version.back()))) helm->version.pop_back();
  helm->major = ParseHelmMajor(helm->version);
  if (helm->major == 0) {
    *error = fmt::format("{} reports version '{}'; dotk8s drives Helm 3 and Helm 4 only", program, helm->version);
    return false;
  }
  return true;
}

bool PrepareHelm4PluginDir(const DriverContext& context, const std::string& flag, const std::string& post_binary,
                           std::string* dir, std::string* error) {
  std::string given = !flag.empty() ? flag : context.Env("DOTK8S_HELM4_PLUGINS");
  if (!given.empty()) {
    if (!IsFile(given + "/dotk8s-post/plugin.yaml")) {
      *error = fmt::format("the Helm 4 plugin directory {} has no dotk8s-post/plugin.yaml", given);
      return false;
    }
    *dir = Absolute(given);
    return true;
  }
  *dir = DataDir(context) + "/driver-helm4-plugins";
  const std::string plugin = *dir + "/dotk8s-post";
  std::error_code ec;
  fs::create_directories(plugin + "/bin", ec);
  if (ec) {
    *error = fmt::format("cannot create {}: {}", plugin, ec.message());
    return false;
  }
  // Helm runs the command the plugin.yaml here names: the directories that
  // hold it must be this user's alone before dotk8s trusts or writes it.
  for (const std::string& path : {DataDir(context), *dir, plugin, plugin + "/bin"}) {
    std::string why;
    if (!MakePrivate(path, &why)) {
      *error = fmt::format("the Helm 4 plugin directory is not private: {}; Helm would run what someone else put "
                           "there (remove it, or set XDG_DATA_HOME to a directory of your own)",
                           why);
      return false;
    }
  }
  // plugin.yaml: written anew unless it is already ours, as it should be, and
  // then readable by all, writable by this user only (whatever the umask).
  const std::string yaml = plugin + "/plugin.yaml";
  std::string current;
  struct stat info {};
  const bool exists = ::lstat(yaml.c_str(), &info) == 0;
  if (exists && (!S_ISREG(info.st_mode) || info.st_uid != ::geteuid())) {
    fs::remove(yaml, ec);  // the directory is ours alone: what is in it is ours to replace
  }
  if (!ReadFileText(yaml, &current) || current != kPostPluginYaml) {
    std::ofstream(yaml, std::ios::binary | std::ios::trunc) << kPostPluginYaml;
  }
  fs::permissions(yaml, fs::perms::owner_read | fs::perms::owner_write | fs::perms::group_read | fs::perms::others_read,
                  fs::perm_options::replace, ec);
  if (ec) {
    *error = fmt::format("cannot set the mode of {}: {}", yaml, ec.message());
    return false;
  }
  // A link, not a copy: the plugin runs exactly the binary found for this call.
  const fs::path link = plugin + "/bin/dotk8s-post";
  if (!fs::is_symlink(link, ec) || fs::read_symlink(link, ec) != fs::path(post_binary)) {
    fs::remove(link, ec);
    fs::create_symlink(post_binary, link, ec);
    if (ec) {
      *error = fmt::format("cannot link {} to {}: {}", link.string(), post_binary, ec.message());
      return false;
    }
  }
  return true;
}

std::vector<std::pair<std::string, std::string>> HelmEnvironment(int helm_major, const std::string& helm4_plugin_dir,
                                                                 const std::string& helm3_plugin_dir) {
  return {{"HELM_PLUGINS", helm_major == 4 ? helm4_plugin_dir : helm3_plugin_dir}};
}

PostRendererWiring WirePostRenderer(const WiringInputs& inputs) {
  PostRendererWiring wiring;
  wiring.env = HelmEnvironment(inputs.helm_major, inputs.helm4_plugin_dir, inputs.helm3_plugin_dir);
  wiring.args.push_back("--post-renderer");
  wiring.args.push_back(inputs.helm_major == 4 ? std::string("dotk8s-post") : inputs.post_binary);
  // One flag=value per argument: a value starting with "--" must not be taken for a helm flag.
  auto pass = [&](const std::string& arg) { wiring.args.push_back("--post-renderer-args=" + arg); };
  if (!inputs.release_namespace.empty()) pass("--release-namespace=" + inputs.release_namespace);
  for (const std::string& archive : inputs.crd_archives) pass("--crds=" + archive);
  if (!inputs.log_path.empty()) pass("--log=" + inputs.log_path);
  if (!inputs.notes_path.empty()) pass("--notes=" + inputs.notes_path);
  if (inputs.gitops) pass("--gitops");
  return wiring;
}

}  // namespace dotk8s
