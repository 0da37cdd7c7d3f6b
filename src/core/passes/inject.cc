#include "core/passes/inject.h"
#include "core/passes/inject_internal.h"
#include "core/yaml/outline.h"
#include "core/yaml/yaml_node.h"

#include <fmt/format.h>

#include <algorithm>
#include <set>

namespace dotk8s {

using internal::SelectableLabels;
using internal::Str;

namespace {

using Entries = std::vector<std::pair<std::string, JsonValue>>;

const Document* FindObject(const std::vector<Document>& docs, std::string_view group, std::string_view kind,
                           std::string_view ns, std::string_view name) {
  for (const Document& doc : docs) {
    if (doc.removed || !doc.IsObject()) continue;
    if (doc.Group() == group && doc.Kind() == kind && doc.Namespace() == ns && doc.Name() == name) return &doc;
  }
  return nullptr;
}

JsonValue Metadata(std::string_view name, std::string_view ns, JsonValue labels) {
  JsonValue metadata = JsonValue::Object();
  metadata.Set("name", Str(name));
  if (!ns.empty()) metadata.Set("namespace", Str(ns));
  metadata.Set("labels", std::move(labels));
  return metadata;
}

JsonValue Object(std::string_view api_version, std::string_view kind, JsonValue metadata) {
  return JsonValue::Object({{"apiVersion", Str(api_version)}, {"kind", Str(kind)}, {"metadata", std::move(metadata)}});
}

// The controller name Envoy Gateway was configured with (its ConfigMap holds
// envoy-gateway.yaml with gateway.controllerName); the GatewayClass must match.
std::string ControllerName(std::vector<Document>& docs, Diagnostics& diagnostics) {
  for (const Document& doc : docs) {
    if (doc.removed || doc.component != Component::kEnvoyGateway || doc.Kind() != "ConfigMap") continue;
    auto node = ParseDocument(doc, diagnostics);
    if (!node) continue;
    const YAML::Node data = (*node)["data"];
    if (!data || !data.IsMap() || !data["envoy-gateway.yaml"]) continue;
    try {
      // YAML inside a value: read it with the stream's limits, not yaml-cpp's recursive parser.
      YAML::Node config;
      std::string error;
      if (!data["envoy-gateway.yaml"].IsScalar() ||
          !LoadCheckedYamlNode(data["envoy-gateway.yaml"].Scalar(), OutlineOptions{}, &config, &error)) {
        continue;
      }
      if (config.IsMap() && config["gateway"] && config["gateway"]["controllerName"]) {
        return config["gateway"]["controllerName"].as<std::string>();
      }
    } catch (const YAML::Exception&) {
      // An unreadable config is Envoy Gateway's problem; keep its default.
    }
  }
  return std::string(kDefaultControllerName);
}

// True if the Service `doc` has a port named `name` (spec.ports[*].name).
// Read from an outline of spec.ports, not a yaml-cpp tree of the Service: the
// trees of the interceptor Services cost a fifth of the pass. A document the
// outline cannot settle (no such port, and a `*` somewhere: an alias, which
// the outline does not expand) goes to yaml-cpp as before.
bool HasPortNamed(const Document& doc, std::string_view name, Diagnostics& diagnostics) {
  std::string edited;
  std::string_view text = doc.raw;
  if (doc.Edited()) {
    edited = doc.Text();
    text = edited;
  }
  OutlineOptions options;
  options.all_scalars = true;
  options.capture_under = {{PathElement::Key("spec"), PathElement::Key("ports")}};
  Outline ports;
  YamlProblem problem;
  if (BuildOutline(text, doc.body_offset, options, &ports, &problem)) {
    for (const Scalar& scalar : ports.scalars) {
      if (!scalar.is_key && scalar.path.size() == 4 && scalar.path[2].is_index &&
          IsPath({scalar.path[0], scalar.path[1], scalar.path[3]}, {"spec", "ports", "name"}) &&
          scalar.value == name) {
        return true;
      }
    }
    if (text.find('*') == std::string_view::npos) return false;
  }
  auto node = ParseDocument(doc, diagnostics);
  if (!node) return false;
  const YAML::Node list = (*node)["spec"]["ports"];
  if (list && list.IsSequence()) {
    for (const YAML::Node& port : list) {
      if (port["name"] && port["name"].Scalar() == name) return true;
    }
  }
  return false;
}

JsonValue ListenerValue(const ListenerSettings& listener) {
  JsonValue value = JsonValue::Object();
  value.Set("name", Str(listener.name));
  if (!listener.hostname.empty()) value.Set("hostname", Str(listener.hostname));
  value.Set("protocol", Str(listener.protocol));
  value.Set("port", JsonValue::Integer(listener.port));
  if (!listener.tls_mode.empty()) {
    JsonValue tls = JsonValue::Object();
    tls.Set("mode", Str(listener.tls_mode));
    if (!listener.certificate_refs.empty()) {
      JsonValue refs = JsonValue::Array();
      for (const CertificateRef& ref : listener.certificate_refs) {
        JsonValue entry = JsonValue::Object();
        entry.Set("group", Str(ref.group));
        entry.Set("kind", Str(ref.kind));
        entry.Set("name", Str(ref.name));
        if (!ref.namespace_.empty()) entry.Set("namespace", Str(ref.namespace_));
        refs.array.push_back(std::move(entry));
      }
      tls.Set("certificateRefs", std::move(refs));
    }
    value.Set("tls", std::move(tls));
  }
  value.Set("allowedRoutes",
            JsonValue::Object({{"namespaces", JsonValue::Object({{"from", Str(listener.allowed_routes_from)}})}}));
  return value;
}

struct Injector {
  std::vector<Document>& docs;
  const Settings& settings;
  Plan& plan;
  Diagnostics diagnostics;
  std::vector<GeneratedObject> objects;
  /// Labels the namespaces we create must carry (a podMonitorNamespaceSelector).
  std::map<std::string, std::map<std::string, std::string>> namespace_labels;
  /// The selectors that must select the namespaces we create.
  std::map<std::string, std::vector<YAML::Node>> namespace_selectors;

