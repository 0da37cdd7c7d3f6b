// The umbrella chart rendered by real Helm 4 (dotk8s-post as a plugin) and
// Helm 3 (dotk8s-post as an executable) over the stand-in charts: the PRD's
// matrix of components, where each component's objects end up, the chart's
// Helm 3 strategy, its values schema, its NOTES and its lint.

#include <gtest/gtest.h>

#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "chart_workspace.h"
#include "core/passes/attribute.h"
#include "core/plan.h"
#include "test_support.h"

namespace dotk8s::testing {
namespace {

/// One case of the PRD's matrix: values for helm and which components it turns on.
struct MatrixCase {
  const char* name;
  const char* profile;  ///< values/<profile>.yaml, or nullptr
  const char* set;      ///< --set, or nullptr
  bool envoy_gateway;
  bool keda;
  bool http_addon;
  bool prometheus;
  bool traefik;
};

const MatrixCase kMatrix[] = {
    {"EnvoyGatewayAlone", "gateway", nullptr, true, false, false, false, false},
    {"KedaAlone", nullptr, "apps.envoyGateway.enabled=false,apps.prometheus.enabled=false", false, true, true, false,
     false},
    {"AllThree", "autoscaling", nullptr, true, true, true, true, false},
    {"None", nullptr,
     "apps.envoyGateway.enabled=false,apps.keda.enabled=false,apps.keda.httpAddon.enabled=false,"
     "apps.prometheus.enabled=false",
     false, false, false, false, false},
    {"AllPlusTraefik", "migration", nullptr, true, true, true, true, true},
};

// Readable parameters in test listings (ctest shows them beside each name).
void PrintTo(const MatrixCase& c, std::ostream* os) { *os << c.name; }

std::vector<std::string> ValuesArgs(const MatrixCase& c) {
  std::vector<std::string> args;
  if (c.profile != nullptr) args.insert(args.end(), {"-f", Profile(c.profile)});
  if (c.set != nullptr) args.insert(args.end(), {"--set", c.set});
  return args;
}

/// The contract's namespace of each managed component (the add-on lives in KEDA's).
const std::map<Component, std::string> kTargetNamespace = {
    {Component::kEnvoyGateway, "envoy-gateway-system"}, {Component::kKeda, "keda"},
    {Component::kKedaHttpAddon, "keda"},                 {Component::kPrometheus, "prometheus-system"},
    {Component::kTraefik, "traefik"},
};

bool IsOn(const MatrixCase& c, Component component) {
  switch (component) {
    case Component::kEnvoyGateway:
      return c.envoy_gateway;
    case Component::kKeda:
      return c.keda;
    case Component::kKedaHttpAddon:
      return c.keda && c.http_addon;
    case Component::kPrometheus:
      return c.prometheus;
    case Component::kTraefik:
      return c.traefik;
    default:
      return false;
  }
}

/// Helm's final output, read and attributed by its `# Source:` paths.
struct Rendered {
  std::vector<Document> docs;
  std::map<Component, std::size_t> counts;
};

Rendered ReadRendered(const std::string& out) {
  Rendered rendered;
  rendered.docs = ReadDocs(out);
  Plan plan;
  AttributeComponents(rendered.docs, plan);
  for (const Document& doc : rendered.docs) {
    if (doc.IsObject()) ++rendered.counts[doc.component];
  }
  return rendered;
}

const Document* FindObject(const Rendered& r, std::string_view kind, std::string_view name) {
  std::vector<const Document*> found = FindDocs(r.docs, kind, name);
  return found.empty() ? nullptr : found.front();
}

/// Renders are shared by the tests of one process: the same args, the same output.
const RunResult& CachedRender(HelmVersion helm, const MatrixCase& c) {
  static std::map<std::pair<HelmVersion, std::string>, RunResult> cache;
  auto key = std::make_pair(helm, std::string(c.name));
  auto found = cache.find(key);
  if (found == cache.end()) found = cache.emplace(key, RenderThroughPost(helm, ValuesArgs(c))).first;
  return found->second;
}

std::string Describe(const RunResult& r) {
  return fmt::format("exit {}\nstderr:\n{}\n{}", r.exit_code, r.err, PostLogTail());
}

class ChartMatrixTest : public ::testing::TestWithParam<std::tuple<HelmVersion, MatrixCase>> {
 protected:
  void SetUp() override {
    const ChartWorkspace& w = GetChartWorkspace();
    ASSERT_TRUE(w.error.empty()) << w.error;
    helm_ = std::get<0>(GetParam());
    case_ = std::get<1>(GetParam());
  }
  HelmVersion helm_ = HelmVersion::k4;
  MatrixCase case_{};
};

// Which components, Namespace objects and wiring objects are there.
TEST_P(ChartMatrixTest, RendersTheComponentsAndWiringOfTheCase) {
  const RunResult& run = CachedRender(helm_, case_);
  ASSERT_EQ(run.exit_code, 0) << Describe(run);
  Rendered r = ReadRendered(run.out);

  for (const auto& [component, ns] : kTargetNamespace) {
    EXPECT_EQ(r.counts[component] > 0, IsOn(case_, component))
        << ComponentName(component) << ": " << r.counts[component] << " documents";
  }
  EXPECT_EQ(FindObject(r, "Deployment", "envoy-gateway") != nullptr, case_.envoy_gateway);
  EXPECT_EQ(FindObject(r, "Deployment", "keda-operator") != nullptr, case_.keda);
  EXPECT_EQ(FindObject(r, "Service", "keda-add-ons-http-interceptor-proxy") != nullptr, case_.keda && case_.http_addon);
  EXPECT_EQ(FindObject(r, "Prometheus", "kube-prometheus-stack-prometheus") != nullptr, case_.prometheus);
  EXPECT_EQ(FindObject(r, "Deployment", "dot-apps-traefik") != nullptr, case_.traefik);

  // Namespace objects for the components' namespaces, but not for the release
  // namespace: Helm makes that one (--create-namespace) before any hook runs.
  std::set<std::string> expected_namespaces;
  for (const auto& [component, ns] : kTargetNamespace) {
    if (IsOn(case_, component) && ns != ReleaseNamespace(helm_)) expected_namespaces.insert(ns);
  }
  std::set<std::string> namespaces;
  for (const Document* doc : FindDocs(r.docs, "Namespace")) namespaces.insert(std::string(doc->Name()));
  EXPECT_EQ(namespaces, expected_namespaces);

  const Document* gateway_class = FindObject(r, "GatewayClass", "eg");
  const Document* gateway = FindObject(r, "Gateway", "eg");
  const Document* pod_monitor = FindObject(r, "PodMonitor", "envoy-gateway-proxy");
  const Document* reference_grant = FindObject(r, "ReferenceGrant", "keda-interceptor");
  EXPECT_EQ(gateway_class != nullptr, case_.envoy_gateway);
  EXPECT_EQ(gateway != nullptr, case_.envoy_gateway);
  EXPECT_EQ(pod_monitor != nullptr, case_.envoy_gateway && case_.prometheus);
  EXPECT_EQ(reference_grant != nullptr, case_.envoy_gateway && case_.keda && case_.http_addon);
  if (gateway != nullptr) {
    EXPECT_EQ(gateway->Namespace(), "envoy-gateway-system");
  }
  if (pod_monitor != nullptr) {
    EXPECT_EQ(pod_monitor->Namespace(), "envoy-gateway-system");
  }
  if (reference_grant != nullptr) {
    EXPECT_EQ(reference_grant->Namespace(), "keda");
  }

  // The settings document is for dotk8s-post, never for the cluster.
  EXPECT_TRUE(FindDocs(r.docs, "Settings").empty());
}

// Each component's namespaced objects in its own namespace (issue 3's contract):
// hooks too, except kube-system objects that charts put there on purpose; and
// no object of a moved component still names the release namespace.
TEST_P(ChartMatrixTest, PlacesEachComponentInItsNamespace) {
  const RunResult& run = CachedRender(helm_, case_);
  ASSERT_EQ(run.exit_code, 0) << Describe(run);
  Rendered r = ReadRendered(run.out);
  const std::string release_namespace(ReleaseNamespace(helm_));
  for (const Document& doc : r.docs) {
    auto target = kTargetNamespace.find(doc.component);
    if (!doc.IsObject() || target == kTargetNamespace.end()) continue;
    if (!doc.Namespace().empty() && doc.Namespace() != "kube-system") {
      EXPECT_EQ(doc.Namespace(), target->second) << doc.Describe() << " (" << doc.source_path << ")";
    }
    if (target->second != release_namespace) {
      EXPECT_EQ(WithoutReleaseOwnership(doc.Text()).find(release_namespace), std::string::npos)
          << doc.Describe() << " (" << doc.source_path << ") still mentions the release namespace "
          << release_namespace;
    }
  }
}

INSTANTIATE_TEST_SUITE_P(
    Matrix, ChartMatrixTest, ::testing::Combine(::testing::Values(HelmVersion::k4, HelmVersion::k3), ::testing::ValuesIn(kMatrix)),
    [](const ::testing::TestParamInfo<ChartMatrixTest::ParamType>& param_info) {
      return fmt::format("{}_{}", std::get<0>(param_info.param) == HelmVersion::k3 ? "Helm3" : "Helm4",
                         std::get<1>(param_info.param).name);
    });

class ChartTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(GetChartWorkspace().error.empty()) << GetChartWorkspace().error; }
  const std::string& chart() const { return GetChartWorkspace().chart; }
};

