#include "driver/commands/mermaid_graph.h"

#include <fmt/format.h>

#include <map>
#include <set>
#include <vector>

#include "core/passes/attribute.h"
#include "core/component.h"
#include "core/yaml/read.h"
#include "core/yaml/yaml_node.h"

namespace dotk8s {
namespace {

std::string Id(std::string_view prefix, std::string_view name) {
  std::string id(prefix);
  id += '_';
  for (char c : name) id += std::isalnum(static_cast<unsigned char>(c)) ? c : '_';
  return id;
}

std::string ScalarText(const YAML::Node& node) { return node && node.IsScalar() ? node.Scalar() : std::string(); }

std::map<std::string, std::string> StringMap(const YAML::Node& node) {
  std::map<std::string, std::string> map;
  if (node && node.IsMap()) {
    for (const auto& entry : node) map[entry.first.Scalar()] = ScalarText(entry.second);
  }
  return map;
}

bool Selects(const std::map<std::string, std::string>& selector, const std::map<std::string, std::string>& labels) {
  for (const auto& [key, value] : selector) {
    auto it = labels.find(key);
    if (it == labels.end() || it->second != value) return false;
  }
  return true;
}

std::string Describe(const std::map<std::string, std::string>& labels) {
  std::string text;
  for (const auto& [key, value] : labels) text += fmt::format("{}{}={}", text.empty() ? "" : ",", key, value);
  return text.empty() ? "everything" : text;
}

struct Object {
  std::string kind;
  std::string name;
  std::string namespace_;
  YAML::Node node;
};

}  // namespace

bool MermaidGraph(std::string_view stream, std::string* graph, std::string* error) {
  std::vector<Document> docs;
  Diagnostics diagnostics = ReadStream(stream, ReadOptions{}, &docs);
  if (HasErrors(diagnostics)) {
    *error = FormatDiagnostic(diagnostics.front());
    return false;
  }
  // component -> namespace -> count
  std::map<std::string, std::map<std::string, std::size_t>> placement;
  std::vector<Object> objects;
  static const std::set<std::string> kTies = {"GatewayClass", "Gateway", "PodMonitor", "Prometheus", "ReferenceGrant",
                                              "HTTPRoute"};
  for (const Document& doc : docs) {
    if (!doc.IsObject()) continue;
    TemplatePath path = ParseTemplatePath(doc.source_path);
    std::string component = "dotk8s-post";
    if (!path.top_level_subchart.empty()) {
      component = std::string(path.top_level_subchart);
    } else if (!path.umbrella.empty()) {
      component = std::string(path.umbrella) + " (umbrella, injected)";
    }
    if (!doc.Namespace().empty() && doc.Kind() != "Namespace") ++placement[component][std::string(doc.Namespace())];
    if (kTies.count(std::string(doc.Kind()))) {
      Object object{std::string(doc.Kind()), std::string(doc.Name()), std::string(doc.Namespace()), {}};
      if (!LoadYamlNode(doc.raw.substr(doc.body_offset), &object.node, error)) return false;
      objects.push_back(std::move(object));
    }
  }

  // Each component's home: where most of its namespaced objects are.
  std::map<std::string, std::string> home;
  std::map<std::string, std::vector<std::string>> by_namespace;  // namespace -> node lines
  for (const auto& [component, counts] : placement) {
    std::string best;
    std::size_t total = 0, most = 0;
    for (const auto& [ns, count] : counts) {
      total += count;
      if (count > most) {
        most = count;
        best = ns;
      }
    }
    home[component] = best;
    by_namespace[best].push_back(
        fmt::format("    {}[\"{}<br/>{} namespaced objects\"]", Id("c", component), component, total));
  }

  std::vector<std::string> edges;
  std::vector<std::string> cluster_nodes;
  std::map<std::string, std::string> node_of;  // "Kind/ns/name" -> id
  for (const Object& o : objects) {
    std::string id = Id(o.kind, o.namespace_ + "_" + o.name);
    node_of[o.kind + "/" + o.namespace_ + "/" + o.name] = id;
    std::string line = fmt::format("    {}([\"{} {}\"])", id, o.kind, o.name);
    if (o.namespace_.empty()) {
      cluster_nodes.push_back(line);
    } else {
      by_namespace[o.namespace_].push_back(line);
    }
  }
  auto component_in = [&](std::string_view chart) -> std::string {
    return home.count(std::string(chart)) ? Id("c", chart) : std::string();
  };

  for (const Object& o : objects) {
    const std::string id = node_of[o.kind + "/" + o.namespace_ + "/" + o.name];
    if (o.kind == "GatewayClass") {
      std::string controller = ScalarText(o.node["spec"]["controllerName"]);
      if (controller.rfind("gateway.envoyproxy.io/", 0) == 0 && !component_in("gateway-helm").empty()) {
        edges.push_back(fmt::format("  {} -->|controllerName| {}", id, component_in("gateway-helm")));
      }
    } else if (o.kind == "Gateway") {
      std::string class_name = ScalarText(o.node["spec"]["gatewayClassName"]);
      auto it = node_of.find("GatewayClass//" + class_name);
      if (it != node_of.end()) edges.push_back(fmt::format("  {} -->|gatewayClassName| {}", id, it->second));
    } else if (o.kind == "PodMonitor") {
      std::map<std::string, std::string> labels = StringMap(o.node["metadata"]["labels"]);
      for (const Object& prometheus : objects) {
        if (prometheus.kind != "Prometheus") continue;
        YAML::Node selector = prometheus.node["spec"]["podMonitorSelector"];
        std::map<std::string, std::string> match = StringMap(selector["matchLabels"]);
        if (selector && Selects(match, labels)) {
          edges.push_back(fmt::format("  {} -->|\"podMonitorSelector {}\"| {}",
                                      node_of["Prometheus/" + prometheus.namespace_ + "/" + prometheus.name],
                                      Describe(match), id));
        }
      }
      std::map<std::string, std::string> pods = StringMap(o.node["spec"]["selector"]["matchLabels"]);
      if (!component_in("gateway-helm").empty() && pods.count("app.kubernetes.io/component")) {
        edges.push_back(fmt::format("  {} -->|\"scrapes {}\"| {}", id, Describe(pods), component_in("gateway-helm")));
      }
    } else if (o.kind == "ReferenceGrant") {
      for (const YAML::Node& to : o.node["spec"]["to"]) {
        std::string target = ScalarText(to["name"]);
        std::string target_id = Id("Service", o.namespace_ + "_" + target);
        by_namespace[o.namespace_].push_back(fmt::format("    {}[/\"Service {}\"/]", target_id, target));
        edges.push_back(fmt::format("  {} -->|grants access to| {}", id, target_id));
        if (!component_in("keda-add-ons-http").empty()) {
          edges.push_back(fmt::format("  {} -.-|part of| {}", target_id, component_in("keda-add-ons-http")));
        }
        for (const YAML::Node& from : o.node["spec"]["from"]) {
          std::string ns = ScalarText(from["namespace"]);
          std::string routes = Id("routes", ns);
          by_namespace[ns].push_back(fmt::format("    {}{{{{\"{}s in {}\"}}}}", routes, ScalarText(from["kind"]), ns));
          edges.push_back(fmt::format("  {} -->|backendRef allowed by {}| {}", routes, o.name, target_id));
          for (const Object& gateway : objects) {
            if (gateway.kind != "Gateway") continue;
            for (const YAML::Node& listener : gateway.node["spec"]["listeners"]) {
              if (ScalarText(listener["allowedRoutes"]["namespaces"]["from"]) == "All") {
                edges.push_back(fmt::format("  {} -->|\"parentRef (listener {} allows All)\"| {}", routes,
                                            ScalarText(listener["name"]),
                                            node_of["Gateway/" + gateway.namespace_ + "/" + gateway.name]));
                break;
              }
            }
          }
        }
      }
    }
  }

  std::string text = "flowchart LR\n";
  for (const std::string& line : cluster_nodes) text += line.substr(2) + "\n";
  for (auto& [ns, lines] : by_namespace) {
    std::set<std::string> seen;
    text += fmt::format("  subgraph {}[\"namespace {}\"]\n", Id("ns", ns), ns);
    for (const std::string& line : lines) {
      if (seen.insert(line).second) text += line + "\n";
    }
    text += "  end\n";
  }
  std::set<std::string> seen_edges;
  for (const std::string& edge : edges) {
    if (seen_edges.insert(edge).second) text += edge + "\n";
  }
  *graph = std::move(text);
  return true;
}

}  // namespace dotk8s
