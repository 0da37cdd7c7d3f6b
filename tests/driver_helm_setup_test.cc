#include "driver/programs/helm_setup.h"
#include "driver/programs/locations.h"

#include <gtest/gtest.h>
#include <unistd.h>
#include <yaml-cpp/yaml.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "driver/programs/post_failure.h"
#include "driver/programs/process_runner.h"
#include "fakes/fake_process_runner.h"
#include "test_support.h"

namespace dotk8s {
namespace {

TEST(DriverHelmSetupTest, MajorVersion) {
  EXPECT_EQ(ParseHelmMajor("v3.17.3"), 3);
  EXPECT_EQ(ParseHelmMajor("v3.18.0"), 3);
  EXPECT_EQ(ParseHelmMajor("v4.1.4"), 4);
  EXPECT_EQ(ParseHelmMajor("v2.17.0"), 0);
  EXPECT_EQ(ParseHelmMajor(""), 0);
}

// helm/helm#30880: Helm 3.18.0 alone renders `{{ if 0 }}` as true.
TEST(DriverHelmSetupTest, RefusesHelm3180Only) {
  std::string why, fix;
  ASSERT_TRUE(RefusedHelmVersion("v3.18.0", &why, &fix));
  EXPECT_EQ(why,
            "Helm v3.18.0 renders `{{ if 0 }}` as true (helm/helm#30880, fixed in 3.18.1): kube-prometheus-stack's "
            "Prometheus would get maximumStartupDurationSeconds: 0 and the HTTP add-on's PodDisruptionBudget "
            "minAvailable: 0 beside maxUnavailable, which the API server rejects");
  EXPECT_EQ(fix, "use Helm 3.17.x, Helm 3.18.1 or later, or Helm 4 (--helm PATH)");
  for (const char* fine : {"v3.17.3", "v3.18.1", "v3.18.10", "v3.19.0", "v4.1.4", "v3.1.0"}) {
    EXPECT_FALSE(RefusedHelmVersion(fine, &why, &fix)) << fine;
  }
}

TEST(DriverHelmSetupTest, NotesAndGitopsArePassedLast) {
  WiringInputs inputs;
  inputs.helm_major = 3;
  inputs.post_binary = "/opt/bin/dotk8s-post";
  inputs.release_namespace = "envoy-gateway-system";
  inputs.log_path = "/state/dotk8s-post.log";
  inputs.notes_path = "/tmp/dotk8s-post-notes-x";
  inputs.gitops = true;
  EXPECT_EQ(WirePostRenderer(inputs).args,
            (std::vector<std::string>{"--post-renderer", "/opt/bin/dotk8s-post",
                                      "--post-renderer-args=--release-namespace=envoy-gateway-system",
                                      "--post-renderer-args=--log=/state/dotk8s-post.log",
                                      "--post-renderer-args=--notes=/tmp/dotk8s-post-notes-x",
                                      "--post-renderer-args=--gitops"}));
  inputs.helm_major = 4;
  inputs.notes_path.clear();
  EXPECT_EQ(WirePostRenderer(inputs).args,
            (std::vector<std::string>{"--post-renderer", "dotk8s-post",
                                      "--post-renderer-args=--release-namespace=envoy-gateway-system",
                                      "--post-renderer-args=--log=/state/dotk8s-post.log",
                                      "--post-renderer-args=--gitops"}));
}

TEST(DriverHelmSetupTest, Helm4UsesThePluginName) {
  WiringInputs inputs;
  inputs.helm_major = 4;
  inputs.post_binary = "/opt/bin/dotk8s-post";
  inputs.helm4_plugin_dir = "/data/driver-helm4-plugins";
  inputs.helm3_plugin_dir = "/data/helm3-plugins";
  inputs.release_namespace = "dot-system";
  inputs.crd_archives = {"/c/gateway-helm-1.7.0.tgz", "/c/keda-2.19.0.tgz"};
  inputs.log_path = "/state/dotk8s-post.log";
  PostRendererWiring wiring = WirePostRenderer(inputs);
  EXPECT_EQ(wiring.args, (std::vector<std::string>{"--post-renderer", "dotk8s-post",
                                                   "--post-renderer-args=--release-namespace=dot-system",
                                                   "--post-renderer-args=--crds=/c/gateway-helm-1.7.0.tgz",
                                                   "--post-renderer-args=--crds=/c/keda-2.19.0.tgz",
                                                   "--post-renderer-args=--log=/state/dotk8s-post.log"}));
  ASSERT_EQ(wiring.env.size(), 1u);
  EXPECT_EQ(wiring.env[0], (std::pair<std::string, std::string>{"HELM_PLUGINS", "/data/driver-helm4-plugins"}));
}

TEST(DriverHelmSetupTest, Helm3UsesThePathAndAnEmptyPluginDir) {
  WiringInputs inputs;
  inputs.helm_major = 3;
  inputs.post_binary = "/opt/bin/dotk8s-post";
  inputs.helm4_plugin_dir = "/data/driver-helm4-plugins";
  inputs.helm3_plugin_dir = "/data/helm3-plugins";
  inputs.release_namespace = "envoy-gateway-system";
  PostRendererWiring wiring = WirePostRenderer(inputs);
  EXPECT_EQ(wiring.args, (std::vector<std::string>{"--post-renderer", "/opt/bin/dotk8s-post",
                                                   "--post-renderer-args=--release-namespace=envoy-gateway-system"}));
  EXPECT_EQ(wiring.env[0].second, "/data/helm3-plugins");
}

// The embedded plugin.yaml is the repository's helm-plugin/dotk8s-post/plugin.yaml,
// except its command: the driver's plugin directory always links the binary
// it found to bin/dotk8s-post, which the repository's dotk8s-post.sh would run
// first anyway.
TEST(DriverHelmSetupTest, EmbeddedPluginYamlMatchesTheRepository) {
  YAML::Node embedded = YAML::Load(kPostPluginYaml);
  const std::string plugin = std::string(DOTK8S_SOURCE_DIR) + "/helm-plugin/dotk8s-post";
  YAML::Node repository = YAML::LoadFile(plugin + "/plugin.yaml");
  for (const char* key : {"apiVersion", "name", "type", "version", "runtime"}) {
    EXPECT_EQ(embedded[key].as<std::string>(), repository[key].as<std::string>()) << key;
  }
  EXPECT_EQ(embedded["runtimeConfig"]["platformCommand"][0]["command"].as<std::string>(),
            "${HELM_PLUGIN_DIR}/bin/dotk8s-post");
  EXPECT_EQ(repository["runtimeConfig"]["platformCommand"][0]["command"].as<std::string>(),
            "${HELM_PLUGIN_DIR}/dotk8s-post.sh");
  const std::string script = testing::ReadFile(plugin + "/dotk8s-post.sh");
  EXPECT_NE(script.find("if usable \"$plugin_dir/bin/dotk8s-post\"; then echo \"$plugin_dir/bin/dotk8s-post\"; return 0; fi"),
            std::string::npos);
}

// A context whose data directory is a fresh temporary one (removed by the test).
struct DataDirContext {
  std::ostringstream out, err;
  DriverContext context;
  const std::string data = testing::MakeTempDir();
  DataDirContext() {
    context.out = &out;
    context.err = &err;
    context.env["XDG_DATA_HOME"] = data;
  }
};

TEST(DriverHelmSetupTest, DetectHelmRunsVersionWithAnEmptyPluginDir) {
  testing::FakeProcessRunner runner;
  runner.Answer({"version"}, 0, "v3.17.3");
  DataDirContext setup;
  DriverContext& context = setup.context;
  const std::string& data = setup.data;
  context.runner = &runner;
  HelmInfo helm;
  std::string error;
  ASSERT_TRUE(DetectHelm(context, "/x/helm", &helm, &error)) << error;
  EXPECT_EQ(helm.major, 3);
  EXPECT_EQ(helm.version, "v3.17.3");
  ASSERT_EQ(runner.commands.size(), 1u);
  EXPECT_EQ(runner.commands[0].argv, (std::vector<std::string>{"/x/helm", "version", "--template", "{{.Version}}"}));
  EXPECT_EQ(runner.commands[0].env[0].second, data + "/dotk8s/helm3-plugins");
  EXPECT_TRUE(std::filesystem::is_empty(data + "/dotk8s/helm3-plugins"));

  runner.commands.clear();
  testing::FakeProcessRunner old;
  old.Answer({"version"}, 0, "v2.17.0");
  context.runner = &old;
  EXPECT_FALSE(DetectHelm(context, "helm", &helm, &error));
  EXPECT_EQ(error, "helm reports version 'v2.17.0'; dotk8s drives Helm 3 and Helm 4 only");
  std::filesystem::remove_all(data);
}

// The managed plugin dir: plugin.yaml plus a link to the binary in use, so
// Helm 4 runs the same dotk8s-post that Helm 3 would.
TEST(DriverHelmSetupTest, ManagedHelm4PluginDirLinksTheBinary) {
  DataDirContext setup;
  DriverContext& context = setup.context;
  const std::string& data = setup.data;
  std::string dir, error;
  ASSERT_TRUE(PrepareHelm4PluginDir(context, "", DOTK8S_POST_BINARY, &dir, &error)) << error;
  EXPECT_EQ(dir, data + "/dotk8s/driver-helm4-plugins");
  EXPECT_EQ(testing::ReadFile(dir + "/dotk8s-post/plugin.yaml"), kPostPluginYaml);
  EXPECT_EQ(std::filesystem::read_symlink(dir + "/dotk8s-post/bin/dotk8s-post").string(), DOTK8S_POST_BINARY);
  // A second binary replaces the link.
  ASSERT_TRUE(PrepareHelm4PluginDir(context, "", "/elsewhere/dotk8s-post", &dir, &error)) << error;
  EXPECT_EQ(std::filesystem::read_symlink(dir + "/dotk8s-post/bin/dotk8s-post").string(), "/elsewhere/dotk8s-post");
  // A given directory must really hold the plugin.
  EXPECT_FALSE(PrepareHelm4PluginDir(context, data, DOTK8S_POST_BINARY, &dir, &error));
  EXPECT_EQ(error, "the Helm 4 plugin directory " + data + " has no dotk8s-post/plugin.yaml");
  std::filesystem::remove_all(data);
}

// Helm runs what a plugin directory names: dotk8s's own directories are made
// private (a umask of 002 leaves them group-writable), and one that belongs to
// someone else is refused, never written to or used.
TEST(DriverHelmSetupTest, PluginDirectoriesMustBePrivate) {
  DataDirContext setup;
  DriverContext& context = setup.context;
  const std::string& data = setup.data;
  namespace fs = std::filesystem;
  fs::create_directories(data + "/dotk8s/driver-helm4-plugins");
  fs::permissions(data + "/dotk8s/driver-helm4-plugins", fs::perms::all);  // 0777, ours
  std::string dir, error;
  ASSERT_TRUE(PrepareHelm4PluginDir(context, "", DOTK8S_POST_BINARY, &dir, &error)) << error;
  EXPECT_EQ(fs::status(dir).permissions() & (fs::perms::group_write | fs::perms::others_write), fs::perms::none);

  // plugin.yaml readable by all, writable by this user only, whatever the umask.
  EXPECT_EQ(fs::status(dir + "/dotk8s-post/plugin.yaml").permissions(),
            fs::perms::owner_read | fs::perms::owner_write | fs::perms::group_read | fs::perms::others_read);
  std::string why;
  EXPECT_TRUE(IsPrivateDirectory(dir, &why)) << why;
  fs::create_directory_symlink(dir, data + "/link");
  EXPECT_FALSE(IsPrivateDirectory(data + "/link", &why));
  EXPECT_EQ(why, data + "/link is not a directory (a symbolic link)");
  // The plugin directory swapped for a link to somewhere else: refused.
  fs::create_directories(data + "/elsewhere/bin");
  fs::rename(dir + "/dotk8s-post", data + "/moved");
  fs::create_directory_symlink(data + "/elsewhere", dir + "/dotk8s-post");
  EXPECT_FALSE(PrepareHelm4PluginDir(context, "", DOTK8S_POST_BINARY, &dir, &error));
  EXPECT_NE(error.find(dir + "/dotk8s-post is not a directory (a symbolic link)"), std::string::npos) << error;
  EXPECT_FALSE(fs::exists(data + "/elsewhere/plugin.yaml"));
  fs::remove(dir + "/dotk8s-post");
  fs::rename(data + "/moved", dir + "/dotk8s-post");
  if (::geteuid() != 0) {
    fs::remove_all(data);
    GTEST_SKIP() << "handing a directory to another user needs root";
  }
  // Prepared by someone else (nobody, 65534): refused, plugin.yaml untouched.
  const std::string plugin = dir + "/dotk8s-post";
  testing::WriteFile(plugin + "/plugin.yaml", "prepared by someone else\n");
  ASSERT_EQ(::chown(plugin.c_str(), 65534, 65534), 0);
  EXPECT_FALSE(PrepareHelm4PluginDir(context, "", DOTK8S_POST_BINARY, &dir, &error));
  EXPECT_EQ(error, "the Helm 4 plugin directory is not private: " + plugin +
                       " belongs to user id 65534, not to you (0); Helm would run what someone else put there (remove "
                       "it, or set XDG_DATA_HOME to a directory of your own)");
  EXPECT_EQ(testing::ReadFile(plugin + "/plugin.yaml"), "prepared by someone else\n");
  // The same for Helm 3's empty plugin directory, checked before helm runs at all.
  fs::create_directories(data + "/dotk8s/helm3-plugins");
  ASSERT_EQ(::chown((data + "/dotk8s/helm3-plugins").c_str(), 65534, 65534), 0);
  testing::FakeProcessRunner runner;
  runner.Answer({"version"}, 0, "v3.17.3");
  context.runner = &runner;
  HelmInfo helm;
  EXPECT_FALSE(DetectHelm(context, "helm", &helm, &error));
  EXPECT_NE(error.find("the empty Helm 3 plugin directory is not private: " + data +
                       "/dotk8s/helm3-plugins belongs to user id 65534"),
            std::string::npos)
      << error;
  EXPECT_TRUE(runner.commands.empty());
  // A directory above the data directory that someone else owns could swap it.
  fs::create_directories(data + "/theirs/share");
  ASSERT_EQ(::chown((data + "/theirs").c_str(), 65534, 65534), 0);
  context.env["XDG_DATA_HOME"] = data + "/theirs/share";
  EXPECT_FALSE(PrepareHelm4PluginDir(context, "", DOTK8S_POST_BINARY, &dir, &error));
  EXPECT_NE(error.find(data + "/theirs above it belongs to user id 65534, who could replace what is below"),
            std::string::npos)
      << error;
  fs::remove_all(data);
}

TEST(DriverHelmSetupTest, FormatCommandQuotesForTheShell) {
  Command command;
  command.argv = {"helm", "version", "--template", "{{.Version}}", "it's"};
  command.env = {{"HELM_PLUGINS", "/a b"}};
  command.input = "xyz";
  EXPECT_EQ(FormatCommand(command),
            "HELM_PLUGINS='/a b' helm version --template '{{.Version}}' 'it'\\''s' < (3 bytes on stdin)");
}

// The post-renderer's message comes from the block it appended to its log
// during this call, not from an older block.
TEST(DriverHelmSetupTest, PostRendererMessageFromTheNewLogBlock) {
  const std::string dir = testing::MakeTempDir();
  const std::string log = dir + "/dotk8s-post.log";
  testing::WriteFile(log, "=== dotk8s-post 2026-01-01 args: old\nerror: an old failure\n");
  const auto before = LogSize(log);
  EXPECT_TRUE(NewPostRendererMessages(log, before).empty());
  std::ofstream(log, std::ios::app) << "=== dotk8s-post 2026-01-02 args: new\nerror: the new failure; hint: fix it\n";
  EXPECT_EQ(NewPostRendererMessages(log, before), (std::vector<std::string>{"error: the new failure; hint: fix it"}));

  std::ostringstream out, err;
  DriverContext context;
  context.out = &out;
  context.err = &err;
  ProcessResult result;
  result.exit_code = 1;
  result.err = "Error: plugin \"dotk8s-post\" exited with error\n";
  ReportHelmFailure(context, "helm install", result, log, before);
  EXPECT_EQ(err.str(),
            "dotk8s: error: helm install failed: the post-renderer dotk8s-post refused the render:\n"
            "  error: the new failure; hint: fix it\n"
            "  (dotk8s-post's log: " + log + "; helm itself said: Error: plugin \"dotk8s-post\" exited with error)\n");
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace dotk8s
