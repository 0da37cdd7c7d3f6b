// examples/helm4-plugins/dotk8s: the Helm 4 CLI plugin, loaded by the real
// Helm 4: `helm dotk8s ...` runs the driver with helm's own binary.
#include <gtest/gtest.h>
#include <yaml-cpp/yaml.h>

#include <filesystem>

#include "fakes/driver_sandbox.h"

namespace dotk8s::testing {
namespace {
namespace fs = std::filesystem;

const std::string kPluginDir = std::string(DOTK8S_SOURCE_DIR) + "/examples/helm4-plugins/dotk8s";

struct Helm4PluginTest : ::testing::Test {
  DriverSandbox sandbox;
  std::string plugins;
  std::string helm4;
  void SetUp() override {
    DOTK8S_REQUIRE_SANDBOX(sandbox);
    helm4 = SourcePath(".tools/helm4/helm");
    ASSERT_TRUE(fs::exists(helm4)) << helm4 << " is missing: run scripts/install-tools.sh";
    // Installed as the docs say: the directory, and bin/dotk8s linked to the driver.
    plugins = sandbox.root + "/helm4-plugins";
    fs::create_directories(plugins + "/dotk8s/bin");
    fs::copy_file(kPluginDir + "/plugin.yaml", plugins + "/dotk8s/plugin.yaml");
    fs::create_symlink(DOTK8S_DRIVER_BINARY, plugins + "/dotk8s/bin/dotk8s");
  }
  RunResult Helm(const std::string& helm, std::vector<std::string> args) const {
    std::vector<std::string> argv = {"/usr/bin/env", "-i", "PATH=/usr/bin:/bin", "HOME=" + sandbox.home,
                                     "XDG_STATE_HOME=" + sandbox.state, "XDG_DATA_HOME=" + sandbox.data,
                                     "XDG_CACHE_HOME=" + sandbox.cache, "HELM_PLUGINS=" + plugins,
                                     "HELM_CACHE_HOME=" + sandbox.root + "/helm/cache",
                                     "HELM_CONFIG_HOME=" + sandbox.root + "/helm/config",
                                     "HELM_DATA_HOME=" + sandbox.root + "/helm/data",
                                     "KUBECONFIG=" + sandbox.root + "/no-kubeconfig", helm};
    argv.insert(argv.end(), args.begin(), args.end());
    return dotk8s::testing::Run(argv, "");
  }
};

TEST_F(Helm4PluginTest, Shape) {
  YAML::Node plugin = YAML::LoadFile(kPluginDir + "/plugin.yaml");
  EXPECT_EQ(plugin["apiVersion"].as<std::string>(), "v1");
  EXPECT_EQ(plugin["type"].as<std::string>(), "cli/v1");
  EXPECT_EQ(plugin["runtime"].as<std::string>(), "subprocess");
  EXPECT_EQ(plugin["name"].as<std::string>(), "dotk8s");
  EXPECT_FALSE(plugin["config"]["ignoreFlags"].as<bool>()) << "the driver needs its flags";
}

TEST_F(Helm4PluginTest, HelmListsAndRunsIt) {
  RunResult help = Helm(helm4, {"--help"});
  ASSERT_EQ(help.exit_code, 0) << help.err;
  EXPECT_NE(help.out.find("dotk8s      install the dot-apps umbrella chart with dotk8s-post wired in"),
            std::string::npos)
      << help.out;
  RunResult own = Helm(helm4, {"dotk8s", "--help"});
  ASSERT_EQ(own.exit_code, 0) << own.err;
  EXPECT_NE(own.out.find("dotk8s 0.1.0: installs the dot-apps umbrella chart"), std::string::npos) << own.out;
}

TEST_F(Helm4PluginTest, TemplateRunsWithHelmsOwnBinaryAndNamespace) {
  // helm takes -n itself and hands it over as HELM_NAMESPACE.
  RunResult dry = Helm(helm4, {"dotk8s", "template", "-n", "web", "--chart", sandbox.chart, "--dry-run"});
  ASSERT_EQ(dry.exit_code, 0) << dry.err;
  EXPECT_NE(dry.out.find(" template dot-apps " + sandbox.chart + " -n web --post-renderer dotk8s-post "
                         "--post-renderer-args=--release-namespace=web"),
            std::string::npos)
      << dry.out;
  EXPECT_NE(dry.out.find(" " + helm4 + " version"), std::string::npos)
      << "the driver runs $HELM_BIN\n" << dry.out;

  RunResult run = Helm(helm4, {"dotk8s", "template", "-n", "web", "--chart", sandbox.chart});
  ASSERT_EQ(run.exit_code, 0) << run.err;
  std::vector<Document> docs = ReadDocs(run.out);
  EXPECT_EQ(FindDocs(docs, "Gateway", "eg").size(), 1u);
  EXPECT_EQ(FindDocs(docs, "GatewayClass", "eg").size(), 1u);
}

// Why the plugin lives under helm4-plugins/: Helm 3 cannot load it.
TEST_F(Helm4PluginTest, Helm3CannotLoadIt) {
  const std::string helm3 = SourcePath(".tools/helm3/helm");
  ASSERT_TRUE(fs::exists(helm3)) << helm3 << " is missing: run scripts/install-tools.sh";
  RunResult run = Helm(helm3, {"plugin", "list"});
  EXPECT_NE(run.exit_code, 0);
  EXPECT_NE(run.err.find("unknown field \"apiVersion\""), std::string::npos) << run.err;
}

}  // namespace
}  // namespace dotk8s::testing