  bool AlreadyRendered(std::string_view group, std::string_view kind, std::string_view ns, std::string_view name) {
    const Document* existing = FindObject(docs, group, kind, ns, name);
    if (existing == nullptr) return false;
    plan.notes.push_back(fmt::format("{} {} is rendered by {} already; not injected", kind, name,
                                     existing->source_path.empty() ? fmt::format("doc {}", existing->index)
                                                                   : existing->source_path));
    return true;
  }

  void Gateway() {
    if (!plan.IsOn(Component::kEnvoyGateway)) return;
    const std::string& ns = settings.envoy_gateway.namespace_;
    if (!AlreadyRendered("gateway.networking.k8s.io", "GatewayClass", "", "eg")) {
      JsonValue object = Object("gateway.networking.k8s.io/v1", "GatewayClass",
                                Metadata("eg", "", InjectedLabels("eg", "gateway", settings, plan)));
      std::string controller = ControllerName(docs, diagnostics);
      object.Set("spec", JsonValue::Object({{"controllerName", Str(controller)}}));
      objects.push_back({std::move(object), "dotk8s-post/gateway.yaml",
                         fmt::format("GatewayClass eg (controller {}): Envoy Gateway is on", controller)});
    }
    if (!AlreadyRendered("gateway.networking.k8s.io", "Gateway", ns, "eg")) {
      JsonValue object = Object("gateway.networking.k8s.io/v1", "Gateway",
                                Metadata("eg", ns, InjectedLabels("eg", "gateway", settings, plan)));
      ListenerSettings http;
      http.name = "http";
      http.protocol = "HTTP";
      http.port = 80;
      JsonValue listeners = JsonValue::Array({ListenerValue(http)});
      std::vector<std::string> names{"http/80"};
      for (const ListenerSettings& listener : settings.envoy_gateway.extra_listeners) {
        listeners.array.push_back(ListenerValue(listener));
        names.push_back(fmt::format("{}/{}", listener.name, listener.port));
        for (const CertificateRef& ref : listener.certificate_refs) {
          if (!ref.namespace_.empty() && ref.namespace_ != ns) {
            plan.notes.push_back(fmt::format(
                "listener {} uses certificate {}/{} from another namespace: that namespace needs a "
                "ReferenceGrant from Gateways in {}",
                listener.name, ref.namespace_, ref.name, ns));
          }
        }
      }
      object.Set("spec", JsonValue::Object({{"gatewayClassName", Str("eg")}, {"listeners", std::move(listeners)}}));
      objects.push_back({std::move(object), "dotk8s-post/gateway.yaml",
                         fmt::format("Gateway {}/eg, listeners {}: Envoy Gateway is on", ns, fmt::join(names, ", "))});
    }
  }

