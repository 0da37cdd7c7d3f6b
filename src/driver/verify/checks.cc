// README "The contracts" checked against live objects: pure functions over
// what kubectl returned, so every broken case is a test on recorded JSON.
#include "driver/verify/checks.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <nlohmann/json.hpp>
#include <set>

#include "driver/bundles/gateway_api_bundle.h"
#include "driver/release/ownership.h"

namespace dotk8s {
namespace {

constexpr std::string_view kCrds = "customresourcedefinitions.apiextensions.k8s.io";
constexpr std::string_view kNamespaces = "namespaces";
constexpr std::string_view kGatewayClasses = "gatewayclasses.gateway.networking.k8s.io";
constexpr std::string_view kGateways = "gateways.gateway.networking.k8s.io";
constexpr std::string_view kHttpRoutes = "httproutes.gateway.networking.k8s.io";
constexpr std::string_view kReferenceGrants = "referencegrants.gateway.networking.k8s.io";
constexpr std::string_view kPodMonitors = "podmonitors.monitoring.coreos.com";
constexpr std::string_view kPrometheuses = "prometheuses.monitoring.coreos.com";
constexpr std::string_view kServices = "services";
constexpr std::string_view kDeployments = "deployments.apps";
constexpr std::string_view kPods = "pods";

constexpr std::string_view kGatewayController = "gateway.envoyproxy.io/gatewayclass-controller";
constexpr std::string_view kInterceptorService = "keda-add-ons-http-interceptor-proxy";
constexpr std::string_view kPrometheusService = "kube-prometheus-stack-prometheus";
constexpr std::string_view kGatewayApiGroup = "gateway.networking.k8s.io";
constexpr std::string_view kGatewayApiExperimentalGroup = "gateway.networking.x-k8s.io";

// The Deployments each component's chart makes (pinned chart versions,
// kube-prometheus-stack with the umbrella's fullnameOverride); "{}" is the
// release name. The cluster suite's component_info lists the same.
struct ComponentDeployments {
  std::string_view component;
  std::vector<std::string_view> names;
};
const std::vector<ComponentDeployments>& DeploymentTable() {
  static const std::vector<ComponentDeployments> table = {
      {"envoyGateway", {"envoy-gateway"}},
      {"keda", {"keda-operator", "keda-operator-metrics-apiserver", "keda-admission-webhooks"}},
      {"keda.httpAddon",
       {"keda-add-ons-http-controller-manager", "keda-add-ons-http-external-scaler", "keda-add-ons-http-interceptor"}},
      {"prometheus", {"kube-prometheus-stack-operator", "{}-grafana", "{}-kube-state-metrics"}},
      {"traefik", {"{}-traefik"}},
  };
  return table;
}

// An absent node: yaml-cpp's YAML::Node() is a defined null that tests true.
YAML::Node Missing() { return YAML::Node(YAML::NodeType::Undefined); }

std::string Field(const YAML::Node& node, std::initializer_list<std::string_view> path) {
  // reset(), not operator=: assigning a yaml-cpp node writes through to the
  // tree it refers to.
  YAML::Node current = Missing();
  current.reset(node);
  for (std::string_view key : path) {
    if (!current.IsMap()) return {};
    YAML::Node next = current[std::string(key)];
    if (!next) return {};
    current.reset(next);
  }
  return current.IsScalar() ? current.Scalar() : std::string();
}

std::string Name(const YAML::Node& item) { return Field(item, {"metadata", "name"}); }
std::string NamespaceOf(const YAML::Node& item) { return Field(item, {"metadata", "namespace"}); }

std::map<std::string, std::string> StringMap(const YAML::Node& node) {
  std::map<std::string, std::string> result;
  if (node && node.IsMap()) {
    for (const auto& entry : node) result[entry.first.Scalar()] = entry.second.IsScalar() ? entry.second.Scalar() : "";
  }
  return result;
}
std::map<std::string, std::string> Labels(const YAML::Node& item) {
  return item["metadata"] ? StringMap(item["metadata"]["labels"]) : std::map<std::string, std::string>{};
}

std::string FormatLabels(const std::map<std::string, std::string>& labels) {
  if (labels.empty()) return "no labels";
  std::vector<std::string> parts;
  for (const auto& [key, value] : labels) parts.push_back(key + "=" + value);
  return fmt::format("{}", fmt::join(parts, ","));
}

// A selector as kubectl would show it: "release=dot-apps", "{} (everything)".
std::string FormatSelector(const YAML::Node& selector) {
  if (!selector || selector.IsNull()) return "unset";
  std::vector<std::string> parts;
  for (const auto& [key, value] : StringMap(selector["matchLabels"])) parts.push_back(key + "=" + value);
  if (selector["matchExpressions"] && selector["matchExpressions"].IsSequence()) {
    for (const YAML::Node& expression : selector["matchExpressions"]) {
      std::vector<std::string> values;
      if (expression["values"] && expression["values"].IsSequence()) {
        for (const YAML::Node& value : expression["values"]) values.push_back(value.Scalar());
      }
      parts.push_back(fmt::format("{} {}{}", Field(expression, {"key"}), Field(expression, {"operator"}),
                                  values.empty() ? "" : fmt::format(" ({})", fmt::join(values, ","))));
    }
  }
  return parts.empty() ? "{} (everything)" : fmt::format("{}", fmt::join(parts, ","));
}

struct Reader {
  const Settings& settings;
  const LiveCluster& live;
  const std::string& release;
  bool helm_release;

