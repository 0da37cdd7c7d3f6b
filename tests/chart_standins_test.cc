// The stand-in charts (tests/standin-charts) stand for the five upstream charts
// in every chart test, so they must stay faithful to what the real charts
// render (compared here with the captured upstream stream), carry the pinned
// names and versions, and never look like upstream chart code.

#include <gtest/gtest.h>
#include <yaml-cpp/yaml.h>

#include <fmt/format.h>

#include <algorithm>
#include <filesystem>
#include <regex>
#include <set>
#include <string>
#include <vector>

#include "chart_workspace.h"
#include "core/passes/attribute.h"
#include "core/plan.h"
#include "test_support.h"

namespace dotk8s::testing {
namespace {

namespace fs = std::filesystem;

class ChartStandinsTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(GetChartWorkspace().error.empty()) << GetChartWorkspace().error; }
};

// package.sh builds one archive per pinned dependency: the same name and version.
TEST_F(ChartStandinsTest, PackageShBuildsTheFivePinnedCharts) {
  std::set<std::string> expected;
  const YAML::Node chart = YAML::LoadFile(DOTK8S_SOURCE_DIR "/charts/dot-apps/Chart.yaml");
  for (const YAML::Node& dependency : chart["dependencies"]) {
    expected.insert(fmt::format("{}-{}.tgz", dependency["name"].as<std::string>(),
                                dependency["version"].as<std::string>()));
  }
  EXPECT_EQ(expected, (std::set<std::string>{"gateway-helm-1.7.0.tgz", "keda-2.19.0.tgz",
                                             "keda-add-ons-http-0.12.2.tgz", "kube-prometheus-stack-82.2.1.tgz",
                                             "traefik-39.0.0.tgz"}));
  std::set<std::string> packaged;
  for (const auto& entry : fs::directory_iterator(GetChartWorkspace().chart + "/charts")) {
    packaged.insert(entry.path().filename().string());
  }
  EXPECT_EQ(packaged, expected);
}

/// The documents of a stream as "Kind namespace/name (subchart)".
std::set<std::string> Outline(const std::string& stream) {
  std::vector<Document> docs = ReadDocs(stream);
  Plan plan;
  AttributeComponents(docs, plan);
  std::set<std::string> outline;
  for (const Document& doc : docs) {
    if (!doc.IsObject()) continue;
    outline.insert(fmt::format("{} {}/{} ({})", doc.Kind(), doc.Namespace(), doc.Name(), doc.subchart));
  }
  return outline;
}

