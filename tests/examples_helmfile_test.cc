// examples/helmfile: helmfile itself is not installable here, so this checks
// the file's shape and runs the helm command helmfile builds from it (real
// Helm 4, the dotk8s-post plugin, the stand-in charts).
#include <gtest/gtest.h>
#include <yaml-cpp/yaml.h>

#include <filesystem>
#include <set>

#include "chart_workspace.h"
#include "test_support.h"

namespace dotk8s::testing {
namespace {
namespace fs = std::filesystem;

const std::string kHelmfileDir = std::string(DOTK8S_SOURCE_DIR) + "/examples/helmfile";

TEST(ExamplesHelmfileTest, ShapeOfTheRelease) {
  YAML::Node file = YAML::LoadFile(kHelmfileDir + "/helmfile.yaml");
  ASSERT_TRUE(file["releases"].IsSequence());
  ASSERT_EQ(file["releases"].size(), 1u);
  YAML::Node release = file["releases"][0];
  // Keys helmfile knows for a release (a typo would be ignored by helmfile).
  const std::set<std::string> known = {"name", "namespace", "chart", "version", "values", "set",
                                       "postRenderer", "postRendererArgs", "labels", "needs"};
  for (const auto& entry : release) EXPECT_TRUE(known.count(entry.first.as<std::string>())) << entry.first;
  EXPECT_EQ(release["name"].as<std::string>(), "dot-apps");
  EXPECT_EQ(release["postRenderer"].as<std::string>(), "dotk8s-post");
  const std::string chart = (fs::path(kHelmfileDir) / release["chart"].as<std::string>()).lexically_normal().string();
  EXPECT_EQ(chart, std::string(DOTK8S_SOURCE_DIR) + "/charts/dot-apps");
  for (const YAML::Node& values : release["values"]) {
    EXPECT_TRUE(fs::exists(fs::path(kHelmfileDir) / values.as<std::string>())) << values;
  }
  EXPECT_EQ(release["postRendererArgs"][0].as<std::string>(),
            "--release-namespace=" + release["namespace"].as<std::string>());
}

TEST(ExamplesHelmfileTest, TheHelmCommandHelmfileRuns) {
  const ChartWorkspace& workspace = GetChartWorkspace();
  ASSERT_TRUE(workspace.error.empty()) << workspace.error;
  YAML::Node release = YAML::LoadFile(kHelmfileDir + "/helmfile.yaml")["releases"][0];
  // `helmfile template` runs: helm template NAME CHART --namespace NS --values V...
  // --post-renderer PR --post-renderer-args ARG... (flag and value apart).
  // The chart is the workspace's copy of charts/dot-apps (stand-ins in charts/).
  const fs::path repository_chart = (fs::path(kHelmfileDir) / release["chart"].as<std::string>()).lexically_normal();
  std::vector<std::string> args = {"template", release["name"].as<std::string>(), workspace.chart, "--namespace",
                                   release["namespace"].as<std::string>()};
  for (const YAML::Node& values : release["values"]) {
    fs::path file = (fs::path(kHelmfileDir) / values.as<std::string>()).lexically_normal();
    args.push_back("--values");
    args.push_back(workspace.chart + "/" + fs::relative(file, repository_chart).string());
  }
  args.push_back("--post-renderer");
  args.push_back(release["postRenderer"].as<std::string>());
  bool validates = false;
  for (const YAML::Node& arg : release["postRendererArgs"]) {
    std::string value = arg.as<std::string>();
    if (value.rfind("--crds=", 0) == 0) {
      // The repository's charts/dot-apps/charts, here the workspace copy holding the stand-ins.
      const fs::path crds = (fs::path(kHelmfileDir) / value.substr(7)).lexically_normal();
      value = "--crds=" + workspace.chart + "/" + fs::relative(crds, repository_chart).string();
      validates = true;
    }
    args.push_back("--post-renderer-args");
    args.push_back(value);
  }
  EXPECT_TRUE(validates) << "the helmfile release should pass the dependency archives as --crds";
  RunResult run = RunHelm(HelmVersion::k4, args);
  ASSERT_EQ(run.exit_code, 0) << run.err << PostLogTail();
  std::vector<Document> docs = ReadDocs(run.out);
  auto gateway = FindDocs(docs, "Gateway", "eg");
  ASSERT_EQ(gateway.size(), 1u);
  EXPECT_EQ(gateway[0]->Namespace(), "envoy-gateway-system");
  EXPECT_EQ(FindDocs(docs, "ReferenceGrant", "keda-interceptor").size(), 1u);  // the autoscaling profile
  EXPECT_EQ(FindDocs(docs, "PodMonitor", "envoy-gateway-proxy").size(), 1u);
}

}  // namespace
}  // namespace dotk8s::testing
