// The Helm 4 plugin installed the Helm way, by the real Helm 4: from the
// directory (no binary inside: it finds the installed one, or says clearly
// that there is none) and from the release archive `make dist` builds.
#include <gtest/gtest.h>

#include <filesystem>

#include "test_support.h"

namespace dotk8s::testing {
namespace {
namespace fs = std::filesystem;

const std::string kSource = DOTK8S_SOURCE_DIR;

struct Helm4PluginInstallTest : ::testing::Test {
  ScratchDir dir;
  std::string helm4 = kSource + "/.tools/helm4/helm";

  void SetUp() override {
    ASSERT_TRUE(fs::exists(helm4)) << helm4 << " is missing: run scripts/install-tools.sh";
    // A copy of helm-plugin/ outside the source tree: no build/ beside it.
    fs::create_directories(dir.File("src"));
    fs::copy(kSource + "/helm-plugin", dir.File("src/helm-plugin"), fs::copy_options::recursive);
    fs::create_directories(dir.File("bin"));
    fs::copy_file(DOTK8S_POST_BINARY, dir.File("bin/dotk8s-post"));
  }

  // Helm with its own homes; `path` is the whole PATH it (and the plugin) sees.
  RunResult Helm(std::vector<std::string> args, const std::string& path) const {
    std::vector<std::string> argv = {"/usr/bin/env", "-i", "PATH=" + path, "HOME=" + dir.File("home"),
                                     "HELM_DATA_HOME=" + dir.File("helm/data"),
                                     "HELM_CONFIG_HOME=" + dir.File("helm/config"),
                                     "HELM_CACHE_HOME=" + dir.File("helm/cache"), helm4};
    argv.insert(argv.end(), args.begin(), args.end());
    return dotk8s::testing::Run(argv, "");
  }
  RunResult Template(const std::string& path) const {
    return Helm({"template", "x", kSource + "/tests/testdata/mini", "-n", "web", "--post-renderer", "dotk8s-post"},
                path);
  }
  std::string Plugin() const { return dir.File("helm/data/plugins/dotk8s-post"); }
};

// The placed mini chart: dotk8s-post ran.
void ExpectPlaced(const RunResult& run) {
  ASSERT_EQ(run.exit_code, 0) << run.err;
  std::vector<Document> docs = ReadDocs(run.out);
  ASSERT_EQ(FindDocs(docs, "Gateway", "eg").size(), 1u) << run.out;
  EXPECT_EQ(FindDocs(docs, "Gateway", "eg")[0]->Namespace(), "envoy-gateway-system");
}

TEST_F(Helm4PluginInstallTest, FromTheDirectoryItRunsTheInstalledBinary) {
  const std::string path = dir.File("bin") + ":/usr/bin:/bin";
  RunResult install = Helm({"plugin", "install", dir.File("src/helm-plugin/dotk8s-post")}, path);
  ASSERT_EQ(install.exit_code, 0) << install.err;
  EXPECT_NE(install.out.find("dotk8s-post: the plugin runs " + dir.File("bin/dotk8s-post") + " (dotk8s-post 0.1.0)\n"),
            std::string::npos)
      << install.out;
  EXPECT_TRUE(fs::is_symlink(Plugin())) << "Helm links a plugin installed from a directory";
  ExpectPlaced(Template(path));
}

TEST_F(Helm4PluginInstallTest, FromTheDirectoryWithNoBinaryAnywhereItSaysSo) {
  const std::string path = "/usr/bin:/bin";
  RunResult install = Helm({"plugin", "install", dir.File("src/helm-plugin/dotk8s-post")}, path);
  ASSERT_EQ(install.exit_code, 0) << install.err;
  EXPECT_NE(install.out.find("dotk8s-post: warning: the Helm plugin dotk8s-post (" + Plugin() +
                             ") found no dotk8s-post binary: not in its bin/, not in $DOTK8S_POST, not on PATH "
                             "(/usr/bin:/bin), not in a build/ of its source tree\n"),
            std::string::npos)
      << install.out;
  EXPECT_NE(install.out.find("until then every helm command with --post-renderer dotk8s-post fails"),
            std::string::npos);

  // Helm 4 discards the plugin's stderr: the message is in dotk8s-post's log.
  RunResult run = Template(path);
  EXPECT_NE(run.exit_code, 0);
  EXPECT_EQ(run.out, "");
  EXPECT_NE(run.err.find("plugin \"dotk8s-post\" exited with error"), std::string::npos) << run.err;
  const std::string log = ReadFile(dir.File("home/.local/state/dotk8s/dotk8s-post.log"));
  EXPECT_NE(log.find("=== dotk8s-post plugin "), std::string::npos) << log;
  EXPECT_NE(log.find("dotk8s-post: error: the Helm plugin dotk8s-post (" + Plugin() + ") found no dotk8s-post binary"),
            std::string::npos)
      << log;
  EXPECT_NE(log.find("hint: install the release archive"), std::string::npos) << log;
}

TEST_F(Helm4PluginInstallTest, TheReleaseArchiveCarriesTheBinaryAndItsSha256) {
  RunResult dist = dotk8s::testing::Run({kSource + "/scripts/dist.sh", DOTK8S_POST_BINARY, dir.File("dist")}, "");
  ASSERT_EQ(dist.exit_code, 0) << dist.err;
  const std::string archive = dir.File("dist/dotk8s-post-0.1.0-linux-amd64.tgz");
  ASSERT_TRUE(fs::exists(archive)) << dist.out;
  // The .sha256 is what sha256sum -c checks.
  RunResult check = dotk8s::testing::Run({"/usr/bin/env", "-C", dir.File("dist"), "sha256sum", "-c",
                         "dotk8s-post-0.1.0-linux-amd64.tgz.sha256"},
                        "");
  EXPECT_EQ(check.exit_code, 0) << check.err;
  EXPECT_EQ(check.out, "dotk8s-post-0.1.0-linux-amd64.tgz: OK\n");
  // The same bytes again (sorted, no owners, one mtime, gzip -n).
  const std::string first = ReadFile(archive);
  RunResult again = dotk8s::testing::Run({kSource + "/scripts/dist.sh", DOTK8S_POST_BINARY, dir.File("dist")}, "");
  ASSERT_EQ(again.exit_code, 0) << again.err;
  EXPECT_TRUE(first == ReadFile(archive)) << "dist is not reproducible";

  // Without a .prov Helm 4 refuses an archive unless told (README says so).
  const std::string path = "/usr/bin:/bin";  // no dotk8s-post anywhere but in the archive
  RunResult verified = Helm({"plugin", "install", archive}, path);
  EXPECT_NE(verified.exit_code, 0);
  EXPECT_NE(verified.err.find("no provenance file (.prov) found"), std::string::npos) << verified.err;

  RunResult install = Helm({"plugin", "install", archive, "--verify=false"}, path);
  ASSERT_EQ(install.exit_code, 0) << install.err;
  EXPECT_NE(install.out.find("dotk8s-post: the plugin runs " + Plugin() + "/bin/dotk8s-post (dotk8s-post 0.1.0)\n"),
            std::string::npos)
      << install.out;
  ExpectPlaced(Template(path));
}

}  // namespace
}  // namespace dotk8s::testing
