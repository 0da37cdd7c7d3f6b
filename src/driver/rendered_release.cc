#include "driver/rendered_release.h"

#include <fmt/format.h>

#include <algorithm>
#include <set>

#include "core/attribute.h"
#include "core/kinds.h"
#include "core/read.h"

namespace dotk8s {

bool ReadRenderedRelease(std::string_view stream, const std::string& release_namespace, RenderedRelease* release,
                         std::string* error) {
  std::vector<Document> docs;
  Diagnostics diagnostics = ReadStream(stream, ReadOptions{}, &docs);
  if (HasErrors(diagnostics)) {
    *error = FormatDiagnostic(diagnostics.front());
    return false;
  }
  std::set<std::string> namespaces;
  std::set<std::string> charts;
  if (!release_namespace.empty()) namespaces.insert(release_namespace);
  for (const Document& doc : docs) {
    if (!doc.IsObject()) continue;
    if (!doc.Namespace().empty()) namespaces.insert(std::string(doc.Namespace()));
    if (doc.Kind() == "Namespace" && !doc.Name().empty()) namespaces.insert(std::string(doc.Name()));
    TemplatePath path = ParseTemplatePath(doc.source_path);
    if (!path.top_level_subchart.empty()) charts.insert(std::string(path.top_level_subchart));
    if (IsCrd(doc)) release->crds.emplace_back(std::string(doc.Name()), std::string(doc.raw));
  }
  release->namespaces.assign(namespaces.begin(), namespaces.end());
  release->charts.assign(charts.begin(), charts.end());
  return true;
}

std::string NamespaceManifests(const std::vector<std::string>& names) {
  std::string text;
  for (const std::string& name : names) {
    text += fmt::format("---\napiVersion: v1\nkind: Namespace\nmetadata:\n  name: {}\n", name);
  }
  return text;
}

}  // namespace dotk8s