TEST_F(ChartTest, LintPassesWithEveryProfileUnderHelm4) {
  for (const char* profile : {"default", "gateway", "autoscaling", "migration", "helm3"}) {
    RunResult lint = RunHelm(HelmVersion::k4, {"lint", chart(), "-f", Profile(profile)});
    EXPECT_EQ(lint.exit_code, 0) << profile << ": " << lint.out << lint.err;
    EXPECT_NE(lint.out.find("1 chart(s) linted, 0 chart(s) failed"), std::string::npos) << lint.out;
  }
}

TEST_F(ChartTest, LintPassesUnderHelm3WithItsStrategy) {
  RunResult lint = RunHelm(HelmVersion::k3, {"lint", chart(), "-n", "envoy-gateway-system", "-f", Profile("helm3")});
  EXPECT_EQ(lint.exit_code, 0) << lint.out << lint.err;
  EXPECT_NE(lint.out.find("1 chart(s) linted, 0 chart(s) failed"), std::string::npos) << lint.out;
  for (const char* profile : {"gateway", "autoscaling", "migration"}) {
    lint = RunHelm(HelmVersion::k3,
                   {"lint", chart(), "-n", "envoy-gateway-system", "-f", Profile("helm3"), "-f", Profile(profile)});
    EXPECT_EQ(lint.exit_code, 0) << profile << ": " << lint.out << lint.err;
  }
}

