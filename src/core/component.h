#ifndef DOTK8S_COMPONENT_H_
#define DOTK8S_COMPONENT_H_

#include <span>
#include <string_view>

namespace dotk8s {

/// What a document belongs to. The HTTP add-on is its own component because
/// its condition differs (it follows KEDA), but it lives in KEDA's namespace.
enum class Component {
  kUnknown,        ///< no origin marker: not rendered by a chart we know of
  kUmbrella,       ///< the umbrella chart's own templates
  kEnvoyGateway,   ///< gateway-helm
  kKeda,           ///< keda
  kKedaHttpAddon,  ///< keda-add-ons-http
  kPrometheus,     ///< kube-prometheus-stack and its own subcharts
  kTraefik,        ///< traefik
  kOtherSubchart,  ///< a subchart of the umbrella that is none of the above
};

/// The fixed facts about a component the product manages.
struct ComponentInfo {
  Component component;
  std::string_view chart;              ///< subchart directory name: "gateway-helm"
  std::string_view settings_key;       ///< key under `apps`: "envoyGateway"
  std::string_view default_namespace;  ///< the contract's namespace
};

/// The five managed subcharts, in the order they are reported.
std::span<const ComponentInfo> ManagedComponents();

/// The managed component rendered by subchart `chart`, or nullptr.
const ComponentInfo* FindComponentByChart(std::string_view chart);

const ComponentInfo* FindComponent(Component component);

/// "envoyGateway", "umbrella", "unknown", ...: how messages and the plan name it.
std::string_view ComponentName(Component component);

/// The component whose namespace `component` lives in (the add-on lives in KEDA's).
Component NamespaceOwner(Component component);

}  // namespace dotk8s

#endif  // DOTK8S_COMPONENT_H_
