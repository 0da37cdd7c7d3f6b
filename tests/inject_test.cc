#include "core/passes/inject.h"

#include <gtest/gtest.h>

#include <map>
#include <set>
#include <string>
#include <vector>

#include "core/yaml/write.h"
#include "post_test_util.h"
#include "test_support.h"

namespace dotk8s {
namespace {

using testing::Fixture;
using testing::FormatAll;
using testing::HasNote;
using testing::InjectedStream;
using testing::NotesText;
using testing::Parsed;
using testing::ReplaceOnce;
using testing::RunUpToInjection;

using LabelMap = std::map<std::string, std::string>;

std::vector<const Document*> Generated(const std::vector<Document>& docs) {
  std::vector<const Document*> out;
  for (const Document& doc : docs) {
    if (doc.origin == Origin::kGenerated) out.push_back(&doc);
  }
  return out;
}

const Document* FindGenerated(const std::vector<Document>& docs, std::string_view kind, std::string_view name) {
  for (const Document* doc : Generated(docs)) {
    if (doc->Kind() == kind && doc->Name() == name) return doc;
  }
  return nullptr;
}

LabelMap LabelsOf(const Document& doc) {
  LabelMap labels;
  for (const auto& [k, v] : doc.outline.labels) labels[k] = v;
  return labels;
}

// A LabelSelector's meaning, written independently of the code under test.
bool Selects(const YAML::Node& selector, const LabelMap& labels) {
  if (!selector || !selector.IsMap()) return false;
  for (const auto& entry : selector["matchLabels"]) {
    auto it = labels.find(entry.first.Scalar());
    if (it == labels.end() || it->second != entry.second.Scalar()) return false;
  }
  for (const YAML::Node& e : selector["matchExpressions"]) {
    const std::string key = e["key"].Scalar();
    const std::string op = e["operator"].Scalar();
    std::set<std::string> values;
    for (const YAML::Node& v : e["values"]) values.insert(v.Scalar());
    auto it = labels.find(key);
    const bool has = it != labels.end();
    if (op == "In" && !(has && values.count(it->second))) return false;
    if (op == "NotIn" && has && values.count(it->second)) return false;
    if (op == "Exists" && !has) return false;
    if (op == "DoesNotExist" && has) return false;
  }
  return true;
}

InjectedStream MustInject(std::string input, const ReleaseInputs& inputs = {}) {
  InjectedStream s = RunUpToInjection(std::move(input), inputs);
  EXPECT_TRUE(s.ok) << FormatAll(s.diagnostics);
  return s;
}

ReleaseInputs SettingsFile(std::string_view yaml) {
  ReleaseInputs inputs;
  inputs.settings_path = "settings.yaml";
  inputs.settings_file = YAML::Load(std::string(yaml));
  return inputs;
}

// `input` without the documents of `kind` named `name`.
std::string WithoutObject(std::string_view input, std::string_view kind, std::string_view name) {
  std::string out;
  for (const Document& doc : testing::ReadDocs(input)) {
    if (doc.Kind() != kind || doc.Name() != name) out.append(doc.raw);
  }
  EXPECT_LT(out.size(), input.size()) << kind << " " << name;
  return out;
}

// --- the injection matrix on every fixture ---

TEST(InjectObjectsTest, MatrixOnEveryFixture) {
  for (const testing::FixtureComponents& c : testing::FixtureMatrix()) {
    InjectedStream s = MustInject(Fixture(c.file));
    std::vector<std::string> got;
    for (const Document* doc : Generated(s.docs)) got.push_back(doc->Describe());
    std::vector<std::string> expected;
    std::set<std::string> namespaces;
    if (c.eg) namespaces.insert("envoy-gateway-system");
    if (c.keda) namespaces.insert("keda");
    if (c.prometheus) namespaces.insert("prometheus-system");
    if (c.traefik) namespaces.insert("traefik");
    for (const std::string& ns : namespaces) expected.push_back("Namespace " + ns);
    if (c.eg) {
      expected.push_back("GatewayClass eg");
      expected.push_back("Gateway envoy-gateway-system/eg");
    }
    if (c.eg && c.prometheus) expected.push_back("PodMonitor envoy-gateway-system/envoy-gateway-proxy");
    if (c.eg && c.keda && c.http) expected.push_back("ReferenceGrant keda/keda-interceptor");
    EXPECT_EQ(got, expected) << c.file;
    EXPECT_EQ(s.plan.injected.size(), expected.size()) << c.file;
  }
}

TEST(InjectObjectsTest, ContractFields) {
  InjectedStream s = MustInject(Fixture("helm4-all.yaml"));
  const Document* gateway_class = FindGenerated(s.docs, "GatewayClass", "eg");
  ASSERT_NE(gateway_class, nullptr);
  YAML::Node gc = Parsed(*gateway_class);
  EXPECT_EQ(gc["apiVersion"].Scalar(), "gateway.networking.k8s.io/v1");
  EXPECT_FALSE(gc["metadata"]["namespace"]);
  EXPECT_EQ(gc["spec"]["controllerName"].Scalar(), "gateway.envoyproxy.io/gatewayclass-controller");

  const Document* gateway = FindGenerated(s.docs, "Gateway", "eg");
  ASSERT_NE(gateway, nullptr);
  YAML::Node gw = Parsed(*gateway);
  EXPECT_EQ(gw["apiVersion"].Scalar(), "gateway.networking.k8s.io/v1");
  EXPECT_EQ(gw["metadata"]["namespace"].Scalar(), "envoy-gateway-system");
  EXPECT_EQ(gw["spec"]["gatewayClassName"].Scalar(), "eg");
  ASSERT_EQ(gw["spec"]["listeners"].size(), 1u);
  YAML::Node http = gw["spec"]["listeners"][0];
  EXPECT_EQ(http["name"].Scalar(), "http");
  EXPECT_EQ(http["protocol"].Scalar(), "HTTP");
  EXPECT_EQ(http["port"].Scalar(), "80");
  EXPECT_EQ(http["allowedRoutes"]["namespaces"]["from"].Scalar(), "All");
  EXPECT_FALSE(http["hostname"]);
  EXPECT_FALSE(http["tls"]);
  // The port is a number, not the string "80".
  EXPECT_NE(gateway->Text().find("\n    port: 80\n"), std::string::npos) << gateway->Text();

  const Document* pod_monitor = FindGenerated(s.docs, "PodMonitor", "envoy-gateway-proxy");
  ASSERT_NE(pod_monitor, nullptr);
  YAML::Node pm = Parsed(*pod_monitor);
  EXPECT_EQ(pm["apiVersion"].Scalar(), "monitoring.coreos.com/v1");
  EXPECT_EQ(pm["metadata"]["namespace"].Scalar(), "envoy-gateway-system");
  EXPECT_EQ(pm["metadata"]["labels"]["release"].Scalar(), "dot-apps");
  EXPECT_EQ(pm["spec"]["selector"]["matchLabels"].size(), 1u);
  EXPECT_EQ(pm["spec"]["selector"]["matchLabels"]["app.kubernetes.io/component"].Scalar(), "proxy");
  ASSERT_EQ(pm["spec"]["podMetricsEndpoints"].size(), 1u);
  EXPECT_EQ(pm["spec"]["podMetricsEndpoints"][0]["port"].Scalar(), "metrics");
  EXPECT_EQ(pm["spec"]["podMetricsEndpoints"][0]["path"].Scalar(), "/stats/prometheus");

  const Document* grant = FindGenerated(s.docs, "ReferenceGrant", "keda-interceptor");
  ASSERT_NE(grant, nullptr);
  YAML::Node rg = Parsed(*grant);
  EXPECT_EQ(rg["apiVersion"].Scalar(), "gateway.networking.k8s.io/v1beta1");
  EXPECT_EQ(rg["metadata"]["namespace"].Scalar(), "keda");
  ASSERT_EQ(rg["spec"]["from"].size(), 1u);
  EXPECT_EQ(rg["spec"]["from"][0]["group"].Scalar(), "gateway.networking.k8s.io");
  EXPECT_EQ(rg["spec"]["from"][0]["kind"].Scalar(), "HTTPRoute");
  EXPECT_EQ(rg["spec"]["from"][0]["namespace"].Scalar(), "default");
  ASSERT_EQ(rg["spec"]["to"].size(), 1u);
  EXPECT_TRUE(rg["spec"]["to"][0]["group"].IsScalar());
  EXPECT_EQ(rg["spec"]["to"][0]["group"].Scalar(), "");
  EXPECT_EQ(rg["spec"]["to"][0]["kind"].Scalar(), "Service");
  EXPECT_EQ(rg["spec"]["to"][0]["name"].Scalar(), "keda-add-ons-http-interceptor-proxy");

  const Document* ns = FindGenerated(s.docs, "Namespace", "keda");
  ASSERT_NE(ns, nullptr);
  YAML::Node nsn = Parsed(*ns);
  EXPECT_EQ(nsn["apiVersion"].Scalar(), "v1");
  EXPECT_EQ(nsn["metadata"]["annotations"]["helm.sh/resource-policy"].Scalar(), "keep");

  // Standard labels on everything injected.
  for (const Document* doc : Generated(s.docs)) {
    LabelMap labels = LabelsOf(*doc);
    EXPECT_EQ(labels["app.kubernetes.io/managed-by"], "Helm") << doc->Describe();
    EXPECT_EQ(labels["app.kubernetes.io/instance"], "dot-apps") << doc->Describe();
    EXPECT_EQ(labels["app.kubernetes.io/part-of"], "dot-apps") << doc->Describe();
    EXPECT_EQ(labels["app.kubernetes.io/name"], std::string(doc->Name())) << doc->Describe();
  }
}

TEST(InjectObjectsTest, ReferenceGrantFromEveryRouteNamespace) {
  InjectedStream s = MustInject(Fixture("helm4-envoy-keda.yaml"),
                                SettingsFile("apps:\n  keda:\n    httpAddon:\n      routeNamespaces: [default, shop, web]\n"));
  const Document* grant = FindGenerated(s.docs, "ReferenceGrant", "keda-interceptor");
  ASSERT_NE(grant, nullptr);
  YAML::Node from = Parsed(*grant)["spec"]["from"];
  ASSERT_EQ(from.size(), 3u);
  EXPECT_EQ(from[0]["namespace"].Scalar(), "default");
  EXPECT_EQ(from[1]["namespace"].Scalar(), "shop");
  EXPECT_EQ(from[2]["namespace"].Scalar(), "web");
  for (const YAML::Node& f : from) {
    EXPECT_EQ(f["kind"].Scalar(), "HTTPRoute");
  }
}

TEST(InjectObjectsTest, NoRouteNamespacesNoReferenceGrant) {
  InjectedStream s =
      MustInject(Fixture("helm4-envoy-keda.yaml"), SettingsFile("apps:\n  keda:\n    httpAddon:\n      routeNamespaces: []\n"));
  EXPECT_EQ(FindGenerated(s.docs, "ReferenceGrant", "keda-interceptor"), nullptr);
  EXPECT_TRUE(HasNote(s.plan,
                      "ReferenceGrant keda-interceptor not injected: apps.keda.httpAddon.routeNamespaces is empty"))
      << NotesText(s.plan);
}

TEST(InjectObjectsTest, ReferenceGrantNamespaceFollowsKedaSettings) {
  InjectedStream s = MustInject(Fixture("helm4-envoy-keda.yaml"), SettingsFile("apps:\n  keda:\n    namespace: autoscaling\n"));
  const Document* grant = FindGenerated(s.docs, "ReferenceGrant", "keda-interceptor");
  ASSERT_NE(grant, nullptr);
  EXPECT_EQ(grant->Namespace(), "autoscaling");
  EXPECT_NE(FindGenerated(s.docs, "Namespace", "autoscaling"), nullptr);
  EXPECT_EQ(FindGenerated(s.docs, "Namespace", "keda"), nullptr);
}

TEST(InjectObjectsTest, ReferenceGrantNeedsTheInterceptorService) {
  const std::string input =
      WithoutObject(Fixture("helm4-envoy-keda.yaml"), "Service", "keda-add-ons-http-interceptor-proxy");
  InjectedStream s = RunUpToInjection(input);
  ASSERT_FALSE(s.ok);
  EXPECT_EQ(FormatAll(s.diagnostics),
            "error: cannot find the KEDA HTTP add-on's interceptor Service (a Service labelled "
            "app.kubernetes.io/component=interceptor with a port named proxy) for the ReferenceGrant; hint: check the "
            "keda-add-ons-http version against the fixtures' facts; set apps.keda.httpAddon.routeNamespaces: [] to "
            "skip the ReferenceGrant\n");
}

TEST(InjectObjectsTest, ExtraListenersAppearInTheGateway) {
  InjectedStream s = MustInject(Fixture("helm4-envoy-only.yaml"), SettingsFile(R"(apps:
  envoyGateway:
    gateway:
      extraListeners:
      - name: https
        protocol: HTTPS
        port: 443
        hostname: shop.example.com
        tls:
          certificateRefs:
          - name: shop-cert
          - name: other-cert
            namespace: certs
      - name: tcp
        protocol: TCP
        port: 5432
        allowedRoutes:
          namespaces:
            from: Same
)"));
  const Document* gateway = FindGenerated(s.docs, "Gateway", "eg");
  ASSERT_NE(gateway, nullptr);
  YAML::Node listeners = Parsed(*gateway)["spec"]["listeners"];
  ASSERT_EQ(listeners.size(), 3u);
  EXPECT_EQ(listeners[0]["name"].Scalar(), "http");
  YAML::Node https = listeners[1];
  EXPECT_EQ(https["name"].Scalar(), "https");
  EXPECT_EQ(https["protocol"].Scalar(), "HTTPS");
  EXPECT_EQ(https["port"].Scalar(), "443");
  EXPECT_EQ(https["hostname"].Scalar(), "shop.example.com");
  EXPECT_EQ(https["tls"]["mode"].Scalar(), "Terminate");
  ASSERT_EQ(https["tls"]["certificateRefs"].size(), 2u);
  EXPECT_EQ(https["tls"]["certificateRefs"][0]["name"].Scalar(), "shop-cert");
  EXPECT_EQ(https["tls"]["certificateRefs"][0]["kind"].Scalar(), "Secret");
  EXPECT_EQ(https["tls"]["certificateRefs"][0]["group"].Scalar(), "");
  EXPECT_FALSE(https["tls"]["certificateRefs"][0]["namespace"]);
  EXPECT_EQ(https["tls"]["certificateRefs"][1]["namespace"].Scalar(), "certs");
  EXPECT_EQ(https["allowedRoutes"]["namespaces"]["from"].Scalar(), "All");
  YAML::Node tcp = listeners[2];
  EXPECT_EQ(tcp["protocol"].Scalar(), "TCP");
  EXPECT_FALSE(tcp["tls"]);
  EXPECT_EQ(tcp["allowedRoutes"]["namespaces"]["from"].Scalar(), "Same");
  // A certificate in another namespace needs a ReferenceGrant there: the plan says so.
  EXPECT_TRUE(HasNote(s.plan,
                      "listener https uses certificate certs/other-cert from another namespace: that namespace needs a "
                      "ReferenceGrant from Gateways in envoy-gateway-system"))
      << NotesText(s.plan);
}

TEST(InjectObjectsTest, ControllerNameFromTheEnvoyGatewayConfig) {
  const std::string input = ReplaceOnce(Fixture("helm4-envoy-only.yaml"),
                                        "controllerName: gateway.envoyproxy.io/gatewayclass-controller",
                                        "controllerName: example.com/my-controller");
  InjectedStream s = MustInject(input);
  const Document* gateway_class = FindGenerated(s.docs, "GatewayClass", "eg");
  ASSERT_NE(gateway_class, nullptr);
  EXPECT_EQ(Parsed(*gateway_class)["spec"]["controllerName"].Scalar(), "example.com/my-controller");
}

// --- the PodMonitor follows the rendered Prometheus ---

constexpr std::string_view kPodMonitorSelector = "  podMonitorSelector:\n    matchLabels:\n      release: \"dot-apps\"\n";
constexpr std::string_view kPodMonitorNamespaceSelector = "  podMonitorNamespaceSelector: {}\n";

// helm4-envoy-prometheus.yaml with the Prometheus CR's podMonitorSelector replaced.
std::string WithPodMonitorSelector(std::string_view replacement) {
  return ReplaceOnce(Fixture("helm4-envoy-prometheus.yaml"), kPodMonitorSelector, replacement);
}

YAML::Node PrometheusSelector(const std::vector<Document>& docs, const char* field) {
  for (const Document& doc : docs) {
    if (doc.Kind() == "Prometheus") return Parsed(doc)["spec"][field];
  }
  return {};
}

TEST(PodMonitorTest, LabelsFollowAChangedSelector) {
  struct Case {
    const char* selector;
    LabelMap required;  // labels the PodMonitor must carry
  };
  const std::vector<Case> cases = {
      {"  podMonitorSelector:\n    matchLabels:\n      team: platform\n      tier: edge\n",
       {{"team", "platform"}, {"tier", "edge"}}},
      {"  podMonitorSelector:\n    matchExpressions:\n    - key: team\n      operator: In\n      values: [platform, web]\n"
       "    - key: scrape\n      operator: Exists\n",
       {{"team", "platform"}, {"scrape", "true"}}},
      {"  podMonitorSelector:\n    matchLabels:\n      release: other\n    matchExpressions:\n"
       "    - {key: release, operator: In, values: [other, dot-apps]}\n    - {key: legacy, operator: DoesNotExist}\n",
       {{"release", "other"}}},
      {"  podMonitorSelector: {}\n", {}},
  };
  for (const Case& c : cases) {
    InjectedStream s = MustInject(WithPodMonitorSelector(c.selector));
    const Document* pod_monitor = FindGenerated(s.docs, "PodMonitor", "envoy-gateway-proxy");
    ASSERT_NE(pod_monitor, nullptr) << c.selector;
    LabelMap labels = LabelsOf(*pod_monitor);
    for (const auto& [k, v] : c.required) {
      EXPECT_EQ(labels[k], v) << c.selector << " " << k;
    }
    if (c.required.count("release") == 0) {
      EXPECT_EQ(labels.count("release"), 0u) << c.selector;
    }
    EXPECT_TRUE(Selects(PrometheusSelector(s.docs, "podMonitorSelector"), labels)) << c.selector;
  }
}

TEST(PodMonitorTest, SelectorExcludingAStandardLabel) {
  // A selector may exclude what dotk8s-post labels its objects with; the
  // PodMonitor must still be selected (derive, don't assume).
  const std::vector<std::string> selectors = {
      "  podMonitorSelector:\n    matchLabels:\n      release: dot-apps\n    matchExpressions:\n"
      "    - {key: app.kubernetes.io/managed-by, operator: NotIn, values: [Helm]}\n",
      "  podMonitorSelector:\n    matchExpressions:\n    - {key: app.kubernetes.io/component, operator: DoesNotExist}\n",
      "  podMonitorSelector:\n    matchLabels:\n      app.kubernetes.io/name: envoy-metrics\n",
      "  podMonitorSelector:\n    matchExpressions:\n    - {key: app.kubernetes.io/managed-by, operator: Exists}\n",
  };
  for (const std::string& selector : selectors) {
    InjectedStream s = MustInject(WithPodMonitorSelector(selector));
    const Document* pod_monitor = FindGenerated(s.docs, "PodMonitor", "envoy-gateway-proxy");
    ASSERT_NE(pod_monitor, nullptr) << selector;
    EXPECT_TRUE(Selects(PrometheusSelector(s.docs, "podMonitorSelector"), LabelsOf(*pod_monitor)))
        << selector << pod_monitor->Text();
  }
  InjectedStream not_in = MustInject(WithPodMonitorSelector(selectors[0]));
  EXPECT_TRUE(HasNote(not_in.plan,
                      "PodMonitor envoy-gateway-proxy is not labelled app.kubernetes.io/managed-by=Helm: the "
                      "Prometheus podMonitorSelector excludes it"))
      << NotesText(not_in.plan);
  // Exists keeps the standard value rather than inventing one.
  InjectedStream exists = MustInject(WithPodMonitorSelector(selectors[3]));
  EXPECT_EQ(LabelsOf(*FindGenerated(exists.docs, "PodMonitor", "envoy-gateway-proxy"))["app.kubernetes.io/managed-by"],
            "Helm");
}

TEST(PodMonitorTest, NoSelectorIsAnError) {
  InjectedStream s = RunUpToInjection(WithPodMonitorSelector(""));
  ASSERT_FALSE(s.ok);
  EXPECT_EQ(FormatAll(s.diagnostics),
            "error: doc 101 (dot-apps/charts/kube-prometheus-stack/templates/prometheus/prometheus.yaml) Prometheus "
            "dot-system/kube-prometheus-stack-prometheus spec.podMonitorSelector: selects no PodMonitor at all "
            "(spec.podMonitorSelector is not set), so Prometheus would never scrape the Envoy proxies; hint: set "
            "kube-prometheus-stack.prometheus.prometheusSpec.podMonitorSelector, or leave "
            "podMonitorSelectorNilUsesHelmValues at true\n");
  InjectedStream null_selector = RunUpToInjection(WithPodMonitorSelector("  podMonitorSelector: null\n"));
  EXPECT_FALSE(null_selector.ok);
}

TEST(PodMonitorTest, UnsatisfiableSelector) {
  InjectedStream s = RunUpToInjection(WithPodMonitorSelector(
      "  podMonitorSelector:\n    matchLabels:\n      release: dot-apps\n    matchExpressions:\n"
      "    - {key: release, operator: NotIn, values: [dot-apps]}\n"));
  ASSERT_FALSE(s.ok);
  EXPECT_EQ(FormatAll(s.diagnostics),
            "error: doc 101 (dot-apps/charts/kube-prometheus-stack/templates/prometheus/prometheus.yaml) Prometheus "
            "dot-system/kube-prometheus-stack-prometheus spec.podMonitorSelector: no PodMonitor labels can satisfy "
            "this selector: release NotIn [dot-apps], but the object needs release=dot-apps; hint: give Prometheus a "
            "podMonitorSelector a PodMonitor can match\n");
}

TEST(PodMonitorTest, NamespaceSelectorNotSetWithPrometheusElsewhere) {
  const std::string input = ReplaceOnce(Fixture("helm4-envoy-prometheus.yaml"), kPodMonitorNamespaceSelector, "");
  InjectedStream s = RunUpToInjection(input);
  ASSERT_FALSE(s.ok);
  EXPECT_EQ(FormatAll(s.diagnostics),
            "error: doc 101 (dot-apps/charts/kube-prometheus-stack/templates/prometheus/prometheus.yaml) Prometheus "
            "dot-system/kube-prometheus-stack-prometheus spec.podMonitorNamespaceSelector: looks for PodMonitors "
            "only in its own namespace dot-system (spec.podMonitorNamespaceSelector is not set), but the PodMonitor "
            "for the Envoy proxies lives in envoy-gateway-system; hint: set "
            "kube-prometheus-stack.prometheus.prometheusSpec.podMonitorNamespaceSelector: {} (every namespace) or a "
            "selector that matches the Envoy Gateway namespace\n");
  // With Envoy Gateway in Prometheus's namespace there is nothing to select.
  InjectedStream same = MustInject(input, SettingsFile("apps:\n  envoyGateway:\n    namespace: dot-system\n"));
  EXPECT_NE(FindGenerated(same.docs, "PodMonitor", "envoy-gateway-proxy"), nullptr);
}

TEST(PodMonitorTest, NamespaceSelectorLabelsGoOnTheInjectedNamespace) {
  const std::string input = ReplaceOnce(Fixture("helm4-envoy-prometheus.yaml"), kPodMonitorNamespaceSelector,
                                        "  podMonitorNamespaceSelector:\n    matchLabels:\n      monitoring: enabled\n"
                                        "    matchExpressions:\n    - {key: kubernetes.io/metadata.name, operator: In, "
                                        "values: [envoy-gateway-system, apps]}\n");
  InjectedStream s = MustInject(input);
  const Document* ns = FindGenerated(s.docs, "Namespace", "envoy-gateway-system");
  ASSERT_NE(ns, nullptr);
  LabelMap labels = LabelsOf(*ns);
  EXPECT_EQ(labels["monitoring"], "enabled");
  EXPECT_EQ(labels.count("kubernetes.io/metadata.name"), 0u);  // the API server sets that one
  // Only the namespace the PodMonitor lives in needs it.
  EXPECT_EQ(LabelsOf(*FindGenerated(s.docs, "Namespace", "prometheus-system")).count("monitoring"), 0u);
  labels["kubernetes.io/metadata.name"] = "envoy-gateway-system";
  EXPECT_TRUE(Selects(PrometheusSelector(s.docs, "podMonitorNamespaceSelector"), labels));

  // Without createNamespaces the plan says what the namespace needs.
  InjectedStream off = MustInject(input, SettingsFile("apps:\n  createNamespaces: false\n"));
  EXPECT_TRUE(testing::FindDocs(off.docs, "Namespace").empty());
  EXPECT_TRUE(HasNote(off.plan,
                      "namespace envoy-gateway-system must carry the labels monitoring=enabled for Prometheus to find "
                      "the PodMonitor (createNamespaces is off, so dotk8s-post cannot set them)"))
      << NotesText(off.plan);
}

TEST(PodMonitorTest, NamespaceSelectorExcludingAStandardLabel) {
  const std::string input = ReplaceOnce(Fixture("helm4-envoy-prometheus.yaml"), kPodMonitorNamespaceSelector,
                                        "  podMonitorNamespaceSelector:\n    matchExpressions:\n"
                                        "    - {key: app.kubernetes.io/component, operator: NotIn, values: [namespace]}\n");
  InjectedStream s = MustInject(input);
  const Document* ns = FindGenerated(s.docs, "Namespace", "envoy-gateway-system");
  ASSERT_NE(ns, nullptr);
  LabelMap labels = LabelsOf(*ns);
  EXPECT_EQ(labels.count("app.kubernetes.io/component"), 0u) << ns->Text();
  EXPECT_EQ(labels["app.kubernetes.io/managed-by"], "Helm");
  labels["kubernetes.io/metadata.name"] = "envoy-gateway-system";
  EXPECT_TRUE(Selects(PrometheusSelector(s.docs, "podMonitorNamespaceSelector"), labels));
  // Only the namespace Prometheus must select loses the label.
  EXPECT_EQ(LabelsOf(*FindGenerated(s.docs, "Namespace", "prometheus-system"))["app.kubernetes.io/component"], "namespace");
}

TEST(PodMonitorTest, NamespaceSelectorThatCannotSelectTheNamespace) {
  const std::string input = ReplaceOnce(Fixture("helm4-envoy-prometheus.yaml"), kPodMonitorNamespaceSelector,
                                        "  podMonitorNamespaceSelector:\n    matchExpressions:\n"
                                        "    - {key: kubernetes.io/metadata.name, operator: In, values: [apps]}\n");
  InjectedStream s = RunUpToInjection(input);
  ASSERT_FALSE(s.ok);
  EXPECT_EQ(FormatAll(s.diagnostics),
            "error: doc 101 (dot-apps/charts/kube-prometheus-stack/templates/prometheus/prometheus.yaml) Prometheus "
            "dot-system/kube-prometheus-stack-prometheus spec.podMonitorNamespaceSelector: its "
            "podMonitorNamespaceSelector cannot select namespace envoy-gateway-system: kubernetes.io/metadata.name In "
            "[apps], but the object has kubernetes.io/metadata.name=envoy-gateway-system; hint: widen "
            "kube-prometheus-stack.prometheus.prometheusSpec.podMonitorNamespaceSelector\n");
}

TEST(PodMonitorTest, NoPrometheusResourceNoPodMonitor) {
  const std::string input = Fixture("helm4-envoy-prometheus.yaml");
  InjectedStream s = MustInject(WithoutObject(input, "Prometheus", "kube-prometheus-stack-prometheus"));
  EXPECT_EQ(FindGenerated(s.docs, "PodMonitor", "envoy-gateway-proxy"), nullptr);
  EXPECT_TRUE(HasNote(s.plan,
                      "PodMonitor envoy-gateway-proxy not injected: kube-prometheus-stack rendered no Prometheus resource"))
      << NotesText(s.plan);
}

TEST(PodMonitorTest, EveryPrometheusMustSelectIt) {
  const std::string second =
      "---\napiVersion: monitoring.coreos.com/v1\nkind: Prometheus\nmetadata:\n  name: second\n  namespace: dot-system\n"
      "  annotations:\n    postrenderer.helm.sh/postrender-filename: "
      "'dot-apps/charts/kube-prometheus-stack/templates/second.yaml'\nspec:\n  podMonitorSelector:\n    matchLabels:\n"
      "      team: edge\n  podMonitorNamespaceSelector: {}\n";
  InjectedStream s = MustInject(Fixture("helm4-envoy-prometheus.yaml") + second);
  const Document* pod_monitor = FindGenerated(s.docs, "PodMonitor", "envoy-gateway-proxy");
  ASSERT_NE(pod_monitor, nullptr);
  LabelMap labels = LabelsOf(*pod_monitor);
  EXPECT_EQ(labels["release"], "dot-apps");
  EXPECT_EQ(labels["team"], "edge");
}

TEST(PodMonitorTest, DisabledBySettings) {
  InjectedStream s =
      MustInject(Fixture("helm4-envoy-prometheus.yaml"), SettingsFile("apps:\n  envoyGateway:\n    podMonitor:\n      enabled: false\n"));
  EXPECT_EQ(FindGenerated(s.docs, "PodMonitor", "envoy-gateway-proxy"), nullptr);
  EXPECT_TRUE(HasNote(s.plan,
                      "PodMonitor envoy-gateway-proxy not injected: apps.envoyGateway.podMonitor.enabled is false"))
      << NotesText(s.plan);
}

TEST(LabelsForSelectorTest, Cases) {
  auto labels_for = [](const char* selector, LabelMap start, std::string* why) {
    LabelMap labels = std::move(start);
    bool ok = LabelsForSelector(YAML::Load(selector), &labels, why);
    return ok ? labels : LabelMap{{"<failed>", *why}};
  };
  std::string why;
  EXPECT_EQ(labels_for("{matchLabels: {a: b}}", {}, &why), (LabelMap{{"a", "b"}}));
  EXPECT_EQ(labels_for("{matchExpressions: [{key: a, operator: In, values: [x, y]}]}", {}, &why), (LabelMap{{"a", "x"}}));
  EXPECT_EQ(labels_for("{matchExpressions: [{key: a, operator: In, values: [x, y]}]}", {{"a", "y"}}, &why),
            (LabelMap{{"a", "y"}}));
  EXPECT_EQ(labels_for("{matchExpressions: [{key: a, operator: Exists}]}", {}, &why), (LabelMap{{"a", "true"}}));
  EXPECT_EQ(labels_for("{matchExpressions: [{key: a, operator: NotIn, values: [x]}, {key: b, operator: DoesNotExist}]}",
                       {}, &why),
            LabelMap{});
  EXPECT_EQ(labels_for("{}", {}, &why), LabelMap{});
  EXPECT_EQ(labels_for("{matchLabels: {a: b}}", {{"a", "c"}}, &why),
            (LabelMap{{"<failed>", "it needs a=b, but the object has a=c"}}));
  EXPECT_EQ(labels_for("{matchExpressions: [{key: a, operator: In, values: []}]}", {}, &why),
            (LabelMap{{"<failed>", "a In [] matches nothing"}}));
  EXPECT_EQ(labels_for("{matchLabels: {a: b}, matchExpressions: [{key: a, operator: DoesNotExist}]}", {}, &why),
            (LabelMap{{"<failed>", "a DoesNotExist, but the object needs a=b"}}));
  EXPECT_EQ(labels_for("{matchExpressions: [{key: a, operator: Like}]}", {}, &why),
            (LabelMap{{"<failed>", "unknown operator `Like` for a"}}));
  EXPECT_EQ(labels_for("[a]", {}, &why), (LabelMap{{"<failed>", "the selector is not a mapping"}}));
}

// --- what Helm needs to track injected documents ---

TEST(InjectObjectsTest, OriginMarkersFollowTheStreamStyle) {
  InjectedStream helm3 = MustInject(Fixture("helm3-all.yaml"));
  for (const Document* doc : Generated(helm3.docs)) {
    const std::string file = doc->Kind() == "Namespace" ? "namespaces.yaml"
                             : doc->Kind() == "PodMonitor" ? "podmonitor.yaml"
                             : doc->Kind() == "ReferenceGrant" ? "referencegrant.yaml"
                                                               : "gateway.yaml";
    const std::string head = "---\n# Source: dot-apps/templates/dotk8s-post/" + file + "\n";
    EXPECT_EQ(doc->raw.substr(0, head.size()), head);
    EXPECT_EQ(doc->outline.Annotation(kHelm4FilenameAnnotation), nullptr) << doc->raw;
    EXPECT_EQ(doc->source_path, "dot-apps/templates/dotk8s-post/" + file);
  }
  InjectedStream helm4 = MustInject(Fixture("helm4-all.yaml"));
  for (const Document* doc : Generated(helm4.docs)) {
    const std::string* path = doc->outline.Annotation(kHelm4FilenameAnnotation);
    ASSERT_NE(path, nullptr) << doc->raw;
    EXPECT_EQ(path->rfind("dot-apps/templates/dotk8s-post/", 0), 0u) << *path;
    EXPECT_EQ(doc->raw.find("# Source:"), std::string_view::npos);
  }
  // Read back as any input document would be.
  for (const Document* doc : Generated(helm4.docs)) {
    std::vector<Document> again = testing::ReadDocs(doc->raw);
    ASSERT_EQ(again.size(), 1u);
    EXPECT_EQ(again[0].origin, Origin::kHelm4Annotation);
    EXPECT_EQ(again[0].Describe(), doc->Describe());
  }
}

TEST(InjectObjectsTest, StableOrderWithNamespacesFirst) {
  const std::string input = Fixture("helm4-all-plus-traefik.yaml");
  InjectedStream first = MustInject(input);
  InjectedStream second = MustInject(input);
  EXPECT_EQ(WriteStream(first.docs).Join(), WriteStream(second.docs).Join());
  std::vector<const Document*> kept = testing::Kept(first.docs);
  ASSERT_GE(kept.size(), 4u);
  EXPECT_EQ(kept[0]->Describe(), "Namespace envoy-gateway-system");
  EXPECT_EQ(kept[1]->Describe(), "Namespace keda");
  EXPECT_EQ(kept[2]->Describe(), "Namespace prometheus-system");
  EXPECT_EQ(kept[3]->Describe(), "Namespace traefik");
  // The other injected objects come after every input document.
  std::vector<std::string> tail;
  for (std::size_t i = kept.size() - 4; i < kept.size(); ++i) tail.push_back(kept[i]->Describe());
  EXPECT_EQ(tail, (std::vector<std::string>{"GatewayClass eg", "Gateway envoy-gateway-system/eg",
                                            "PodMonitor envoy-gateway-system/envoy-gateway-proxy",
                                            "ReferenceGrant keda/keda-interceptor"}));
}

TEST(InjectObjectsTest, WhatIsRenderedAlreadyIsNotInjectedAgain) {
  const std::string extra =
      "---\napiVersion: gateway.networking.k8s.io/v1\nkind: GatewayClass\nmetadata:\n  name: eg\n  annotations:\n"
      "    postrenderer.helm.sh/postrender-filename: 'dot-apps/templates/gatewayclass.yaml'\nspec:\n"
      "  controllerName: gateway.envoyproxy.io/gatewayclass-controller\n"
      "---\napiVersion: v1\nkind: Namespace\nmetadata:\n  name: keda\n  annotations:\n"
      "    postrenderer.helm.sh/postrender-filename: 'dot-apps/templates/namespaces.yaml'\n"
      "---\napiVersion: gateway.networking.k8s.io/v1beta1\nkind: ReferenceGrant\nmetadata:\n  name: keda-interceptor\n"
      "  namespace: keda\n  annotations:\n"
      "    postrenderer.helm.sh/postrender-filename: 'dot-apps/templates/grant.yaml'\nspec: {}\n";
  InjectedStream s = MustInject(Fixture("helm4-all.yaml") + extra);
  EXPECT_EQ(FindGenerated(s.docs, "GatewayClass", "eg"), nullptr);
  EXPECT_EQ(FindGenerated(s.docs, "Namespace", "keda"), nullptr);
  EXPECT_EQ(FindGenerated(s.docs, "ReferenceGrant", "keda-interceptor"), nullptr);
  EXPECT_NE(FindGenerated(s.docs, "Gateway", "eg"), nullptr);
  EXPECT_NE(FindGenerated(s.docs, "Namespace", "prometheus-system"), nullptr);
  EXPECT_EQ(testing::FindDocs(s.docs, "GatewayClass", "eg").size(), 1u);
  EXPECT_TRUE(HasNote(s.plan,
                      "GatewayClass eg is rendered by dot-apps/templates/gatewayclass.yaml already; not injected"))
      << NotesText(s.plan);
}

TEST(InjectObjectsTest, NothingForHooksOnlyInput) {
  InjectedStream s = MustInject(testing::FilterHooks(Fixture("helm4-all.yaml"), true));
  EXPECT_TRUE(Generated(s.docs).empty());
  EXPECT_TRUE(s.plan.injected.empty());
  EXPECT_TRUE(HasNote(s.plan,
                      "the input holds only hooks: nothing injected (the other documents come in another call)"))
      << NotesText(s.plan);
}

TEST(InjectObjectsTest, NoNamespaceObjectForNamespacesEveryClusterHas) {
  InjectedStream s = MustInject(Fixture("helm4-envoy-keda.yaml"),
                                SettingsFile("apps:\n  keda: {namespace: kube-system}\n"));
  EXPECT_EQ(FindGenerated(s.docs, "Namespace", "kube-system"), nullptr);
  EXPECT_NE(FindGenerated(s.docs, "Namespace", "envoy-gateway-system"), nullptr);
  EXPECT_EQ(FindGenerated(s.docs, "ReferenceGrant", "keda-interceptor")->Namespace(), "kube-system");
  EXPECT_TRUE(HasNote(s.plan,
                      "Namespace kube-system not injected: every cluster has it"))
      << NotesText(s.plan);
}

TEST(InjectObjectsTest, NoNamespaceObjectsWhenComponentsStayInTheReleaseNamespace) {
  InjectedStream s = MustInject(
      Fixture("helm4-all.yaml"),
      SettingsFile("apps:\n  envoyGateway: {namespace: dot-system}\n  keda: {namespace: dot-system}\n"
                   "  prometheus: {namespace: dot-system}\n"));
  EXPECT_TRUE(testing::FindDocs(s.docs, "Namespace").empty());
  EXPECT_EQ(FindGenerated(s.docs, "Gateway", "eg")->Namespace(), "dot-system");
}

}  // namespace
}  // namespace dotk8s
