// The CRD catalog on the fixtures' real CRD files: directories, chart
// archives, chart directories and the stream's own CRDs, with the first
// source of a group/kind winning.

#include <gtest/gtest.h>

#include <fmt/format.h>

#include <algorithm>
#include <filesystem>
#include <set>
#include <string>
#include <tuple>
#include <vector>

#include "core/validation/crd_catalog.h"
#include "crd_test_util.h"
#include "test_support.h"

namespace dotk8s::testing {
namespace {

namespace fs = std::filesystem;

using Kinds = std::set<std::tuple<std::string, std::string, std::string>>;  // group, kind, metadata.name

Kinds KindsOf(const CrdCatalog& catalog, const std::vector<std::pair<std::string, std::string>>& wanted) {
  Kinds kinds;
  for (const auto& [group, kind] : wanted) {
    if (const CrdDefinition* d = catalog.Find(group, kind)) kinds.emplace(d->group, d->kind, d->name);
  }
  return kinds;
}

const std::vector<std::pair<std::string, std::string>> kGatewayKinds = {
    {"gateway.networking.k8s.io", "GatewayClass"}, {"gateway.networking.k8s.io", "Gateway"},
    {"gateway.networking.k8s.io", "HTTPRoute"},    {"gateway.networking.k8s.io", "ReferenceGrant"},
    {"gateway.networking.k8s.io", "TLSRoute"},     {"gateway.envoyproxy.io", "EnvoyProxy"},
    {"gateway.envoyproxy.io", "SecurityPolicy"},   {"gateway.networking.x-k8s.io", "XMesh"},
};

TEST(CrdCatalogTest, IndexesEveryCrdOfTheFixtureDirectory) {
  CrdCatalog catalog;
  Diagnostics d = catalog.AddPath(FixtureCrds());
  ASSERT_TRUE(d.empty()) << FormatDiagnostic(d[0]);
  // 12 Gateway API + 8 Envoy Gateway + 10 prometheus-operator CRDs; Traefik's
  // Gateway API bundle only repeats kinds the first bundle defined.
  EXPECT_EQ(catalog.size(), 30u);
  const CrdDefinition* grant = catalog.Find("gateway.networking.k8s.io", "ReferenceGrant");
  ASSERT_NE(grant, nullptr);
  EXPECT_EQ(grant->name, "referencegrants.gateway.networking.k8s.io");
  EXPECT_EQ(grant->scope, "Namespaced");
  EXPECT_NE(grant->source.find("gateway-helm-1.7.0/gatewayapi-crds.yaml (line "), std::string::npos) << grant->source;
  const CrdDefinition* monitor = catalog.Find("monitoring.coreos.com", "PodMonitor");
  ASSERT_NE(monitor, nullptr);
  EXPECT_EQ(monitor->source, FixtureCrds("kube-prometheus-stack-82.2.1/crd-podmonitors.yaml"));
  EXPECT_EQ(catalog.Find("gateway.networking.k8s.io", "GatewayClass")->scope, "Cluster");
  EXPECT_EQ(catalog.Find("monitoring.coreos.com", "Nothing"), nullptr);
}

TEST(CrdCatalogTest, TheFirstSourceOfAKindWinsAndTheOthersAreRecorded) {
  CrdCatalog catalog;
  ASSERT_TRUE(catalog.AddPath(FixtureCrds("gateway-helm-1.7.0")).empty());
  ASSERT_TRUE(catalog.AddPath(FixtureCrds("traefik-39.0.0")).empty());
  std::vector<CrdConflict> gateway = catalog.ConflictsFor("gateway.networking.k8s.io", "Gateway");
  ASSERT_EQ(gateway.size(), 1u);
  EXPECT_NE(gateway[0].used_source.find("gateway-helm-1.7.0"), std::string::npos);
  EXPECT_NE(gateway[0].ignored_source.find("traefik-39.0.0/gateway-standard-install.yaml"), std::string::npos);
  EXPECT_GE(catalog.conflicts().size(), 5u);
  for (const CrdConflict& conflict : catalog.conflicts()) {
    EXPECT_NE(conflict.ignored_source.find("traefik-39.0.0"), std::string::npos) << conflict.kind;
  }

  // The other order: Traefik's standard bundle wins.
  CrdCatalog reversed;
  ASSERT_TRUE(reversed.AddPath(FixtureCrds("traefik-39.0.0")).empty());
  ASSERT_TRUE(reversed.AddPath(FixtureCrds("gateway-helm-1.7.0")).empty());
  EXPECT_NE(reversed.Find("gateway.networking.k8s.io", "Gateway")->source.find("traefik-39.0.0"), std::string::npos);
  // Kinds only the experimental bundle has still come from it.
  EXPECT_NE(reversed.Find("gateway.networking.k8s.io", "TLSRoute")->source.find("gateway-helm-1.7.0"), std::string::npos);
}

TEST(CrdCatalogTest, ParsesVersionsOnDemand) {
  CrdCatalog catalog;
  ASSERT_TRUE(catalog.AddPath(FixtureCrds("gateway-helm-1.7.0/gatewayapi-crds.yaml")).empty());
  std::string error;
  const ParsedCrd* grant = catalog.Parse(*catalog.Find("gateway.networking.k8s.io", "ReferenceGrant"), &error);
  ASSERT_NE(grant, nullptr) << error;
  // Envoy Gateway 1.7.0's bundle: ReferenceGrant is v1beta1 only.
  EXPECT_EQ(grant->VersionList(), "v1beta1");
  EXPECT_NE(grant->Version("v1beta1")->schema, nullptr);
  EXPECT_EQ(grant->Version("v1alpha2"), nullptr);
  const ParsedCrd* gateway = catalog.Parse(*catalog.Find("gateway.networking.k8s.io", "Gateway"), &error);
  ASSERT_NE(gateway, nullptr) << error;
  EXPECT_EQ(gateway->VersionList(), "v1, v1beta1");
  // Parsed once: the same tree again.
  EXPECT_EQ(catalog.Parse(*catalog.Find("gateway.networking.k8s.io", "Gateway"), &error), gateway);
}

TEST(CrdCatalogTest, AChartArchiveGivesWhatItsDirectoryGives) {
  std::vector<std::pair<std::string, std::string>> files;
  for (const auto& entry : fs::recursive_directory_iterator(FixtureCrds("gateway-helm-1.7.0"))) {
    if (!entry.is_regular_file()) continue;
    std::string relative = fs::relative(entry.path(), FixtureCrds("gateway-helm-1.7.0")).string();
    files.emplace_back("gateway-helm/crds/" + relative, ReadFile(entry.path().string()));
  }
  std::sort(files.begin(), files.end());
  files.emplace(files.begin(), "gateway-helm/Chart.yaml", "apiVersion: v2\nname: gateway-helm\nversion: 1.7.0\n");
  const ScratchDir dir;
  const std::string archive = dir.File("gateway-helm-1.7.0.tgz");
  WriteFile(archive, TarGz(files));

  CrdCatalog from_directory;
  ASSERT_TRUE(from_directory.AddPath(FixtureCrds("gateway-helm-1.7.0")).empty());
  CrdCatalog from_archive;
  Diagnostics d = from_archive.AddPath(archive);
  ASSERT_TRUE(d.empty()) << FormatDiagnostic(d[0]);
  EXPECT_EQ(from_archive.size(), from_directory.size());
  EXPECT_EQ(KindsOf(from_archive, kGatewayKinds), KindsOf(from_directory, kGatewayKinds));
  EXPECT_EQ(KindsOf(from_archive, kGatewayKinds).size(), kGatewayKinds.size());
  const CrdDefinition* grant = from_archive.Find("gateway.networking.k8s.io", "ReferenceGrant");
  EXPECT_EQ(grant->source.rfind(archive + ":gateway-helm/crds/gatewayapi-crds.yaml (line ", 0), 0u) << grant->source;
  std::string error;
  const ParsedCrd* a = from_archive.Parse(*grant, &error);
  const ParsedCrd* b = from_directory.Parse(*from_directory.Find("gateway.networking.k8s.io", "ReferenceGrant"), &error);
  ASSERT_NE(a, nullptr);
  ASSERT_NE(b, nullptr);
  EXPECT_EQ(a->root, b->root);
}

TEST(CrdCatalogTest, AChartDirectoryReadsItsCrdsTemplatesAndSubcharts) {
  const ScratchDir dir;
  const std::string chart = dir.File("umbrella");
  fs::create_directories(chart + "/crds");
  fs::create_directories(chart + "/templates");
  fs::create_directories(chart + "/charts/unpacked/crds");
  WriteFile(chart + "/Chart.yaml", "apiVersion: v2\nname: umbrella\nversion: 0.1.0\n");
  WriteFile(chart + "/values.yaml", "crds: {install: true}\n");
  WriteFile(chart + "/crds/servicemonitors.yaml", ReadFile(FixtureCrds("kube-prometheus-stack-82.2.1/crd-servicemonitors.yaml")));
  WriteFile(chart + "/charts/unpacked/Chart.yaml", "apiVersion: v2\nname: unpacked\nversion: 0.1.0\n");
  WriteFile(chart + "/charts/unpacked/crds/probes.yaml", ReadFile(FixtureCrds("kube-prometheus-stack-82.2.1/crd-probes.yaml")));
  WriteFile(chart + "/charts/packed-1.0.0.tgz",
            TarGz({{"packed/Chart.yaml", "name: packed\n"},
                   {"packed/crds/podmonitors.yaml", ReadFile(FixtureCrds("kube-prometheus-stack-82.2.1/crd-podmonitors.yaml"))}}));
  // A CRD in templates/, wrapped in template actions as KEDA's are.
  std::string rules = ReadFile(FixtureCrds("kube-prometheus-stack-82.2.1/crd-prometheusrules.yaml"));
  WriteFile(chart + "/templates/crd-rules.yaml", "{{- if .Values.crds.install }}\n" + rules + "{{- end }}\n");

  CrdCatalog catalog;
  Diagnostics d = catalog.AddPath(chart);
  ASSERT_TRUE(d.empty()) << FormatDiagnostic(d[0]);
  EXPECT_EQ(catalog.size(), 4u);
  EXPECT_EQ(catalog.Find("monitoring.coreos.com", "ServiceMonitor")->source, chart + "/crds/servicemonitors.yaml");
  EXPECT_EQ(catalog.Find("monitoring.coreos.com", "Probe")->source, chart + "/charts/unpacked/crds/probes.yaml");
  EXPECT_EQ(catalog.Find("monitoring.coreos.com", "PodMonitor")->source,
            chart + "/charts/packed-1.0.0.tgz:packed/crds/podmonitors.yaml");
  const CrdDefinition* from_template = catalog.Find("monitoring.coreos.com", "PrometheusRule");
  ASSERT_NE(from_template, nullptr);
  std::string error;
  const ParsedCrd* parsed = catalog.Parse(*from_template, &error);
  ASSERT_NE(parsed, nullptr) << error;
  EXPECT_EQ(parsed->VersionList(), "v1");

  // The directory above the chart: found as a chart directory too.
  CrdCatalog parent;
  ASSERT_TRUE(parent.AddPath(fs::path(chart).parent_path().string()).empty());
  EXPECT_EQ(parent.size(), 4u);
}

TEST(CrdCatalogTest, TheStreamsOwnCrdsAreIndexedFromTheirOutlines) {
  std::string stream = ReadFile(FixturePath("helm4-all.yaml"));
  std::vector<Document> docs = ReadDocs(stream);
  CrdCatalog catalog;
  catalog.AddStream(docs);
  // KEDA's 6 and the HTTP add-on's 1 are templates, so they are in the stream.
  EXPECT_EQ(catalog.size(), 7u);
  const CrdDefinition* scaled = catalog.Find("keda.sh", "ScaledObject");
  ASSERT_NE(scaled, nullptr);
  EXPECT_NE(scaled->source.find("(dot-apps/charts/keda/templates/crds/"), std::string::npos) << scaled->source;
  EXPECT_EQ(scaled->source.rfind("doc ", 0), 0u);
  ASSERT_NE(catalog.Find("http.keda.sh", "HTTPScaledObject"), nullptr);
  std::string error;
  ASSERT_NE(catalog.Parse(*scaled, &error), nullptr) << error;
}

TEST(CrdCatalogTest, BadPathsAreErrorsAndBadFilesWarnings) {
  CrdCatalog catalog;
  Diagnostics missing = catalog.AddPath("/nonexistent/crds");
  ASSERT_EQ(missing.size(), 1u);
  EXPECT_EQ(FormatDiagnostic(missing[0]),
            "error: --crds /nonexistent/crds: no such file or directory; hint: pass a directory of CRD files, a chart "
            "archive (.tgz) or a chart directory");
  const ScratchDir dir;
  WriteFile(dir.File("notes.txt"), "hello\n");
  Diagnostics not_yaml = catalog.AddPath(dir.File("notes.txt"));
  ASSERT_EQ(not_yaml.size(), 1u);
  EXPECT_EQ(not_yaml[0].severity, Severity::kError);

  WriteFile(dir.File("a-broken.yaml"), "kind: CustomResourceDefinition\nspec: [\n");
  WriteFile(dir.File("b-good.yaml"), ReadFile(FixtureCrds("kube-prometheus-stack-82.2.1/crd-probes.yaml")));
  Diagnostics broken = catalog.AddPath(dir.path);
  ASSERT_EQ(broken.size(), 1u);
  EXPECT_EQ(broken[0].severity, Severity::kWarning);
  EXPECT_NE(broken[0].message.find(dir.File("a-broken.yaml") + ": line 3"), std::string::npos) << broken[0].message;
  EXPECT_NE(catalog.Find("monitoring.coreos.com", "Probe"), nullptr);
}

}  // namespace
}  // namespace dotk8s::testing