// A misspelt key under apps fails lint and template, naming the key. The two
// versions word it differently (Helm 4: "at '/apps': additional properties
// 'envoyGatway' not allowed"; Helm 3.17: "- apps: Additional property
// envoyGatway is not allowed").
TEST_F(ChartTest, SchemaRejectsATypoUnderAppsInBothHelmVersions) {
  const std::map<HelmVersion, std::string> message = {
      {HelmVersion::k4, "- at '/apps': additional properties 'envoyGatway' not allowed"},
      {HelmVersion::k3, "- apps: Additional property envoyGatway is not allowed"},
  };
  for (HelmVersion helm : {HelmVersion::k4, HelmVersion::k3}) {
    SCOPED_TRACE(HelmName(helm));
    RunResult lint = RunHelm(helm, {"lint", chart(), "--set", "apps.envoyGatway.enabled=true"});
    EXPECT_NE(lint.exit_code, 0) << lint.out;
    EXPECT_NE((lint.out + lint.err).find(message.at(helm)), std::string::npos) << lint.out << lint.err;
    RunResult render = RenderThroughPost(helm, {"--set", "apps.envoyGatway.enabled=true"});
    EXPECT_NE(render.exit_code, 0);
    EXPECT_TRUE(render.out.empty());
    EXPECT_NE(render.err.find("values don't meet the specifications of the schema(s) in the following chart(s):\n"
                              "dot-apps:\n" +
                              message.at(helm)),
              std::string::npos)
        << render.err;
  }
}

