// Namespace placement (issue 3) on the real upstream streams.
#include "core/passes/place.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <regex>
#include <set>
#include <string>
#include <vector>

#include "core/passes/attribute.h"
#include "core/pipeline.h"
#include "core/yaml/yaml_node.h"
#include "post_test_util.h"
#include "test_support.h"

namespace dotk8s {
namespace {

using testing::Fixture;
using testing::FormatAll;

struct Rendered {
  PostRenderResult result;
  std::string output;
  std::vector<Document> docs;
};

Rendered Render(const std::string& input, const std::string& settings_yaml = {}, const std::string& release_ns = {}) {
  PostRenderOptions options;
  options.release.release_namespace = release_ns;
  if (!settings_yaml.empty()) {
    options.release.settings_file = YAML::Load(settings_yaml);
    options.release.settings_path = "test-settings.yaml";
  }
  Rendered rendered;
  rendered.result = RunPostRenderer(input, options);
  rendered.output = rendered.result.output.Join();
  if (rendered.result.ok) rendered.docs = testing::ReadDocs(rendered.output);
  return rendered;
}

const Document& Only(const std::vector<Document>& docs, std::string_view kind, std::string_view name) {
  std::vector<const Document*> found = testing::FindDocs(docs, kind, name);
  if (found.size() != 1) throw std::runtime_error("expected one " + std::string(kind) + " " + std::string(name));
  return *found[0];
}

// The value at a path like `spec.alerting.alertmanagers[0].namespace` or
// `data["datasource.yaml"]`.
std::string Field(const Document& doc, const std::string& path) {
  YAML::Node node;
  std::string error;
  if (!LoadYamlNode(doc.Text().substr(doc.body_offset), &node, &error)) throw std::runtime_error(error);
  std::regex step(R"re(\.?([A-Za-z0-9_-]+)|\[(\d+)\]|\["([^"]+)"\])re");
  for (auto it = std::sregex_iterator(path.begin(), path.end(), step); it != std::sregex_iterator(); ++it) {
    const std::smatch& m = *it;
    YAML::Node next = m[2].matched ? node[static_cast<std::size_t>(std::stoul(m[2].str()))]
                                   : node[m[1].matched ? m[1].str() : m[3].str()];
    if (!next) throw std::runtime_error("no " + path + " in " + doc.Describe());
    node.reset(next);
  }
  return node.Scalar();
}

std::map<std::string, std::string> TargetBySubchart() {
  return {{"gateway-helm", "envoy-gateway-system"},
          {"keda", "keda"},
          {"keda-add-ons-http", "keda"},
          {"kube-prometheus-stack", "prometheus-system"},
          {"traefik", "traefik"}};
}

class PlaceFixtureTest : public ::testing::TestWithParam<const char*> {};

// Every namespaced document of each component is in its namespace, except
// what the chart put elsewhere on purpose; no moved document mentions the
// release namespace any more.
TEST_P(PlaceFixtureTest, EveryComponentLivesInItsNamespaceAndForgetsTheReleaseNamespace) {
  const std::string input = Fixture(GetParam());
  Rendered rendered = Render(input);
  ASSERT_TRUE(rendered.result.ok) << FormatAll(rendered.result.diagnostics);
  const std::map<std::string, std::string> targets = TargetBySubchart();
  std::size_t checked = 0;
  for (const Document& doc : rendered.docs) {
    if (doc.origin == Origin::kGenerated || doc.source_path.find("/templates/dotk8s-post/") != std::string::npos) continue;
    std::string top(ParseTemplatePath(doc.source_path).top_level_subchart);
    auto target = targets.find(top);
    ASSERT_NE(target, targets.end()) << doc.source_path;
    EXPECT_EQ(testing::WithoutReleaseOwnership(doc.Text()).find("dot-system"), std::string::npos)
        << doc.Describe() << " still mentions dot-system";
    if (doc.Namespace().empty()) continue;  // cluster-scoped
    ++checked;
    if (doc.Namespace() == "kube-system") continue;
    EXPECT_EQ(doc.Namespace(), target->second) << doc.Describe() << " from " << doc.source_path;
  }
  EXPECT_GT(checked, 140u);
}

INSTANTIATE_TEST_SUITE_P(Helm4, PlaceFixtureTest, ::testing::Values("helm4-all.yaml", "helm4-all-plus-traefik.yaml"),
                         [](const ::testing::TestParamInfo<const char*>& param) {
                           return std::string(param.param).find("traefik") != std::string::npos ? "AllPlusTraefik"
                                                                                                 : "All";
                         });

class PlaceReferencesTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    rendered_ = new Rendered(Render(Fixture("helm4-all-plus-traefik.yaml")));
  }
  static void TearDownTestSuite() {
    delete rendered_;
    rendered_ = nullptr;
  }
  const std::vector<Document>& docs() const { return rendered_->docs; }
  static Rendered* rendered_;
};

Rendered* PlaceReferencesTest::rendered_ = nullptr;

TEST_F(PlaceReferencesTest, RbacSubjectsFollowTheirServiceAccount) {
  ASSERT_TRUE(rendered_->result.ok) << FormatAll(rendered_->result.diagnostics);
  EXPECT_EQ(Field(Only(docs(), "RoleBinding", "dot-apps-gateway-helm-certgen"), "subjects[0].namespace"),
            "envoy-gateway-system");
  EXPECT_EQ(Field(Only(docs(), "ClusterRoleBinding", "keda-operator"), "subjects[0].namespace"), "keda");
  EXPECT_EQ(Field(Only(docs(), "ClusterRoleBinding", "kube-prometheus-stack-operator"), "subjects[0].namespace"),
            "prometheus-system");
  // In kube-system on purpose: the binding stays, its subject moves with KEDA.
  const Document& auth_reader = Only(docs(), "RoleBinding", "keda-operator-auth-reader");
  EXPECT_EQ(auth_reader.Namespace(), "kube-system");
  EXPECT_EQ(Field(auth_reader, "subjects[0].namespace"), "keda");
}

TEST_F(PlaceReferencesTest, NamesBuiltFromTheNamespaceAndWhatPointsAtThem) {
  const std::string certgen = "dot-apps-gateway-helm-certgen:envoy-gateway-system";
  Only(docs(), "ClusterRole", certgen);
  EXPECT_EQ(Field(Only(docs(), "ClusterRoleBinding", certgen), "roleRef.name"), certgen);
  const std::string injector = "envoy-gateway-topology-injector.envoy-gateway-system";
  const Document& webhook = Only(docs(), "MutatingWebhookConfiguration", injector);
  EXPECT_EQ(Field(Only(docs(), "ClusterRole", certgen), "rules[1].resourceNames[0]"), injector);
  EXPECT_EQ(Field(webhook, "webhooks[0].clientConfig.service.namespace"), "envoy-gateway-system");
  EXPECT_EQ(Field(webhook, "webhooks[0].namespaceSelector.matchExpressions[0].values[0]"), "envoy-gateway-system");
}

TEST_F(PlaceReferencesTest, WebhooksAndTheApiServiceCallTheirServicesWhereTheyMoved) {
  const Document& keda_admission = Only(docs(), "ValidatingWebhookConfiguration", "keda-admission");
  for (int i = 0; i < 6; ++i) {
    EXPECT_EQ(Field(keda_admission, "webhooks[" + std::to_string(i) + "].clientConfig.service.namespace"), "keda");
  }
  EXPECT_EQ(Field(Only(docs(), "APIService", "v1beta1.external.metrics.k8s.io"), "spec.service.namespace"), "keda");
  const Document& kps = Only(docs(), "ValidatingWebhookConfiguration", "kube-prometheus-stack-admission");
  EXPECT_EQ(Field(kps, "webhooks[0].clientConfig.service.namespace"), "prometheus-system");
  EXPECT_EQ(Field(kps, "webhooks[1].clientConfig.service.namespace"), "prometheus-system");
}

TEST_F(PlaceReferencesTest, ContainerArgumentsAndEnvironment) {
  EXPECT_EQ(Field(Only(docs(), "Deployment", "keda-operator-metrics-apiserver"), "spec.template.spec.containers[0].args[5]"),
            "--metrics-service-address=keda-operator.keda.svc.cluster.local:9666");
  EXPECT_EQ(Field(Only(docs(), "Deployment", "keda-add-ons-http-interceptor"), "spec.template.spec.containers[0].env[0].value"),
            "keda");
  EXPECT_EQ(Field(Only(docs(), "Job", "kube-prometheus-stack-admission-create"), "spec.template.spec.containers[0].args[1]"),
            "--host=kube-prometheus-stack-operator,kube-prometheus-stack-operator.prometheus-system.svc");
  EXPECT_EQ(Field(Only(docs(), "Job", "kube-prometheus-stack-admission-create"), "spec.template.spec.containers[0].args[2]"),
            "--namespace=prometheus-system");
  EXPECT_EQ(Field(Only(docs(), "Job", "kube-prometheus-stack-admission-patch"), "spec.template.spec.containers[0].args[2]"),
            "--namespace=prometheus-system");
}

TEST_F(PlaceReferencesTest, ScaledObjectScalerAddressAndItsHook) {
  const Document& scaled = Only(docs(), "ScaledObject", "keda-add-ons-http-interceptor");
  EXPECT_EQ(Field(scaled, "spec.triggers[0].metadata.scalerAddress"), "keda-add-ons-http-external-scaler.keda:9090");
  // Its CRD is templated in the same release: Helm 4 creates it as a post-install hook.
  EXPECT_EQ(Field(scaled, "metadata.annotations[\"helm.sh/hook\"]"), "post-install,post-upgrade,pre-rollback");
  // Never re-created on an upgrade (lifecycle_test.cc has the rest).
  EXPECT_EQ(Field(scaled, "metadata.annotations[\"helm.sh/hook-delete-policy\"]"), "hook-failed");
}

TEST_F(PlaceReferencesTest, PrometheusAlertmanagerAndMonitors) {
  const Document& prometheus = Only(docs(), "Prometheus", "kube-prometheus-stack-prometheus");
  EXPECT_EQ(Field(prometheus, "spec.externalUrl"), "http://kube-prometheus-stack-prometheus.prometheus-system:9090");
  EXPECT_EQ(Field(prometheus, "spec.alerting.alertmanagers[0].namespace"), "prometheus-system");
  EXPECT_EQ(Field(Only(docs(), "Alertmanager", "kube-prometheus-stack-alertmanager"), "spec.externalUrl"),
            "http://kube-prometheus-stack-alertmanager.prometheus-system:9093");
  for (const char* monitor : {"dot-apps-grafana", "kube-prometheus-stack-alertmanager", "kube-prometheus-stack-operator",
                              "kube-prometheus-stack-prometheus"}) {
    EXPECT_EQ(Field(Only(docs(), "ServiceMonitor", monitor), "spec.namespaceSelector.matchNames[0]"), "prometheus-system")
        << monitor;
  }
  // The API server's monitor looks in `default` on purpose and keeps doing so.
  EXPECT_EQ(Field(Only(docs(), "ServiceMonitor", "kube-prometheus-stack-apiserver"), "spec.namespaceSelector.matchNames[0]"),
            "default");
}

TEST_F(PlaceReferencesTest, GrafanaDatasourcesInsideConfigMapData) {
  const std::string datasources =
      Field(Only(docs(), "ConfigMap", "kube-prometheus-stack-grafana-datasource"), "data[\"datasource.yaml\"]");
  EXPECT_NE(datasources.find("http://kube-prometheus-stack-prometheus.prometheus-system:9090/"), std::string::npos);
  EXPECT_NE(datasources.find("http://kube-prometheus-stack-alertmanager.prometheus-system:9093/"), std::string::npos);
}

TEST_F(PlaceReferencesTest, PromQlMatchersInPrometheusRules) {
  std::size_t rewritten = 0;
  for (const Document* rule : testing::FindDocs(docs(), "PrometheusRule")) {
    const std::string text = rule->Text();
    for (std::size_t at = text.find("namespace=\"prometheus-system\""); at != std::string::npos;
         at = text.find("namespace=\"prometheus-system\"", at + 1)) {
      ++rewritten;
    }
  }
  // 39 expressions in three rule groups; some hold the matcher more than once.
  EXPECT_GE(rewritten, 39u);
  const Document& operator_rules = Only(docs(), "PrometheusRule", "kube-prometheus-stack-prometheus-operator");
  EXPECT_NE(operator_rules.Text().find("job=\"kube-prometheus-stack-operator\",namespace=\"prometheus-system\""),
            std::string::npos);
}

TEST_F(PlaceReferencesTest, TraefikNamesLabelsAndPublishedService) {
  Only(docs(), "ClusterRole", "dot-apps-traefik-traefik");
  const Document& binding = Only(docs(), "ClusterRoleBinding", "dot-apps-traefik-traefik");
  EXPECT_EQ(Field(binding, "roleRef.name"), "dot-apps-traefik-traefik");
  EXPECT_EQ(Field(binding, "subjects[0].namespace"), "traefik");
  const Document& deployment = Only(docs(), "Deployment", "dot-apps-traefik");
  EXPECT_EQ(Field(deployment, "metadata.labels[\"app.kubernetes.io/instance\"]"), "dot-apps-traefik");
  EXPECT_EQ(Field(deployment, "spec.selector.matchLabels[\"app.kubernetes.io/instance\"]"), "dot-apps-traefik");
  EXPECT_EQ(Field(Only(docs(), "Service", "dot-apps-traefik"), "spec.selector[\"app.kubernetes.io/instance\"]"),
            "dot-apps-traefik");
  EXPECT_NE(deployment.Text().find("publishedservice=traefik/dot-apps-traefik"), std::string::npos);
}

TEST_F(PlaceReferencesTest, UntouchedBytesStayAsTheyCame) {
  // Moving changes only the namespace value, in the quoting the chart used.
  const std::string input = Fixture("helm4-all-plus-traefik.yaml");
  std::vector<Document> in = SplitStream(input);
  const Document& moved = Only(docs(), "ServiceAccount", "dot-apps-gateway-helm-certgen");
  std::string expected;
  for (const Document& doc : in) {
    if (doc.raw.find("kind: ServiceAccount\nmetadata:\n  name: dot-apps-gateway-helm-certgen\n") != std::string_view::npos) {
      expected = std::string(doc.raw);
    }
  }
  ASSERT_FALSE(expected.empty());
  expected.replace(expected.find("'dot-system'"), 12, "'envoy-gateway-system'");
  // It was the first document of the Helm 4 stream; the Namespaces now come first.
  EXPECT_EQ(moved.Text(), "---\n" + expected);
}

TEST(PlaceTest, ExplainSaysWhatMovedAndHowManyReferences) {
  Rendered rendered = Render(Fixture("helm4-all.yaml"));
  ASSERT_TRUE(rendered.result.ok) << FormatAll(rendered.result.diagnostics);
  const std::string plan = FormatPlan(rendered.result.plan);
  EXPECT_NE(plan.find("  envoyGateway: on, 17 documents (7 hooks), namespace envoy-gateway-system, 12 moved, 12 "
                      "references rewritten\n    - moved from dot-system to envoy-gateway-system\n"),
            std::string::npos)
      << plan;
  EXPECT_NE(plan.find("renamed dot-apps-gateway-helm-certgen:dot-system -> "
                      "dot-apps-gateway-helm-certgen:envoy-gateway-system"),
            std::string::npos)
      << plan;
  EXPECT_NE(plan.find("  prometheus: on, 123 documents (7 hooks), namespace prometheus-system, 106 moved,"),
            std::string::npos)
      << plan;
}

// Nothing is hard-coded: other namespaces land everywhere the defaults did.
TEST(PlaceTest, NonDefaultNamespacesAreUsedThroughout) {
  Rendered rendered = Render(Fixture("helm4-all.yaml"),
                             "apps:\n  prometheus: {namespace: monitoring}\n  keda: {namespace: autoscaling}\n");
  ASSERT_TRUE(rendered.result.ok) << FormatAll(rendered.result.diagnostics);
  EXPECT_EQ(rendered.output.find("prometheus-system"), std::string::npos);
  EXPECT_EQ(testing::WithoutReleaseOwnership(rendered.output).find("dot-system"), std::string::npos);
  EXPECT_EQ(Field(Only(rendered.docs, "Prometheus", "kube-prometheus-stack-prometheus"), "spec.externalUrl"),
            "http://kube-prometheus-stack-prometheus.monitoring:9090");
  EXPECT_EQ(Field(Only(rendered.docs, "APIService", "v1beta1.external.metrics.k8s.io"), "spec.service.namespace"),
            "autoscaling");
  EXPECT_EQ(Field(Only(rendered.docs, "ScaledObject", "keda-add-ons-http-interceptor"), "spec.triggers[0].metadata.scalerAddress"),
            "keda-add-ons-http-external-scaler.autoscaling:9090");
  EXPECT_EQ(Only(rendered.docs, "ReferenceGrant", "keda-interceptor").Namespace(), "autoscaling");
  EXPECT_EQ(Only(rendered.docs, "Deployment", "keda-operator").Namespace(), "autoscaling");
  Only(rendered.docs, "Namespace", "monitoring");
  Only(rendered.docs, "Namespace", "autoscaling");
  EXPECT_TRUE(testing::FindDocs(rendered.docs, "Namespace", "keda").empty());
}

// The release namespace can be any name, also one that appears in manifests
// for other reasons: rendering into it gives exactly the output that rendering
// into dot-system gives. (Helm puts the release namespace exactly where the
// fixture has dot-system.)
class ReleaseNamespaceNameTest : public ::testing::TestWithParam<const char*> {};

TEST_P(ReleaseNamespaceNameTest, OutputDoesNotDependOnTheReleaseNamespaceName) {
  const std::string input = Fixture("helm4-all-plus-traefik.yaml");
  Rendered baseline = Render(input);
  ASSERT_TRUE(baseline.result.ok) << FormatAll(baseline.result.diagnostics);
  std::string renamed = input;
  const std::string ns = GetParam();
  for (std::size_t at = renamed.find("dot-system"); at != std::string::npos; at = renamed.find("dot-system", at + ns.size())) {
    renamed.replace(at, 10, ns);
  }
  Rendered other = Render(renamed, {}, ns);
  ASSERT_TRUE(other.result.ok) << FormatAll(other.result.diagnostics);
  ASSERT_EQ(other.docs.size(), baseline.docs.size());
  for (std::size_t i = 0; i < other.docs.size(); ++i) {
    EXPECT_EQ(testing::WithoutReleaseOwnership(other.docs[i].Text()),
              testing::WithoutReleaseOwnership(baseline.docs[i].Text()))
        << "document " << i << " " << other.docs[i].Describe();
  }
}

INSTANTIATE_TEST_SUITE_P(Names, ReleaseNamespaceNameTest,
                         ::testing::Values("prometheus", "grafana", "alertmanager", "operator", "metrics",
                                           "monitoring", "http", "system", "apps", "default", "gateway", "envoy",
                                           "kube-prometheus-stack", "webhook", "node-exporter"));

TEST(PlaceTest, Helm3RefusesWhatCannotWorkAndSaysWhatToDo) {
  Rendered rendered = Render(Fixture("helm3-all.yaml"));
  ASSERT_FALSE(rendered.result.ok);
  EXPECT_TRUE(rendered.output.empty());
  const std::string messages = FormatAll(rendered.result.diagnostics);
  EXPECT_NE(messages.find("Helm 3 never passes hooks to a post-renderer, so Envoy Gateway's certgen hook"),
            std::string::npos)
      << messages;
  EXPECT_NE(messages.find("helm install -n envoy-gateway-system -f values/helm3.yaml"), std::string::npos) << messages;
  EXPECT_NE(messages.find("kube-prometheus-stack.prometheusOperator.admissionWebhooks.enabled=false"), std::string::npos)
      << messages;
}

// The Helm 3 strategy: the release in Envoy Gateway's namespace, so Envoy
// Gateway stays and its hooks run where it runs; the others move.
TEST(PlaceTest, Helm3WithTheReleaseInEnvoyGatewaysNamespace) {
  std::string input = Fixture("helm3-all.yaml");
  for (std::size_t at = input.find("dot-system"); at != std::string::npos; at = input.find("dot-system", at + 20)) {
    input.replace(at, 10, "envoy-gateway-system");
  }
  // kube-prometheus-stack without its admission webhooks (values/helm3.yaml).
  std::vector<Document> docs = SplitStream(input);
  std::string filtered;
  for (const Document& doc : docs) {
    if (doc.raw.find("admission") != std::string_view::npos && doc.raw.find("WebhookConfiguration") != std::string_view::npos) continue;
    filtered += doc.raw;
  }
  Rendered rendered = Render(filtered);
  ASSERT_TRUE(rendered.result.ok) << FormatAll(rendered.result.diagnostics);
  EXPECT_EQ(Only(rendered.docs, "Deployment", "envoy-gateway").Namespace(), "envoy-gateway-system");
  EXPECT_EQ(Only(rendered.docs, "Deployment", "keda-operator").Namespace(), "keda");
  EXPECT_EQ(Only(rendered.docs, "Prometheus", "kube-prometheus-stack-prometheus").Namespace(), "prometheus-system");
  EXPECT_TRUE(testing::FindDocs(rendered.docs, "Namespace", "envoy-gateway-system").empty());
  // The ScaledObject's CRD is templated: under Helm 3 the plan says the driver applies CRDs first.
  bool noted = false;
  for (const std::string& note : rendered.result.plan.notes) noted = noted || note.find("Helm 3 ignores hooks") != std::string::npos;
  EXPECT_TRUE(noted);
  const Document& scaled = Only(rendered.docs, "ScaledObject", "keda-add-ons-http-interceptor");
  EXPECT_EQ(scaled.outline.Annotation("helm.sh/hook"), nullptr);
}

// What `helm template` prints (either Helm version): `# Source:` comments,
// and the hooks too. Piped into dotk8s-post (Argo CD does that), the hooks are
// there to move, so nothing needs refusing.
std::string AsHelmTemplateOutput(const std::string& helm4_stream) {
  std::string out;
  for (const Document& doc : SplitStream(helm4_stream)) {
    std::string text(doc.raw);
    if (text.substr(0, 4) == "---\n") text.erase(0, 4);
    const std::string marker = "    postrenderer.helm.sh/postrender-filename: '";
    const std::size_t at = text.find(marker);
    if (at == std::string::npos) continue;
    const std::size_t end = text.find("'\n", at + marker.size());
    const std::string path = text.substr(at + marker.size(), end - at - marker.size());
    text.erase(at, end + 2 - at);
    out += "---\n# Source: " + path + "\n" + text;
  }
  return out;
}

TEST(PlaceTest, PipedHelmTemplateOutputMovesHooksToo) {
  Rendered rendered = Render(AsHelmTemplateOutput(Fixture("helm4-all.yaml")));
  ASSERT_TRUE(rendered.result.ok) << FormatAll(rendered.result.diagnostics);
  EXPECT_EQ(rendered.result.plan.style, StreamStyle::kHelm3);
  EXPECT_EQ(Only(rendered.docs, "Job", "dot-apps-gateway-helm-certgen").Namespace(), "envoy-gateway-system");
  EXPECT_EQ(Only(rendered.docs, "Job", "kube-prometheus-stack-admission-create").Namespace(), "prometheus-system");
  EXPECT_EQ(testing::WithoutReleaseOwnership(rendered.output).find("dot-system"), std::string::npos);
  // Injected documents carry `# Source:` lines like the rest.
  EXPECT_NE(rendered.output.find("---\n# Source: dot-apps/templates/dotk8s-post/gateway.yaml\napiVersion: "
                                 "gateway.networking.k8s.io/v1\nkind: GatewayClass\n"),
            std::string::npos);
}

TEST(PlaceTest, NamespacesAreCreatedFirstAndKept) {
  Rendered rendered = Render(Fixture("helm4-all.yaml"));
  ASSERT_TRUE(rendered.result.ok);
  ASSERT_GE(rendered.docs.size(), 3u);
  std::vector<std::string> first;
  for (std::size_t i = 0; i < 3; ++i) {
    EXPECT_EQ(rendered.docs[i].Kind(), "Namespace");
    EXPECT_EQ(*rendered.docs[i].outline.Annotation("helm.sh/resource-policy"), "keep");
    first.emplace_back(rendered.docs[i].Name());
  }
  EXPECT_EQ(first, std::vector<std::string>({"envoy-gateway-system", "keda", "prometheus-system"}));
  Rendered without = Render(Fixture("helm4-all.yaml"), "apps: {createNamespaces: false}\n");
  ASSERT_TRUE(without.result.ok);
  EXPECT_TRUE(testing::FindDocs(without.docs, "Namespace").empty());
}

// A reference the classifier does not know stops the render, naming the
// field; settings can let a listed one through.
TEST(PlaceTest, AnUnknownReferenceIsAnErrorUnlessAllowed) {
  std::string input = Fixture("helm4-envoy-only.yaml");
  input += "---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: eg-extra\n  namespace: dot-system\n"
           "  annotations:\n    postrenderer.helm.sh/postrender-filename: 'dot-apps/charts/gateway-helm/templates/x.yaml'\n"
           "data:\n  target: dot-system\n";
  Rendered rendered = Render(input);
  ASSERT_FALSE(rendered.result.ok);
  EXPECT_EQ(FormatAll(rendered.result.diagnostics),
            "error: doc 17 (dot-apps/charts/gateway-helm/templates/x.yaml) ConfigMap envoy-gateway-system/eg-extra data.target: still "
            "refers to the release namespace dot-system in a field dotk8s-post does not know as a namespace reference, "
            "while the document moves to envoy-gateway-system; hint: if it is right as it is, allow it: "
            "apps.allowReleaseNamespaceReferences: [{kind: ConfigMap, name: eg-extra, path: 'data.target'}]\n");
  Rendered allowed = Render(
      input, "apps:\n  allowReleaseNamespaceReferences:\n  - {kind: ConfigMap, name: eg-extra, path: data.target}\n");
  ASSERT_TRUE(allowed.result.ok) << FormatAll(allowed.result.diagnostics);
  EXPECT_EQ(Field(Only(allowed.docs, "ConfigMap", "eg-extra"), "data.target"), "dot-system");
  EXPECT_EQ(Only(allowed.docs, "ConfigMap", "eg-extra").Namespace(), "envoy-gateway-system");
}


// Helm puts an object without metadata.namespace into the release namespace:
// it is indexed like the rest, so references to it follow it (issue 12).
TEST(PlaceHostsTest, AnObjectWithoutNamespaceIsPlacedAndReferencesFollowIt) {
  std::string input = testing::ReplaceOnce(
      Fixture("helm4-all.yaml"),
      "  name: keda-operator\n  namespace: dot-system\n  annotations:\n    postrenderer.helm.sh/postrender-filename: "
      "'dot-apps/charts/keda/templates/manager/service.yaml'",
      "  name: keda-operator\n  annotations:\n    postrenderer.helm.sh/postrender-filename: "
      "'dot-apps/charts/keda/templates/manager/service.yaml'");
  const std::string kps = "dot-apps/charts/kube-prometheus-stack/templates/extra.yaml";
  input += fmt::format(
      "---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: scrape-keda\n  namespace: dot-system\n"
      "  annotations:\n    postrenderer.helm.sh/postrender-filename: '{}'\n"
      "data:\n  target: keda-operator.dot-system.svc:9666\n"
      "  replica: prometheus-kube-prometheus-stack-prometheus-0.kube-prometheus-stack-prometheus."
      "dot-system.svc.cluster.local:9090\n",
      kps);
  input += fmt::format(
      "---\napiVersion: monitoring.coreos.com/v1\nkind: ServiceMonitor\nmetadata:\n  name: keda-operator\n"
      "  namespace: dot-system\n  annotations:\n    postrenderer.helm.sh/postrender-filename: '{}'\n"
      "spec:\n  namespaceSelector:\n    matchNames:\n    - dot-system\n  selector:\n    matchLabels:\n"
      "      app.kubernetes.io/name: keda-operator\n  endpoints:\n  - port: metricsservice\n",
      kps);
  Rendered rendered = Render(input);
  ASSERT_TRUE(rendered.result.ok) << FormatAll(rendered.result.diagnostics);
  EXPECT_EQ(Only(rendered.docs, "Service", "keda-operator").Namespace(), "keda");
  const Document& config = Only(rendered.docs, "ConfigMap", "scrape-keda");
  EXPECT_EQ(config.Namespace(), "prometheus-system");
  EXPECT_EQ(Field(config, "data.target"), "keda-operator.keda.svc:9666");
  // A pod of the Service, by its DNS name.
  EXPECT_EQ(Field(config, "data.replica"),
            "prometheus-kube-prometheus-stack-prometheus-0.kube-prometheus-stack-prometheus.prometheus-system.svc."
            "cluster.local:9090");
  EXPECT_EQ(Field(Only(rendered.docs, "ServiceMonitor", "keda-operator"), "spec.namespaceSelector.matchNames[0]"),
            "keda");
}

// A two-label host is a Service's only if the release holds that Service: in
// a release namespace called `local`, `cluster.local` stays; in `apps`, an
// embedded `apiVersion: apps/v1` stays.
TEST(PlaceHostsTest, HostsAndNamesThatNameNoObjectOfTheReleaseStay) {
  const std::string keda = "dot-apps/charts/keda/templates/extra.yaml";
  const std::string body =
      "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: keda-extra\n  namespace: {ns}\n"
      "  annotations:\n    postrenderer.helm.sh/postrender-filename: '{path}'\n"
      "data:\n  domain: cluster.local\n  flag: --k8s-cluster-domain=cluster.local\n"
      "  manifest: |\n    apiVersion: apps/v1\n    kind: Deployment\n"
      "  url: http://keda-operator.{ns}.svc.cluster.local:9666/metrics\n";
  for (const std::string ns : {"local", "apps"}) {
    std::string input = Fixture("helm4-keda-only.yaml");
    for (std::size_t at = input.find("dot-system"); at != std::string::npos; at = input.find("dot-system", at + ns.size())) {
      input.replace(at, 10, ns);
    }
    input += "---\n" + fmt::format(fmt::runtime(body), fmt::arg("ns", ns), fmt::arg("path", keda));
    Rendered rendered = Render(input, {}, ns);
    ASSERT_TRUE(rendered.result.ok) << FormatAll(rendered.result.diagnostics);
    const Document& config = Only(rendered.docs, "ConfigMap", "keda-extra");
    EXPECT_EQ(config.Namespace(), "keda");
    EXPECT_EQ(Field(config, "data.domain"), "cluster.local") << ns;
    EXPECT_EQ(Field(config, "data.flag"), "--k8s-cluster-domain=cluster.local") << ns;
    EXPECT_EQ(Field(config, "data.manifest"), "apiVersion: apps/v1\nkind: Deployment\n") << ns;
    EXPECT_EQ(Field(config, "data.url"), "http://keda-operator.keda.svc.cluster.local:9666/metrics") << ns;
  }
}

// kube-system and its siblings hold what charts put there on purpose: as the
// release namespace they are refused, saying why and what to use.
TEST(PlaceTest, BuiltInNamespacesAreRefusedAsTheReleaseNamespace) {
  for (const std::string ns : {"kube-system", "kube-public", "kube-node-lease"}) {
    std::string input = Fixture("helm4-keda-only.yaml");
    for (std::size_t at = input.find("dot-system"); at != std::string::npos; at = input.find("dot-system", at + ns.size())) {
      input.replace(at, 10, ns);
    }
    Rendered rendered = Render(input, {}, ns);
    ASSERT_FALSE(rendered.result.ok);
    EXPECT_EQ(FormatAll(rendered.result.diagnostics),
              fmt::format("error: the release namespace {} is built into Kubernetes: the charts put objects there on "
                          "purpose (they must stay) and dotk8s-post cannot tell them from the release's own, which "
                          "move; hint: install the release into a namespace of its own (helm install -n dot-system "
                          "..., the default of dotk8s install); `default` works too\n",
                          ns));
  }
  std::string in_default = Fixture("helm4-keda-only.yaml");
  for (std::size_t at = in_default.find("dot-system"); at != std::string::npos; at = in_default.find("dot-system", at + 7)) {
    in_default.replace(at, 10, "default");
  }
  Rendered rendered = Render(in_default, {}, "default");
  ASSERT_TRUE(rendered.result.ok) << FormatAll(rendered.result.diagnostics);
  EXPECT_EQ(Only(rendered.docs, "Deployment", "keda-operator").Namespace(), "keda");
}

// A chart dotk8s-post does not manage stays where Helm put it, and the plan
// says so; input without origin markers is reported, not passed on silently.
TEST(PlaceTest, AnotherChartStaysInTheReleaseNamespaceAndThePlanSaysSo) {
  std::string input = Fixture("helm4-keda-only.yaml");
  input +=
      "---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: other-config\n  namespace: dot-system\n"
      "  annotations:\n    postrenderer.helm.sh/postrender-filename: 'dot-apps/charts/other/templates/cm.yaml'\n"
      "data:\n  a: b\n";
  Rendered rendered = Render(input);
  ASSERT_TRUE(rendered.result.ok) << FormatAll(rendered.result.diagnostics);
  EXPECT_EQ(Only(rendered.docs, "ConfigMap", "other-config").Namespace(), "dot-system");
  const std::string plan = FormatPlan(rendered.result.plan);
  EXPECT_NE(plan.find("  other: kept in the release namespace, 1 documents (0 hooks)\n"), std::string::npos) << plan;
  EXPECT_EQ(plan.find("other: removed"), std::string::npos) << plan;
}

TEST(PlaceTest, InputWithoutOriginMarkersIsReported) {
  const std::string input =
      "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: plain\n  namespace: dot-system\ndata:\n  a: b\n";
  Rendered rendered = Render(input, {}, "dot-system");
  ASSERT_TRUE(rendered.result.ok) << FormatAll(rendered.result.diagnostics);
  EXPECT_EQ(rendered.output, input);
  EXPECT_EQ(FormatAll(rendered.result.diagnostics),
            "warning: no document carries a Helm origin marker (`# Source:` comment or postrender-filename "
            "annotation), so none belongs to a component and nothing is placed in a component namespace; hint: pipe "
            "what helm renders (helm template, or dotk8s-post as helm's --post-renderer), not an edited copy\n");
}

// The last check: what still mentions the release namespace as a word in a
// moved document's settings, scripts, rule expressions or Secret data, and was
// not rewritten, is reported with kind, name and path; never passed silently.
// Flags with a space and regex alternations are references and are rewritten.
TEST(PlaceTest, RemainingMentionsAreReportedWithKindNameAndPath) {
  const std::string keda = "dot-apps/charts/keda/templates/extra.yaml";
  std::string input = Fixture("helm4-keda-only.yaml");
  input += fmt::format(
      "---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: keda-extra\n  namespace: dot-system\n"
      "  annotations:\n    postrenderer.helm.sh/postrender-filename: '{0}'\n"
      "data:\n  run.sh: kubectl -n dot-system get pods\n  list: NAMESPACES=other,dot-system\n"
      "  hosts: HOSTS=a,dot-system\n"
      "---\napiVersion: v1\nkind: Secret\nmetadata:\n  name: keda-extra\n  namespace: dot-system\n"
      "  annotations:\n    postrenderer.helm.sh/postrender-filename: '{0}'\n"
      "data:\n  target: {1}\n  other: {2}\n"
      "---\napiVersion: monitoring.coreos.com/v1\nkind: PrometheusRule\nmetadata:\n  name: keda-extra\n"
      "  namespace: dot-system\n  annotations:\n    postrenderer.helm.sh/postrender-filename: '{0}'\n"
      "spec:\n  groups:\n  - name: g\n    rules:\n    - alert: A\n"
      "      expr: up{{namespace=~\"dot-system|kube-system\",namespace!=\"dot-system\"}} == 0\n"
      "---\napiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: keda-extra\n  namespace: dot-system\n"
      "  annotations:\n    postrenderer.helm.sh/postrender-filename: '{0}'\n    note: copied from dot-system\n"
      "spec:\n  template:\n    spec:\n      containers:\n      - name: x\n"
      "        args: [--namespace, dot-system, --prometheus, 'http://prometheus-operated.dot-system:9090']\n",
      keda, "c3ZjLmRvdC1zeXN0ZW06ODA=" /* svc.dot-system:80 */, "aGVsbG8=" /* hello */);
  Rendered rendered = Render(input);
  ASSERT_TRUE(rendered.result.ok) << FormatAll(rendered.result.diagnostics);
  const Document& config = Only(rendered.docs, "ConfigMap", "keda-extra");
  EXPECT_EQ(Field(config, "data[\"run.sh\"]"), "kubectl -n keda get pods");
  EXPECT_EQ(Field(Only(rendered.docs, "PrometheusRule", "keda-extra"), "spec.groups[0].rules[0].expr"),
            "up{namespace=~\"keda|kube-system\",namespace!=\"keda\"} == 0");
  std::string warnings;
  for (const Diagnostic& d : rendered.result.diagnostics) {
    if (d.message.find("still mentions the release namespace") != std::string::npos) warnings += FormatDiagnostic(d) + "\n";
  }
  EXPECT_EQ(Field(config, "data.list"), "NAMESPACES=other,keda");
  EXPECT_NE(warnings.find("ConfigMap keda/keda-extra data.hosts: still mentions the release namespace dot-system as a "
                          "word (1 time) that dotk8s-post does not know as a reference, while the document moves to "
                          "keda; hint: check that it does not mean the namespace; if it is right as it is, allow it: "
                          "apps.allowReleaseNamespaceReferences: [{kind: ConfigMap, name: keda-extra, path: "
                          "'data.hosts'}]\n"),
            std::string::npos)
      << warnings;
  EXPECT_NE(warnings.find("Secret keda/keda-extra data.target: still mentions the release namespace dot-system as a "
                          "word (1 time)"),
            std::string::npos)
      << warnings;
  // A flag's value as the next argument is a reference; an annotation and a
  // host naming a Service the stream does not hold (an operator makes
  // prometheus-operated) are mentions like the others.
  const Document& deployment = Only(rendered.docs, "Deployment", "keda-extra");
  EXPECT_EQ(Field(deployment, "spec.template.spec.containers[0].args[1]"), "keda");
  EXPECT_NE(warnings.find("Deployment keda/keda-extra metadata.annotations.note: still mentions"), std::string::npos)
      << warnings;
  EXPECT_NE(warnings.find("Deployment keda/keda-extra spec.template.spec.containers[0].args[3]: still mentions"),
            std::string::npos)
      << warnings;
  // Four findings, and the Secret's data is never printed.
  EXPECT_EQ(std::count(warnings.begin(), warnings.end(), '\n'), 4) << warnings;
  EXPECT_EQ(warnings.find("svc.dot-system:80"), std::string::npos);
  EXPECT_EQ(warnings.find("c3ZjLmRvdC1zeXN0ZW06ODA="), std::string::npos);
}

}  // namespace
}  // namespace dotk8s
