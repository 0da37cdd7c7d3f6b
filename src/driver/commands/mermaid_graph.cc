#include "driver/commands/mermaid_graph.h"

#include <fmt/format.h>

#include <map>
#include <set>
#include <vector>

#include "core/component.h"
#include "core/passes/attribute.h"
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

// component -> namespace -> count
using Placement = std::map<std::string, std::map<std::string, std::size_t>>;

// What the flowchart is made of, as the steps of MermaidGraph fill it.
struct Flowchart {
  std::map<std::string, std::string> home;                      // component -> namespace
  std::map<std::string, std::vector<std::string>> by_namespace;  // namespace -> node lines
  std::vector<std::string> cluster_nodes;
  std::map<std::string, std::string> node_of;  // "Kind/ns/name" -> id
  std::vector<std::string> edges;

  std::string ComponentIn(std::string_view chart) const {
    return home.count(std::string(chart)) ? Id("c", chart) : std::string();
  }
};

// Reads the stream: how many namespaced objects each component places where,
// and the objects that tie components together.
bool ReadTies(std::string_view stream, Placement* placement, std::vector<Object>* objects, std::string* error) {
  std::vector<Document> docs;
  Diagnostics diagnostics = ReadStream(stream, ReadOptions{}, &docs);
  if (HasErrors(diagnostics)) {
    *error = FormatDiagnostic(diagnostics.front());
    return false;
  }
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
    if (!doc.Namespace().empty() && doc.Kind() != "Namespace") ++(*placement)[component][std::string(doc.Namespace())];
    if (kTies.count(std::string(doc.Kind()))) {
      Object object{std::string(doc.Kind()), std::string(doc.Name()), std::string(doc.Namespace()), {}};
      if (!LoadYamlNode(doc.raw.substr(doc.body_offset), &object.node, error)) return false;
      objects->push_back(std::move(object));
    }
  }
  return true;
}

// Each component's home: where most of its namespaced objects are.
void PlaceComponents(const Placement& placement, Flowchart* chart) {
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
    chart->home[component] = best;
    chart->by_namespace[best].push_back(
        fmt::format("    {}[\"{}<br/>{} namespaced objects\"]", Id("c", component), component, total));
  }
}

void PlaceObjects(const std::vector<Object>& objects, Flowchart* chart) {
  for (const Object& o : objects) {
    std::string id = Id(o.kind, o.namespace_ + "_" + o.name);
    chart->node_of[o.kind + "/" + o.namespace_ + "/" + o.name] = id;
    std::string line = fmt::format("    {}([\"{} {}\"])", id, o.kind, o.name);
    if (o.namespace_.empty()) {
      chart->cluster_nodes.push_back(line);
    } else {
      chart->by_namespace[o.namespace_].push_back(line);
    }
  }
}

// PodMonitor `o` (node `id`): the Prometheus objects that select it, and the proxies it scrapes.
void AddPodMonitorEdges(const Object& o, const std::string& id, const std::vector<Object>& objects,
                        Flowchart* chart) {
  std::map<std::string, std::string> labels = StringMap(o.node["metadata"]["labels"]);
  for (const Object& prometheus : objects) {
    if (prometheus.kind != "Prometheus") continue;
    YAML::Node selector = prometheus.node["spec"]["podMonitorSelector"];
    std::map<std::string, std::string> match = StringMap(selector["matchLabels"]);
    if (selector && Selects(match, labels)) {
      chart->edges.push_back(fmt::format("  {} -->|\"podMonitorSelector {}\"| {}",
                                         chart->node_of["Prometheus/" + prometheus.namespace_ + "/" + prometheus.name],
                                         Describe(match), id));
    }
  }
  std::map<std::string, std::string> pods = StringMap(o.node["spec"]["selector"]["matchLabels"]);
  if (!chart->ComponentIn("gateway-helm").empty() && pods.count("app.kubernetes.io/component")) {
    chart->edges.push_back(
        fmt::format("  {} -->|\"scrapes {}\"| {}", id, Describe(pods), chart->ComponentIn("gateway-helm")));
  }
}

