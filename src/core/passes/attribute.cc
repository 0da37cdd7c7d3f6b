#include "core/passes/attribute.h"

#include <fmt/format.h>

namespace dotk8s {

TemplatePath ParseTemplatePath(std::string_view path) {
  TemplatePath parts;
  std::size_t slash = path.find('/');
  if (slash == std::string_view::npos) return parts;
  parts.umbrella = path.substr(0, slash);
  std::string_view rest = path.substr(slash + 1);
  constexpr std::string_view kCharts = "charts/";
  if (rest.substr(0, kCharts.size()) != kCharts) return parts;
  rest.remove_prefix(kCharts.size());
  std::size_t end = rest.find('/');
  parts.top_level_subchart = rest.substr(0, end);
  // Nested subcharts: keep going while the path says charts/<name>/.
  std::size_t subchart_end = end;
  while (subchart_end != std::string_view::npos) {
    std::string_view after = rest.substr(subchart_end + 1);
    if (after.substr(0, kCharts.size()) != kCharts) break;
    std::size_t next = after.find('/', kCharts.size());
    if (next == std::string_view::npos) break;
    subchart_end = subchart_end + 1 + next;
  }
  parts.subchart = rest.substr(0, subchart_end);
  return parts;
}

bool IsCrdsFolderPath(std::string_view path) {
  return path.find("/crds/") != std::string_view::npos && path.find("/templates/") == std::string_view::npos;
}

Diagnostics AttributeComponents(std::vector<Document>& docs, Plan& plan) {
  Diagnostics diagnostics;
  bool helm3 = false;
  bool helm4 = false;
  const Document* first_helm3 = nullptr;
  const Document* first_helm4 = nullptr;
  std::string crds_file;
  for (Document& doc : docs) {
    // Helm 3 prints a chart's crds/ files whole under one `# Source:` line;
    // the documents of such a file after that line belong to it too.
    if (doc.origin == Origin::kHelm3Source) {
      crds_file = IsCrdsFolderPath(doc.source_path) ? doc.source_path : std::string();
    } else if (doc.origin == Origin::kNone && !crds_file.empty()) {
      doc.origin = Origin::kHelm3Source;
      doc.source_path = crds_file;
    }
    if (doc.origin == Origin::kHelm3Source) {
      helm3 = true;
      if (first_helm3 == nullptr) first_helm3 = &doc;
    } else if (doc.origin == Origin::kHelm4Annotation) {
      helm4 = true;
      if (first_helm4 == nullptr) first_helm4 = &doc;
    }
    if (doc.source_path.empty()) {
      doc.component = Component::kUnknown;
      continue;
    }
    TemplatePath parts = ParseTemplatePath(doc.source_path);
    if (plan.umbrella_chart.empty() && !parts.umbrella.empty()) plan.umbrella_chart = std::string(parts.umbrella);
    doc.subchart = std::string(parts.subchart);
    if (parts.top_level_subchart.empty()) {
      doc.component = Component::kUmbrella;
    } else if (const ComponentInfo* info = FindComponentByChart(parts.top_level_subchart)) {
      doc.component = info->component;
    } else {
      doc.component = Component::kOtherSubchart;
    }
  }
  if (helm3 && helm4) {
    Diagnostic d = DocumentError(*first_helm3,
                                 fmt::format("the stream mixes Helm 3 `# Source:` comments with Helm 4 filename "
                                             "annotations (first at doc {})",
                                             first_helm4->index),
                                 "pass the output of one helm run; do not concatenate renders of two Helm versions");
    diagnostics.push_back(std::move(d));
  }
  plan.style = helm3 ? StreamStyle::kHelm3 : (helm4 ? StreamStyle::kHelm4 : StreamStyle::kUnknown);
  for (const ComponentInfo& info : ManagedComponents()) plan.Entry(info.component);
  std::size_t objects = 0;
  std::size_t hooks = 0;
  for (const Document& doc : docs) {
    if (!doc.IsObject()) continue;
    ++objects;
    if (doc.is_hook) ++hooks;
    if (doc.component == Component::kUnknown || doc.component == Component::kUmbrella) continue;
    ComponentPlan& entry = plan.Entry(doc.component);
    ++entry.documents;
    if (doc.is_hook) ++entry.hooks;
    entry.rendered = true;
  }
  plan.hooks_only = objects > 0 && hooks == objects;
  return diagnostics;
}

Diagnostics CheckObjectShapes(const std::vector<Document>& docs) {
  Diagnostics diagnostics;
  for (const Document& doc : docs) {
    switch (doc.outline.shape) {
      case DocumentShape::kEmpty:
        continue;
      case DocumentShape::kSequence:
        diagnostics.push_back(DocumentError(doc, "the document is a list, not a Kubernetes object",
                                            "each document must be one object (a mapping with apiVersion, "
                                            "kind and metadata); for many objects use `kind: List` or "
                                            "separate documents with `---`"));
        continue;
      case DocumentShape::kScalar:
        diagnostics.push_back(DocumentError(doc, "the document is a single value, not a Kubernetes object",
                                            "check the template for stray text outside YAML"));
        continue;
      case DocumentShape::kMapping:
        break;
    }
    std::vector<std::string> missing;
    if (doc.ApiVersion().empty()) missing.emplace_back("apiVersion");
    if (doc.Kind().empty()) missing.emplace_back("kind");
    const bool is_list = doc.Kind() == "List" || (doc.Kind().size() > 4 && doc.Kind().substr(doc.Kind().size() - 4) == "List");
    if (doc.Name().empty() && !is_list && !doc.Kind().empty()) missing.emplace_back("metadata.name");
    if (!missing.empty()) {
      diagnostics.push_back(DocumentError(doc, fmt::format("not a Kubernetes object: no {}", fmt::join(missing, ", ")),
                                          "every object needs apiVersion, kind and metadata.name"));
    }
  }
  return diagnostics;
}

}  // namespace dotk8s
