// The wiring between Envoy Gateway and kube-prometheus-stack (README "The
// contracts"): the PodMonitor the umbrella injects, the proxy pods it selects,
// and the Prometheus objects that must select it.
#include "driver/verify/component_checks.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

namespace dotk8s::verify {
namespace {

bool HasContainerPort(const YAML::Node& pod, std::string_view port_name) {
  const YAML::Node containers = pod["spec"] ? pod["spec"]["containers"] : Missing();
  if (!containers || !containers.IsSequence()) return false;
  for (const YAML::Node& container : containers) {
    const YAML::Node ports = container["ports"];
    if (!ports || !ports.IsSequence()) continue;
    for (const YAML::Node& port : ports) {
      if (Field(port, {"name"}) == port_name) return true;
    }
  }
  return false;
}

// The Envoy proxy pods the PodMonitor selects (by its live selector) and
// whether each exposes the port it scrapes. Envoy Gateway names the port
// `metrics` (19001) unless an EnvoyProxy sets telemetry.metrics.prometheus.
// disable (internal/infrastructure/kubernetes/proxy/resource.go,
// expectedProxyContainers). No pod yet is a controller that has not
// programmed the Gateway: a warning, not broken wiring.
void CheckProxyPods(const Reader& reader, const YAML::Node& monitor, Report* report) {
  const std::string& ns = reader.settings.envoy_gateway.namespace_;
  const YAML::Node selector = monitor["spec"] ? monitor["spec"]["selector"] : Missing();
  const std::string subject = fmt::format("Envoy proxy pods in {} (selected by {})", ns, FormatSelector(selector));
  const std::string expected = "each with a container port named metrics (Envoy's /stats/prometheus, 19001)";
  std::vector<std::string> selected;
  std::vector<std::string> without;
  if (const LiveList* pods = reader.List(kPods, ns); pods != nullptr && !pods->unreadable.empty()) {
    report->Warn(subject, fmt::format("cannot list pods in {}: {}", ns, pods->unreadable), expected,
                 fmt::format("allow listing pods in {} (kubectl auth can-i list pods -n {}) to have them checked",
                             ns, ns));
    return;
  }
  for (const YAML::Node& pod : reader.Items(kPods, ns)) {
    if (!SelectorSelects(selector, Labels(pod))) continue;
    selected.push_back(Name(pod));
    if (!HasContainerPort(pod, "metrics")) without.push_back(Name(pod));
  }
  if (selected.empty()) {
    report->Warn(subject, "none runs", expected,
                 fmt::format("Envoy Gateway starts the proxies when it programs Gateway eg: kubectl -n {} get gateway "
                             "eg; kubectl -n {} logs deployment/envoy-gateway",
                             ns, ns));
  } else if (!without.empty()) {
    report->Fail(subject,
                 fmt::format("{} of {} without a port named metrics: {}", without.size(), selected.size(),
                             fmt::join(without, ", ")),
                 expected,
                 "an EnvoyProxy with telemetry.metrics.prometheus.disable: true removes it (kubectl get envoyproxy -A "
                 "-o yaml); unset it, or switch the PodMonitor off (apps.envoyGateway.podMonitor.enabled=false)");
  } else {
    report->Ok(subject, fmt::format("{} pod{}, each with port metrics", selected.size(), selected.size() == 1 ? "" : "s"));
  }
}

// The PodMonitor itself: the pods it selects, the port and path it scrapes;
// when they are right, the proxy pods it selects.
void CheckPodMonitorSpec(const Reader& reader, const YAML::Node& monitor, const std::string& subject,
                         Report* report) {
  const std::string pod_selector = FormatSelector(monitor["spec"] ? monitor["spec"]["selector"] : Missing());
  std::string path = "no endpoint on port metrics";
  const YAML::Node endpoints = monitor["spec"] ? monitor["spec"]["podMetricsEndpoints"] : Missing();
  if (endpoints && endpoints.IsSequence()) {
    for (const YAML::Node& endpoint : endpoints) {
      if (Field(endpoint, {"port"}) == "metrics") path = fmt::format("port metrics, path {}", Field(endpoint, {"path"}));
    }
  }
  const std::string found = fmt::format("selector {}, {}", pod_selector, path);
  const std::string expected = "selector app.kubernetes.io/component=proxy, port metrics, path /stats/prometheus";
  if (found != expected) {
    // Its selector or endpoint is wrong: which pods it would scrape says nothing more.
    report->Fail(subject, found, expected, std::string(kUpgradeFix));
  } else {
    report->Ok(subject, found);
    CheckProxyPods(reader, monitor, report);
  }
}

// `prometheus` (named `who`) selects the PodMonitor `subject` by its `labels`.
void CheckPodMonitorSelector(const YAML::Node& prometheus, const std::string& who, const std::string& subject,
                             const std::map<std::string, std::string>& labels, Report* report) {
  const YAML::Node spec = prometheus["spec"];
  const YAML::Node selector = spec ? spec["podMonitorSelector"] : Missing();
  const std::string labels_subject = fmt::format("{} selects {}", who, subject);
  if (!selector || selector.IsNull()) {
    report->Fail(labels_subject, "podMonitorSelector unset: it selects no PodMonitor",
                 fmt::format("a podMonitorSelector matching {}", FormatLabels(labels)),
                 "set prometheus.prometheusSpec.podMonitorSelector in its values (the chart's default is "
                 "release: <release>), then `dotk8s upgrade`");
  } else if (!SelectorSelects(selector, labels)) {
    report->Fail(labels_subject,
                 fmt::format("podMonitorSelector {} does not match the PodMonitor's labels {}",
                             FormatSelector(selector), FormatLabels(labels)),
                 "the PodMonitor's labels selected by podMonitorSelector",
                 "the selector or the labels were changed outside the release: `dotk8s upgrade` derives the labels "
                 "from the rendered podMonitorSelector again");
  } else {
    report->Ok(labels_subject, fmt::format("podMonitorSelector {} matches its labels", FormatSelector(selector)));
  }
}

// `prometheus` (named `who`) watches namespace `ns`, the PodMonitor's
// (`monitor_namespace`, labelled `namespace_labels`; Missing() when it does not exist).
void CheckPodMonitorNamespaceSelector(const YAML::Node& prometheus, const std::string& who, const std::string& ns,
                                      const YAML::Node& monitor_namespace,
                                      const std::map<std::string, std::string>& namespace_labels, Report* report) {
  const YAML::Node spec = prometheus["spec"];
  const YAML::Node namespace_selector = spec ? spec["podMonitorNamespaceSelector"] : Missing();
  const std::string ns_subject = fmt::format("{} watches namespace {}", who, ns);
  if (!namespace_selector || namespace_selector.IsNull()) {
    // The operator's meaning of an unset selector: its own namespace only.
    if (NamespaceOf(prometheus) == ns) {
      report->Ok(ns_subject, "podMonitorNamespaceSelector unset: its own namespace");
    } else {
      report->Fail(ns_subject,
                   fmt::format("podMonitorNamespaceSelector unset: only {} is watched", NamespaceOf(prometheus)),
                   fmt::format("a podMonitorNamespaceSelector matching namespace {}", ns),
                   "set prometheus.prometheusSpec.podMonitorNamespaceSelector: {} (all namespaces) or one "
                   "matching the namespace's labels, then `dotk8s upgrade`");
    }
  } else if (!monitor_namespace) {
    report->Fail(ns_subject, fmt::format("namespace {} does not exist", ns), "the namespace exists",
                 std::string(kUpgradeFix));
  } else if (!SelectorSelects(namespace_selector, namespace_labels)) {
    report->Fail(ns_subject,
                 fmt::format("podMonitorNamespaceSelector {} does not match the namespace's labels {}",
                             FormatSelector(namespace_selector), FormatLabels(namespace_labels)),
                 fmt::format("namespace {} labelled so that podMonitorNamespaceSelector selects it", ns),
                 fmt::format("`dotk8s upgrade` labels the namespace as the plan demands (or kubectl label namespace "
                             "{} with the selector's labels)",
                             ns));
  } else {
    report->Ok(ns_subject, fmt::format("podMonitorNamespaceSelector {} matches the namespace's labels",
                                       FormatSelector(namespace_selector)));
  }
}

}  // namespace

void CheckPodMonitor(const Reader& reader, Report* report) {
  const std::string& ns = reader.settings.envoy_gateway.namespace_;
  const std::string subject = fmt::format("PodMonitor {}/envoy-gateway-proxy", ns);
  YAML::Node monitor = reader.Find(kPodMonitors, ns, "envoy-gateway-proxy");
  if (!monitor) {
    report->Fail(subject, "does not exist",
                 "selector app.kubernetes.io/component=proxy, port metrics, path /stats/prometheus",
                 std::string(kUpgradeFix));
    return;
  }
  CheckPodMonitorSpec(reader, monitor, subject, report);

  const std::map<std::string, std::string> labels = Labels(monitor);
  YAML::Node monitor_namespace = reader.Find(kNamespaces, "", ns);
  const std::map<std::string, std::string> namespace_labels = Labels(monitor_namespace);
  std::vector<YAML::Node> prometheuses = reader.Items(kPrometheuses, "", true);
  if (prometheuses.empty()) {
    report->Fail(subject + " scraped", "no Prometheus object in the cluster",
                 "Prometheus kube-prometheus-stack-prometheus selecting it",
                 "kube-prometheus-stack is on but its Prometheus is gone: " + std::string(kUpgradeFix));
  }
  for (const YAML::Node& prometheus : prometheuses) {
    const std::string who = fmt::format("Prometheus {}/{}", NamespaceOf(prometheus), Name(prometheus));
    CheckPodMonitorSelector(prometheus, who, subject, labels, report);
    CheckPodMonitorNamespaceSelector(prometheus, who, ns, monitor_namespace, namespace_labels, report);
  }
}

}  // namespace dotk8s::verify
