// dotk8s verify end to end: the built driver, the fake helm printing the
// release's values recorded from the live release (values-*.json, `helm get
// values -a`) or a settings document rendered by the real chart (the command
// line, when there is no release), and the fake kubectl answering from
// kubectl get -o json lists recorded on a real API server
// (tests/testdata/verify: healthy/ and, per case, the files that differ;
// tests/cluster/record-verify.sh records them and says how each case is made,
// and renders the settings documents).
#include <gtest/gtest.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <filesystem>

#include "chart_workspace.h"
#include "driver/verify/checks.h"
#include "fakes/driver_sandbox.h"

namespace dotk8s::testing {
namespace {

using Call = std::vector<std::string>;

std::string VerifyData(const std::string& relative) { return SourcePath("tests/testdata/verify/" + relative); }

constexpr std::string_view kFromTheDefaultRelease =
    "ok    components: envoyGateway, keda, keda.httpAddon, prometheus on (in envoy-gateway-system, keda, keda, "
    "prometheus-system); traefik off (from release dot-apps in dot-system: helm get values -a)\n";

constexpr std::string_view kHealthyChecks =
    "ok    Gateway API CRDs: 12 CRDs, bundle-version v1.4.1, channel experimental\n"
    "ok    GatewayClass eg: controllerName gateway.envoyproxy.io/gatewayclass-controller\n"
    "ok    Gateway envoy-gateway-system/eg: class eg, listener http HTTP/80, routes from All\n"
    "ok    Gateway envoy-gateway-system/eg conditions: Accepted=True, Programmed=True\n"
    "ok    PodMonitor envoy-gateway-system/envoy-gateway-proxy: selector app.kubernetes.io/component=proxy, port "
    "metrics, path /stats/prometheus\n"
    "ok    Envoy proxy pods in envoy-gateway-system (selected by app.kubernetes.io/component=proxy): 1 pod, each with "
    "port metrics\n"
    "ok    Prometheus prometheus-system/kube-prometheus-stack-prometheus selects PodMonitor "
    "envoy-gateway-system/envoy-gateway-proxy: podMonitorSelector release=dot-apps matches its labels\n"
    "ok    Prometheus prometheus-system/kube-prometheus-stack-prometheus watches namespace envoy-gateway-system: "
    "podMonitorNamespaceSelector {} (everything) matches the namespace's labels\n"
    "ok    KEDA CRDs: scaledobjects.keda.sh, scaledjobs.keda.sh, triggerauthentications.keda.sh, "
    "clustertriggerauthentications.keda.sh, httpscaledobjects.http.keda.sh served\n"
    "ok    Service keda/keda-add-ons-http-interceptor-proxy: port 8080\n"
    "ok    ReferenceGrant keda/keda-interceptor: HTTPRoutes from default to Service "
    "keda-add-ons-http-interceptor-proxy\n"
    "ok    apps.keda.httpAddon.routeNamespaces: namespaces default exist\n"
    "ok    HTTPRoute default/dotk8s-tenant -> Service keda/keda-add-ons-http-interceptor-proxy: allowed by "
    "ReferenceGrant keda/keda-interceptor\n"
    "ok    Service prometheus-system/kube-prometheus-stack-prometheus: port 9090\n"
    "ok    envoyGateway Deployments in envoy-gateway-system: envoy-gateway present and Available\n"
    "ok    keda Deployments in keda: keda-operator, keda-operator-metrics-apiserver, keda-admission-webhooks "
    "present and Available\n"
    "ok    keda.httpAddon Deployments in keda: keda-add-ons-http-controller-manager, "
    "keda-add-ons-http-external-scaler, keda-add-ons-http-interceptor present and Available\n"
    "ok    prometheus Deployments in prometheus-system: kube-prometheus-stack-operator, dot-apps-grafana, "
    "dot-apps-kube-state-metrics present and Available\n"
    "ok    traefik (off) Deployments in traefik: none left\n";
const std::string kHealthyReport =
    std::string(kFromTheDefaultRelease) + std::string(kHealthyChecks) + "verify: 20 ok, 0 warning(s), 0 failed\n";

// The report without its ok lines: what each broken case adds.
std::string NotOk(const std::string& report) {
  std::string kept;
  bool in_ok = false;
  for (const std::string& line : Lines(report)) {
    if (line.starts_with("ok    ")) {
      in_ok = true;
    } else if (!line.starts_with("      ")) {
      in_ok = false;
    }
    if (!in_ok) kept += line + "\n";
  }
  return kept;
}

struct DriverVerifyTest : ::testing::Test {
  DriverSandbox sandbox;

  void SetUp() override { DOTK8S_REQUIRE_SANDBOX(sandbox); }