TEST_F(ChartTest, SchemaRejectsWrongTypesAndWildcardRouteNamespaces) {
  struct Bad {
    std::vector<std::string> args;
    std::string where;  // the JSON pointer Helm's message names
  };
  const std::vector<Bad> bad = {
      {{"--set-string", "apps.keda.enabled=yes"}, "/apps/keda/enabled"},
      {{"--set", "apps.keda.httpAddon.routeNamespaces={default,*}"}, "/apps/keda/httpAddon/routeNamespaces/1"},
      {{"--set", "apps.prometheus.namespace=Monitoring"}, "/apps/prometheus/namespace"},
      {{"--set", "apps.envoyGateway.gateway.extraListeners[0].name=https,"
                 "apps.envoyGateway.gateway.extraListeners[0].protocol=HTTP3,"
                 "apps.envoyGateway.gateway.extraListeners[0].port=443"},
       "/apps/envoyGateway/gateway/extraListeners/0/protocol"},
      {{"--set", "apps.traefik.namespaces=traefik"}, "/apps/traefik"},
  };
  for (const Bad& b : bad) {
    // Helm 4 names the place as a JSON pointer, Helm 3.17 with dots.
    std::string dotted = b.where.substr(1);
    std::replace(dotted.begin(), dotted.end(), '/', '.');
    for (HelmVersion helm : {HelmVersion::k4, HelmVersion::k3}) {
      SCOPED_TRACE(HelmName(helm));
      RunResult render = RenderThroughPost(helm, b.args);
      EXPECT_NE(render.exit_code, 0) << b.where;
      const std::string where =
          helm == HelmVersion::k4 ? fmt::format("- at '{}': ", b.where) : fmt::format("- {}: ", dotted);
      EXPECT_NE(render.err.find(where), std::string::npos) << render.err;
    }
  }
}

// The schema leaves the subcharts' own value roots to them; Traefik's own
// schema is why the switches cannot sit under `traefik:`.
TEST_F(ChartTest, SchemaLeavesSubchartValueRootsAlone) {
  RunResult free_key = RenderThroughPost(HelmVersion::k4, {"--set", "kube-prometheus-stack.someFutureKey=1"});
  EXPECT_EQ(free_key.exit_code, 0) << Describe(free_key);
  RunResult traefik_switch =
      RenderThroughPost(HelmVersion::k4, {"-f", Profile("migration"), "--set", "traefik.enabled=true"});
  EXPECT_NE(traefik_switch.exit_code, 0);
  EXPECT_NE(traefik_switch.err.find("additional properties 'enabled' not allowed"), std::string::npos)
      << traefik_switch.err;
}

