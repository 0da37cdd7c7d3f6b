// The model's own rules on small hand-written streams: what each route sends
// first, what it deletes and keeps, and that each invariant can fail.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "lifecycle/route_model.h"

namespace dotk8s::lifecycle {
namespace {

// The index of the first event on `name` with `verb`, or -1.
[[maybe_unused]] int IndexOf(const StepResult& step, std::string_view verb, std::string_view kind, std::string_view name) {
  for (std::size_t i = 0; i < step.events.size(); ++i) {
    const Event& e = step.events[i];
    if (e.verb == verb && e.object.kind == kind && e.object.name == name) return static_cast<int>(i);
  }
  return -1;
}

constexpr std::string_view kCrd = R"(apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: widgets.example.com
spec:
  group: example.com
  names:
    kind: Widget
    plural: widgets
  scope: Namespaced
  versions:
  - name: v1
    served: true
    storage: true
  - name: v0
    served: false
    storage: false
)";

TEST(LifecycleModelTest, ReadsCrdFactsWithTheProjectsReader) {
  std::vector<ObjectSpec> objects;
  std::string error;
  ASSERT_TRUE(ReadManifest(kCrd, &objects, &error)) << error;
  ASSERT_EQ(objects.size(), 1u);
  ASSERT_TRUE(objects[0].crd.has_value());
  EXPECT_EQ(objects[0].crd->group, "example.com");
  EXPECT_EQ(objects[0].crd->kind, "Widget");
  EXPECT_EQ(objects[0].crd->plural, "widgets");
  EXPECT_FALSE(objects[0].crd->cluster_scoped);
  EXPECT_EQ(objects[0].crd->served_versions, std::vector<std::string>{"v1"});
}

TEST(LifecycleModelTest, ServedKindsFollowLiveCrds) {
  Cluster cluster = EmptyCluster();
  EXPECT_TRUE(IsServed(cluster, "apps", "v1", "Deployment"));
  EXPECT_FALSE(IsServed(cluster, "example.com", "v1", "Widget"));
  StepResult applied = KubectlApply(cluster, kCrd, StepKind::kInstall);
  ASSERT_TRUE(applied.ok) << FormatStep(applied);
  EXPECT_TRUE(IsServed(cluster, "example.com", "v1", "Widget"));
  EXPECT_FALSE(IsServed(cluster, "example.com", "v0", "Widget"));
  EXPECT_EQ(ServedCustomKinds(cluster), std::vector<std::string>{"example.com/v1/Widget"});
}

}  // namespace
}  // namespace dotk8s::lifecycle
