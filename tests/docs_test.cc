// The docs against the product: what depends on the upstream charts' layout
// is shown by a command of the product (issue 14), and the samples of that
// output in the docs are what the command prints for the pinned charts (the
// stand-in archives carry the upstream CRD files).
#include <gtest/gtest.h>

#include <filesystem>
#include <regex>

#include "fakes/driver_sandbox.h"

namespace dotk8s::testing {
namespace {
namespace fs = std::filesystem;

const std::string kSource = DOTK8S_SOURCE_DIR;

// The lines of the sample that follows `$ <command>` in a ``` block of `doc`.
std::vector<std::string> SampleAfter(const std::string& doc, const std::string& command) {
  std::vector<std::string> sample;
  bool in = false;
  for (const std::string& line : Lines(ReadFile(kSource + "/" + doc))) {
    if (in && (line.starts_with("$ ") || line.starts_with("```"))) break;
    if (in) sample.push_back(line);
    if (line.starts_with("$ " + command)) in = true;
  }
  return sample;
}

TEST(DocsTest, CrdsListSampleIsTheCommandsOutput) {
  DriverSandbox sandbox;
  DOTK8S_REQUIRE_SANDBOX(sandbox);
  RunResult run = sandbox.Driver({"crds", "list", "--chart", sandbox.chart});
  ASSERT_EQ(run.exit_code, 0) << run.err;
  const std::vector<std::string> printed = Lines(run.out + run.err);
  const std::vector<std::string> sample = SampleAfter("docs/driver.md", "dotk8s crds list");
  ASSERT_GE(sample.size(), 5u) << "docs/driver.md has no `$ dotk8s crds list` sample";
  for (const std::string& line : sample) {
    EXPECT_NE(std::find(printed.begin(), printed.end(), line), printed.end())
        << "docs/driver.md shows a line `dotk8s crds list` does not print:\n" << line << "\nit prints:\n" << run.out;
  }
}

// No doc tells the user to reach into a chart archive by hand (`tar -x` of a
// dependency, `kubectl apply -f <chart>/crds/<file>.yaml`): a chart bump moves
// those files. `dotk8s crds apply|extract|list` find them.
TEST(DocsTest, NoPathInsideAChartArchiveIsWrittenByHand) {
  std::vector<std::string> docs = {"README.md", "charts/dot-apps/README.md"};
  for (const auto& entry : fs::directory_iterator(kSource + "/docs")) {
    // lifecycle-sources.md cites Helm's and Argo CD's sources, not the charts.
    if (entry.path().extension() == ".md" && entry.path().filename() != "lifecycle-sources.md") {
      docs.push_back("docs/" + entry.path().filename().string());
    }
  }
  const std::regex by_hand(
      R"((^|\s)(tar\b.*\s-?-?[a-zA-Z]*x[a-zA-Z]*\b.*charts/\S+\.tgz|kubectl\s+apply\b.*\s(-f|--filename)[= ]\S*crds/\S+\.ya?ml))");
  std::string found;
  for (const std::string& doc : docs) {
    int number = 0;
    for (const std::string& line : Lines(ReadFile(kSource + "/" + doc))) {
      ++number;
      if (std::regex_search(line, by_hand)) found += fmt::format("{}:{}: {}\n", doc, number, line);
    }
  }
  EXPECT_EQ(found, "") << "use dotk8s crds apply|extract instead";
  // The lint sees what it is meant to.
  EXPECT_TRUE(std::regex_search("tar -xzf charts/dot-apps/charts/gateway-helm-1.7.0.tgz gateway-helm/crds", by_hand));
  EXPECT_TRUE(std::regex_search("kubectl apply --server-side -f gateway-helm/crds/gatewayapi-crds.yaml", by_hand));
  EXPECT_TRUE(std::regex_search("tar -C out -xzf charts/dot-apps/charts/gateway-helm-1.7.0.tgz", by_hand));
  EXPECT_TRUE(std::regex_search("kubectl apply -f crds/gatewayapi-crds.yaml", by_hand));
  EXPECT_TRUE(std::regex_search("kubectl apply --filename=x/crds/a.yml", by_hand));
  EXPECT_FALSE(std::regex_search("dotk8s crds extract -o crds && kubectl apply --server-side -R -f crds", by_hand));
}

}  // namespace
}  // namespace dotk8s::testing
