// Gateway API CRDs when Traefik is on beside Envoy Gateway: both charts carry
// them in crds/ (Traefik: v1.4.0 standard; Envoy Gateway: v1.4.1 experimental).
// Helm installs crds/ files chart by chart in Chart.yaml's dependency order
// (Chart.CRDObjects after processDependencyEnabled); Helm 3 creates each and
// skips one that exists (first wins), Helm 4 applies each server-side with one
// field manager (last wins). The chart lists traefik before gateway-helm, so
// under Helm 4 Envoy Gateway's bundle is the one the cluster keeps. See
// docs/chart.md, "Gateway API CRDs". `--include-crds` prints them in that order.

#include <gtest/gtest.h>

#include <fmt/format.h>

#include <map>
#include <set>
#include <string>
#include <vector>

#include "chart_workspace.h"
#include "test_support.h"

namespace dotk8s::testing {
namespace {

constexpr std::string_view kGatewayApiGroup = ".gateway.networking.k8s.io";

struct GatewayApiCrd {
  std::string name;
  std::string bundle;  ///< "v1.4.1 experimental" (Envoy Gateway's), "v1.4.0 standard" (Traefik's)
};

std::string AnnotationValue(std::string_view text, std::string_view key) {
  std::size_t at = text.find(std::string(key) + ": ");
  if (at == std::string_view::npos) return {};
  at += key.size() + 2;
  return std::string(text.substr(at, text.find('\n', at) - at));
}

/// The Gateway API CRDs of a stream, in order, with the bundle each came from.
std::vector<GatewayApiCrd> GatewayApiCrds(const std::string& stream) {
  std::vector<GatewayApiCrd> crds;
  for (const Document& doc : ReadDocs(stream)) {
    if (doc.Kind() != "CustomResourceDefinition") continue;
    std::string_view name = doc.Name();
    if (name.size() <= kGatewayApiGroup.size() || !name.ends_with(kGatewayApiGroup)) continue;
    const std::string text = doc.Text();
    crds.push_back({std::string(name), fmt::format("{} {}", AnnotationValue(text, "gateway.networking.k8s.io/bundle-version"),
                                                   AnnotationValue(text, "gateway.networking.k8s.io/channel"))});
  }
  return crds;
}

constexpr std::string_view kEnvoyGatewayBundle = "v1.4.1 experimental";
constexpr std::string_view kTraefikBundle = "v1.4.0 standard";

/// For each CRD name: the bundles of its documents in stream order.
std::map<std::string, std::vector<std::string>> BundlesByName(const std::vector<GatewayApiCrd>& crds) {
  std::map<std::string, std::vector<std::string>> by_name;
  for (const GatewayApiCrd& crd : crds) by_name[crd.name].push_back(crd.bundle);
  return by_name;
}

class ChartCrdsTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(GetChartWorkspace().error.empty()) << GetChartWorkspace().error; }
};

/// Asserts what the order of `--include-crds` output shows: Traefik's file
/// first, Envoy Gateway's after it, and the CRDs both carry.
void ExpectTraefikBundleBeforeEnvoyGateways(const std::string& out) {
  std::size_t traefik = out.find("# Source: dot-apps/charts/traefik/crds/gateway-standard-install.yaml");
  std::size_t envoy_gateway = out.find("# Source: dot-apps/charts/gateway-helm/crds/gatewayapi-crds.yaml");
  ASSERT_NE(traefik, std::string::npos);
  ASSERT_NE(envoy_gateway, std::string::npos);
  EXPECT_LT(traefik, envoy_gateway) << "Helm installs crds/ in Chart.yaml's dependency order: traefik first";
  std::map<std::string, std::vector<std::string>> by_name = BundlesByName(GatewayApiCrds(out));
  std::size_t shared = 0;
  for (const auto& [name, bundles] : by_name) {
    if (bundles.size() < 2) {
      EXPECT_EQ(bundles, std::vector<std::string>{std::string(kEnvoyGatewayBundle)}) << name;
      continue;
    }
    ++shared;
    EXPECT_EQ(bundles, (std::vector<std::string>{std::string(kTraefikBundle), std::string(kEnvoyGatewayBundle)}))
        << name;
  }
  // BackendTLSPolicy, GatewayClass, Gateway, GRPCRoute, HTTPRoute, ReferenceGrant.
  EXPECT_EQ(shared, 6U);
}

// Helm 4 (server-side apply, last applied wins): Envoy Gateway's bundle is applied last.
TEST_F(ChartCrdsTest, Helm4AppliesEnvoyGatewaysGatewayApiBundleLast) {
  RunResult run = RenderThroughPost(HelmVersion::k4, {"-f", Profile("migration"), "--include-crds"});
  ASSERT_EQ(run.exit_code, 0) << run.err << PostLogTail();
  ExpectTraefikBundleBeforeEnvoyGateways(run.out);
}

// Helm 3 (create, first one wins) reads crds/ in the same order, so Traefik's
// standard bundle would win: with Helm 3 and Traefik on, Envoy Gateway's bundle
// must be applied before helm install (the dotk8s driver does; docs/chart.md).
TEST_F(ChartCrdsTest, Helm3InstallsCrdsInTheSameChartOrder) {
  RunResult run = RunHelm(HelmVersion::k3, {"template", "dot-apps", GetChartWorkspace().chart, "-n",
                                            "envoy-gateway-system", "-f", Profile("helm3"), "-f",
                                            Profile("migration"), "--include-crds"});
  ASSERT_EQ(run.exit_code, 0) << run.err;
  ExpectTraefikBundleBeforeEnvoyGateways(run.out);
}

// Helm 3 hands `--include-crds` output to the post-renderer (Helm 4 never
// does): what comes out, for `kubectl apply` or Argo CD, holds each Gateway API
// CRD once, from Envoy Gateway's bundle.
TEST_F(ChartCrdsTest, Helm3IncludeCrdsThroughThePostRendererKeepsEnvoyGatewaysBundle) {
  RunResult run = RenderThroughPost(HelmVersion::k3, {"-f", Profile("migration"), "--include-crds"});
  ASSERT_EQ(run.exit_code, 0) << run.err << PostLogTail();
  std::map<std::string, std::vector<std::string>> by_name = BundlesByName(GatewayApiCrds(run.out));
  // The nine *.gateway.networking.k8s.io CRDs of the bundle (its three x-k8s.io ones do not match the filter).
  EXPECT_EQ(by_name.size(), 9U);
  for (const auto& [name, bundles] : by_name) {
    EXPECT_EQ(bundles, std::vector<std::string>{std::string(kEnvoyGatewayBundle)}) << name;
  }
}

}  // namespace
}  // namespace dotk8s::testing