// The chart's settings document is what dotk8s-post reads: it takes the
// release from it and accepts every key of the values API.
TEST_F(ChartTest, DotK8sPostAcceptsTheSettingsDocument) {
  const ScratchDir dir;
  const std::string values = dir.File("listeners.yaml");
  WriteFile(values,
            "apps:\n"
            "  envoyGateway:\n"
            "    gateway:\n"
            "      extraListeners:\n"
            "        - name: https\n"
            "          protocol: HTTPS\n"
            "          port: 443\n"
            "          hostname: \"*.example.com\"\n"
            "          tls:\n"
            "            certificateRefs: [{name: example-com-tls}]\n"
            "          allowedRoutes: {namespaces: {from: Same}}\n"
            "  keda:\n"
            "    httpAddon:\n"
            "      routeNamespaces: [shop, blog]\n"
            "  allowReleaseNamespaceReferences:\n"
            "    - {kind: ConfigMap, name: example, path: data.x}\n");
  // Helm 3's `helm template` prints what it hands the post-renderer, plus the
  // hooks; dotk8s-post's plan tells where the settings came from.
  RunResult rendered = RunHelm(HelmVersion::k3, {"template", "dot-apps", chart(), "-n", "envoy-gateway-system", "-f",
                                                 Profile("helm3"), "-f", values});
  ASSERT_EQ(rendered.exit_code, 0) << rendered.err;
  ASSERT_NE(rendered.out.find("kind: Settings"), std::string::npos);
  RunResult plan = RunPost({"--explain"}, rendered.out);
  ASSERT_EQ(plan.exit_code, 0) << plan.err;
  EXPECT_NE(plan.out.find("release: dot-apps in namespace envoy-gateway-system"), std::string::npos) << plan.out;
  EXPECT_NE(plan.out.find("settings: settings document (dot-apps/templates/dotk8s-settings.yaml)"), std::string::npos)
      << plan.out;
  EXPECT_NE(plan.out.find("listeners http/80, https/443"), std::string::npos) << plan.out;
  const std::size_t grant_line = plan.out.find("ReferenceGrant keda/keda-interceptor (HTTPRoutes from ");
  ASSERT_NE(grant_line, std::string::npos) << plan.out;
  const std::string grant_text = plan.out.substr(grant_line, plan.out.find('\n', grant_line) - grant_line);
  EXPECT_NE(grant_text.find("shop"), std::string::npos) << grant_text;
  EXPECT_NE(grant_text.find("blog"), std::string::npos) << grant_text;

  // Through the Helm 4 plugin: the listener reaches the Gateway.
  RunResult wired = RenderThroughPost(HelmVersion::k4, {"-f", values});
  ASSERT_EQ(wired.exit_code, 0) << Describe(wired);
  const std::vector<Document> docs = ReadDocs(wired.out);
  std::vector<const Document*> gateway = FindDocs(docs, "Gateway", "eg");
  ASSERT_EQ(gateway.size(), 1U);
  EXPECT_NE(gateway[0]->Text().find("example-com-tls"), std::string::npos) << gateway[0]->Text();
  std::vector<const Document*> grant = FindDocs(docs, "ReferenceGrant", "keda-interceptor");
  ASSERT_EQ(grant.size(), 1U);
  EXPECT_NE(grant[0]->Text().find("namespace: shop"), std::string::npos) << grant[0]->Text();
  EXPECT_NE(grant[0]->Text().find("namespace: blog"), std::string::npos) << grant[0]->Text();
}

// Helm takes the first condition path of keda-add-ons-http that exists, so the
// add-on renders with KEDA off; dotk8s-post removes it (it follows KEDA).
TEST_F(ChartTest, HttpAddonFollowsKedaThroughThePostRenderer) {
  RunResult rendered = RunHelm(HelmVersion::k4, {"template", "dot-apps", chart(), "-n", "dot-system", "--set",
                                                 "apps.keda.enabled=false"});
  ASSERT_EQ(rendered.exit_code, 0) << rendered.err;
  EXPECT_NE(rendered.out.find("dot-apps/charts/keda-add-ons-http/"), std::string::npos)
      << "Helm renders the add-on although KEDA is off";
  RunResult wired = RenderThroughPost(HelmVersion::k4, {"--set", "apps.keda.enabled=false"});
  ASSERT_EQ(wired.exit_code, 0) << Describe(wired);
  Rendered r = ReadRendered(wired.out);
  EXPECT_EQ(r.counts[Component::kKedaHttpAddon], 0U);
  EXPECT_EQ(FindObject(r, "ReferenceGrant", "keda-interceptor"), nullptr);
}

TEST_F(ChartTest, EmptyRenderIsValidUnderHelm4) {
  const MatrixCase* none = nullptr;
  for (const MatrixCase& c : kMatrix) {
    if (std::string_view(c.name) == "None") none = &c;
  }
  ASSERT_NE(none, nullptr);
  RunResult run = RenderThroughPost(HelmVersion::k4, ValuesArgs(*none));
  ASSERT_EQ(run.exit_code, 0) << Describe(run);  // Helm 4 refuses an empty post-renderer output
  const std::vector<Document> docs = ReadDocs(run.out);
  for (const Document& doc : docs) EXPECT_FALSE(doc.IsObject()) << doc.Describe();
}

