// README "The contracts" checked against live objects: pure functions over
// what kubectl returned, so every broken case is a test on recorded JSON.
// This file: which reads verify makes and which checks run for the
// components that are on; each component's checks are in *_checks.cc, what
// they share in check_context.cc, the report's text and JSON in report.cc.
#include "driver/verify/checks.h"

#include <fmt/format.h>

#include <algorithm>

#include "driver/verify/check_context.h"
#include "driver/verify/component_checks.h"

namespace dotk8s {

using verify::kCrds;
using verify::kDeployments;
using verify::kGatewayClasses;
using verify::kGateways;
using verify::kHttpRoutes;
using verify::kNamespaces;
using verify::kPodMonitors;
using verify::kPods;
using verify::kPrometheuses;
using verify::kReferenceGrants;
using verify::kServices;
using verify::Reader;
using verify::Report;

namespace {

constexpr std::string_view kPrometheusService = "kube-prometheus-stack-prometheus";

}  // namespace

std::vector<ClusterRead> ReadsNeeded(const Settings& settings) {
  const std::string& eg = settings.envoy_gateway.namespace_;
  const std::string& keda = settings.keda.namespace_;
  const std::string& prometheus = settings.prometheus.namespace_;
  // Each read keeps what the checks read of its objects (and their
  // names, labels and annotations): a CRD's schema, a Deployment's pod
  // template, a pod's status are never held. A check that reads another field
  // adds it here.
  const auto read = [](std::string_view resource, const std::string& ns, bool all,
                       std::vector<std::string> fields) {
    return ClusterRead{std::string(resource), ns, all, false, false, std::move(fields)};
  };
  std::vector<ClusterRead> reads = {
      read(kCrds, "", false, {"spec.group", "spec.names.kind", "spec.versions.name", "spec.versions.served"}),
      read(kNamespaces, "", false, {"metadata.name"}),
      read(kGatewayClasses, "", false, {"spec.controllerName"}),
      read(kGateways, eg, false, {"spec.gatewayClassName", "spec.listeners", "status.conditions"}),
      read(kPodMonitors, eg, false, {"spec.selector", "spec.podMetricsEndpoints"}),
      read(kPrometheuses, "", true, {"spec.podMonitorSelector", "spec.podMonitorNamespaceSelector"}),
      read(kReferenceGrants, keda, false, {"spec.from", "spec.to"}),
      read(kHttpRoutes, "", true, {"spec.rules.backendRefs"}),
      read(kServices, keda, false, {"spec.ports"}),
  };
  if (prometheus != keda) reads.push_back(read(kServices, prometheus, false, {"spec.ports"}));
  const ComponentSwitches on = SwitchesFrom(settings);
  if (on.envoy_gateway && on.prometheus && settings.envoy_gateway.pod_monitor) {
    ClusterRead pods = read(kPods, eg, false, {"spec.containers.ports"});
    pods.optional = true;
    reads.push_back(std::move(pods));
  }
  std::vector<std::string> namespaces;
  for (const std::string& ns : {eg, keda, prometheus, settings.traefik.namespace_}) {
    if (std::find(namespaces.begin(), namespaces.end(), ns) == namespaces.end()) namespaces.push_back(ns);
  }
  for (const std::string& ns : namespaces) {
    ClusterRead deployments = read(kDeployments, ns, false, {"status.conditions"});
    deployments.managed_fields = true;
    reads.push_back(std::move(deployments));
  }
  return reads;
}

std::vector<ClusterCheck> CheckCluster(const Settings& settings, const std::string& release, const LiveCluster& live,
                                       bool helm_release) {
  const Reader reader{settings, live, release, helm_release};
  const ComponentSwitches on = SwitchesFrom(settings);
  const std::string& eg_ns = settings.envoy_gateway.namespace_;
  const std::string& keda_ns = settings.keda.namespace_;
  const std::string& prometheus_ns = settings.prometheus.namespace_;
  const std::string& traefik_ns = settings.traefik.namespace_;
  Report report;

  if (on.envoy_gateway) {
    CheckGatewayApiCrds(reader, &report);
    CheckGatewayClass(reader, &report);
    CheckGateway(reader, &report);
  } else {
    // The CRDs stay (they are kept on purpose); the objects made for Envoy Gateway go.
    ExpectAbsent(reader, kGatewayClasses, "", "eg", "GatewayClass eg", "Envoy Gateway is off", &report);
    ExpectAbsent(reader, kGateways, eg_ns, "eg", fmt::format("Gateway {}/eg", eg_ns), "Envoy Gateway is off", &report);
  }

  const bool pod_monitor = on.envoy_gateway && on.prometheus && settings.envoy_gateway.pod_monitor;
  if (pod_monitor) {
    CheckPodMonitor(reader, &report);
  } else {
    ExpectAbsent(reader, kPodMonitors, eg_ns, "envoy-gateway-proxy",
                 fmt::format("PodMonitor {}/envoy-gateway-proxy", eg_ns),
                 "needs Envoy Gateway, kube-prometheus-stack and apps.envoyGateway.podMonitor.enabled", &report);
  }

  if (on.keda) CheckKedaCrds(reader, on.http_addon, &report);
  if (on.http_addon) CheckInterceptorService(reader, &report);
  if (on.http_addon && on.envoy_gateway) {
    CheckReferenceGrant(reader, &report);
  } else {
    ExpectAbsent(reader, kReferenceGrants, keda_ns, "keda-interceptor",
                 fmt::format("ReferenceGrant {}/keda-interceptor", keda_ns),
                 "needs KEDA, its HTTP add-on and Envoy Gateway", &report);
  }
  if (on.prometheus) CheckService(reader, prometheus_ns, kPrometheusService, "9090", "", &report);

  struct Entry {
    std::string_view component;
    bool on;
    const std::string& ns;
  };
  const std::vector<Entry> components = {{"envoyGateway", on.envoy_gateway, eg_ns},
                                         {"keda", on.keda, keda_ns},
                                         {"keda.httpAddon", on.http_addon, keda_ns},
                                         {"prometheus", on.prometheus, prometheus_ns},
                                         {"traefik", on.traefik, traefik_ns}};
  for (const Entry& entry : components) {
    if (entry.on) CheckDeploymentsOn(reader, entry.component, entry.ns, &report);
  }
  // One check per namespace for the components that are off (KEDA and its
  // add-on share one), so each leftover is named once.
  std::vector<std::string> done;
  for (const Entry& entry : components) {
    if (entry.on || std::find(done.begin(), done.end(), entry.ns) != done.end()) continue;
    done.push_back(entry.ns);
    std::vector<std::string_view> off;
    bool shared = false;
    for (const Entry& other : components) {
      if (other.ns != entry.ns) continue;
      if (other.on) shared = true;
      else off.push_back(other.component);
    }
    CheckDeploymentsOff(reader, off, entry.ns, shared, &report);
  }
  return report.checks;
}

}  // namespace dotk8s
