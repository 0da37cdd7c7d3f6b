#include "core/component.h"

#include <array>

namespace dotk8s {

namespace {

constexpr std::array<ComponentInfo, 5> kManaged = {{
    {Component::kEnvoyGateway, "gateway-helm", "envoyGateway", "envoy-gateway-system"},
    {Component::kKeda, "keda", "keda", "keda"},
    {Component::kKedaHttpAddon, "keda-add-ons-http", "keda.httpAddon", "keda"},
    {Component::kPrometheus, "kube-prometheus-stack", "prometheus", "prometheus-system"},
    {Component::kTraefik, "traefik", "traefik", "traefik"},
}};

}  // namespace

std::span<const ComponentInfo> ManagedComponents() { return kManaged; }

const ComponentInfo* FindComponentByChart(std::string_view chart) {
  for (const ComponentInfo& info : kManaged) {
    if (info.chart == chart) return &info;
  }
  return nullptr;
}

const ComponentInfo* FindComponent(Component component) {
  for (const ComponentInfo& info : kManaged) {
    if (info.component == component) return &info;
  }
  return nullptr;
}

std::string_view ComponentName(Component component) {
  switch (component) {
    case Component::kUnknown:
      return "unknown";
    case Component::kUmbrella:
      return "umbrella";
    case Component::kOtherSubchart:
      return "other";
    default:
      break;
  }
  const ComponentInfo* info = FindComponent(component);
  return info != nullptr ? info->settings_key : "unknown";
}

Component NamespaceOwner(Component component) {
  return component == Component::kKedaHttpAddon ? Component::kKeda : component;
}

}  // namespace dotk8s