  void PodMonitor() {
    if (!plan.IsOn(Component::kEnvoyGateway) || !plan.IsOn(Component::kPrometheus)) return;
    if (!settings.envoy_gateway.pod_monitor) {
      plan.notes.push_back("PodMonitor envoy-gateway-proxy not injected: apps.envoyGateway.podMonitor.enabled is false");
      return;
    }
    const std::string& ns = settings.envoy_gateway.namespace_;
    if (AlreadyRendered("monitoring.coreos.com", "PodMonitor", ns, "envoy-gateway-proxy")) return;
    std::map<std::string, std::string> selector_labels;
    std::vector<YAML::Node> selectors;
    std::size_t prometheuses = 0;
    for (const Document& doc : docs) {
      if (doc.removed || doc.Kind() != "Prometheus" || doc.Group() != "monitoring.coreos.com") continue;
      ++prometheuses;
      auto node = ParseDocument(doc, diagnostics);
      if (!node) return;
      const YAML::Node spec = (*node)["spec"];
      const YAML::Node selector = spec ? spec["podMonitorSelector"] : YAML::Node();
      if (!selector || selector.IsNull()) {
        Diagnostic d = DocumentError(doc, "selects no PodMonitor at all (spec.podMonitorSelector is not set), so "
                                          "Prometheus would never scrape the Envoy proxies",
                                     "set kube-prometheus-stack.prometheus.prometheusSpec.podMonitorSelector, or "
                                     "leave podMonitorSelectorNilUsesHelmValues at true");
        d.field_path = "spec.podMonitorSelector";
        diagnostics.push_back(std::move(d));
        return;
      }
      std::string why_not;
      if (!LabelsForSelector(selector, &selector_labels, &why_not)) {
        Diagnostic d = DocumentError(doc, fmt::format("no PodMonitor labels can satisfy this selector: {}", why_not),
                                     "give Prometheus a podMonitorSelector a PodMonitor can match");
        d.field_path = "spec.podMonitorSelector";
        diagnostics.push_back(std::move(d));
        return;
      }
      selectors.push_back(selector);
      if (!LooksInNamespace(doc, spec, ns)) return;
    }
    if (prometheuses == 0) {
      plan.notes.push_back(
          "PodMonitor envoy-gateway-proxy not injected: kube-prometheus-stack rendered no Prometheus resource");
      return;
    }
    std::vector<std::string> left_out;
    JsonValue labels = SelectableLabels(InjectedLabels("envoy-gateway-proxy", "monitoring", settings, plan),
                                        selector_labels, selectors, &left_out);
    std::vector<std::string> derived;
    for (const auto& [key, value] : selector_labels) derived.push_back(fmt::format("{}={}", key, labels.Find(key)->string));
    if (!left_out.empty()) {
      plan.notes.push_back(fmt::format("PodMonitor envoy-gateway-proxy is not labelled {}: the Prometheus "
                                       "podMonitorSelector excludes it",
                                       fmt::join(left_out, ",")));
    }
    JsonValue object = Object("monitoring.coreos.com/v1", "PodMonitor", Metadata("envoy-gateway-proxy", ns, std::move(labels)));
    JsonValue endpoint = JsonValue::Object({{"port", Str("metrics")}, {"path", Str("/stats/prometheus")}});
    object.Set("spec", JsonValue::Object({
                           {"selector", JsonValue::Object({{"matchLabels", JsonValue::Object({{"app.kubernetes.io/component", Str("proxy")}})}})},
                           {"podMetricsEndpoints", JsonValue::Array({std::move(endpoint)})},
                       }));
    objects.push_back({std::move(object), "dotk8s-post/podmonitor.yaml",
                       fmt::format("PodMonitor {}/envoy-gateway-proxy (labels {} from the Prometheus "
                                   "podMonitorSelector): Envoy Gateway and kube-prometheus-stack are on",
                                   ns, derived.empty() ? std::string("none needed") : fmt::format("{}", fmt::join(derived, ",")))});
  }