// --- The Helm 3 strategy ------------------------------------------------------

TEST_F(ChartTest, Helm3RefusesAReleaseNamespaceOtherThanEnvoyGateways) {
  RunResult run = RunHelm(HelmVersion::k3, {"template", "dot-apps", chart(), "-n", "dot-system", "-f",
                                            Profile("helm3"), "--post-renderer", DOTK8S_POST_BINARY});
  EXPECT_NE(run.exit_code, 0);
  EXPECT_TRUE(run.out.empty());
  EXPECT_NE(run.err.find("Helm 3 never shows hooks to a post-renderer, so Envoy Gateway's certgen hook would write "
                         "the controller's TLS Secrets into the release namespace \"dot-system\""),
            std::string::npos)
      << run.err;
  EXPECT_NE(run.err.find("-n envoy-gateway-system --create-namespace -f <chart>/values/helm3.yaml"), std::string::npos)
      << run.err;
  // Helm 4 has no such limit: it hands hooks to the post-renderer.
  RunResult helm4 = RenderThroughPost(HelmVersion::k4, {});
  EXPECT_EQ(helm4.exit_code, 0) << Describe(helm4);
}

TEST_F(ChartTest, Helm3RefusesKubePrometheusStackHooksOutsideItsNamespace) {
  RunResult run = RunHelm(HelmVersion::k3, {"template", "dot-apps", chart(), "-n", "envoy-gateway-system",
                                            "--post-renderer", DOTK8S_POST_BINARY});
  EXPECT_NE(run.exit_code, 0);
  EXPECT_NE(run.err.find("kube-prometheus-stack's admission hook Jobs would run in the release namespace "
                         "\"envoy-gateway-system\" while the operator runs in \"prometheus-system\""),
            std::string::npos)
      << run.err;
  EXPECT_NE(run.err.find("values/helm3.yaml"), std::string::npos) << run.err;
  // The rule is about where the hooks land, not about Helm 3 as such.
  RunResult prometheus_release = RunHelm(
      HelmVersion::k3, {"template", "dot-apps", chart(), "-n", "prometheus-system", "--set",
                        "apps.envoyGateway.enabled=false", "--post-renderer", DOTK8S_POST_BINARY});
  EXPECT_EQ(prometheus_release.exit_code, 0) << Describe(prometheus_release);
}

// With the helm3 profile no kube-prometheus-stack hook is rendered, and the
// operator no longer mounts the Secret only those hooks would make.
TEST_F(ChartTest, Helm3ProfileLeavesNoHookOutsideEnvoyGatewaysNamespace) {
  RunResult run = RenderThroughPost(HelmVersion::k3, {"-f", Profile("autoscaling")});
  ASSERT_EQ(run.exit_code, 0) << Describe(run);
  Rendered r = ReadRendered(run.out);
  std::size_t hooks = 0;
  for (const Document& doc : r.docs) {
    if (!doc.is_hook) continue;
    ++hooks;
    EXPECT_EQ(doc.component, Component::kEnvoyGateway) << doc.Describe();
    if (!doc.Namespace().empty()) {
      EXPECT_EQ(doc.Namespace(), "envoy-gateway-system") << doc.Describe();
    }
  }
  EXPECT_GT(hooks, 0U) << "Envoy Gateway's certgen hooks";
  EXPECT_EQ(FindObject(r, "ValidatingWebhookConfiguration", "kube-prometheus-stack-admission"), nullptr);
  const Document* operator_deployment = FindObject(r, "Deployment", "kube-prometheus-stack-operator");
  ASSERT_NE(operator_deployment, nullptr);
  EXPECT_EQ(operator_deployment->Text().find("kube-prometheus-stack-admission"), std::string::npos)
      << operator_deployment->Text();
}

// --- NOTES ---------------------------------------------------------------------

