// What the driver reads from renders and manifests: the namespaces to create
// (dotk8s-post's injected Namespaces with their labels, hook annotations
// stripped), the release's CRDs and Namespaces to protect, dotk8s-post's notes.
#include "driver/release/rendered.h"

#include <gtest/gtest.h>

#include <sstream>

#include "driver/release/plan.h"
#include "driver/release/protection.h"
#include "fakes/release_documents.h"

namespace dotk8s {
namespace {

constexpr std::string_view kRender = R"(---
# Source: dot-apps/templates/dotk8s-post/namespaces.yaml
apiVersion: v1
kind: Namespace
metadata:
  name: prometheus-system
  labels:
    app.kubernetes.io/part-of: dot-apps
    monitoring: "yes"
  annotations:
    helm.sh/hook: pre-install,pre-upgrade
    helm.sh/hook-weight: "-1000"
    helm.sh/hook-delete-policy: hook-failed
    helm.sh/resource-policy: keep
---
# Source: dot-apps/charts/kube-prometheus-stack/templates/prometheus.yaml
apiVersion: monitoring.coreos.com/v1
kind: Prometheus
metadata:
  name: kube-prometheus-stack-prometheus
  namespace: prometheus-system
---
# Source: dot-apps/charts/keda/templates/operator.yaml
apiVersion: apps/v1
kind: Deployment
metadata:
  name: keda-operator
  namespace: keda
---
# Source: dot-apps/charts/traefik/templates/namespace.yaml
apiVersion: v1
kind: Namespace
metadata:
  name: traefik-own
)";

TEST(DriverRenderedReleaseTest, InjectedNamespacesKeepLabelsAndLoseHookAnnotations) {
  RenderedRelease release;
  std::string error;
  ASSERT_TRUE(ReadRenderedRelease(kRender, "dot-system", &release, &error)) << error;
  // traefik-own is the release's own Namespace: helm creates it, dotk8s does not.
  EXPECT_EQ(release.namespaces, (std::vector<std::string>{"dot-system", "keda", "prometheus-system"}));
  EXPECT_EQ(release.charts, (std::vector<std::string>{"keda", "kube-prometheus-stack", "traefik"}));
  ASSERT_EQ(release.injected_namespaces.size(), 1u);
  EXPECT_EQ(release.injected_namespaces[0].first, "prometheus-system");
  EXPECT_EQ(NamespaceManifests(release),
            "---\napiVersion: v1\nkind: Namespace\nmetadata:\n  name: dot-system\n"
            "---\napiVersion: v1\nkind: Namespace\nmetadata:\n  name: keda\n"
            "---\napiVersion: v1\nkind: Namespace\nmetadata:\n  name: prometheus-system\n  labels:\n"
            "    app.kubernetes.io/part-of: dot-apps\n    monitoring: 'yes'\n  annotations:\n"
            "    helm.sh/resource-policy: keep\n");
}

TEST(DriverRenderedReleaseTest, InjectedPaths) {
  EXPECT_TRUE(IsInjectedPath("dot-apps/templates/dotk8s-post/namespaces.yaml"));
  EXPECT_TRUE(IsInjectedPath("my-umbrella/templates/dotk8s-post/gateway.yaml"));
  EXPECT_FALSE(IsInjectedPath("dot-apps/templates/dotk8s-settings.yaml"));
  EXPECT_FALSE(IsInjectedPath("dot-apps/charts/keda/templates/dotk8s-post/x.yaml"));
  EXPECT_FALSE(IsInjectedPath(""));
}

TEST(DriverRenderedReleaseTest, ReleaseKeepsAreItsCrdsAndNamespaces) {
  const std::string kManifest =
      testing::Stream({testing::kKedaScaledObjectCrd, testing::kKedaNamespace, testing::kKedaOperator}) + R"(---
apiVersion: example.com/v1
kind: Namespace
metadata:
  name: not-a-core-namespace
)";
  ReleaseKeeps keeps;
  std::string error;
  ASSERT_TRUE(ReadReleaseKeeps(kManifest, &keeps, &error)) << error;
  EXPECT_EQ(keeps.crds, (std::vector<std::string>{"scaledobjects.keda.sh"}));
  EXPECT_EQ(keeps.namespaces, (std::vector<std::string>{"keda"}));

  ReleaseKeeps none;
  ASSERT_TRUE(ReadReleaseKeeps("", &none, &error)) << error;
  EXPECT_TRUE(none.crds.empty());
  EXPECT_TRUE(none.namespaces.empty());
}

TEST(DriverRenderedReleaseTest, PlanNotesArePrefixedOnePerLine) {
  std::ostringstream out, err;
  DriverContext context;
  context.out = &out;
  context.err = &err;
  PrintPlanNotes(context, "note: first\r\nnote: second one\n\nwithout prefix\n");
  EXPECT_EQ(err.str(), "dotk8s-post: first\ndotk8s-post: second one\ndotk8s-post: without prefix\n");
  EXPECT_EQ(out.str(), "");
  std::ostringstream quiet;
  context.err = &quiet;
  PrintPlanNotes(context, "");
  EXPECT_EQ(quiet.str(), "");
}

}  // namespace
}  // namespace dotk8s