  // The PodMonitor's namespace must be one Prometheus looks in: false (with
  // the error) if the Prometheus `doc` cannot look in `ns`. The labels its
  // podMonitorNamespaceSelector needs go on the namespace we create, or into
  // a note.
  bool LooksInNamespace(const Document& doc, const YAML::Node& spec, const std::string& ns) {
    const YAML::Node ns_selector = spec["podMonitorNamespaceSelector"];
    const std::string prometheus_ns(doc.Namespace());
    std::string why_not;
    if (!ns_selector || ns_selector.IsNull()) {
      if (prometheus_ns != ns) {
        Diagnostic d = DocumentError(
            doc,
            fmt::format("looks for PodMonitors only in its own namespace {} (spec.podMonitorNamespaceSelector "
                        "is not set), but the PodMonitor for the Envoy proxies lives in {}",
                        prometheus_ns, ns),
            "set kube-prometheus-stack.prometheus.prometheusSpec.podMonitorNamespaceSelector: {} (every "
            "namespace) or a selector that matches the Envoy Gateway namespace");
        d.field_path = "spec.podMonitorNamespaceSelector";
        diagnostics.push_back(std::move(d));
        return false;
      }
    } else {
      std::map<std::string, std::string> ns_labels{{"kubernetes.io/metadata.name", ns}};
      if (!LabelsForSelector(ns_selector, &ns_labels, &why_not)) {
        Diagnostic d = DocumentError(
            doc, fmt::format("its podMonitorNamespaceSelector cannot select namespace {}: {}", ns, why_not),
            "widen kube-prometheus-stack.prometheus.prometheusSpec.podMonitorNamespaceSelector");
        d.field_path = "spec.podMonitorNamespaceSelector";
        diagnostics.push_back(std::move(d));
        return false;
      }
      ns_labels.erase("kubernetes.io/metadata.name");
      if (settings.create_namespaces) namespace_selectors[ns].push_back(ns_selector);
      if (!ns_labels.empty()) {
        if (settings.create_namespaces) {
          namespace_labels[ns].insert(ns_labels.begin(), ns_labels.end());
        } else {
          std::vector<std::string> pairs;
          for (const auto& [k, v] : ns_labels) pairs.push_back(fmt::format("{}={}", k, v));
          plan.notes.push_back(fmt::format(
              "namespace {} must carry the labels {} for Prometheus to find the PodMonitor (createNamespaces "
              "is off, so dotk8s-post cannot set them)",
              ns, fmt::join(pairs, ",")));
        }
      }
    }
    return true;
  }

