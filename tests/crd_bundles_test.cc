#include "core/passes/crd_bundles.h"

#include <gtest/gtest.h>

#include <string>

#include "core/pipeline.h"
#include "test_support.h"

namespace dotk8s {
namespace {

using testing::FixturePath;
using testing::ReadFile;

// Documents of a CRD file as Helm 3's --include-crds prints them.
std::string AsIncludedCrds(const std::string& file, const std::string& chart_path) {
  std::string stream;
  const std::string text = ReadFile(FixturePath(file));  // the documents point into it
  for (const Document& doc : SplitStream(text)) {
    std::string_view body = doc.raw;
    if (body.substr(0, 4) == "---\n") body.remove_prefix(4);
    if (body.find("kind: CustomResourceDefinition") == std::string_view::npos) continue;
    stream += "---\n# Source: " + chart_path + "\n" + std::string(body);
    if (stream.back() != '\n') stream += '\n';
  }
  return stream;
}

// Helm 3 --include-crds with Traefik on: both Gateway API bundles reach the
// post-renderer; Envoy Gateway's copies are the ones kept, whichever comes first.
TEST(KeepOneCopyOfEachCrd, EnvoyGatewaysGatewayApiBundleWins) {
  const std::string traefik =
      AsIncludedCrds("crds/traefik-39.0.0/gateway-standard-install.yaml", "dot-apps/charts/traefik/crds/gateway-standard-install.yaml");
  const std::string envoy =
      AsIncludedCrds("crds/gateway-helm-1.7.0/gatewayapi-crds.yaml", "dot-apps/charts/gateway-helm/crds/gatewayapi-crds.yaml");
  PostRenderOptions options;
  options.release.release_namespace = "envoy-gateway-system";
  const std::string input = traefik + envoy;  // the output points into it
  PostRenderResult result = RunPostRenderer(input, options);
  ASSERT_TRUE(result.ok) << (result.diagnostics.empty() ? "" : FormatDiagnostic(result.diagnostics[0]));
  std::vector<Document> out = testing::ReadDocs(result.output.Join());
  std::size_t gateway_api = 0;
  for (const Document& doc : out) {
    if (doc.Kind() != "CustomResourceDefinition" || doc.outline.spec_group != "gateway.networking.k8s.io") continue;
    ++gateway_api;
    EXPECT_EQ(*doc.outline.Annotation("gateway.networking.k8s.io/bundle-version"), "v1.4.1") << doc.Name();
    EXPECT_EQ(doc.source_path, "dot-apps/charts/gateway-helm/crds/gatewayapi-crds.yaml") << doc.Name();
  }
  EXPECT_EQ(gateway_api, 9u);  // the experimental bundle's gateway.networking.k8s.io CRDs
  ASSERT_EQ(result.plan.removed.size(), 1u);
  EXPECT_EQ(result.plan.removed[0],
            "6 CustomResourceDefinitions of traefik: another chart ships the same ones; Envoy Gateway's copies win, "
            "otherwise the first");
}

}  // namespace
}  // namespace dotk8s
