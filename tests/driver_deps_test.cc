// dotk8s deps on real .tgz archives built from the stand-in charts.
#include <gtest/gtest.h>

#include <filesystem>

#include "driver/bundles/archive_io.h"
#include "fakes/driver_sandbox.h"

namespace dotk8s::testing {
namespace {
namespace fs = std::filesystem;

struct DriverDepsTest : ::testing::Test {
  DriverSandbox sandbox;
  std::string cache;
  void SetUp() override {
    DOTK8S_REQUIRE_SANDBOX(sandbox);
    fs::remove_all(sandbox.chart + "/charts");
    cache = sandbox.root + "/chart-cache";
    fs::create_directories(cache);
  }
  std::size_t ArchivesInChart() const {
    std::size_t count = 0;
    if (!fs::exists(sandbox.chart + "/charts")) return 0;
    for (const auto& entry : fs::directory_iterator(sandbox.chart + "/charts")) count += entry.path().extension() == ".tgz";
    return count;
  }
};

TEST_F(DriverDepsTest, FromTheChartCache) {
  for (const auto& entry : fs::directory_iterator(sandbox.archives)) {
    fs::copy_file(entry.path(), cache + "/" + entry.path().filename().string());
  }
  RunResult run = sandbox.Driver({"deps", "--chart", sandbox.chart, "--cache", cache});
  ASSERT_EQ(run.exit_code, 0) << run.err;
  EXPECT_EQ(ArchivesInChart(), 5u);
  std::vector<std::string> lines = Lines(run.out);
  ASSERT_EQ(lines.size(), 5u) << run.out;
  EXPECT_EQ(lines[0], "ok       traefik                  39.0.0   charts/traefik-39.0.0.tgz");
  EXPECT_EQ(lines[4], "ok       kube-prometheus-stack    82.2.1   charts/kube-prometheus-stack-82.2.1.tgz");
  EXPECT_TRUE(sandbox.Recorded().empty()) << "nothing needed the network";
  // The default cache is ~/.cache/dotk8s/charts (XDG_CACHE_HOME here).
  fs::remove_all(sandbox.chart + "/charts");
  fs::create_directories(sandbox.cache + "/dotk8s");
  fs::rename(cache, sandbox.cache + "/dotk8s/charts");
  run = sandbox.Driver({"deps", "--chart", sandbox.chart});
  ASSERT_EQ(run.exit_code, 0) << run.err;
  EXPECT_EQ(ArchivesInChart(), 5u);
}

// An archive is judged by the Chart.yaml inside it, not by its file name.
TEST_F(DriverDepsTest, ArchivesAreCheckedByTheirOwnChartYaml) {
  for (const auto& entry : fs::directory_iterator(sandbox.archives)) {
    fs::copy_file(entry.path(), cache + "/" + entry.path().filename().string());
  }
  // The cache's keda-2.19.0.tgz is really the HTTP add-on.
  fs::copy_file(sandbox.archives + "/keda-add-ons-http-0.12.2.tgz", cache + "/keda-2.19.0.tgz",
                fs::copy_options::overwrite_existing);
  RunResult run = sandbox.Driver({"deps", "--chart", sandbox.chart, "--cache", cache, "--offline"});
  EXPECT_EQ(run.exit_code, 3);
  EXPECT_NE(run.err.find(cache + "/keda-2.19.0.tgz holds keda-add-ons-http 0.12.2, not keda 2.19.0"),
            std::string::npos)
      << run.err;
  EXPECT_NE(run.out.find("missing  keda                     2.19.0   keda 2.19.0 is missing (charts/keda-2.19.0.tgz)"),
            std::string::npos)
      << run.out;
  EXPECT_EQ(ArchivesInChart(), 4u);

  // In charts/: an archive named for the pinned version that holds another one.
  std::string error;
  ASSERT_TRUE(WriteTarGz(sandbox.chart + "/charts/keda-2.19.0.tgz",
                         {{"keda/Chart.yaml", "apiVersion: v2\nname: keda\nversion: 2.18.0\n", false}}, &error))
      << error;
  run = sandbox.Driver({"deps", "--chart", sandbox.chart, "--check"});
  EXPECT_EQ(run.exit_code, 3);
  EXPECT_NE(run.out.find("charts/keda-2.19.0.tgz holds keda 2.18.0, Chart.yaml pins 2.19.0"), std::string::npos)
      << run.out;
}

TEST_F(DriverDepsTest, OfflineWithoutCacheSaysWhatToDo) {
  RunResult run = sandbox.Driver({"deps", "--chart", sandbox.chart, "--cache", cache});
  EXPECT_EQ(run.exit_code, 3);
  // It tried the network once, through helm.
  auto calls = sandbox.Recorded();
  ASSERT_EQ(calls.size(), 1u);
  EXPECT_EQ(calls[0], (std::vector<std::string>{"helm", "HELM_PLUGINS=" + sandbox.data + "/dotk8s/helm3-plugins",
                                                "dependency", "build", sandbox.chart}));
  const std::string wanted =
      "traefik-39.0.0.tgz, gateway-helm-1.7.0.tgz, keda-2.19.0.tgz, keda-add-ons-http-0.12.2.tgz, "
      "kube-prometheus-stack-82.2.1.tgz";
  EXPECT_NE(run.err.find("helm dependency build failed: Error: could not download"), std::string::npos) << run.err;
  EXPECT_NE(run.err.find("dotk8s: error: cannot complete the chart's dependencies: " + wanted +
                         " not in the chart cache " + cache + " and not fetchable (no network?)\n"),
            std::string::npos)
      << run.err;
  EXPECT_NE(run.err.find("hint: copy the pinned archives (" + wanted + ") into " + cache +
                         " (or pass --cache DIR), or use `dotk8s deps --bundle FILE`"),
            std::string::npos)
      << run.err;
}

TEST_F(DriverDepsTest, NetworkThroughHelmDependencyBuild) {
  RunResult run = sandbox.Driver({"deps", "--chart", sandbox.chart, "--cache", cache},
                                 {"FAKE_HELM_DEP_SOURCE=" + sandbox.archives});
  ASSERT_EQ(run.exit_code, 0) << run.err;
  EXPECT_EQ(ArchivesInChart(), 5u);
  EXPECT_EQ(sandbox.Recorded().size(), 1u);
}

TEST_F(DriverDepsTest, DryRunCopiesNothing) {
  for (const auto& entry : fs::directory_iterator(sandbox.archives)) {
    fs::copy_file(entry.path(), cache + "/" + entry.path().filename().string());
  }
  RunResult run = sandbox.Driver({"deps", "--chart", sandbox.chart, "--cache", cache, "--dry-run"});
  ASSERT_EQ(run.exit_code, 0) << run.err;
  EXPECT_EQ(ArchivesInChart(), 0u);
  EXPECT_NE(run.out.find("cp " + cache + "/keda-2.19.0.tgz " + sandbox.chart + "/charts/keda-2.19.0.tgz"),
            std::string::npos)
      << run.out;
}

}  // namespace
}  // namespace dotk8s::testing
