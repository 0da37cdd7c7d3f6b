#include "driver/release/setup.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <filesystem>

#include "driver/bundles/dependencies.h"
#include "driver/programs/locations.h"
#include "driver/programs/post_failure.h"

namespace dotk8s {
namespace fs = std::filesystem;

namespace {

std::vector<std::string> AvailableProfiles(const std::string& chart_dir) {
  std::vector<std::string> names;
  std::error_code ec;
  for (const fs::directory_entry& entry : fs::directory_iterator(chart_dir + "/values", ec)) {
    if (entry.path().extension() == ".yaml") names.push_back(entry.path().stem().string());
  }
  std::sort(names.begin(), names.end());
  return names;
}

// The release namespace, and under Helm 3 the helm3 profile added to `profiles`.
int SettleNamespace(const ReleaseOptions& options, const DriverContext& context, PreparedRelease* prepared,
                    std::vector<std::string>* profiles) {
  if (prepared->helm.major == 3) {
    std::string given = options.release_namespace.value_or("");
    if (!given.empty() && given != kHelm3ReleaseNamespace) {
      context.Error(
          fmt::format("Helm 3 cannot install the umbrella into namespace {}: Helm 3 never passes hooks to a "
                      "post-renderer, so Envoy Gateway's certgen hook would write its certificates into the release "
                      "namespace while the controller runs in {}",
                      given, kHelm3ReleaseNamespace),
          fmt::format("under Helm 3 use -n {} (the default), or run Helm 4 (--helm PATH)", kHelm3ReleaseNamespace));
      return kExitUsage;
    }
    prepared->release_namespace = std::string(kHelm3ReleaseNamespace);
    if (std::find(profiles->begin(), profiles->end(), "helm3") == profiles->end()) profiles->push_back("helm3");
    context.Say(fmt::format("{} is Helm 3: release namespace {} and profile helm3 (no kube-prometheus-stack "
                            "admission hooks), because Helm 3 does not show hooks to the post-renderer",
                            prepared->helm.version, kHelm3ReleaseNamespace));
  } else {
    // As the Helm 4 CLI plugin (`helm dotk8s ...`), helm has taken -n itself
    // and passes it as HELM_NAMESPACE, like every plugin gets it.
    const bool as_helm_plugin = context.Env("HELM_PLUGIN_NAME") == "dotk8s" && !context.Env("HELM_NAMESPACE").empty();
    prepared->release_namespace = options.release_namespace.value_or(
        as_helm_plugin ? context.Env("HELM_NAMESPACE") : std::string(kDefaultReleaseNamespace));
  }
  return kExitOk;
}

// -f and --set for helm: the profiles' files, then -f files, then --set.
int SettleValueArgs(const ReleaseOptions& options, const DriverContext& context,
                    const std::vector<std::string>& profiles, PreparedRelease* prepared) {
  const std::string& chart = prepared->workspace.chart_dir;
  for (const std::string& profile : profiles) {
    const std::string file = chart + "/values/" + profile + ".yaml";
    if (IsFile(file)) {
      prepared->value_args.push_back("-f");
      prepared->value_args.push_back(file);
    } else if (profile != "default") {
      std::vector<std::string> available = AvailableProfiles(chart);
      context.Error(fmt::format("no profile {} in {}/values", profile, chart),
                    fmt::format("profiles: default (the chart's values){}{}", available.empty() ? "" : ", ",
                                fmt::join(available, ", ")));
      return kExitUsage;
    }
  }
  for (const std::string& file : options.values_files) {
    prepared->value_args.push_back("-f");
    prepared->value_args.push_back(Absolute(file));
  }
  for (const std::string& set : options.sets) {
    prepared->value_args.push_back("--set");
    prepared->value_args.push_back(set);
  }
  return kExitOk;
}

// What WirePostRenderer needs: the post-renderer, its CRD archives and log,
// the plugin directories.
int SettleWiring(const ReleaseOptions& options, DriverContext& context, PreparedRelease* prepared) {
  WiringInputs& wiring = prepared->wiring;
  wiring.helm_major = prepared->helm.major;
  wiring.post_binary = prepared->workspace.post_binary;
  wiring.release_namespace = prepared->release_namespace;
  // dotk8s-post's CRD catalog keeps the first definition of a kind: Envoy
  // Gateway's archive goes first so that its Gateway API bundle (the one the
  // cluster gets) is the one injected objects are validated against, not
  // Traefik's older standard-channel copy that Chart.yaml lists earlier.
  wiring.crd_archives = prepared->archives;
  std::stable_partition(wiring.crd_archives.begin(), wiring.crd_archives.end(), [](const std::string& archive) {
    return fs::path(archive).filename().string().rfind("gateway-helm-", 0) == 0;
  });
  wiring.log_path = options.programs.log.value_or(PostRendererLogPath(context));
  wiring.helm3_plugin_dir = PrepareHelm3PluginDir(context);
  std::string error;
  if (prepared->helm.major == 4 && !PrepareHelm4PluginDir(context, options.programs.plugin_dir, wiring.post_binary,
                                                         &wiring.helm4_plugin_dir, &error)) {
    context.Error(error, "pass --plugin-dir DIR holding dotk8s-post/plugin.yaml, or leave it to dotk8s");
    return kExitMissing;
  }
  return kExitOk;
}

}  // namespace

int PrepareRelease(const ReleaseOptions& options, DriverContext& context, bool need_dependencies,
                   PreparedRelease* prepared) {
  if (options.arguments.size() > 1) {
    context.Error(fmt::format("too many arguments: {}", fmt::join(options.arguments, " ")),
                  "the only argument is the release name");
    return kExitUsage;
  }
  int code = OpenWorkspace(context, options.workspace, /*need_post=*/true, &prepared->workspace);
  if (code != kExitOk) return code;
  const std::string& chart = prepared->workspace.chart_dir;

  std::string error;
  if (need_dependencies && !DependencyArchives(chart, &prepared->archives, &error)) {
    context.Error(error, "run `dotk8s deps` (offline: copy the archives into the chart cache, or use --bundle FILE)");
    return kExitMissing;
  }

  context.Progress("asking helm for its version");
  if (!DetectHelm(context, HelmProgram(context, options.programs.helm), &prepared->helm, &error)) {
    context.Error(error, "install Helm 3 or 4 (make tools), or pass --helm PATH");
    return kExitMissing;
  }
  std::string fix;
  if (RefusedHelmVersion(prepared->helm.version, &error, &fix)) {
    context.Error(error, fix);
    return kExitUsage;
  }

  prepared->release = options.arguments.empty() ? std::string(kDefaultRelease) : options.arguments[0];
  std::vector<std::string> profiles = options.profiles;
  code = SettleNamespace(options, context, prepared, &profiles);
  if (code != kExitOk) return code;
  code = SettleValueArgs(options, context, profiles, prepared);
  if (code != kExitOk) return code;
  return SettleWiring(options, context, prepared);
}

Command HelmReleaseCommand(const PreparedRelease& prepared, std::string_view verb,
                           const std::vector<std::string>& extra_args, bool with_post_renderer) {
  Command command;
  command.argv = {prepared.helm.program, std::string(verb), prepared.release, prepared.workspace.chart_dir, "-n",
                  prepared.release_namespace};
  command.argv.insert(command.argv.end(), prepared.value_args.begin(), prepared.value_args.end());
  command.argv.insert(command.argv.end(), extra_args.begin(), extra_args.end());
  if (with_post_renderer) {
    PostRendererWiring wiring = WirePostRenderer(prepared.wiring);
    command.argv.insert(command.argv.end(), wiring.args.begin(), wiring.args.end());
    command.env = wiring.env;
  } else {
    command.env = HelmEnvironment(prepared.helm.major, prepared.wiring.helm4_plugin_dir,
                                  prepared.wiring.helm3_plugin_dir);
  }
  return command;
}

int RunHelm(DriverContext& context, const PreparedRelease& prepared, const Command& command, std::string* out) {
  context.Progress(command.purpose);
  std::uintmax_t log_size = LogSize(prepared.wiring.log_path);
  ProcessResult result = context.runner->Run(command);
  if (!result.Ok()) {
    // Only helm's stderr and dotk8s-post's own message: stdout may hold a
    // partial render, with Secrets in it.
    ReportHelmFailure(context, fmt::format("helm {}", command.argv.size() > 1 ? command.argv[1] : ""), result,
                      prepared.wiring.log_path, log_size);
    return kExitFailed;
  }
  *out = std::move(result.out);
  if (!result.err.empty() && !result.skipped) *context.err << result.err;
  return kExitOk;
}

}  // namespace dotk8s