// ReferenceGrant `o` (node `id`): the Services it opens, and the namespaces
// whose HTTPRoutes it lets reach them through a Gateway that admits them.
void AddReferenceGrantEdges(const Object& o, const std::string& id, const std::vector<Object>& objects,
                            Flowchart* chart) {
  for (const YAML::Node& to : o.node["spec"]["to"]) {
    std::string target = ScalarText(to["name"]);
    std::string target_id = Id("Service", o.namespace_ + "_" + target);
    chart->by_namespace[o.namespace_].push_back(fmt::format("    {}[/\"Service {}\"/]", target_id, target));
    chart->edges.push_back(fmt::format("  {} -->|grants access to| {}", id, target_id));
    if (!chart->ComponentIn("keda-add-ons-http").empty()) {
      chart->edges.push_back(fmt::format("  {} -.-|part of| {}", target_id, chart->ComponentIn("keda-add-ons-http")));
    }
    for (const YAML::Node& from : o.node["spec"]["from"]) {
      std::string ns = ScalarText(from["namespace"]);
      std::string routes = Id("routes", ns);
      chart->by_namespace[ns].push_back(
          fmt::format("    {}{{{{\"{}s in {}\"}}}}", routes, ScalarText(from["kind"]), ns));
      chart->edges.push_back(fmt::format("  {} -->|backendRef allowed by {}| {}", routes, o.name, target_id));
      for (const Object& gateway : objects) {
        if (gateway.kind != "Gateway") continue;
        for (const YAML::Node& listener : gateway.node["spec"]["listeners"]) {
          if (ScalarText(listener["allowedRoutes"]["namespaces"]["from"]) == "All") {
            chart->edges.push_back(fmt::format("  {} -->|\"parentRef (listener {} allows All)\"| {}", routes,
                                               ScalarText(listener["name"]),
                                               chart->node_of["Gateway/" + gateway.namespace_ + "/" + gateway.name]));
            break;
          }
        }
      }
    }
  }
}

void AddEdges(const std::vector<Object>& objects, Flowchart* chart) {
  for (const Object& o : objects) {
    const std::string id = chart->node_of[o.kind + "/" + o.namespace_ + "/" + o.name];
    if (o.kind == "GatewayClass") {
      std::string controller = ScalarText(o.node["spec"]["controllerName"]);
      if (controller.rfind("gateway.envoyproxy.io/", 0) == 0 && !chart->ComponentIn("gateway-helm").empty()) {
        chart->edges.push_back(fmt::format("  {} -->|controllerName| {}", id, chart->ComponentIn("gateway-helm")));
      }
    } else if (o.kind == "Gateway") {
      std::string class_name = ScalarText(o.node["spec"]["gatewayClassName"]);
      auto it = chart->node_of.find("GatewayClass//" + class_name);
      if (it != chart->node_of.end()) {
        chart->edges.push_back(fmt::format("  {} -->|gatewayClassName| {}", id, it->second));
      }
    } else if (o.kind == "PodMonitor") {
      AddPodMonitorEdges(o, id, objects, chart);
    } else if (o.kind == "ReferenceGrant") {
      AddReferenceGrantEdges(o, id, objects, chart);
    }
  }
}

std::string FormatFlowchart(const Flowchart& chart) {
  std::string text = "flowchart LR\n";
  for (const std::string& line : chart.cluster_nodes) text += line.substr(2) + "\n";
  for (auto& [ns, lines] : chart.by_namespace) {
    std::set<std::string> seen;
    text += fmt::format("  subgraph {}[\"namespace {}\"]\n", Id("ns", ns), ns);
    for (const std::string& line : lines) {
      if (seen.insert(line).second) text += line + "\n";
    }
    text += "  end\n";
  }
  std::set<std::string> seen_edges;
  for (const std::string& edge : chart.edges) {
    if (seen_edges.insert(edge).second) text += edge + "\n";
  }
  return text;
}

}  // namespace

bool MermaidGraph(std::string_view stream, std::string* graph, std::string* error) {
  Placement placement;
  std::vector<Object> objects;
  if (!ReadTies(stream, &placement, &objects, error)) return false;
  Flowchart chart;
  PlaceComponents(placement, &chart);
  PlaceObjects(objects, &chart);
  AddEdges(objects, &chart);
  *graph = FormatFlowchart(chart);
  return true;
}

}  // namespace dotk8s