  // healthy/ with the files of `broken` (a directory of testdata/verify) laid over it.
  std::string Cluster(const std::string& broken = {}) const {
    namespace fs = std::filesystem;
    const std::string dir = sandbox.root + "/cluster-" + (broken.empty() ? "healthy" : broken);
    fs::remove_all(dir);
    fs::create_directories(dir);
    for (const auto& entry : fs::directory_iterator(VerifyData("healthy"))) {
      fs::copy_file(entry.path(), dir + "/" + entry.path().filename().string());
    }
    if (!broken.empty()) {
      for (const auto& entry : fs::directory_iterator(VerifyData(broken))) {
        fs::copy_file(entry.path(), dir + "/" + entry.path().filename().string(),
                      fs::copy_options::overwrite_existing);
      }
    }
    return dir;
  }

  // `values`: what `helm get values -a` of the live release prints (a
  // values-*.json); empty: there is no release. `settings`: what `helm
  // template` of the settings document prints for the command line.
  RunResult Verify(const std::string& cluster, std::vector<std::string> args = {},
                   const std::string& settings = "settings-default.yaml",
                   const std::string& helm_version = "v4.1.4",
                   const std::string& values = "values-default.json") const {
    std::vector<std::string> argv = {"verify", "--chart", sandbox.chart};
    argv.insert(argv.end(), args.begin(), args.end());
    std::vector<std::string> env = {"FAKE_HELM_TEMPLATE=" + VerifyData(settings), "FAKE_KUBECTL_CLUSTER=" + cluster,
                                    "FAKE_HELM_VERSION=" + helm_version};
    if (!values.empty()) env.push_back("FAKE_HELM_VALUES=" + VerifyData(values));
    return sandbox.Driver(argv, env);
  }
};

TEST_F(DriverVerifyTest, AHealthyClusterPassesEveryCheck) {
  RunResult run = Verify(Cluster());
  EXPECT_EQ(run.exit_code, 0) << run.err;
  EXPECT_EQ(run.out, kHealthyReport);
  const std::string plugins = sandbox.data + "/dotk8s/driver-helm4-plugins";
  // The release exists and no values were given: its values alone say what is on.
  const std::vector<Call> helm = {
      {"helm", "HELM_PLUGINS=" + sandbox.data + "/dotk8s/helm3-plugins", "version", "--template", "{{.Version}}"},
      {"helm", "HELM_PLUGINS=" + plugins, "get", "values", "dot-apps", "-n", "dot-system", "-a", "-o", "json"},
  };
  // Then the reads, side by side (so in any order): the CRDs from the API
  // server itself, the cluster-wide lists in one call, one call per namespace.
  std::vector<Call> reads = {
      {"kubectl", "get", "--raw", "/apis/apiextensions.k8s.io/v1/customresourcedefinitions"},
      {"kubectl", "get",
       "namespaces,gatewayclasses.gateway.networking.k8s.io,prometheuses.monitoring.coreos.com,"
       "httproutes.gateway.networking.k8s.io",
       "-A", "-o", "json"},
      {"kubectl", "get", "gateways.gateway.networking.k8s.io,podmonitors.monitoring.coreos.com,pods,deployments.apps",
       "-n", "envoy-gateway-system", "--show-managed-fields", "-o", "json"},
      {"kubectl", "get", "referencegrants.gateway.networking.k8s.io,services,deployments.apps", "-n", "keda",
       "--show-managed-fields", "-o", "json"},
      {"kubectl", "get", "services,deployments.apps", "-n", "prometheus-system", "--show-managed-fields", "-o", "json"},
      {"kubectl", "get", "deployments.apps", "-n", "traefik", "--show-managed-fields", "-o", "json"},
  };
  std::vector<Call> calls = sandbox.Recorded();
  ASSERT_EQ(calls.size(), helm.size() + reads.size()) << ::testing::PrintToString(calls);
  EXPECT_EQ(std::vector<Call>(calls.begin(), calls.begin() + 2), helm);
  std::vector<Call> made(calls.begin() + 2, calls.end());
  std::sort(made.begin(), made.end());
  std::sort(reads.begin(), reads.end());
  EXPECT_EQ(made, reads);
}

// A combined read that fails is made again one read at a time: a type the
// server does not serve, or one the user may not list, is then what it was.
TEST_F(DriverVerifyTest, ACombinedReadThatFailsIsMadeOneReadAtATime) {
  const std::string cluster = Cluster();
  WriteFile(cluster + "/podmonitors.monitoring.coreos.com.unserved", "");
  WriteFile(cluster + "/pods.envoy-gateway-system.forbidden", "");
  RunResult run = Verify(cluster);
  EXPECT_EQ(run.exit_code, 1) << run.err;
  EXPECT_NE(run.out.find("FAIL  PodMonitor envoy-gateway-system/envoy-gateway-proxy: does not exist\n"),
            std::string::npos)
      << run.out;
  std::vector<Call> alone;
  for (const Call& call : sandbox.Recorded()) {
    if (call.size() > 4 && call[0] == "kubectl" && call[4] == "envoy-gateway-system") alone.push_back(call);
  }
  const std::vector<Call> expected = {
      {"kubectl", "get", "gateways.gateway.networking.k8s.io,podmonitors.monitoring.coreos.com,pods,deployments.apps",
       "-n", "envoy-gateway-system", "--show-managed-fields", "-o", "json"},
      {"kubectl", "get", "gateways.gateway.networking.k8s.io", "-n", "envoy-gateway-system", "-o", "json"},
      {"kubectl", "get", "podmonitors.monitoring.coreos.com", "-n", "envoy-gateway-system", "-o", "json"},
      {"kubectl", "get", "pods", "-n", "envoy-gateway-system", "-o", "json"},
      {"kubectl", "get", "deployments.apps", "-n", "envoy-gateway-system", "--show-managed-fields", "-o", "json"},
  };
  EXPECT_EQ(alone, expected);
}

// Under Helm 3 the release is looked up, and the command line resolved, as a
// Helm 3 install does: the release in Envoy Gateway's namespace, the helm3
// profile after the user's.
TEST_F(DriverVerifyTest, UnderHelm3TheValuesResolveAsTheHelm3InstallDoes) {
  RunResult run = Verify(Cluster(), {"--profile", "gateway"}, "settings-default.yaml", "v3.17.3");
  EXPECT_TRUE(run.out.starts_with("ok    components: envoyGateway, keda, keda.httpAddon, prometheus on (in "
                                  "envoy-gateway-system, keda, keda, prometheus-system); traefik off (from release "
                                  "dot-apps in envoy-gateway-system: helm get values -a)\n"))
      << run.out;
  const auto calls = sandbox.Recorded();
  ASSERT_GE(calls.size(), 4u);
  const std::string plugins = "HELM_PLUGINS=" + sandbox.data + "/dotk8s/helm3-plugins";
  EXPECT_EQ(calls[1], (Call{"helm", plugins, "get", "values", "dot-apps", "-n", "envoy-gateway-system", "-a", "-o",
                            "json"}));
  EXPECT_EQ(calls[2], (Call{"helm", plugins, "template", "dot-apps", sandbox.chart, "-n", "envoy-gateway-system", "-f",
                            sandbox.chart + "/values/gateway.yaml", "-f", sandbox.chart + "/values/helm3.yaml",
                            "--show-only", "templates/dotk8s-settings.yaml"}));
  EXPECT_EQ(calls[3][0], "kubectl");
  // The recorded Deployments are those of release dot-apps in dot-system (a
  // Helm 4 install): to a release of that name in envoy-gateway-system they
  // are another release's, as Helm's own ownership check says (it compares
  // name and namespace). Named so, never to be deleted.
  EXPECT_EQ(run.exit_code, 1) << run.err;
  EXPECT_NE(run.out.find("FAIL  keda Deployments in keda: not this release's: keda-operator (owner: Helm release "
                         "dot-apps in dot-system; field manager helm), "),
            std::string::npos)
      << run.out;
  EXPECT_EQ(run.out.find("delete"), std::string::npos) << run.out;
}

TEST_F(DriverVerifyTest, APrometheusSelectorChangedByHandFails) {
  RunResult run = Verify(Cluster("prometheus-selector-changed"));
  EXPECT_EQ(run.exit_code, 1) << run.err;
  EXPECT_EQ(NotOk(run.out),
            "FAIL  Prometheus prometheus-system/kube-prometheus-stack-prometheus selects PodMonitor "
            "envoy-gateway-system/envoy-gateway-proxy: podMonitorSelector release=kube-prometheus-stack does not match "
            "the PodMonitor's labels app.kubernetes.io/component=monitoring,app.kubernetes.io/instance=dot-apps,"
            "app.kubernetes.io/managed-by=Helm,app.kubernetes.io/name=envoy-gateway-proxy,"
            "app.kubernetes.io/part-of=dot-apps,release=dot-apps\n"
            "      expected: the PodMonitor's labels selected by podMonitorSelector\n"
            "      fix: the selector or the labels were changed outside the release: `dotk8s upgrade` derives the "
            "labels from the rendered podMonitorSelector again\n"
            "verify: 19 ok, 0 warning(s), 1 failed\n");
}

TEST_F(DriverVerifyTest, AGrantNamingAMissingServiceFails) {
  RunResult run = Verify(Cluster("grant-missing-service"));
  EXPECT_EQ(run.exit_code, 1) << run.err;
  EXPECT_EQ(NotOk(run.out),
            "FAIL  Service keda/keda-add-ons-http-interceptor-proxy: does not exist\n"
            "      expected: port 8080 (the HTTP add-on's interceptor)\n"
            "      fix: run `dotk8s upgrade` with the release's flags: it re-applies what the release renders\n"
            "FAIL  ReferenceGrant keda/keda-interceptor: HTTPRoutes from default to Service "
            "keda-add-ons-http-interceptor-proxy; Service keda-add-ons-http-interceptor-proxy does not exist in keda\n"
            "      expected: HTTPRoutes from default to Service keda-add-ons-http-interceptor-proxy (which exists)\n"
            "      fix: the HTTP add-on's interceptor Service is gone: check the add-on (kubectl -n keda get "
            "deployment,service), then `dotk8s upgrade`\n"
            "verify: 18 ok, 0 warning(s), 2 failed\n");
}

TEST_F(DriverVerifyTest, ANamespaceLabelTheNamespaceSelectorNeedsIsMissing) {
  RunResult run = Verify(Cluster("namespace-label-missing"));
  EXPECT_EQ(run.exit_code, 1) << run.err;
  EXPECT_EQ(NotOk(run.out),
            "FAIL  Prometheus prometheus-system/kube-prometheus-stack-prometheus watches namespace "
            "envoy-gateway-system: podMonitorNamespaceSelector monitoring=enabled does not match the namespace's "
            "labels app.kubernetes.io/component=namespace,app.kubernetes.io/instance=dot-apps,"
            "app.kubernetes.io/managed-by=Helm,app.kubernetes.io/name=envoy-gateway-system,"
            "app.kubernetes.io/part-of=dot-apps,kubernetes.io/metadata.name=envoy-gateway-system\n"
            "      expected: namespace envoy-gateway-system labelled so that podMonitorNamespaceSelector selects it\n"
            "      fix: `dotk8s upgrade` labels the namespace as the plan demands (or kubectl label namespace "
            "envoy-gateway-system with the selector's labels)\n"
            "verify: 19 ok, 0 warning(s), 1 failed\n");
}

TEST_F(DriverVerifyTest, AProxyWithoutItsMetricsPortFails) {
  // An EnvoyProxy with telemetry.metrics.prometheus.disable: the PodMonitor scrapes a port that is not there.
  RunResult run = Verify(Cluster("proxy-metrics-disabled"));
  EXPECT_EQ(run.exit_code, 1) << run.err;
  EXPECT_EQ(NotOk(run.out),
            "FAIL  Envoy proxy pods in envoy-gateway-system (selected by app.kubernetes.io/component=proxy): 1 of 1 "
            "without a port named metrics: envoy-envoy-gateway-system-eg-5391c79d-84b86dcfdf-smhwm\n"
            "      expected: each with a container port named metrics (Envoy's /stats/prometheus, 19001)\n"
            "      fix: an EnvoyProxy with telemetry.metrics.prometheus.disable: true removes it (kubectl get "
            "envoyproxy -A -o yaml); unset it, or switch the PodMonitor off (apps.envoyGateway.podMonitor.enabled=false)\n"
            "verify: 19 ok, 0 warning(s), 1 failed\n");
}

// Pods are a detail, not a contract: a user who may not list them gets a
// warning for that check, and verify still reads and checks the rest.
TEST_F(DriverVerifyTest, PodsThatMayNotBeListedAreAWarning) {
  const std::string cluster = Cluster();
  WriteFile(cluster + "/pods.envoy-gateway-system.forbidden", "");
  RunResult run = Verify(cluster);
  EXPECT_EQ(run.exit_code, 0) << run.err;
  EXPECT_EQ(NotOk(run.out),
            "warn  Envoy proxy pods in envoy-gateway-system (selected by app.kubernetes.io/component=proxy): cannot "
            "list pods in envoy-gateway-system: Error from server (Forbidden): pods is forbidden: User \"dev\" cannot "
            "list resource \"pods\" in API group \"\" in the namespace \"envoy-gateway-system\"\n"
            "      expected: each with a container port named metrics (Envoy's /stats/prometheus, 19001)\n"
            "      fix: allow listing pods in envoy-gateway-system (kubectl auth can-i list pods -n "
            "envoy-gateway-system) to have them checked\n"
            "verify: 19 ok, 1 warning(s), 0 failed\n");
}

TEST_F(DriverVerifyTest, TraefiksStandardBundleOverEnvoyGatewaysFails) {
  // Traefik's standard-channel bundle applied server-side over Envoy Gateway's: its six CRDs change
  // bundle, the other six (three of them x-k8s kinds, counted in the 12) keep Envoy Gateway's. A
  // bundle of two versions is two installations fighting, whichever serves what (gateway_api_bundle.h).
  RunResult run = Verify(Cluster("gateway-api-mixed-bundle"));
  EXPECT_EQ(run.exit_code, 1) << run.err;
  EXPECT_EQ(NotOk(run.out),
            "FAIL  Gateway API CRDs: 12 CRDs, a mixed bundle: v1.4.0 standard channel "
            "(backendtlspolicies.gateway.networking.k8s.io, gatewayclasses.gateway.networking.k8s.io, "
            "gateways.gateway.networking.k8s.io, grpcroutes.gateway.networking.k8s.io, "
            "httproutes.gateway.networking.k8s.io, referencegrants.gateway.networking.k8s.io); v1.4.1 experimental "
            "channel (tcproutes.gateway.networking.k8s.io, tlsroutes.gateway.networking.k8s.io, "
            "udproutes.gateway.networking.k8s.io, xbackendtrafficpolicies.gateway.networking.x-k8s.io, "
            "xlistenersets.gateway.networking.x-k8s.io, xmeshes.gateway.networking.x-k8s.io): the CRDs are from "
            "different bundles (one installation overwrote part of another's)\n"
            "      expected: one bundle, v1.4.0 or later, serving GatewayClass v1, Gateway v1, HTTPRoute v1, "
            "ReferenceGrant v1beta1 (what Envoy Gateway's controller lists; gateway-helm-1.7.0 ships v1.4.1 "
            "experimental)\n"
            "      fix: run `dotk8s upgrade` (or `dotk8s crds apply`): it applies Envoy Gateway's bundle server-side "
            "where the CRDs are the release's or missing; where another owner manages them, have that owner install "
            "a compatible bundle, or add --take-over-crds to apply Envoy Gateway's over theirs\n"
            "verify: 19 ok, 0 warning(s), 1 failed\n");
}

// No release (a GitOps route; its record gone): the command line says what
// is on. What still carries the release's marks of a component now off is
// left behind, with the fix that deletes it.
TEST_F(DriverVerifyTest, WithoutAReleaseTheCommandLineDecidesAndLeftoversOfTheReleaseFail) {
  RunResult run = Verify(Cluster(), {"--set", "apps.keda.enabled=false"}, "settings-keda-off.yaml", "v4.1.4", "");
  EXPECT_EQ(run.exit_code, 1) << run.err;
  EXPECT_EQ(NotOk(run.out),
            "FAIL  ReferenceGrant keda/keda-interceptor: still there\n"
            "      expected: absent (needs KEDA, its HTTP add-on and Envoy Gateway)\n"
            "      fix: left behind by an earlier revision of release dot-apps: kubectl delete -n keda "
            "referencegrants.gateway.networking.k8s.io keda-interceptor\n"
            "FAIL  keda, keda.httpAddon (off) Deployments in keda: still there: keda-add-ons-http-controller-manager, "
            "keda-add-ons-http-external-scaler, keda-add-ons-http-interceptor, keda-admission-webhooks, keda-operator, "
            "keda-operator-metrics-apiserver\n"
            "      expected: no Deployment of keda, keda.httpAddon (off)\n"
            "      fix: left behind by an earlier revision of release dot-apps: kubectl -n keda delete deployment "
            "keda-add-ons-http-controller-manager keda-add-ons-http-external-scaler keda-add-ons-http-interceptor "
            "keda-admission-webhooks keda-operator keda-operator-metrics-apiserver\n"
            "verify: 13 ok, 0 warning(s), 2 failed\n");
  EXPECT_TRUE(run.out.starts_with("ok    components: envoyGateway, prometheus on (in envoy-gateway-system, "
                                  "prometheus-system); keda, keda.httpAddon, traefik off (from the command line: no "
                                  "Helm release dot-apps in dot-system)\n"))
      << run.out;
  // The release was looked up first; --set reaches helm, which resolves the values.
  const auto calls = sandbox.Recorded();
  ASSERT_GE(calls.size(), 3u);
  EXPECT_EQ(Call(calls[1].begin() + 2, calls[1].end()),
            (Call{"get", "values", "dot-apps", "-n", "dot-system", "-a", "-o", "json"}));
  EXPECT_EQ(Call(calls[2].begin() + 7, calls[2].end()),
            (Call{"--set", "apps.keda.enabled=false", "--show-only", "templates/dotk8s-settings.yaml"}));
}

// The release has KEDA off and another team runs its KEDA operator in the
// namespace keda (recorded: foreign-keda). verify without the release's
// --set (forgotten) reports from the release, and leaves their operator alone.
TEST_F(DriverVerifyTest, AForgottenSetReportsFromTheReleaseAndLeavesAnotherTeamsKedaAlone) {
  RunResult run = Verify(Cluster("foreign-keda"), {}, "settings-default.yaml", "v4.1.4", "values-keda-off.json");
  EXPECT_EQ(run.exit_code, 0) << run.err;
  EXPECT_EQ(run.out,
            "ok    components: envoyGateway, prometheus on (in envoy-gateway-system, prometheus-system); keda, "
            "keda.httpAddon, traefik off (from release dot-apps in dot-system: helm get values -a)\n"
            "ok    Gateway API CRDs: 12 CRDs, bundle-version v1.4.1, channel experimental\n"
            "ok    GatewayClass eg: controllerName gateway.envoyproxy.io/gatewayclass-controller\n"
            "ok    Gateway envoy-gateway-system/eg: class eg, listener http HTTP/80, routes from All\n"
            "ok    Gateway envoy-gateway-system/eg conditions: Accepted=True, Programmed=True\n"
            "ok    PodMonitor envoy-gateway-system/envoy-gateway-proxy: selector app.kubernetes.io/component=proxy, port "
            "metrics, path /stats/prometheus\n"
            "ok    Envoy proxy pods in envoy-gateway-system (selected by app.kubernetes.io/component=proxy): 1 pod, each "
            "with port metrics\n"
            "ok    Prometheus prometheus-system/kube-prometheus-stack-prometheus selects PodMonitor "
            "envoy-gateway-system/envoy-gateway-proxy: podMonitorSelector release=dot-apps matches its labels\n"
            "ok    Prometheus prometheus-system/kube-prometheus-stack-prometheus watches namespace envoy-gateway-system: "
            "podMonitorNamespaceSelector {} (everything) matches the namespace's labels\n"
            "ok    Service prometheus-system/kube-prometheus-stack-prometheus: port 9090\n"
            "ok    envoyGateway Deployments in envoy-gateway-system: envoy-gateway present and Available\n"
            "ok    prometheus Deployments in prometheus-system: kube-prometheus-stack-operator, dot-apps-grafana, "
            "dot-apps-kube-state-metrics present and Available\n"
            "ok    keda, keda.httpAddon (off) Deployments in keda: none left\n"
            "ok    Deployments in keda of another installation: keda-operator: not this release's (owner: field manager "
            "team-keda), left alone\n"
            "ok    traefik (off) Deployments in traefik: none left\n"
            "verify: 15 ok, 0 warning(s), 0 failed\n");
  // No values given: the command line is not even resolved.
  for (const Call& call : sandbox.Recorded()) EXPECT_NE(call[2], "template");
}

// The same cluster before this change was reported with `fix: kubectl -n keda
// delete deployment keda-operator`: without a release, from the command line.
TEST_F(DriverVerifyTest, AnotherTeamsKedaIsNeverGivenADeleteFix) {
  RunResult run =
      Verify(Cluster("foreign-keda"), {"--set", "apps.keda.enabled=false"}, "settings-keda-off.yaml", "v4.1.4", "");
  EXPECT_EQ(run.exit_code, 0) << run.err;
  EXPECT_EQ(NotOk(run.out), "verify: 15 ok, 0 warning(s), 0 failed\n");
  EXPECT_NE(run.out.find("ok    Deployments in keda of another installation: keda-operator: not this release's "
                         "(owner: field manager team-keda), left alone\n"),
            std::string::npos)
      << run.out;
  EXPECT_EQ(run.out.find("delete"), std::string::npos) << run.out;
}

// Values given that disagree with the release: a warning, and the release wins
// (its running KEDA is checked, not reported as left behind).
TEST_F(DriverVerifyTest, ACommandLineThatDisagreesWithTheReleaseIsAWarning) {
  RunResult run = Verify(Cluster(), {"--set", "apps.keda.enabled=false"}, "settings-keda-off.yaml");
  EXPECT_EQ(run.exit_code, 0) << run.err;
  EXPECT_EQ(NotOk(run.out),
            "warn  command line and release dot-apps in dot-system: keda: off on the command line, on in the release; "
            "keda.httpAddon: off on the command line, on in the release\n"
            "      expected: the command line's --profile/-f/--set agree with the release's values (verify checks the "
            "release's)\n"
            "      fix: to verify what the cluster has, leave them off; to give the cluster these values, run `dotk8s "
            "upgrade` with them\n"
            "verify: 20 ok, 1 warning(s), 0 failed\n");
  EXPECT_TRUE(run.out.starts_with(kFromTheDefaultRelease)) << run.out;

  // The other way round: a forgotten --set on a release with KEDA off.
  run = Verify(Cluster("foreign-keda"), {"--profile", "default"}, "settings-default.yaml", "v4.1.4",
               "values-keda-off.json");
  EXPECT_EQ(run.exit_code, 0) << run.err;
  EXPECT_EQ(NotOk(run.out),
            "warn  command line and release dot-apps in dot-system: keda: on on the command line, off in the release; "
            "keda.httpAddon: on on the command line, off in the release\n"
            "      expected: the command line's --profile/-f/--set agree with the release's values (verify checks the "
            "release's)\n"
            "      fix: to verify what the cluster has, leave them off; to give the cluster these values, run `dotk8s "
            "upgrade` with them\n"
            "verify: 15 ok, 1 warning(s), 0 failed\n");
}

TEST_F(DriverVerifyTest, ReleaseValuesThatCannotBeReadStopVerify) {
  const std::string values = sandbox.root + "/values.json";
  WriteFile(values, "{\"replicaCount\": 1}\n");  // not the umbrella chart's
  RunResult run = sandbox.Driver({"verify", "web", "--chart", sandbox.chart},
                                 {"FAKE_HELM_VALUES=" + values, "FAKE_KUBECTL_CLUSTER=" + Cluster()});
  EXPECT_EQ(run.exit_code, 1);
  EXPECT_EQ(run.out, "");
  EXPECT_NE(run.err.find("dotk8s: error: the values of release web in dot-system do not read: no apps: mapping (is it a "
                         "release of the dot-apps umbrella chart?)\n  hint: is it a release of this chart? `helm list "
                         "-n dot-system` shows its chart\n"),
            std::string::npos)
      << run.err;

  RunResult failing = sandbox.Driver({"verify", "--chart", sandbox.chart},
                                     {"FAKE_HELM_FAIL=get", "FAKE_KUBECTL_CLUSTER=" + Cluster()});
  EXPECT_EQ(failing.exit_code, 1);
  EXPECT_NE(failing.err.find("dotk8s: error: reading the values of release dot-apps (helm get values -a) failed: exit "
                             "1\n"),
            std::string::npos)
      << failing.err;
}

TEST_F(DriverVerifyTest, WarningsDoNotFail) {
  // No controller ever ran: the Gateway has only the conditions the API server defaults.
  RunResult run = Verify(Cluster("controller-down"));
  EXPECT_EQ(run.exit_code, 0) << run.err;
  EXPECT_EQ(NotOk(run.out),
            "warn  Gateway envoy-gateway-system/eg conditions: Accepted=Unknown (Pending: Waiting for controller), "
            "Programmed=Unknown (Pending: Waiting for controller)\n"
            "      expected: Accepted=True and Programmed=True, reported by the Envoy Gateway controller\n"
            "      fix: the controller is not running or rejects the Gateway: kubectl -n envoy-gateway-system get "
            "deployment envoy-gateway; kubectl -n envoy-gateway-system logs deployment/envoy-gateway\n"
            "warn  Envoy proxy pods in envoy-gateway-system (selected by app.kubernetes.io/component=proxy): none runs\n"
            "      expected: each with a container port named metrics (Envoy's /stats/prometheus, 19001)\n"
            "      fix: Envoy Gateway starts the proxies when it programs Gateway eg: kubectl -n envoy-gateway-system "
            "get gateway eg; kubectl -n envoy-gateway-system logs deployment/envoy-gateway\n"
            "warn  envoyGateway Deployments in envoy-gateway-system: not Available: envoy-gateway "
            "(MinimumReplicasUnavailable)\n"
            "      expected: envoy-gateway present and Available\n"
            "      fix: pods not ready: kubectl -n envoy-gateway-system get pods; kubectl -n envoy-gateway-system "
            "describe deployment NAME\n"
            "verify: 17 ok, 3 warning(s), 0 failed\n");

  run = Verify(Cluster("route-without-grant"));
  EXPECT_EQ(run.exit_code, 0) << run.err;
  EXPECT_EQ(NotOk(run.out),
            "warn  HTTPRoute team-b/shop -> Service keda/keda-add-ons-http-interceptor-proxy: no ReferenceGrant in "
            "keda allows HTTPRoutes from team-b\n"
            "      expected: a ReferenceGrant covering it (Envoy Gateway otherwise refuses the backend: "
            "ResolvedRefs=False)\n"
            "      fix: add team-b to apps.keda.httpAddon.routeNamespaces, then `dotk8s upgrade`\n"
            "verify: 20 ok, 1 warning(s), 0 failed\n");
}

TEST_F(DriverVerifyTest, JsonGivesTheSameChecks) {
  RunResult text = Verify(Cluster("grant-missing-service"));
  RunResult json = Verify(Cluster("grant-missing-service"), {"-o", "json"});
  EXPECT_EQ(json.exit_code, 1) << json.err;
  const YAML::Node array = YAML::Load(json.out);
  ASSERT_TRUE(array.IsSequence()) << json.out;
  std::string summary;
  std::size_t fails = 0;
  for (const YAML::Node& entry : array) {
    if (entry["status"].as<std::string>() == "fail") ++fails;
    EXPECT_NE(text.out.find(entry["check"].as<std::string>() + ": " + entry["found"].as<std::string>() + "\n"),
              std::string::npos)
        << entry["check"];
  }
  EXPECT_EQ(array.size(), 20u);
  EXPECT_EQ(fails, 2u);
  // Where the components came from is the first entry, as in the text.
  EXPECT_EQ(array[0]["status"].as<std::string>(), "ok");
  EXPECT_EQ(array[0]["check"].as<std::string>(), "components");
  EXPECT_NE(array[0]["found"].as<std::string>().find("(from release dot-apps in dot-system: helm get values -a)"),
            std::string::npos);
  EXPECT_EQ(array[10]["status"].as<std::string>(), "fail");
  EXPECT_EQ(array[10]["check"].as<std::string>(), "Service keda/keda-add-ons-http-interceptor-proxy");
  EXPECT_EQ(array[10]["expected"].as<std::string>(), "port 8080 (the HTTP add-on's interceptor)");

  // The disagreement warning and another team's KEDA are entries too.
  json = Verify(Cluster("foreign-keda"), {"--profile", "default", "-o", "json"}, "settings-default.yaml", "v4.1.4",
                "values-keda-off.json");
  EXPECT_EQ(json.exit_code, 0) << json.err;
  const YAML::Node foreign = YAML::Load(json.out);
  ASSERT_TRUE(foreign.IsSequence()) << json.out;
  EXPECT_EQ(foreign[1]["status"].as<std::string>(), "warn");
  EXPECT_EQ(foreign[1]["check"].as<std::string>(), "command line and release dot-apps in dot-system");
  bool left_alone = false;
  for (const YAML::Node& entry : foreign) {
    left_alone = left_alone || entry["found"].as<std::string>() ==
                                   "keda-operator: not this release's (owner: field manager team-keda), left alone";
    EXPECT_EQ(entry["fix"].as<std::string>().find("delete"), std::string::npos) << entry["fix"];
  }
  EXPECT_TRUE(left_alone) << json.out;
}

TEST_F(DriverVerifyTest, UnservedKindsAndKubectlErrors) {
  // PodMonitors unserved (kube-prometheus-stack's CRDs gone): the PodMonitor is missing, not an error.
  const std::string cluster = Cluster();
  WriteFile(cluster + "/podmonitors.monitoring.coreos.com.unserved", "");
  RunResult run = Verify(cluster);
  EXPECT_EQ(run.exit_code, 1) << run.err;
  EXPECT_NE(run.out.find("FAIL  PodMonitor envoy-gateway-system/envoy-gateway-proxy: does not exist\n"),
            std::string::npos)
      << run.out;

  RunResult broken = sandbox.Driver({"verify", "--chart", sandbox.chart},
                                    {"FAKE_HELM_TEMPLATE=" + VerifyData("settings-default.yaml"),
                                     "FAKE_KUBECTL_CLUSTER=" + cluster, "FAKE_KUBECTL_FAIL=get"});
  EXPECT_EQ(broken.exit_code, 1);
  EXPECT_EQ(broken.out, "");
  EXPECT_NE(broken.err.find("dotk8s: error: reading customresourcedefinitions.apiextensions.k8s.io failed: exit 1\n"),
            std::string::npos)
      << broken.err;

  RunResult usage = Verify(cluster, {"-o", "yaml"});
  EXPECT_EQ(usage.exit_code, 2);
  EXPECT_NE(usage.err.find("dotk8s: error: unknown output format yaml\n  hint: -o text (the default) or -o json\n"),
            std::string::npos)
      << usage.err;
}

// The settings documents the fake helm prints must be what Helm 4 renders from
// the chart for the driver's own call (UnderHelm3TheValuesResolveAsTheHelm3InstallDoes and
// WithoutAReleaseTheCommandLineDecidesAndLeftoversOfTheReleaseFail show it): otherwise every test
// above replays a document the chart no longer makes.
TEST(DriverVerifySettingsTest, EachFixtureIsWhatHelm4RendersFromTheChart) {
  const ChartWorkspace& workspace = GetChartWorkspace();
  ASSERT_TRUE(workspace.error.empty()) << workspace.error;
  const struct {
    std::string fixture;
    std::vector<std::string> values;
  } fixtures[] = {
      {"settings-default.yaml", {}},
      {"settings-keda-off.yaml", {"--set", "apps.keda.enabled=false"}},
  };
  for (const auto& [fixture, values] : fixtures) {
    std::vector<std::string> args = {"template", "dot-apps", workspace.chart, "-n", "dot-system"};
    args.insert(args.end(), values.begin(), values.end());
    args.insert(args.end(), {"--show-only", "templates/dotk8s-settings.yaml"});
    std::string command = "helm template dot-apps CHART -n dot-system";
    for (const std::string& value : values) command += " " + value;
    command += " --show-only templates/dotk8s-settings.yaml";
    RunResult render = RunHelm(HelmVersion::k4, args);
    ASSERT_EQ(render.exit_code, 0) << command << " failed:\n" << render.err;
    EXPECT_EQ(ReadFile(VerifyData(fixture)), render.out)
        << "tests/testdata/verify/" << fixture << " is not what Helm 4 renders from charts/dot-apps (" << command
        << "); regenerate both settings fixtures with tests/cluster/record-verify.sh --settings-only and review "
           "the diff";
  }
}

TEST(VerifySelectorTest, MatchLabelsAndExpressions) {
  const std::map<std::string, std::string> labels = {{"release", "dot-apps"}, {"tier", "web"}};
  EXPECT_TRUE(SelectorSelects(YAML::Load("{}"), labels));
  EXPECT_FALSE(SelectorSelects(YAML::Load("null"), labels));  // an unset podMonitorSelector selects nothing
  EXPECT_TRUE(SelectorSelects(YAML::Load("{matchLabels: {release: dot-apps}}"), labels));
  EXPECT_FALSE(SelectorSelects(YAML::Load("{matchLabels: {release: kube-prometheus-stack}}"), labels));
  EXPECT_FALSE(SelectorSelects(YAML::Load("{matchLabels: {team: a}}"), labels));
  EXPECT_TRUE(SelectorSelects(YAML::Load("{matchExpressions: [{key: tier, operator: In, values: [web, api]}]}"), labels));
  EXPECT_FALSE(SelectorSelects(YAML::Load("{matchExpressions: [{key: tier, operator: NotIn, values: [web]}]}"), labels));
  EXPECT_TRUE(SelectorSelects(YAML::Load("{matchExpressions: [{key: release, operator: Exists}]}"), labels));
  EXPECT_FALSE(SelectorSelects(YAML::Load("{matchExpressions: [{key: release, operator: DoesNotExist}]}"), labels));
  EXPECT_FALSE(SelectorSelects(YAML::Load("{matchExpressions: [{key: team, operator: In, values: [a]}]}"), labels));
}

}  // namespace
}  // namespace dotk8s::testing