/// The NOTES Helm 4 prints for `install --dry-run=client` (no cluster needed;
/// Helm 3 needs a reachable API server even for a client dry run).
std::string Notes(const std::string& chart, const std::vector<std::string>& args) {
  std::vector<std::string> argv{"install", "dot-apps", chart, "-n", "dot-system", "--dry-run=client",
                                "--post-renderer", "dotk8s-post"};
  argv.insert(argv.end(), args.begin(), args.end());
  RunResult run = RunHelm(HelmVersion::k4, argv);
  EXPECT_EQ(run.exit_code, 0) << Describe(run);
  std::size_t notes = run.out.find("NOTES:\n");
  EXPECT_NE(notes, std::string::npos) << run.out.substr(0, 500);
  return notes == std::string::npos ? std::string() : run.out.substr(notes);
}

TEST_F(ChartTest, NotesShowTheContracts) {
  const std::string notes = Notes(chart(), {});
  for (const char* line : {
           "dotk8s-post must be used.",
           "  Envoy Gateway          on   namespace envoy-gateway-system\n",
           "  KEDA                   on   namespace keda\n",
           "  KEDA HTTP add-on       on   namespace keda\n",
           "  kube-prometheus-stack  on   namespace prometheus-system\n",
           "  Traefik                off\n",
           "  Gateway eg in namespace envoy-gateway-system (GatewayClass eg, controller\n",
           "    gateway.envoyproxy.io/gatewayclass-controller): listener http, HTTP, port 80,\n",
           "    Attach an HTTPRoute with parentRefs: [{name: eg, namespace: envoy-gateway-system}]\n",
           "  Prometheus: http://kube-prometheus-stack-prometheus.prometheus-system:9090\n",
           "    PodMonitor envoy-gateway-proxy in envoy-gateway-system",
           "  KEDA HTTP interceptor: Service keda-add-ons-http-interceptor-proxy.keda port 8080\n",
           "    ReferenceGrant keda-interceptor in keda lets HTTPRoutes in default send traffic to it.\n",
       }) {
    EXPECT_NE(notes.find(line), std::string::npos) << "missing: " << line << "\nin:\n" << notes;
  }
}

TEST_F(ChartTest, NotesFollowTheValues) {
  const std::string notes =
      Notes(chart(), {"-f", Profile("migration"), "--set",
                      "apps.prometheus.namespace=monitoring,apps.keda.namespace=autoscaling,"
                      "apps.keda.httpAddon.routeNamespaces={shop,blog},apps.traefik.namespace=ingress"});
  for (const char* line : {
           "  KEDA                   on   namespace autoscaling\n",
           "  Traefik                on   namespace ingress\n",
           "  Prometheus: http://kube-prometheus-stack-prometheus.monitoring:9090\n",
           "  KEDA HTTP interceptor: Service keda-add-ons-http-interceptor-proxy.autoscaling port 8080\n",
           "lets HTTPRoutes in shop, blog send traffic to it.\n",
           "  Traefik in namespace ingress serves Ingress objects; Envoy Gateway serves the Gateway API.\n",
       }) {
    EXPECT_NE(notes.find(line), std::string::npos) << "missing: " << line << "\nin:\n" << notes;
  }
  const std::string keda_off = Notes(chart(), {"--set", "apps.keda.enabled=false"});
  EXPECT_NE(keda_off.find("  KEDA HTTP add-on       off (it follows KEDA)\n"), std::string::npos) << keda_off;
  EXPECT_EQ(keda_off.find("KEDA HTTP interceptor"), std::string::npos) << keda_off;
  const std::string gateway_only = Notes(chart(), {"-f", Profile("gateway")});
  EXPECT_EQ(gateway_only.find("Prometheus:"), std::string::npos) << gateway_only;
  EXPECT_EQ(gateway_only.find("PodMonitor envoy-gateway-proxy"), std::string::npos) << gateway_only;
  EXPECT_NE(gateway_only.find("Gateway eg in namespace envoy-gateway-system"), std::string::npos) << gateway_only;
}

}  // namespace
}  // namespace dotk8s::testing