  // The Service the HTTP add-on's interceptor takes traffic on: an interceptor
  // Service with a port named `proxy`.
  std::string InterceptorService() {
    std::string fallback;
    for (const Document& doc : docs) {
      if (doc.removed || doc.component != Component::kKedaHttpAddon || doc.Kind() != "Service") continue;
      const std::string* component = doc.outline.Label("app.kubernetes.io/component");
      if (component == nullptr || *component != "interceptor") continue;
      if (HasPortNamed(doc, "proxy", diagnostics)) return std::string(doc.Name());
      if (fallback.empty() && doc.Name().find("proxy") != std::string_view::npos) fallback = std::string(doc.Name());
    }
    return fallback;
  }

  void ReferenceGrant() {
    if (!plan.IsOn(Component::kEnvoyGateway) || !plan.IsOn(Component::kKeda) ||
        !plan.IsOn(Component::kKedaHttpAddon)) {
      return;
    }
    const std::string& ns = settings.keda.namespace_;
    if (AlreadyRendered("gateway.networking.k8s.io", "ReferenceGrant", ns, "keda-interceptor")) return;
    const std::vector<std::string>& from = settings.keda.http_addon.route_namespaces;
    if (from.empty()) {
      plan.notes.push_back("ReferenceGrant keda-interceptor not injected: apps.keda.httpAddon.routeNamespaces is empty");
      return;
    }
    std::string service = InterceptorService();
    if (service.empty()) {
      diagnostics.push_back(MakeError(
          "cannot find the KEDA HTTP add-on's interceptor Service (a Service labelled "
          "app.kubernetes.io/component=interceptor with a port named proxy) for the ReferenceGrant",
          "check the keda-add-ons-http version against the fixtures' facts; set "
          "apps.keda.httpAddon.routeNamespaces: [] to skip the ReferenceGrant"));
      return;
    }
    JsonValue from_list = JsonValue::Array();
    for (const std::string& route_ns : from) {
      from_list.array.push_back(JsonValue::Object(
          {{"group", Str("gateway.networking.k8s.io")}, {"kind", Str("HTTPRoute")}, {"namespace", Str(route_ns)}}));
    }
    // v1beta1: the only version of ReferenceGrant Envoy Gateway 1.7.0's Gateway API bundle serves.
    JsonValue object = Object("gateway.networking.k8s.io/v1beta1", "ReferenceGrant",
                              Metadata("keda-interceptor", ns, InjectedLabels("keda-interceptor", "autoscaling", settings, plan)));
    object.Set("spec", JsonValue::Object({
                           {"from", std::move(from_list)},
                           {"to", JsonValue::Array({JsonValue::Object({{"group", Str("")}, {"kind", Str("Service")}, {"name", Str(service)}})})},
                       }));
    objects.push_back({std::move(object), "dotk8s-post/referencegrant.yaml",
                       fmt::format("ReferenceGrant {}/keda-interceptor (HTTPRoutes from {} to Service {}): KEDA, its "
                                   "HTTP add-on and Envoy Gateway are on",
                                   ns, fmt::join(from, ", "), service)});
  }

