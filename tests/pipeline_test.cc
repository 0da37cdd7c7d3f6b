#include "core/pipeline.h"

#include <gtest/gtest.h>

#include <map>
#include <set>
#include <string>
#include <vector>

#include "post_test_util.h"
#include "test_support.h"

namespace dotk8s {
namespace {

using testing::Fixture;
using testing::FormatAll;
using testing::ReplaceOnce;

// The settings file that keeps every component in the release namespace:
// placement then moves nothing.
constexpr std::string_view kStayInReleaseNamespace =
    "apps:\n  envoyGateway: {namespace: dot-system}\n  keda: {namespace: dot-system}\n"
    "  prometheus: {namespace: dot-system}\n  traefik: {namespace: dot-system}\n";

PostRenderOptions Options(std::string_view settings_yaml = {}) {
  PostRenderOptions options;
  if (!settings_yaml.empty()) {
    options.release.settings_path = "settings.yaml";
    options.release.settings_file = YAML::Load(std::string(settings_yaml));
  }
  return options;
}

std::string MustRun(std::string_view input, const PostRenderOptions& options = {}) {
  PostRenderResult result = RunPostRenderer(input, options);
  EXPECT_TRUE(result.ok) << FormatAll(result.diagnostics);
  return result.output.Join();
}

// A document's text without its leading separator line: where a document
// stands in the stream decides whether it has one.
std::string_view Body(std::string_view raw) {
  if (raw.substr(0, 4) == "---\n") raw.remove_prefix(4);
  return raw;
}

// Describe() of each input document whose bytes are not in the output.
std::vector<std::string> ChangedOrMissing(std::string_view input, std::string_view output) {
  std::multiset<std::string> out;
  for (const Document& doc : SplitStream(output)) out.insert(std::string(Body(doc.raw)));
  std::vector<Document> in = testing::ReadDocs(input);
  std::vector<std::string> changed;
  for (const Document& doc : in) {
    auto it = out.find(std::string(Body(doc.raw)));
    if (it == out.end()) {
      changed.push_back(doc.Describe());
    } else {
      out.erase(it);
    }
  }
  return changed;
}

std::vector<std::string> InjectedDescriptions(std::string_view output) {
  std::vector<std::string> injected;
  for (const Document& doc : testing::ReadDocs(output)) {
    if (doc.source_path.find("/templates/dotk8s-post/") != std::string::npos) injected.push_back(doc.Describe());
  }
  return injected;
}

// helm4-none.yaml renders nothing: the empty stream has its own tests.
std::vector<testing::FixtureComponents> Matrix() {
  std::vector<testing::FixtureComponents> cases = testing::FixtureMatrix();
  std::erase_if(cases, [](const testing::FixtureComponents& c) { return std::string_view(c.file) == "helm4-none.yaml"; });
  return cases;
}

bool IsHelm3(std::string_view file) { return file.rfind("helm3", 0) == 0; }

TEST(PipelineTest, InjectionMatrixOnEveryFixture) {
  for (const testing::FixtureComponents& c : Matrix()) {
    // Helm 3 cannot move components whose hooks it hides: keep them in the release namespace.
    const bool helm3 = IsHelm3(c.file);
    const std::string input = Fixture(c.file);
    const std::string output = MustRun(input, Options(helm3 ? kStayInReleaseNamespace : std::string_view()));
    const std::string eg_ns = helm3 ? "dot-system" : "envoy-gateway-system";
    const std::string keda_ns = helm3 ? "dot-system" : "keda";
    std::vector<std::string> expected;
    if (!helm3) {
      std::set<std::string> namespaces;
      if (c.eg) namespaces.insert("envoy-gateway-system");
      if (c.keda) namespaces.insert("keda");
      if (c.prometheus) namespaces.insert("prometheus-system");
      if (c.traefik) namespaces.insert("traefik");
      for (const std::string& ns : namespaces) expected.push_back("Namespace " + ns);
    }
    if (c.eg) {
      expected.push_back("GatewayClass eg");
      expected.push_back("Gateway " + eg_ns + "/eg");
    }
    if (c.eg && c.prometheus) expected.push_back("PodMonitor " + eg_ns + "/envoy-gateway-proxy");
    if (c.eg && c.keda && c.http) expected.push_back("ReferenceGrant " + keda_ns + "/keda-interceptor");
    EXPECT_EQ(InjectedDescriptions(output), expected) << c.file;

    // Every input object is still there (hooks included), plus what was injected.
    std::vector<Document> in = testing::ReadDocs(input);
    std::vector<Document> out = testing::ReadDocs(output);
    EXPECT_EQ(out.size(), in.size() + expected.size()) << c.file;
    // Names built from the release namespace follow the component's namespace; the rest stay.
    std::multiset<std::string> out_names;
    for (const Document& doc : out) out_names.insert(fmt::format("{}/{}", doc.Kind(), doc.Name()));
    for (const Document& doc : in) {
      if (doc.Name().find("dot-system") != std::string_view::npos) continue;
      EXPECT_EQ(out_names.count(fmt::format("{}/{}", doc.Kind(), doc.Name())), 1u) << c.file << " " << doc.Describe();
    }
  }
}

TEST(PipelineTest, InjectedObjectsAreSelectedAndPlacedAsTheContractSays) {
  const std::string output = MustRun(Fixture("helm4-all.yaml"));
  std::vector<Document> out = testing::ReadDocs(output);
  auto one = [&](std::string_view kind, std::string_view name) {
    std::vector<const Document*> found = testing::FindDocs(out, kind, name);
    EXPECT_EQ(found.size(), 1u) << kind << " " << name;
    return found.empty() ? YAML::Node() : testing::Parsed(*found[0]);
  };
  YAML::Node gateway = one("Gateway", "eg");
  EXPECT_EQ(gateway["metadata"]["namespace"].Scalar(), "envoy-gateway-system");
  EXPECT_EQ(gateway["spec"]["listeners"][0]["port"].Scalar(), "80");
  YAML::Node pod_monitor = one("PodMonitor", "envoy-gateway-proxy");
  EXPECT_EQ(pod_monitor["metadata"]["labels"]["release"].Scalar(), "dot-apps");
  EXPECT_EQ(pod_monitor["metadata"]["namespace"].Scalar(), "envoy-gateway-system");
  YAML::Node grant = one("ReferenceGrant", "keda-interceptor");
  EXPECT_EQ(grant["metadata"]["namespace"].Scalar(), "keda");
  EXPECT_EQ(grant["spec"]["to"][0]["name"].Scalar(), "keda-add-ons-http-interceptor-proxy");
  // The interceptor Service the grant points at is in the grant's namespace.
  std::vector<const Document*> service = testing::FindDocs(out, "Service", "keda-add-ons-http-interceptor-proxy");
  ASSERT_EQ(service.size(), 1u);
  EXPECT_EQ(service[0]->Namespace(), "keda");
  // The Prometheus that must select the PodMonitor.
  YAML::Node prometheus = one("Prometheus", "kube-prometheus-stack-prometheus");
  EXPECT_EQ(prometheus["spec"]["podMonitorSelector"]["matchLabels"]["release"].Scalar(), "dot-apps");
}

TEST(PipelineTest, PodMonitorLabelsFollowAChangedPrometheusSelector) {
  const std::string input = ReplaceOnce(Fixture("helm4-envoy-prometheus.yaml"),
                                        "  podMonitorSelector:\n    matchLabels:\n      release: \"dot-apps\"\n",
                                        "  podMonitorSelector:\n    matchLabels:\n      scrape-by: platform-prometheus\n"
                                        "    matchExpressions:\n    - {key: tier, operator: In, values: [edge]}\n");
  const std::string output = MustRun(input);
  std::vector<Document> out = testing::ReadDocs(output);
  std::vector<const Document*> pod_monitor = testing::FindDocs(out, "PodMonitor", "envoy-gateway-proxy");
  ASSERT_EQ(pod_monitor.size(), 1u);
  YAML::Node labels = testing::Parsed(*pod_monitor[0])["metadata"]["labels"];
  EXPECT_EQ(labels["scrape-by"].Scalar(), "platform-prometheus");
  EXPECT_EQ(labels["tier"].Scalar(), "edge");
  EXPECT_FALSE(labels["release"]);

  // A Prometheus without a podMonitorSelector: an error, nothing on the output.
  const std::string no_selector = ReplaceOnce(Fixture("helm4-envoy-prometheus.yaml"),
                                              "  podMonitorSelector:\n    matchLabels:\n      release: \"dot-apps\"\n", "");
  PostRenderResult failed = RunPostRenderer(no_selector, {});
  EXPECT_FALSE(failed.ok);
  EXPECT_TRUE(failed.output.pieces.empty());
  ASSERT_EQ(failed.diagnostics.size(), 1u) << FormatAll(failed.diagnostics);
  EXPECT_EQ(failed.diagnostics[0].field_path, "spec.podMonitorSelector");
}

TEST(PipelineTest, PrometheusElsewhereWithoutNamespaceSelector) {
  // After placement Prometheus lives in prometheus-system and the PodMonitor in
  // envoy-gateway-system: a nil podMonitorNamespaceSelector cannot see it.
  const std::string input =
      ReplaceOnce(Fixture("helm4-envoy-prometheus.yaml"), "  podMonitorNamespaceSelector: {}\n", "");
  PostRenderResult result = RunPostRenderer(input, {});
  EXPECT_FALSE(result.ok);
  ASSERT_EQ(result.diagnostics.size(), 1u) << FormatAll(result.diagnostics);
  EXPECT_EQ(result.diagnostics[0].message,
            "looks for PodMonitors only in its own namespace prometheus-system (spec.podMonitorNamespaceSelector is "
            "not set), but the PodMonitor for the Envoy proxies lives in envoy-gateway-system");
}

TEST(PipelineTest, UntouchedDocumentsKeepTheirBytes) {
  // With every component in the release namespace nothing moves: every input
  // document except those the plan changes on purpose leaves byte for byte.
  for (const testing::FixtureComponents& c : Matrix()) {
    const std::string input = Fixture(c.file);
    const std::string output = MustRun(input, Options(kStayInReleaseNamespace));
    std::vector<std::string> changed = ChangedOrMissing(input, output);
    // Helm 4: a custom resource whose CRD is in the same release becomes a
    // post-install hook (KEDA's ScaledObject for the add-on's interceptor).
    // Templated CRDs get helm.sh/resource-policy: keep (lifecycle.cc).
    std::vector<std::string> expected;
    if (c.http) expected.push_back("CustomResourceDefinition httpscaledobjects.http.keda.sh");
    if (c.http && c.keda && !IsHelm3(c.file)) expected.push_back("ScaledObject dot-system/keda-add-ons-http-interceptor");
    if (c.keda) {
      for (const char* crd : {"cloudeventsources.eventing.keda.sh", "clustercloudeventsources.eventing.keda.sh",
                              "clustertriggerauthentications.keda.sh", "scaledjobs.keda.sh", "scaledobjects.keda.sh",
                              "triggerauthentications.keda.sh"}) {
        expected.push_back(fmt::format("CustomResourceDefinition {}", crd));
      }
    }
    EXPECT_EQ(changed, expected) << c.file;
  }
}

TEST(PipelineTest, UmbrellaDocumentsAreNotMoved) {
  // With the default plan every component moves; the umbrella's own documents stay as they were.
  const std::string umbrella =
      "---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: dot-apps-config\n  namespace: 'dot-system'\n"
      "  annotations:\n    postrenderer.helm.sh/postrender-filename: 'dot-apps/templates/config.yaml'\n"
      "data:\n  # a comment\n  url: \"http://kube-prometheus-stack-prometheus.prometheus-system:9090\"\n";
  const std::string input = Fixture("helm4-all.yaml") + umbrella;
  const std::string output = MustRun(input);
  EXPECT_NE(output.find(umbrella), std::string::npos);
  std::vector<std::string> changed = ChangedOrMissing(input, output);
  EXPECT_EQ(std::find(changed.begin(), changed.end(), "ConfigMap dot-system/dot-apps-config"), changed.end());
}

TEST(PipelineTest, OutputIsInputWhenNothingApplies) {
  // Objects of no managed component, with the oddities of real streams.
  const std::string input =
      "---\n# Source: shop/templates/cm.yaml\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: \"shop\"\n"
      "  namespace: shop # where it runs\ndata:\n  a: |\n    ---\n    not a separator\n"
      "--- # a comment after the separator\n# Source: shop/templates/svc.yaml\napiVersion: v1\nkind: Service\n"
      "metadata: {name: shop, namespace: shop}\nspec:\n  ports: [{port: 80}]\n"
      "---\r\n# Source: shop/templates/sa.yaml\r\napiVersion: v1\r\nkind: ServiceAccount\r\nmetadata:\r\n"
      "  name: shop\r\n  namespace: shop\r\n"
      "---\n# Source: shop/templates/empty.yaml\n"
      "---\n# Source: shop/templates/role.yaml\napiVersion: rbac.authorization.k8s.io/v1\nkind: Role\nmetadata:\n"
      "  name: caf\xC3\xA9\n  namespace: shop\nrules: []";
  EXPECT_EQ(MustRun(input), input);
  // Helm 4 style: no leading separator, annotations.
  const std::string helm4 =
      "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n  namespace: shop\n  annotations:\n"
      "    postrenderer.helm.sh/postrender-filename: 'shop/templates/a.yaml'\n---\napiVersion: v1\nkind: Secret\n"
      "metadata:\n  name: b\n  namespace: shop\n  annotations:\n"
      "    postrenderer.helm.sh/postrender-filename: 'shop/charts/redis/templates/b.yaml'\n";
  EXPECT_EQ(MustRun(helm4), helm4);
}

TEST(PipelineTest, EmptyInputGivesAValidNonEmptyStream) {
  PostRenderResult result = RunPostRenderer(Fixture("helm4-none.yaml"), {});
  ASSERT_TRUE(result.ok) << FormatAll(result.diagnostics);
  const std::string output = result.output.Join();
  EXPECT_EQ(output, std::string(kEmptyStreamComment));
  for (const Document& doc : testing::ReadDocs(output)) {
    EXPECT_FALSE(doc.IsObject());
  }
}

TEST(PipelineTest, StableOutput) {
  const std::string input = Fixture("helm4-all-plus-traefik.yaml");
  const std::string first = MustRun(input);
  EXPECT_EQ(MustRun(input), first);
  std::vector<Document> out = testing::ReadDocs(first);
  ASSERT_GE(out.size(), 4u);
  for (std::size_t i = 0; i < 4; ++i) {
    EXPECT_EQ(out[i].Kind(), "Namespace") << i;
  }
}

TEST(PipelineTest, ThreadsChangeNothing) {
  // Threads take documents in the order of their size, not of the stream:
  // output, plan and messages must not depend on how many there are.
  for (const testing::FixtureComponents& c : testing::FixtureMatrix()) {
    SCOPED_TRACE(c.file);
    const std::string input = Fixture(c.file);
    std::vector<std::string> outputs;
    for (unsigned threads : {1u, 2u, 3u}) {
      PostRenderOptions options;
      options.read.threads = threads;
      PostRenderResult result = RunPostRenderer(input, options);
      outputs.push_back(result.output.Join() + "\n--- plan\n" + FormatPlan(result.plan) + "\n--- messages\n" +
                        FormatAll(result.diagnostics));
    }
    EXPECT_EQ(outputs[1], outputs[0]);
    EXPECT_EQ(outputs[2], outputs[0]);
  }
}

TEST(PipelineTest, HooksOnlyInputGetsNoInjection) {
  const std::string hooks = testing::FilterHooks(Fixture("helm4-all.yaml"), true);
  PostRenderResult result = RunPostRenderer(hooks, {});
  ASSERT_TRUE(result.ok) << FormatAll(result.diagnostics);
  EXPECT_TRUE(result.plan.hooks_only);
  const std::string output = result.output.Join();
  EXPECT_TRUE(InjectedDescriptions(output).empty());
  EXPECT_EQ(testing::ReadDocs(output).size(), 14u);
}

TEST(PipelineTest, MalformedYamlStopsEverything) {
  const std::string input = Fixture("helm4-envoy-only.yaml") + "---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: x\n";
  PostRenderResult result = RunPostRenderer(input, {});
  EXPECT_FALSE(result.ok);
  EXPECT_TRUE(result.output.pieces.empty());
  EXPECT_EQ(result.output.size, 0u);
  ASSERT_EQ(result.diagnostics.size(), 1u) << FormatAll(result.diagnostics);
  EXPECT_EQ(result.diagnostics[0].doc_index, 17u);
}

TEST(PipelineTest, DuplicateObjectsNameBothSources) {
  const std::string duplicate =
      "---\napiVersion: v1\nkind: ServiceAccount\nmetadata:\n  name: keda-operator\n  namespace: dot-system\n"
      "  annotations:\n    postrenderer.helm.sh/postrender-filename: 'dot-apps/charts/keda/templates/copy.yaml'\n";
  PostRenderResult result = RunPostRenderer(Fixture("helm4-keda-only.yaml") + duplicate, {});
  EXPECT_FALSE(result.ok);
  EXPECT_TRUE(result.output.pieces.empty());
  ASSERT_EQ(result.diagnostics.size(), 1u) << FormatAll(result.diagnostics);
  const std::string message = FormatDiagnostic(result.diagnostics[0]);
  EXPECT_NE(message.find("dot-apps/charts/keda/templates/copy.yaml"), std::string::npos) << message;
  EXPECT_NE(message.find("dot-apps/charts/keda/templates/manager/serviceaccount.yaml"), std::string::npos) << message;
  EXPECT_NE(message.find("duplicate object: ServiceAccount keda/keda-operator"), std::string::npos) << message;
}

TEST(PipelineTest, ContradictingSettingsStopEverything) {
  PostRenderOptions options;
  options.release.release_namespace = "elsewhere";
  const std::string input = Fixture("helm4-envoy-only.yaml") + testing::SettingsDocument("  envoyGateway:\n    enabled: true\n");
  PostRenderResult result = RunPostRenderer(input, options);
  EXPECT_FALSE(result.ok);
  EXPECT_TRUE(result.output.pieces.empty());
  EXPECT_EQ(FormatAll(result.diagnostics),
            "error: --release-namespace elsewhere contradicts the settings, which say the release is in dot-system; "
            "hint: drop the flag, or render with the same namespace (helm -n) that the flag names\n");

  PostRenderResult off = RunPostRenderer(
      Fixture("helm4-envoy-only.yaml") + testing::SettingsDocument(testing::AppsEnabled(false, false, false, false, false)), {});
  EXPECT_FALSE(off.ok);
  EXPECT_TRUE(off.output.pieces.empty());
}

TEST(PipelineTest, SettingsDocumentIsConsumed) {
  const std::string input = Fixture("helm4-envoy-only.yaml") +
                            testing::SettingsDocument(testing::AppsEnabled(true, false, false, false, false));
  const std::string output = MustRun(input);
  EXPECT_EQ(output.find("dotk8s.dev/v1alpha1"), std::string::npos);
  EXPECT_TRUE(testing::FindDocs(testing::ReadDocs(output), "Settings").empty());
}

TEST(PipelineTest, PlanAccountsForTheRun) {
  PostRenderResult result = RunPostRenderer(Fixture("helm4-all.yaml"), {});
  ASSERT_TRUE(result.ok);
  const std::string plan = FormatPlan(result.plan);
  EXPECT_EQ(plan.rfind("release: dot-apps in namespace dot-system\ninput: Helm 4 (postrender-filename annotations)\n", 0), 0u)
      << plan;
  EXPECT_NE(plan.find("  envoyGateway: on, 17 documents (7 hooks), namespace envoy-gateway-system"), std::string::npos) << plan;
  EXPECT_NE(plan.find("  keda: on, 29 documents (0 hooks), namespace keda"), std::string::npos) << plan;
  EXPECT_NE(plan.find("  keda.httpAddon: on, 23 documents (0 hooks), namespace keda"), std::string::npos) << plan;
  EXPECT_NE(plan.find("  prometheus: on, 123 documents (7 hooks), namespace prometheus-system"), std::string::npos) << plan;
  EXPECT_NE(plan.find("  traefik: off\n"), std::string::npos) << plan;
  EXPECT_NE(plan.find("  - GatewayClass eg (controller gateway.envoyproxy.io/gatewayclass-controller): Envoy Gateway is on\n"),
            std::string::npos)
      << plan;
  EXPECT_NE(plan.find("removed: none\n"), std::string::npos) << plan;
}

}  // namespace
}  // namespace dotk8s