// What dotk8s-post depends on, rendered by the stand-ins exactly as by the
// real charts (helm4-all-plus-traefik.yaml: release dot-apps in dot-system).
TEST_F(ChartStandinsTest, RenderWhatTheRealChartsRender) {
  RunResult run = RunHelm(HelmVersion::k4, {"template", "dot-apps", GetChartWorkspace().chart, "-n", "dot-system",
                                            "-f", Profile("migration")});
  ASSERT_EQ(run.exit_code, 0) << run.err;
  const std::string upstream = ReadFile(FixturePath("helm4-all-plus-traefik.yaml"));
  const std::set<std::string> standin_objects = Outline(run.out);
  const std::set<std::string> upstream_objects = Outline(upstream);
  for (const char* object : {
           "Deployment dot-system/envoy-gateway (gateway-helm)",
           "Service dot-system/envoy-gateway (gateway-helm)",
           "ConfigMap dot-system/envoy-gateway-config (gateway-helm)",
           "Job dot-system/dot-apps-gateway-helm-certgen (gateway-helm)",
           "ClusterRole /dot-apps-gateway-helm-certgen:dot-system (gateway-helm)",
           "ClusterRoleBinding /dot-apps-gateway-helm-certgen:dot-system (gateway-helm)",
           "MutatingWebhookConfiguration /envoy-gateway-topology-injector.dot-system (gateway-helm)",
           "RoleBinding dot-system/dot-apps-gateway-helm-leader-election-rolebinding (gateway-helm)",
           "CustomResourceDefinition /scaledobjects.keda.sh (keda)",
           "Deployment dot-system/keda-operator (keda)",
           "Service dot-system/keda-operator (keda)",
           "Deployment dot-system/keda-operator-metrics-apiserver (keda)",
           "APIService /v1beta1.external.metrics.k8s.io (keda)",
           "RoleBinding kube-system/keda-operator-auth-reader (keda)",
           "ValidatingWebhookConfiguration /keda-admission (keda)",
           "CustomResourceDefinition /httpscaledobjects.http.keda.sh (keda-add-ons-http)",
           "ScaledObject dot-system/keda-add-ons-http-interceptor (keda-add-ons-http)",
           "Service dot-system/keda-add-ons-http-interceptor-proxy (keda-add-ons-http)",
           "Service dot-system/keda-add-ons-http-interceptor-admin (keda-add-ons-http)",
           "Service dot-system/keda-add-ons-http-external-scaler (keda-add-ons-http)",
           "Service dot-system/keda-add-ons-http-controller-manager-metrics-service (keda-add-ons-http)",
           "Prometheus dot-system/kube-prometheus-stack-prometheus (kube-prometheus-stack)",
           "Alertmanager dot-system/kube-prometheus-stack-alertmanager (kube-prometheus-stack)",
           "Service dot-system/kube-prometheus-stack-prometheus (kube-prometheus-stack)",
           "Deployment dot-system/kube-prometheus-stack-operator (kube-prometheus-stack)",
           "ServiceMonitor dot-system/kube-prometheus-stack-operator (kube-prometheus-stack)",
           "PrometheusRule dot-system/kube-prometheus-stack-prometheus (kube-prometheus-stack)",
           "ConfigMap dot-system/kube-prometheus-stack-grafana-datasource (kube-prometheus-stack)",
           "MutatingWebhookConfiguration /kube-prometheus-stack-admission (kube-prometheus-stack)",
           "ValidatingWebhookConfiguration /kube-prometheus-stack-admission (kube-prometheus-stack)",
           "Job dot-system/kube-prometheus-stack-admission-create (kube-prometheus-stack)",
           "Job dot-system/kube-prometheus-stack-admission-patch (kube-prometheus-stack)",
           "Service kube-system/kube-prometheus-stack-coredns (kube-prometheus-stack)",
           "ServiceMonitor dot-system/kube-prometheus-stack-coredns (kube-prometheus-stack)",
           "Deployment dot-system/dot-apps-grafana (kube-prometheus-stack/charts/grafana)",
           "ServiceMonitor dot-system/dot-apps-grafana (kube-prometheus-stack/charts/grafana)",
           "ServiceMonitor dot-system/dot-apps-kube-state-metrics (kube-prometheus-stack/charts/kube-state-metrics)",
           "DaemonSet dot-system/dot-apps-prometheus-node-exporter (kube-prometheus-stack/charts/prometheus-node-exporter)",
           "Deployment dot-system/dot-apps-traefik (traefik)",
           "ClusterRole /dot-apps-traefik-dot-system (traefik)",
           "ClusterRoleBinding /dot-apps-traefik-dot-system (traefik)",
           "IngressClass /dot-apps-traefik (traefik)",
       }) {
    EXPECT_TRUE(upstream_objects.count(object)) << "not in the upstream stream: " << object;
    EXPECT_TRUE(standin_objects.count(object)) << "not rendered by the stand-ins: " << object;
  }
  // The namespace references dotk8s-post must rewrite, one of each shape.
  for (const char* reference : {
           "--metrics-service-address=keda-operator.dot-system.svc.cluster.local:9666",
           "scalerAddress: \"keda-add-ons-http-external-scaler.dot-system:9090\"",
           "- name: KEDA_HTTP_CURRENT_NAMESPACE\n          value: \"dot-system\"",
           "- name: KEDA_HTTP_OPERATOR_NAMESPACE",
           "- name: KEDA_HTTP_SCALER_TARGET_ADMIN_NAMESPACE",
           "externalUrl: http://kube-prometheus-stack-prometheus.dot-system:9090",
           "externalUrl: http://kube-prometheus-stack-alertmanager.dot-system:9093",
           "url: http://kube-prometheus-stack-prometheus.dot-system:9090/",
           ",namespace=\"dot-system\"}",
           "- --host=kube-prometheus-stack-operator,kube-prometheus-stack-operator.dot-system.svc",
           "- --namespace=dot-system",
           "    matchNames:\n    - \"dot-system\"",
           "    - key: kubernetes.io/metadata.name\n      operator: In\n      values:\n      - dot-system",
           "--providers.kubernetesingress.ingressendpoint.publishedservice=dot-system/dot-apps-traefik",
           "app.kubernetes.io/instance: dot-apps-dot-system",
           "podMonitorSelector:\n    matchLabels:\n      release: \"dot-apps\"\n  podMonitorNamespaceSelector: {}",
           "- 'envoy-gateway-topology-injector.dot-system'",
           "      controllerName: gateway.envoyproxy.io/gatewayclass-controller",
       }) {
    EXPECT_NE(upstream.find(reference), std::string::npos) << "not in the upstream stream: " << reference;
    EXPECT_NE(run.out.find(reference), std::string::npos) << "not rendered by the stand-ins: " << reference;
  }
}

// The stand-ins are our own: no path may look like upstream chart code to the
// project's leak check (.../hooks/before-stop).
TEST_F(ChartStandinsTest, NoFileLooksLikeUpstreamChartCode) {
  const std::regex leak(
      "(^|/)charts/dot-apps/charts/.+\\.tgz$|gateway-helm/templates/|kube-prometheus-stack/templates/|"
      "keda/templates/keda-|traefik/templates/_podtemplate");
  const fs::path source = DOTK8S_SOURCE_DIR;
  std::size_t files = 0;
  for (const char* dir : {"tests/standin-charts", "charts/dot-apps/templates", "charts/dot-apps/values"}) {
    for (const auto& entry : fs::recursive_directory_iterator(source / dir)) {
      if (!entry.is_regular_file()) continue;
      ++files;
      const std::string path = fs::relative(entry.path(), source).string();
      EXPECT_FALSE(std::regex_search(path, leak)) << path;
    }
  }
  EXPECT_GT(files, 20U);
}

}  // namespace
}  // namespace dotk8s::testing
