// The notes validation leaves in the plan (--explain, --notes) list the
// schemas in the order the stream first needs them. They followed the
// compiled schemas' map, ordered by address: any allocation elsewhere
// reordered the CEL note (issue 20's memory change did), and two fixtures
// gave two orders.
#include <gtest/gtest.h>

#include <fmt/format.h>

#include <algorithm>
#include <string>
#include <vector>

#include "core/pipeline.h"
#include "crd_test_util.h"
#include "post_test_util.h"
#include "test_support.h"

namespace dotk8s {
namespace {

using testing::Fixture;

std::string CelNote(const Plan& plan) {
  for (const std::string& note : plan.notes) {
    if (note.find("x-kubernetes-validations (CEL)") != std::string::npos) return note;
  }
  return "no CEL note";
}

TEST(ValidateNotesOrderTest, TheCelNoteListsSchemasInStreamOrder) {
  for (const char* name : {"helm4-all.yaml", "helm4-all-plus-traefik.yaml", "helm4-envoy-prometheus.yaml"}) {
    const std::string input = Fixture(name);
    PostRenderOptions options;
    options.validate.crd_paths = {testing::FixtureCrds()};
    options.validate.mode = ValidateMode::kAll;
    PostRenderResult result = RunPostRenderer(input, options);
    ASSERT_TRUE(result.ok) << name;
    // The kinds with CEL rules, in the order their first object comes in the
    // output (injected objects after the input's), found without the pass.
    std::vector<std::string> expected;
    for (const Document& doc : result.documents) {
      if (doc.removed) continue;
      const std::string kind(doc.Kind());
      if (kind != "Alertmanager" && kind != "Prometheus" && kind != "GatewayClass" && kind != "Gateway") continue;
      const std::string entry = kind + " v1";
      if (std::find(expected.begin(), expected.end(), entry) == expected.end()) expected.push_back(entry);
    }
    EXPECT_EQ(CelNote(result.plan),
              fmt::format("18 x-kubernetes-validations (CEL) rules in the schemas of {} not checked; the API server "
                          "checks them",
                          fmt::join(expected, ", ")))
        << name;
  }
}

}  // namespace
}  // namespace dotk8s
