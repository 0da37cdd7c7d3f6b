#ifndef DOTK8S_INJECT_H_
#define DOTK8S_INJECT_H_

#include <map>
#include <string>
#include <vector>

#include <yaml-cpp/yaml.h>

#include "core/diagnostic.h"
#include "core/yaml/document.h"
#include "core/plan.h"
#include "core/settings.h"
#include "core/yaml/yaml_writer.h"

namespace dotk8s {

inline constexpr std::string_view kDefaultControllerName = "gateway.envoyproxy.io/gatewayclass-controller";

/// Labels an object needs so that a LabelSelector (matchLabels and
/// matchExpressions) selects it. Returns false with `why_not` set when no set
/// of labels can satisfy the selector together with those already in `labels`.
bool LabelsForSelector(const YAML::Node& selector, std::map<std::string, std::string>* labels, std::string* why_not);

/// An object dotk8s-post adds, before it becomes a Document.
struct GeneratedObject {
  JsonValue object;
  std::string file;    ///< template-like name: "dotk8s-post/gateway.yaml"
  std::string reason;  ///< for the plan
};

/// The generated object as a document of the stream, with the origin marker
/// the stream's Helm version uses, so that Helm tracks it (and `helm template
/// -s` finds it): Helm 3's `# Source:` line or Helm 4's filename annotation.
Document ToDocument(GeneratedObject generated, StreamStyle style, std::string_view umbrella_chart, std::size_t index);

/// Standard labels for what dotk8s-post injects.
JsonValue InjectedLabels(std::string_view name, std::string_view component, const Settings& settings,
                         const Plan& plan);

/// Adds what ties the components together, each only when its condition holds
/// on what was rendered: GatewayClass and Gateway `eg` (Envoy Gateway on),
/// PodMonitor `envoy-gateway-proxy` (Envoy Gateway and kube-prometheus-stack),
/// ReferenceGrant `keda-interceptor` (KEDA, its HTTP add-on and Envoy Gateway),
/// and Namespace objects for the components' namespaces (first in the output).
/// An object the stream already holds is not injected again.
Diagnostics InjectObjects(std::vector<Document>& docs, const Settings& settings, Plan& plan);

}  // namespace dotk8s

#endif  // DOTK8S_INJECT_H_
