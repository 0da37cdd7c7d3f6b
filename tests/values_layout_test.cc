// The profiles' layout (docs/chart.md, "Profiles"): reached at the repository's
// top-level values/, a relative link to charts/dot-apps/values, so that the
// chart itself carries them: `helm package` puts them into the archive, lint and
// template take `-f values/NAME.yaml` from the top level under both Helm
// versions, and `dotk8s bundle` carries every one.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>

#include "fakes/driver_sandbox.h"

namespace dotk8s::testing {
namespace {
namespace fs = std::filesystem;

const fs::path kSource = DOTK8S_SOURCE_DIR;

// The profile names under the top-level values/ (through the link), sorted.
std::vector<std::string> TopLevelProfiles() {
  std::vector<std::string> names;
  for (const fs::directory_entry& entry : fs::directory_iterator(kSource / "values")) {
    if (entry.path().extension() == ".yaml") names.push_back(entry.path().stem().string());
  }
  std::sort(names.begin(), names.end());
  return names;
}

TEST(ValuesLayoutTest, TopLevelValuesIsARelativeLinkIntoTheChart) {
  const fs::path link = kSource / "values";
  ASSERT_TRUE(fs::is_symlink(link)) << link << " should be a link to charts/dot-apps/values";
  const fs::path target = fs::read_symlink(link);
  EXPECT_EQ(target, fs::path("charts/dot-apps/values"));
  // Argo CD refuses a repository with a link that is absolute or leaves it
  // (CheckOutOfBoundsSymlinks in util/app/path).
  EXPECT_FALSE(target.is_absolute());
  EXPECT_FALSE(target.lexically_normal().string().starts_with("..")) << target;
  EXPECT_TRUE(fs::equivalent(link, kSource / "charts/dot-apps/values"));
  EXPECT_EQ(TopLevelProfiles(), (std::vector<std::string>{"autoscaling", "default", "gateway", "helm3", "migration"}));
}

// A checkout's layout in a scratch directory: charts/dot-apps (the workspace's
// copy, the stand-ins in its charts/) and the repository's own `values` link.
class ValuesLayoutHelmTest : public ::testing::TestWithParam<HelmVersion> {
 protected:
  void SetUp() override {
    ASSERT_TRUE(GetChartWorkspace().error.empty()) << GetChartWorkspace().error;
    fs::create_directories(top_.File("charts"));
    fs::copy(GetChartWorkspace().chart, top_.File("charts/dot-apps"), fs::copy_options::recursive);
    fs::create_symlink(fs::read_symlink(kSource / "values"), top_.File("values"));
  }
  // Helm 3's strategy: Envoy Gateway's namespace and the helm3 profile first.
  std::vector<std::string> NamespaceAndProfile(const std::string& profile) const {
    std::vector<std::string> args{"-n", std::string(ReleaseNamespace(GetParam()))};
    if (GetParam() == HelmVersion::k3) args.insert(args.end(), {"-f", "values/helm3.yaml"});
    args.insert(args.end(), {"-f", "values/" + profile + ".yaml"});
    return args;
  }
  ScratchDir top_;
};

TEST_P(ValuesLayoutHelmTest, PackagedChartCarriesEveryProfileAndLints) {
  RunResult packaged = RunHelmIn(top_.path, GetParam(), {"package", "charts/dot-apps", "-d", "out"});
  ASSERT_EQ(packaged.exit_code, 0) << packaged.out << packaged.err;
  // No link inside the chart: Helm says nothing about one.
  EXPECT_EQ(packaged.err.find("symbolic link"), std::string::npos) << packaged.err;
  const std::string archive = top_.File("out/dot-apps-0.1.0.tgz");
  RunResult listed = dotk8s::testing::Run({"/bin/tar", "-tzf", archive}, "");
  ASSERT_EQ(listed.exit_code, 0) << listed.err;
  const std::vector<std::string> members = Lines(listed.out);
  for (const std::string& profile : TopLevelProfiles()) {
    const std::string member = "dot-apps/values/" + profile + ".yaml";
    EXPECT_NE(std::find(members.begin(), members.end(), member), members.end()) << member << "\n" << listed.out;
  }
  // The archive lints with a profile given from the top level.
  std::vector<std::string> lint{"lint", "out/dot-apps-0.1.0.tgz"};
  for (const std::string& arg : NamespaceAndProfile("autoscaling")) lint.push_back(arg);
  RunResult linted = RunHelmIn(top_.path, GetParam(), lint);
  EXPECT_EQ(linted.exit_code, 0) << linted.out << linted.err;
  EXPECT_NE(linted.out.find("1 chart(s) linted, 0 chart(s) failed"), std::string::npos) << linted.out;
}

TEST_P(ValuesLayoutHelmTest, RendersWithTopLevelProfilesThroughThePostRenderer) {
  // gateway turns KEDA off, autoscaling on: the top-level file is the one read.
  for (const char* profile : {"gateway", "autoscaling"}) {
    std::vector<std::string> args{"template", "dot-apps", "charts/dot-apps"};
    for (const std::string& arg : NamespaceAndProfile(profile)) args.push_back(arg);
    args.insert(args.end(), {"--post-renderer", GetParam() == HelmVersion::k3 ? DOTK8S_POST_BINARY : "dotk8s-post"});
    RunResult run = RunHelmIn(top_.path, GetParam(), args);
    ASSERT_EQ(run.exit_code, 0) << profile << ": " << run.err << PostLogTail();
    EXPECT_EQ(run.err.find("symbolic link"), std::string::npos) << run.err;
    std::vector<Document> docs = ReadDocs(run.out);
    EXPECT_EQ(FindDocs(docs, "Gateway", "eg").size(), 1u) << profile;
    const std::size_t grants = std::string_view(profile) == "autoscaling" ? 1u : 0u;
    EXPECT_EQ(FindDocs(docs, "ReferenceGrant", "keda-interceptor").size(), grants) << profile;
  }
}

INSTANTIATE_TEST_SUITE_P(BothHelmVersions, ValuesLayoutHelmTest, ::testing::Values(HelmVersion::k4, HelmVersion::k3));

TEST(ValuesLayoutTest, BundleCarriesEveryTopLevelProfile) {
  DriverSandbox sandbox;
  DOTK8S_REQUIRE_SANDBOX(sandbox);
  RunResult planned =
      sandbox.Driver({"bundle", "-o", sandbox.root + "/bundle.tar.gz", "--chart", sandbox.chart, "--dry-run"});
  ASSERT_EQ(planned.exit_code, 0) << planned.err;
  const std::vector<std::string> lines = Lines(planned.out);
  for (const std::string& profile : TopLevelProfiles()) {
    const std::string line = "would add chart/dot-apps/values/" + profile + ".yaml";
    EXPECT_NE(std::find(lines.begin(), lines.end(), line), lines.end()) << line << "\n" << planned.out;
  }
}

}  // namespace
}  // namespace dotk8s::testing
