#include "driver/release/rendered.h"

#include <fmt/format.h>

#include <algorithm>
#include <set>

#include "core/kinds.h"
#include "core/passes/attribute.h"
#include "core/yaml/read.h"
#include "core/yaml/yaml_writer.h"

namespace dotk8s {
namespace {

// The Namespace as kubectl should apply it: the rendered name, labels and
// annotations, minus the hook annotations (Helm 4 streams make injected
// Namespaces pre-install hooks; outside Helm they mean nothing, and Helm must
// not take a Namespace applied by dotk8s for one of its hooks).
std::string ApplicableNamespace(const Document& doc) {
  JsonValue metadata = JsonValue::Object();
  metadata.Add("name", JsonValue::String(std::string(doc.Name())));
  JsonValue labels = JsonValue::Object();
  for (const auto& [key, value] : doc.outline.labels) labels.Add(key, JsonValue::String(value));
  JsonValue annotations = JsonValue::Object();
  for (const auto& [key, value] : doc.outline.annotations) {
    if (!key.starts_with(kHookAnnotation)) annotations.Add(key, JsonValue::String(value));
  }
  if (!labels.object.empty()) metadata.Add("labels", std::move(labels));
  if (!annotations.object.empty()) metadata.Add("annotations", std::move(annotations));
  JsonValue object = JsonValue::Object();
  object.Add("apiVersion", JsonValue::String("v1"));
  object.Add("kind", JsonValue::String("Namespace"));
  object.Add("metadata", std::move(metadata));
  return "---\n" + WriteYaml(object);
}

bool IsNamespace(const Document& doc) { return doc.Kind() == "Namespace" && doc.ApiVersion() == "v1"; }

}  // namespace

bool IsInjectedPath(std::string_view source_path) {
  std::size_t slash = source_path.find('/');
  return slash != std::string_view::npos && source_path.substr(slash + 1).starts_with("templates/dotk8s-post/");
}

bool ReadRenderedRelease(std::string_view stream, const std::string& release_namespace, RenderedRelease* release,
                         std::string* error) {
  std::vector<Document> docs;
  Diagnostics diagnostics = ReadStream(stream, ReadOptions{}, &docs);
  if (HasErrors(diagnostics)) {
    *error = FormatDiagnostic(diagnostics.front());
    return false;
  }
  std::set<std::string> namespaces;
  std::set<std::string> owned_by_release;
  std::set<std::string> charts;
  std::set<std::string> api_kinds;
  if (!release_namespace.empty()) namespaces.insert(release_namespace);
  for (const Document& doc : docs) {
    if (!doc.IsObject()) continue;
    api_kinds.insert(fmt::format("{} {}", doc.ApiVersion(), doc.Kind()));
    if (!doc.Namespace().empty()) namespaces.insert(std::string(doc.Namespace()));
    if (IsNamespace(doc) && !doc.Name().empty()) {
      if (IsInjectedPath(doc.source_path)) {
        namespaces.insert(std::string(doc.Name()));
        release->injected_namespaces.emplace_back(std::string(doc.Name()), ApplicableNamespace(doc));
      } else {
        owned_by_release.insert(std::string(doc.Name()));
      }
    }
    TemplatePath path = ParseTemplatePath(doc.source_path);
    if (!path.top_level_subchart.empty()) charts.insert(std::string(path.top_level_subchart));
    if (IsCrd(doc)) release->crds.emplace_back(std::string(doc.Name()), std::string(doc.raw));
    if ((doc.Kind() == "Deployment" && doc.ApiVersion() == "apps/v1") ||
        (doc.Kind() == "APIService" && doc.ApiVersion().starts_with("apiregistration.k8s.io/"))) {
      release->deployments_and_api_services.push_back({std::string(doc.Kind()), std::string(doc.Namespace()),
                                                       std::string(doc.Name()),
                                                       std::string(path.top_level_subchart)});
    }
  }
  for (const std::string& name : owned_by_release) namespaces.erase(name);
  release->namespaces.assign(namespaces.begin(), namespaces.end());
  release->charts.assign(charts.begin(), charts.end());
  release->api_kinds.assign(api_kinds.begin(), api_kinds.end());
  return true;
}

std::string NamespaceManifests(const RenderedRelease& release) {
  std::string text;
  for (const std::string& name : release.namespaces) {
    auto injected = std::find_if(release.injected_namespaces.begin(), release.injected_namespaces.end(),
                                 [&](const auto& entry) { return entry.first == name; });
    text += injected != release.injected_namespaces.end()
                ? injected->second
                : fmt::format("---\napiVersion: v1\nkind: Namespace\nmetadata:\n  name: {}\n", name);
  }
  return text;
}

}  // namespace dotk8s