  std::vector<GeneratedObject> Namespaces() {
    std::vector<GeneratedObject> namespaces;
    if (!settings.create_namespaces) return namespaces;
    std::set<std::string> names;
    for (const ComponentInfo& info : ManagedComponents()) {
      if (!plan.IsOn(info.component)) continue;
      std::string ns = TargetNamespace(settings, info.component);
      if (!ns.empty() && ns != settings.release_namespace) names.insert(ns);
    }
    for (const std::string& ns : names) {
      // Namespaces every cluster has: a Namespace object for one would fail the
      // install (Helm cannot adopt an object it did not create).
      if (IsBuiltinNamespace(ns, /*with_default=*/true)) {
        plan.notes.push_back(fmt::format("Namespace {} not injected: every cluster has it", ns));
        continue;
      }
      if (AlreadyRendered("", "Namespace", "", ns)) continue;
      // The API server sets kubernetes.io/metadata.name itself; selectors may test it.
      std::map<std::string, std::string> demanded{{"kubernetes.io/metadata.name", ns}};
      auto extra = namespace_labels.find(ns);
      if (extra != namespace_labels.end()) demanded.insert(extra->second.begin(), extra->second.end());
      std::vector<std::string> left_out;
      JsonValue labels = SelectableLabels(InjectedLabels(ns, "namespace", settings, plan), demanded,
                                          namespace_selectors[ns], &left_out);
      labels.object.erase(std::remove_if(labels.object.begin(), labels.object.end(),
                                      [](const auto& entry) { return entry.first == "kubernetes.io/metadata.name"; }),
                       labels.object.end());
      if (!left_out.empty()) {
        plan.notes.push_back(fmt::format("Namespace {} is not labelled {}: the Prometheus "
                                         "podMonitorNamespaceSelector excludes it",
                                         ns, fmt::join(left_out, ",")));
      }
      JsonValue metadata = Metadata(ns, "", std::move(labels));
      // Uninstalling the release must never delete a namespace and whatever else lives in it.
      metadata.Set("annotations", JsonValue::Object({{"helm.sh/resource-policy", Str("keep")}}));
      namespaces.push_back({Object("v1", "Namespace", std::move(metadata)), "dotk8s-post/namespaces.yaml",
                            fmt::format("Namespace {} (kept on uninstall)", ns)});
    }
    return namespaces;
  }
};

}  // namespace

Document ToDocument(GeneratedObject generated, StreamStyle style, std::string_view umbrella_chart, std::size_t index) {
  const std::string path =
      fmt::format("{}/templates/{}", umbrella_chart.empty() ? "dot-apps" : umbrella_chart, generated.file);
  std::string text = "---\n";
  if (style == StreamStyle::kHelm3) {
    text += fmt::format("# Source: {}\n", path);
  } else if (style == StreamStyle::kHelm4) {
    JsonValue* metadata = generated.object.Find("metadata");
    JsonValue* annotations = metadata->Find("annotations");
    if (annotations == nullptr) annotations = &metadata->Set("annotations", JsonValue::Object());
    annotations->Set(kHelm4FilenameAnnotation, JsonValue::String(path));
  }
  text += WriteYaml(generated.object);
  Document doc = MakeGeneratedDocument(std::move(text), index);
  // Reading our own output back gives the document the same outline as any other.
  YamlProblem problem;
  BuildOutline(doc.raw, 0, OutlineOptions{}, &doc.outline, &problem);
  doc.source_path = path;
  doc.component = Component::kUmbrella;
  return doc;
}

Diagnostics InjectObjects(std::vector<Document>& docs, const Settings& settings, Plan& plan) {
  Injector injector{docs, settings, plan, {}, {}, {}, {}};
  if (plan.hooks_only) {
    plan.notes.push_back("the input holds only hooks: nothing injected (the other documents come in another call)");
    return {};
  }
  injector.Gateway();
  injector.PodMonitor();
  injector.ReferenceGrant();
  std::vector<GeneratedObject> namespaces = injector.Namespaces();
  if (HasErrors(injector.diagnostics)) return injector.diagnostics;

  std::size_t next_index = docs.size();
  std::vector<Document> front;
  for (GeneratedObject& generated : namespaces) {
    plan.injected.push_back(generated.reason);
    front.push_back(ToDocument(std::move(generated), plan.style, plan.umbrella_chart, next_index++));
  }
  for (GeneratedObject& generated : injector.objects) {
    plan.injected.push_back(generated.reason);
    docs.push_back(ToDocument(std::move(generated), plan.style, plan.umbrella_chart, next_index++));
  }
  // Namespaces first: Helm 3 applies in output order, and everything else may live in them.
  docs.insert(docs.begin(), std::make_move_iterator(front.begin()), std::make_move_iterator(front.end()));
  return injector.diagnostics;
}

}  // namespace dotk8s