  /// Whether `item` is this release's: Helm's ownership marks when Helm
  /// stores the release; without a Helm release (applied from `dotk8s
  /// template`, the GitOps route) the charts' instance label, or Helm's marks
  /// left by a release whose record is gone.
  bool Owned(const YAML::Node& item) const {
    if (helm_release) return CarriesReleaseMarks(item, release, settings.release_namespace);
    return CarriesReleaseLabel(item, release) || CarriesReleaseMarks(item, release, "");
  }

  const LiveList* List(std::string_view resource, const std::string& ns = {}, bool all = false) const {
    ClusterRead read{std::string(resource), ns, all};
    auto it = live.find(read.Key());
    return it == live.end() ? nullptr : &it->second;
  }
  std::vector<YAML::Node> Items(std::string_view resource, const std::string& ns = {}, bool all = false) const {
    const LiveList* list = List(resource, ns, all);
    return list == nullptr ? std::vector<YAML::Node>{} : list->items;
  }
  bool Served(std::string_view resource, const std::string& ns = {}, bool all = false) const {
    const LiveList* list = List(resource, ns, all);
    return list != nullptr && list->served;
  }
  YAML::Node Find(std::string_view resource, const std::string& ns, std::string_view name) const {
    for (const YAML::Node& item : Items(resource, ns)) {
      if (Name(item) == name) return item;
    }
    return Missing();
  }
};

struct Report {
  std::vector<ClusterCheck> checks;
  void Ok(std::string subject, std::string found) {
    checks.push_back({CheckStatus::kOk, std::move(subject), std::move(found), {}, {}});
  }
  void Warn(std::string subject, std::string found, std::string expected, std::string fix) {
    checks.push_back({CheckStatus::kWarn, std::move(subject), std::move(found), std::move(expected), std::move(fix)});
  }
  void Fail(std::string subject, std::string found, std::string expected, std::string fix) {
    checks.push_back({CheckStatus::kFail, std::move(subject), std::move(found), std::move(expected), std::move(fix)});
  }
};

constexpr std::string_view kUpgradeFix = "run `dotk8s upgrade` with the release's flags: it re-applies what the release renders";

YAML::Node ConditionOf(const YAML::Node& item, std::string_view type) {
  const YAML::Node conditions = item["status"] ? item["status"]["conditions"] : Missing();
  if (conditions && conditions.IsSequence()) {
    for (const YAML::Node& condition : conditions) {
      if (Field(condition, {"type"}) == type) return condition;
    }
  }
  return Missing();
}

bool HasServedVersion(const YAML::Node& crd) {
  const YAML::Node versions = crd["spec"] ? crd["spec"]["versions"] : Missing();
  if (!versions || !versions.IsSequence()) return false;
  for (const YAML::Node& version : versions) {
    if (Field(version, {"served"}) == "true") return true;
  }
  return false;
}

// One bundle, new enough, serving what Envoy Gateway's controller lists,
// whoever installed it (gateway_api_bundle.h).
void CheckGatewayApiCrds(const Reader& reader, Report* report) {
  report->checks.push_back(CheckGatewayApiBundle(reader.Items(kCrds)));
}

void CheckGatewayClass(const Reader& reader, Report* report) {
  const std::string subject = "GatewayClass eg";
  const std::string expected = fmt::format("controllerName {}", kGatewayController);
  YAML::Node gateway_class = reader.Find(kGatewayClasses, "", "eg");
  if (!gateway_class) {
    report->Fail(subject, "does not exist", expected, std::string(kUpgradeFix));
    return;
  }
  const std::string controller = Field(gateway_class, {"spec", "controllerName"});
  if (controller != kGatewayController) {
    const std::string found = fmt::format("controllerName {}", controller.empty() ? "unset" : controller);
    if (!reader.Owned(gateway_class)) {
      // Someone else's class of the same name: not ours to delete.
      report->Fail(subject, fmt::format("{}; not this release's (owner: {}), left alone", found,
                                        DescribeOwner(gateway_class)),
                   expected,
                   "another installation owns GatewayClass eg: have its owner remove or rename it, or switch Envoy "
                   "Gateway off (--set apps.envoyGateway.enabled=false) and use theirs");
      return;
    }
    report->Fail(subject, found, expected,
                 "controllerName cannot be changed in place: kubectl delete gatewayclass eg, then `dotk8s upgrade`");
    return;
  }
  report->Ok(subject, fmt::format("controllerName {}", controller));
}

void CheckGateway(const Reader& reader, Report* report) {
  const std::string& ns = reader.settings.envoy_gateway.namespace_;
  const std::string subject = fmt::format("Gateway {}/eg", ns);
  const std::string expected = "class eg, listener http HTTP/80, routes from All";
  YAML::Node gateway = reader.Find(kGateways, ns, "eg");
  if (!gateway) {
    report->Fail(subject, "does not exist", expected, std::string(kUpgradeFix));
    return;
  }
  YAML::Node http = Missing();
  const YAML::Node listeners = gateway["spec"] ? gateway["spec"]["listeners"] : Missing();
  if (listeners && listeners.IsSequence()) {
    for (const YAML::Node& listener : listeners) {
      if (Field(listener, {"name"}) == "http") http.reset(listener);
    }
  }
  const std::string class_name = Field(gateway, {"spec", "gatewayClassName"});
  const std::string found =
      http ? fmt::format("class {}, listener http {}/{}, routes from {}", class_name, Field(http, {"protocol"}),
                         Field(http, {"port"}),
                         Field(http, {"allowedRoutes", "namespaces", "from"}).empty()
                             ? "Same (unset)"
                             : Field(http, {"allowedRoutes", "namespaces", "from"}))
           : fmt::format("class {}, no listener http", class_name);
  if (found != expected) {
    report->Fail(subject, found, expected, std::string(kUpgradeFix));
  } else {
    report->Ok(subject, found);
  }

  // Conditions say whether a controller took the Gateway; their absence is a
  // controller that is not running, not broken wiring.
  std::vector<std::string> states;
  std::vector<std::string> not_true;
  for (std::string_view type : {"Accepted", "Programmed"}) {
    YAML::Node condition = ConditionOf(gateway, type);
    const std::string status = condition ? Field(condition, {"status"}) : "";
    if (status == "True") {
      states.push_back(fmt::format("{}=True", type));
    } else if (condition) {
      not_true.push_back(fmt::format("{}={} ({}: {})", type, status, Field(condition, {"reason"}),
                                     Field(condition, {"message"})));
    } else {
      not_true.push_back(fmt::format("{} not reported", type));
    }
  }
  const std::string conditions_subject = subject + " conditions";
  if (not_true.empty()) {
    report->Ok(conditions_subject, fmt::format("{}", fmt::join(states, ", ")));
  } else {
    states.insert(states.end(), not_true.begin(), not_true.end());
    report->Warn(conditions_subject, fmt::format("{}", fmt::join(states, ", ")),
                 "Accepted=True and Programmed=True, reported by the Envoy Gateway controller",
                 fmt::format("the controller is not running or rejects the Gateway: kubectl -n {} get deployment "
                             "envoy-gateway; kubectl -n {} logs deployment/envoy-gateway",
                             ns, ns));
  }
}

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
}

bool GrantCovers(const YAML::Node& grant, const std::string& from_namespace) {
  const YAML::Node spec = grant["spec"];
  if (!spec) return false;
  bool from = false;
  if (spec["from"] && spec["from"].IsSequence()) {
    for (const YAML::Node& entry : spec["from"]) {
      from = from || (Field(entry, {"group"}) == kGatewayApiGroup && Field(entry, {"kind"}) == "HTTPRoute" &&
                      Field(entry, {"namespace"}) == from_namespace);
    }
  }
  bool to = false;
  if (spec["to"] && spec["to"].IsSequence()) {
    for (const YAML::Node& entry : spec["to"]) {
      const std::string name = Field(entry, {"name"});
      to = to || (Field(entry, {"group"}).empty() && Field(entry, {"kind"}) == "Service" &&
                  (name.empty() || name == kInterceptorService));
    }
  }
  return from && to;
}

void CheckInterceptorService(const Reader& reader, Report* report) {
  const std::string& ns = reader.settings.keda.namespace_;
  const std::string subject = fmt::format("Service {}/{}", ns, kInterceptorService);
  YAML::Node service = reader.Find(kServices, ns, kInterceptorService);
  std::vector<std::string> ports;
  if (service && service["spec"] && service["spec"]["ports"] && service["spec"]["ports"].IsSequence()) {
    for (const YAML::Node& port : service["spec"]["ports"]) ports.push_back(Field(port, {"port"}));
  }
  if (!service) {
    report->Fail(subject, "does not exist", "port 8080 (the HTTP add-on's interceptor)", std::string(kUpgradeFix));
  } else if (std::find(ports.begin(), ports.end(), "8080") == ports.end()) {
    report->Fail(subject, fmt::format("ports {}", fmt::join(ports, ", ")), "port 8080", std::string(kUpgradeFix));
  } else {
    report->Ok(subject, "port 8080");
  }
}

void CheckReferenceGrant(const Reader& reader, Report* report) {
  const std::string& ns = reader.settings.keda.namespace_;
  const std::vector<std::string>& route_namespaces = reader.settings.keda.http_addon.route_namespaces;
  const std::string subject = fmt::format("ReferenceGrant {}/keda-interceptor", ns);
  const std::string expected = fmt::format("HTTPRoutes from {} to Service {} (which exists)",
                                           fmt::join(route_namespaces, ", "), kInterceptorService);
  YAML::Node grant = reader.Find(kReferenceGrants, ns, "keda-interceptor");
  if (!grant) {
    report->Fail(subject, "does not exist", expected, std::string(kUpgradeFix));
  } else {
    std::vector<std::string> from;
    std::vector<std::string> to;
    if (grant["spec"]["from"] && grant["spec"]["from"].IsSequence()) {
      for (const YAML::Node& entry : grant["spec"]["from"]) {
        if (Field(entry, {"kind"}) == "HTTPRoute") from.push_back(Field(entry, {"namespace"}));
      }
    }
    if (grant["spec"]["to"] && grant["spec"]["to"].IsSequence()) {
      for (const YAML::Node& entry : grant["spec"]["to"]) {
        if (Field(entry, {"kind"}) == "Service") to.push_back(Field(entry, {"name"}));
      }
    }
    std::vector<std::string> missing_from;
    for (const std::string& route_namespace : route_namespaces) {
      if (std::find(from.begin(), from.end(), route_namespace) == from.end()) missing_from.push_back(route_namespace);
    }
    std::vector<std::string> missing_services;
    for (const std::string& name : to) {
      if (!name.empty() && !reader.Find(kServices, ns, name)) missing_services.push_back(name);
    }
    const std::string found = fmt::format("HTTPRoutes from {} to Service {}", fmt::join(from, ", "),
                                          to.empty() ? std::string("none") : fmt::format("{}", fmt::join(to, ", ")));
    if (std::find(to.begin(), to.end(), kInterceptorService) == to.end() || !missing_from.empty()) {
      report->Fail(subject, found, expected, std::string(kUpgradeFix));
    } else if (!missing_services.empty()) {
      report->Fail(subject,
                   fmt::format("{}; Service {} does not exist in {}", found, fmt::join(missing_services, ", "), ns),
                   expected,
                   "the HTTP add-on's interceptor Service is gone: check the add-on (kubectl -n " + ns +
                       " get deployment,service), then `dotk8s upgrade`");
    } else {
      report->Ok(subject, found);
    }
  }

  std::vector<std::string> absent;
  for (const std::string& route_namespace : route_namespaces) {
    if (!reader.Find(kNamespaces, "", route_namespace)) absent.push_back(route_namespace);
  }
  const std::string ns_subject = "apps.keda.httpAddon.routeNamespaces";
  if (absent.empty()) {
    report->Ok(ns_subject, fmt::format("namespaces {} exist", fmt::join(route_namespaces, ", ")));
  } else {
    // A grant for a namespace that does not exist opens nothing: harmless, but
    // likely a typo in the values.
    report->Warn(ns_subject, fmt::format("namespace {} does not exist", fmt::join(absent, ", ")),
                 "every namespace listed exists (HTTPRoutes there may reach the interceptor)",
                 "create the namespace, or correct apps.keda.httpAddon.routeNamespaces and `dotk8s upgrade`");
  }

  // HTTPRoutes of other teams that send traffic to the interceptor, each with
  // whether a grant in KEDA's namespace lets it.
  const std::vector<YAML::Node> grants = reader.Items(kReferenceGrants, ns);
  int routes = 0;
  for (const YAML::Node& route : reader.Items(kHttpRoutes, "", true)) {
    const std::string route_namespace = NamespaceOf(route);
    if (route_namespace == ns) continue;  // same namespace: no grant needed
    bool references = false;
    const YAML::Node rules = route["spec"] ? route["spec"]["rules"] : Missing();
    if (rules && rules.IsSequence()) {
      for (const YAML::Node& rule : rules) {
        if (!rule["backendRefs"] || !rule["backendRefs"].IsSequence()) continue;
        for (const YAML::Node& ref : rule["backendRefs"]) {
          const std::string kind = Field(ref, {"kind"});
          references = references || (Field(ref, {"name"}) == kInterceptorService && Field(ref, {"namespace"}) == ns &&
                                       (kind.empty() || kind == "Service"));
        }
      }
    }
    if (!references) continue;
    ++routes;
    const std::string route_subject = fmt::format("HTTPRoute {}/{} -> Service {}/{}", route_namespace, Name(route), ns,
                                                  kInterceptorService);
    std::string covering;
    for (const YAML::Node& candidate : grants) {
      if (covering.empty() && GrantCovers(candidate, route_namespace)) covering = Name(candidate);
    }
    if (!covering.empty()) {
      report->Ok(route_subject, fmt::format("allowed by ReferenceGrant {}/{}", ns, covering));
    } else {
      report->Warn(route_subject, fmt::format("no ReferenceGrant in {} allows HTTPRoutes from {}", ns, route_namespace),
                   "a ReferenceGrant covering it (Envoy Gateway otherwise refuses the backend: ResolvedRefs=False)",
                   fmt::format("add {} to apps.keda.httpAddon.routeNamespaces, then `dotk8s upgrade`", route_namespace));
    }
  }
  if (routes == 0) report->Ok(fmt::format("HTTPRoutes -> Service {}/{}", ns, kInterceptorService), "none outside " + ns);
}

void CheckService(const Reader& reader, const std::string& ns, std::string_view name, std::string_view port,
                  Report* report) {
  const std::string subject = fmt::format("Service {}/{}", ns, name);
  YAML::Node service = reader.Find(kServices, ns, name);
  std::vector<std::string> ports;
  if (service && service["spec"] && service["spec"]["ports"] && service["spec"]["ports"].IsSequence()) {
    for (const YAML::Node& entry : service["spec"]["ports"]) ports.push_back(Field(entry, {"port"}));
  }
  if (!service) {
    report->Fail(subject, "does not exist", fmt::format("port {}", port), std::string(kUpgradeFix));
  } else if (std::find(ports.begin(), ports.end(), port) == ports.end()) {
    report->Fail(subject, fmt::format("ports {}", fmt::join(ports, ", ")), fmt::format("port {}", port),
                 std::string(kUpgradeFix));
  } else {
    report->Ok(subject, fmt::format("port {}", port));
  }
}

void CheckKedaCrds(const Reader& reader, bool http_addon, Report* report) {
  std::vector<std::string> wanted = {"scaledobjects.keda.sh", "scaledjobs.keda.sh", "triggerauthentications.keda.sh",
                                     "clustertriggerauthentications.keda.sh"};
  if (http_addon) wanted.push_back("httpscaledobjects.http.keda.sh");
  std::vector<std::string> missing;
  for (const std::string& name : wanted) {
    bool served = false;
    for (const YAML::Node& crd : reader.Items(kCrds)) {
      if (Name(crd) == name) served = HasServedVersion(crd);
    }
    if (!served) missing.push_back(name);
  }
  const std::string subject = "KEDA CRDs";
  if (missing.empty()) {
    report->Ok(subject, fmt::format("{} served", fmt::join(wanted, ", ")));
  } else {
    report->Fail(subject, fmt::format("not served: {}", fmt::join(missing, ", ")),
                 fmt::format("{} served", fmt::join(wanted, ", ")), std::string(kUpgradeFix));
  }
}

void CheckDeploymentsOn(const Reader& reader, std::string_view component, const std::string& ns, Report* report) {
  const std::string subject = fmt::format("{} Deployments in {}", component, ns);
  const std::vector<std::string> names = ComponentDeploymentNames(component, reader.release);
  std::vector<std::string> missing;
  std::vector<std::string> unavailable;
  std::vector<std::string> foreign;
  for (const std::string& name : names) {
    YAML::Node deployment = reader.Find(kDeployments, ns, name);
    if (!deployment) {
      missing.push_back(name);
      continue;
    }
    if (!reader.Owned(deployment)) {
      foreign.push_back(fmt::format("{} (owner: {})", name, DescribeOwner(deployment)));
      continue;
    }
    YAML::Node available = ConditionOf(deployment, "Available");
    if (!available || Field(available, {"status"}) != "True") {
      unavailable.push_back(available ? fmt::format("{} ({})", name, Field(available, {"reason"})) : name);
    }
  }
  const std::string expected = fmt::format("{} present and Available", fmt::join(names, ", "));
  if (!foreign.empty()) {
    // Another installation's run where this release's should: Helm neither
    // adopts nor replaces them, so nothing of this release runs there.
    report->Fail(subject,
                 fmt::format("not this release's: {}{}", fmt::join(foreign, ", "),
                             missing.empty() ? "" : fmt::format("; missing: {}", fmt::join(missing, ", "))),
                 expected + fmt::format(", of release {}", reader.release),
                 fmt::format("another installation runs {} in {}: switch it off here (--set apps.{}.enabled=false) "
                             "and use theirs, or have its owner remove it, then `dotk8s upgrade`",
                             component, ns, component));
  } else if (!missing.empty()) {
    report->Fail(subject, fmt::format("missing: {}", fmt::join(missing, ", ")), expected, std::string(kUpgradeFix));
  } else if (!unavailable.empty()) {
    report->Warn(subject, fmt::format("not Available: {}", fmt::join(unavailable, ", ")), expected,
                 fmt::format("pods not ready: kubectl -n {} get pods; kubectl -n {} describe deployment NAME", ns, ns));
  } else {
    report->Ok(subject, fmt::format("{} present and Available", fmt::join(names, ", ")));
  }
}

// Components that are off leave nothing behind ("not installed when
// disabled"): neither the Deployments their charts make nor, in a namespace no
// component that is on uses, any other Deployment the release still owns.
// Only what carries the release's marks is its leftover; a Deployment of a
// known name without them is another installation's (another team's KEDA in
// an existing namespace keda): named with its owner, never to be deleted.
void CheckDeploymentsOff(const Reader& reader, const std::vector<std::string_view>& components, const std::string& ns,
                         bool namespace_shared, Report* report) {
  const std::string subject = fmt::format("{} (off) Deployments in {}", fmt::join(components, ", "), ns);
  std::vector<std::string> names;
  for (std::string_view component : components) {
    for (const std::string& name : ComponentDeploymentNames(component, reader.release)) names.push_back(name);
  }
  std::set<std::string> left;
  std::map<std::string, std::string> foreign;
  for (const YAML::Node& deployment : reader.Items(kDeployments, ns)) {
    const std::string name = Name(deployment);
    const bool known = std::find(names.begin(), names.end(), name) != names.end();
    const bool owned = reader.Owned(deployment);
    if (owned && (known || !namespace_shared)) left.insert(name);
    if (known && !owned) foreign[name] = DescribeOwner(deployment);
  }
  if (left.empty()) {
    report->Ok(subject, "none left");
  } else {
    report->Fail(subject, fmt::format("still there: {}", fmt::join(left, ", ")),
                 fmt::format("no Deployment of {} (off)", fmt::join(components, ", ")),
                 fmt::format("left behind by an earlier revision of release {}: kubectl -n {} delete deployment {}",
                             reader.release, ns, fmt::join(left, " ")));
  }
  if (!foreign.empty()) {
    std::vector<std::string> named;
    for (const auto& [name, owner] : foreign) {
      named.push_back(fmt::format("{}: not this release's (owner: {}), left alone", name, owner));
    }
    report->Ok(fmt::format("Deployments in {} of another installation", ns), fmt::format("{}", fmt::join(named, "; ")));
  }
}

void ExpectAbsent(const Reader& reader, std::string_view resource, const std::string& ns, std::string_view name,
                  std::string subject, std::string why, Report* report) {
  YAML::Node found = reader.Find(resource, ns, name);
  if (!found) return;
  if (!reader.Owned(found)) {
    report->Ok(std::move(subject), fmt::format("not this release's (owner: {}), left alone", DescribeOwner(found)));
    return;
  }
  report->Fail(std::move(subject), "still there", fmt::format("absent ({})", why),
               fmt::format("left behind by an earlier revision of release {}: kubectl delete {}{} {}", reader.release,
                           ns.empty() ? "" : "-n " + ns + " ", resource, name));
}

// A JSON string, as nlohmann/json writes it: text that is not UTF-8 (a
// kubectl error can carry anything) becomes U+FFFD instead of an exception.
std::string JsonString(std::string_view text) {
  return nlohmann::json(text).dump(-1, ' ', /*ensure_ascii=*/false, nlohmann::json::error_handler_t::replace);
}

std::string_view StatusWord(CheckStatus status) {
  switch (status) {
    case CheckStatus::kOk: return "ok";
    case CheckStatus::kWarn: return "warn";
    case CheckStatus::kFail: return "fail";
  }
  return "fail";
}

}  // namespace

