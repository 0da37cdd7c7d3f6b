#ifndef DOTK8S_ATTRIBUTE_H_
#define DOTK8S_ATTRIBUTE_H_

#include <string_view>
#include <vector>

#include "core/diagnostic.h"
#include "core/yaml/document.h"
#include "core/plan.h"

namespace dotk8s {

/// The parts of a template path: "dot-apps/charts/kube-prometheus-stack/charts/grafana/templates/x.yaml"
/// has umbrella "dot-apps", subchart "kube-prometheus-stack/charts/grafana" and
/// top-level subchart "kube-prometheus-stack".
struct TemplatePath {
  std::string_view umbrella;
  std::string_view subchart;            ///< empty for the umbrella's own templates
  std::string_view top_level_subchart;  ///< the component is decided by this one
};

TemplatePath ParseTemplatePath(std::string_view path);

/// True for a file of a chart's crds/ folder, which Helm installs before the
/// release (and never upgrades), as opposed to a template.
bool IsCrdsFolderPath(std::string_view path);

/// Sets each document's component from its origin path; records the stream
/// style (Helm 3 or 4), the umbrella chart's name and the per-component counts.
/// Documents without an origin marker are `unknown` and stay where they are.
Diagnostics AttributeComponents(std::vector<Document>& docs, Plan& plan);

/// Errors for documents that are not Kubernetes objects: a sequence or scalar
/// at the top, or a mapping without apiVersion, kind or metadata.name.
Diagnostics CheckObjectShapes(const std::vector<Document>& docs);

}  // namespace dotk8s

#endif  // DOTK8S_ATTRIBUTE_H_
