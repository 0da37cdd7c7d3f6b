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
  // dotk8s-post-<version>-linux-<arch>.tgz: the name Helm strips to the plugin's.
  std::string name;
  for (const auto& entry : fs::directory_iterator(dir.File("dist"))) {
    if (entry.path().extension() == ".tgz") name = entry.path().filename().string();
  }
  ASSERT_TRUE(name.starts_with("dotk8s-post-0.1.0-linux-")) << dist.out;
  const std::string archive = dir.File("dist/" + name);
  // The .sha256 is what sha256sum -c checks.
  RunResult check = dotk8s::testing::Run({"/usr/bin/env", "-C", dir.File("dist"), "sha256sum", "-c", name + ".sha256"},
                                         "");
  EXPECT_EQ(check.exit_code, 0) << check.err;
  EXPECT_EQ(check.out, name + ": OK\n");
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

// The script alone, as Helm runs it: a dotk8s-post on PATH that is a link to
// the script is skipped (it would exec itself forever), and a build/ two
// levels up counts only for a plugin that is the source tree's own directory.
TEST_F(Helm4PluginInstallTest, TheScriptNeverRunsItselfNorAStrangersBuild) {
  const std::string script = dir.File("src/helm-plugin/dotk8s-post/dotk8s-post.sh");
  auto run_script = [&](const std::string& plugin_dir, const std::string& path) {
    return dotk8s::testing::Run({"/usr/bin/env", "-i", "PATH=" + path, "HOME=" + dir.File("home"),
                                 "HELM_PLUGIN_DIR=" + plugin_dir, "/usr/bin/timeout", "10", script,
                                 "--dotk8s-plugin-check"},
                                "");
  };
  fs::create_directories(dir.File("loop"));
  fs::create_symlink(script, dir.File("loop/dotk8s-post"));
  RunResult loop = run_script(dir.File("src/helm-plugin/dotk8s-post"), dir.File("loop") + ":/usr/bin:/bin");
  EXPECT_EQ(loop.exit_code, 0) << loop.err;  // timeout would say 124
  EXPECT_NE(loop.out.find("found no dotk8s-post binary"), std::string::npos) << loop.out;

  // A copied plugin under a directory with build/dotk8s-post beside plugins/ (say /tmp/x).
  fs::create_directories(dir.File("x/plugins"));
  fs::create_directories(dir.File("x/build"));
  fs::copy(dir.File("src/helm-plugin/dotk8s-post"), dir.File("x/plugins/dotk8s-post"), fs::copy_options::recursive);
  fs::copy_file(DOTK8S_POST_BINARY, dir.File("x/build/dotk8s-post"));
  RunResult stranger = run_script(dir.File("x/plugins/dotk8s-post"), "/usr/bin:/bin");
  EXPECT_NE(stranger.out.find("found no dotk8s-post binary"), std::string::npos) << stranger.out;

  // The source tree's own plugin directory, linked as Helm links it: its build/ is used.
  fs::create_directories(dir.File("tree/build"));
  fs::copy(dir.File("src/helm-plugin"), dir.File("tree/helm-plugin"), fs::copy_options::recursive);
  WriteFile(dir.File("tree/CMakeLists.txt"), "");
  fs::copy_file(DOTK8S_POST_BINARY, dir.File("tree/build/dotk8s-post"));
  fs::create_directories(dir.File("linked"));
  fs::create_directory_symlink(dir.File("tree/helm-plugin/dotk8s-post"), dir.File("linked/dotk8s-post"));
  RunResult own = run_script(dir.File("linked/dotk8s-post"), "/usr/bin:/bin");
  EXPECT_EQ(own.out, "dotk8s-post: the plugin runs " + dir.File("tree/build/dotk8s-post") + " (dotk8s-post 0.1.0)\n");
  // ... unless someone else may write it.
  fs::permissions(dir.File("tree/build/dotk8s-post"), fs::perms::others_write, fs::perm_options::add);
  RunResult writable = run_script(dir.File("linked/dotk8s-post"), "/usr/bin:/bin");
  EXPECT_NE(writable.out.find("found no dotk8s-post binary"), std::string::npos) << writable.out;
}

}  // namespace
}  // namespace dotk8s::testing