std::string ClusterRead::Key() const {
  if (all_namespaces) return resource + " -A";
  return namespace_.empty() ? resource : resource + " -n " + namespace_;
}

std::vector<std::string> ComponentDeploymentNames(std::string_view component, const std::string& release) {
  std::vector<std::string> names;
  for (const ComponentDeployments& entry : DeploymentTable()) {
    if (entry.component != component) continue;
    for (std::string_view name : entry.names) names.push_back(fmt::format(fmt::runtime(name), release));
  }
  return names;
}

ComponentSwitches SwitchesFrom(const Settings& settings) {
  ComponentSwitches on;
  on.envoy_gateway = settings.envoy_gateway.enabled.value_or(true);
  on.keda = settings.keda.enabled.value_or(true);
  on.http_addon = on.keda && settings.keda.http_addon.enabled.value_or(true);
  on.prometheus = settings.prometheus.enabled.value_or(true);
  on.traefik = settings.traefik.enabled.value_or(false);
  return on;
}

std::vector<ClusterRead> ReadsNeeded(const Settings& settings) {
  const std::string& eg = settings.envoy_gateway.namespace_;
  const std::string& keda = settings.keda.namespace_;
  const std::string& prometheus = settings.prometheus.namespace_;
  // Each read keeps what the checks above read of its objects (and their
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

bool SelectorSelects(const YAML::Node& selector, const std::map<std::string, std::string>& labels) {
  if (!selector || selector.IsNull()) return false;
  for (const auto& [key, value] : StringMap(selector["matchLabels"])) {
    auto it = labels.find(key);
    if (it == labels.end() || it->second != value) return false;
  }
  const YAML::Node expressions = selector["matchExpressions"];
  if (!expressions || !expressions.IsSequence()) return true;
  for (const YAML::Node& expression : expressions) {
    const std::string key = Field(expression, {"key"});
    const std::string op = Field(expression, {"operator"});
    std::vector<std::string> values;
    if (expression["values"] && expression["values"].IsSequence()) {
      for (const YAML::Node& value : expression["values"]) values.push_back(value.Scalar());
    }
    auto it = labels.find(key);
    const bool has = it != labels.end();
    const bool listed = has && std::find(values.begin(), values.end(), it->second) != values.end();
    if ((op == "In" && !listed) || (op == "NotIn" && listed) || (op == "Exists" && !has) ||
        (op == "DoesNotExist" && has)) {
      return false;
    }
    if (op != "In" && op != "NotIn" && op != "Exists" && op != "DoesNotExist") return false;  // the API server refuses others
  }
  return true;
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
  if (on.prometheus) CheckService(reader, prometheus_ns, kPrometheusService, "9090", &report);

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

std::string FormatChecksText(const std::vector<ClusterCheck>& checks) {
  std::string text;
  int counts[3] = {0, 0, 0};
  for (const ClusterCheck& check : checks) {
    ++counts[static_cast<int>(check.status)];
    const std::string_view word = check.status == CheckStatus::kOk     ? "ok"
                                  : check.status == CheckStatus::kWarn ? "warn"
                                                                       : "FAIL";
    text += fmt::format("{:<6}{}: {}\n", word, check.subject, check.found);
    if (!check.expected.empty()) text += fmt::format("      expected: {}\n", check.expected);
    if (!check.fix.empty()) text += fmt::format("      fix: {}\n", check.fix);
  }
  text += fmt::format("verify: {} ok, {} warning(s), {} failed\n", counts[0], counts[1], counts[2]);
  return text;
}

// One object a line, keys in the order the text report reads: the layout is
// ours, every value is written by the JSON library.
std::string FormatChecksJson(const std::vector<ClusterCheck>& checks) {
  std::string text = "[";
  for (std::size_t i = 0; i < checks.size(); ++i) {
    const ClusterCheck& check = checks[i];
    text += fmt::format("{}\n  {{\"status\": {}, \"check\": {}, \"found\": {}, \"expected\": {}, \"fix\": {}}}",
                        i == 0 ? "" : ",", JsonString(StatusWord(check.status)), JsonString(check.subject),
                        JsonString(check.found), JsonString(check.expected), JsonString(check.fix));
  }
  return text + (checks.empty() ? "]\n" : "\n]\n");
}

}  // namespace dotk8s
