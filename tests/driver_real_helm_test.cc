// The driver with the real Helm 4 (and Helm 3.17.3, and the refused 3.18.0)
// from .tools on the stand-in charts: template, a post-renderer failure,
// explain, doctor.
#include <gtest/gtest.h>

#include <filesystem>

#include "fakes/driver_sandbox.h"

namespace dotk8s::testing {
namespace {
namespace fs = std::filesystem;

std::string Tool(const std::string& relative) {
  std::string path = SourcePath(relative);
  EXPECT_TRUE(fs::exists(path)) << path << " is missing: run scripts/install-tools.sh (make tools)";
  return path;
}

struct DriverRealHelmTest : ::testing::Test {
  DriverSandbox sandbox;
  void SetUp() override { DOTK8S_REQUIRE_SANDBOX(sandbox); }

  // Helm's own homes inside the sandbox, and no cluster.
  std::vector<std::string> Env() const {
    return {"HELM_CACHE_HOME=" + sandbox.root + "/helm/cache", "HELM_CONFIG_HOME=" + sandbox.root + "/helm/config",
            "HELM_DATA_HOME=" + sandbox.root + "/helm/data", "KUBECONFIG=" + sandbox.root + "/no-kubeconfig"};
  }
  // Helm 4, Helm 3 (3.17.3) or Helm 3.18.0 (which the driver refuses) from .tools.
  RunResult Dotk8s(std::string_view helm, std::vector<std::string> args) const {
    args.push_back("--helm");
    args.push_back(Tool(helm == "4" ? ".tools/helm4/helm" : helm == "3" ? ".tools/helm3/helm" : ".tools/helm3.18/helm"));
    return sandbox.Driver(args, Env());
  }
};

TEST_F(DriverRealHelmTest, Helm4TemplateWiresThePlugin) {
  RunResult run = Dotk8s("4", {"template", "--chart", sandbox.chart});
  ASSERT_EQ(run.exit_code, 0) << run.err;
  std::vector<Document> docs = ReadDocs(run.out);
  auto gateway = FindDocs(docs, "Gateway", "eg");
  ASSERT_EQ(gateway.size(), 1u);
  EXPECT_EQ(gateway[0]->Namespace(), "envoy-gateway-system");
  EXPECT_EQ(FindDocs(docs, "GatewayClass", "eg").size(), 1u);
  auto monitor = FindDocs(docs, "PodMonitor", "envoy-gateway-proxy");
  ASSERT_EQ(monitor.size(), 1u);
  EXPECT_EQ(monitor[0]->Namespace(), "envoy-gateway-system");
  auto grant = FindDocs(docs, "ReferenceGrant", "keda-interceptor");
  ASSERT_EQ(grant.size(), 1u);
  EXPECT_EQ(grant[0]->Namespace(), "keda");
  auto controller = FindDocs(docs, "Deployment", "envoy-gateway");
  ASSERT_EQ(controller.size(), 1u);
  EXPECT_EQ(controller[0]->Namespace(), "envoy-gateway-system");
  EXPECT_TRUE(FindDocs(docs, "Settings").empty()) << "dotk8s-post consumes the settings document";
  EXPECT_EQ(run.err, "");
}

TEST_F(DriverRealHelmTest, Helm3TemplateUsesEnvoyGatewaysNamespace) {
  RunResult run = Dotk8s("3", {"template", "--chart", sandbox.chart});
  ASSERT_EQ(run.exit_code, 0) << run.err;
  EXPECT_NE(run.err.find("is Helm 3: release namespace envoy-gateway-system and profile helm3"), std::string::npos);
  std::vector<Document> docs = ReadDocs(run.out);
  auto gateway = FindDocs(docs, "Gateway", "eg");
  ASSERT_EQ(gateway.size(), 1u);
  EXPECT_EQ(gateway[0]->Namespace(), "envoy-gateway-system");
  EXPECT_EQ(FindDocs(docs, "ReferenceGrant", "keda-interceptor").size(), 1u);
  // The helm3 profile turns off kube-prometheus-stack's admission hook Jobs.
  for (const Document& doc : docs) {
    EXPECT_EQ(std::string(doc.Name()).find("admission-create"), std::string::npos) << doc.Describe();
  }
}

TEST_F(DriverRealHelmTest, PostRendererFailureShowsItsOwnMessageNotHelms) {
  const std::string values = sandbox.root + "/clash.yaml";
  WriteFile(values, "apps:\n  envoyGateway:\n    gateway:\n      extraListeners:\n"
                    "        - name: http\n          protocol: HTTP\n          port: 8080\n");
  RunResult run = Dotk8s("4", {"template", "--chart", sandbox.chart, "-f", values});
  EXPECT_EQ(run.exit_code, 1);
  EXPECT_EQ(run.out, "");
  EXPECT_NE(run.err.find("dotk8s: error: helm template failed: the post-renderer dotk8s-post refused the render:\n"
                         "  error: dot-apps/templates/dotk8s-settings.yaml "
                         "apps.envoyGateway.gateway.extraListeners[0].name: listener name `http` is already used"),
            std::string::npos)
      << run.err;
  // Helm 4's own words are only a footnote.
  EXPECT_NE(run.err.find("helm itself said: Error: error while running post render"), std::string::npos) << run.err;

  // doctor reports it as the last post-renderer error.
  RunResult doctor = Dotk8s("4", {"doctor", "--chart", sandbox.chart, "--kubectl", Tool(".tools/kubectl/kubectl")});
  EXPECT_NE(doctor.out.find("warn  last error   dotk8s-post's last failure (=== dotk8s-post "), std::string::npos)
      << doctor.out;
  EXPECT_NE(doctor.out.find("listener name `http` is already used"), std::string::npos) << doctor.out;
}

TEST_F(DriverRealHelmTest, DoctorChecksEverything) {
  RunResult run = Dotk8s("4", {"doctor", "--chart", sandbox.chart, "--kubectl", Tool(".tools/kubectl/kubectl")});
  EXPECT_EQ(run.exit_code, 0) << run.out << run.err;
  EXPECT_NE(run.out.find("ok    helm         v4.1.4"), std::string::npos) << run.out;
  EXPECT_NE(run.out.find("ok    kubectl      Client Version: v1.35"), std::string::npos) << run.out;
  EXPECT_NE(run.out.find("ok    plugin       Helm 4 loads dotk8s-post from " + sandbox.data +
                         "/dotk8s/driver-helm4-plugins"),
            std::string::npos)
      << run.out;
  EXPECT_NE(run.out.find("ok    deps         5 of 5 pinned archives present and matching"), std::string::npos)
      << run.out;
  EXPECT_NE(run.out.find("ok    last error   none in " + sandbox.LogPath()), std::string::npos) << run.out;
  EXPECT_TRUE(run.out.ends_with("doctor: all checks passed\n")) << run.out;

  fs::remove(sandbox.chart + "/charts/traefik-39.0.0.tgz");
  run = Dotk8s("3", {"doctor", "--chart", sandbox.chart, "--kubectl", Tool(".tools/kubectl/kubectl")});
  EXPECT_EQ(run.exit_code, 1);
  EXPECT_NE(run.out.find("ok    helm         v3.17.3"), std::string::npos) << run.out;
  EXPECT_NE(run.out.find("ok    plugin       Helm 3 runs " + std::string(DOTK8S_POST_BINARY)), std::string::npos)
      << run.out;
  EXPECT_NE(run.out.find("FAIL  deps         traefik 39.0.0 is missing (charts/traefik-39.0.0.tgz)"),
            std::string::npos)
      << run.out;
  EXPECT_TRUE(run.out.ends_with("doctor: 1 check(s) failed\n")) << run.out;
}

// helm/helm#30880: the real Helm 3.18.0 is refused before it renders anything;
// doctor says why and what to use instead.
TEST_F(DriverRealHelmTest, Helm3180IsRefused) {
  const std::string hint = "  hint: use Helm 3.17.x, Helm 3.18.1 or later, or Helm 4 (--helm PATH)\n";
  RunResult run = Dotk8s("3.18", {"template", "--chart", sandbox.chart});
  EXPECT_EQ(run.exit_code, 2);
  EXPECT_EQ(run.out, "");
  EXPECT_TRUE(run.err.starts_with("dotk8s: error: Helm v3.18.0 renders `{{ if 0 }}` as true (helm/helm#30880, "
                                  "fixed in 3.18.1)"))
      << run.err;
  EXPECT_TRUE(run.err.ends_with(hint)) << run.err;

  RunResult doctor = Dotk8s("3.18", {"doctor", "--chart", sandbox.chart, "--kubectl", Tool(".tools/kubectl/kubectl")});
  EXPECT_EQ(doctor.exit_code, 1);
  EXPECT_NE(doctor.out.find("FAIL  helm         v3.18.0 (" + Tool(".tools/helm3.18/helm") + "): Helm v3.18.0 renders"),
            std::string::npos)
      << doctor.out;
  EXPECT_NE(doctor.out.find("fix: use Helm 3.17.x, Helm 3.18.1 or later, or Helm 4 (--helm PATH)"), std::string::npos)
      << doctor.out;
}

TEST_F(DriverRealHelmTest, ExplainShowsThePlanOfTheRealRender) {
  RunResult run = Dotk8s("4", {"explain", "--chart", sandbox.chart, "--profile", "gateway"});
  ASSERT_EQ(run.exit_code, 0) << run.err;
  EXPECT_NE(run.out.find("release: dot-apps in namespace dot-system"), std::string::npos) << run.out;
  EXPECT_NE(run.out.find("input: Helm 4 (postrender-filename annotations)"), std::string::npos) << run.out;
  EXPECT_NE(run.out.find("  envoyGateway: on"), std::string::npos) << run.out;
  EXPECT_NE(run.out.find("  keda: off"), std::string::npos) << run.out;
  // Validated against Envoy Gateway's Gateway API bundle, which the driver passes first.
  EXPECT_NE(run.out.find("Gateway gateway.networking.k8s.io/v1 from " + sandbox.chart +
                         "/charts/gateway-helm-1.7.0.tgz"),
            std::string::npos)
      << run.out;

  RunResult graph = Dotk8s("4", {"explain", "--graph", "--chart", sandbox.chart});
  ASSERT_EQ(graph.exit_code, 0) << graph.err;
  EXPECT_TRUE(graph.out.starts_with("```mermaid\nflowchart LR\n")) << graph.out;
  EXPECT_NE(graph.out.find("Gateway_envoy_gateway_system_eg -->|gatewayClassName| GatewayClass__eg"),
            std::string::npos)
      << graph.out;
  EXPECT_NE(graph.out.find("-->|\"podMonitorSelector release=dot-apps\"| "
                           "PodMonitor_envoy_gateway_system_envoy_gateway_proxy"),
            std::string::npos)
      << graph.out;
  EXPECT_NE(graph.out.find("ReferenceGrant_keda_keda_interceptor -->|grants access to| "
                           "Service_keda_keda_add_ons_http_interceptor_proxy"),
            std::string::npos)
      << graph.out;
}

// A captured stream (the shared fixture of the five real charts) needs no helm.
TEST_F(DriverRealHelmTest, ExplainGraphOfTheRealUpstreamStream) {
  RunResult run = sandbox.Driver({"explain", "--graph", "--stream", FixturePath("helm4-all.yaml"), "-n", "dot-system"});
  ASSERT_EQ(run.exit_code, 0) << run.err;
  EXPECT_NE(run.out.find("subgraph ns_prometheus_system[\"namespace prometheus-system\"]"), std::string::npos)
      << run.out;
  EXPECT_NE(run.out.find("c_kube_prometheus_stack[\"kube-prometheus-stack<br/>"), std::string::npos) << run.out;
  EXPECT_NE(run.out.find("routes_default -->|\"parentRef (listener http allows All)\"| "
                         "Gateway_envoy_gateway_system_eg"),
            std::string::npos)
      << run.out;
  EXPECT_TRUE(sandbox.Recorded().empty());
}

}  // namespace
}  // namespace dotk8s::testing
