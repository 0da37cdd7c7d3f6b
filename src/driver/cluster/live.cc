#include "driver/cluster/live.h"

namespace dotk8s {

std::string ClusterRead::Key() const {
  if (all_namespaces) return resource + " -A";
  return namespace_.empty() ? resource : resource + " -n " + namespace_;
}

ComponentSwitches SwitchesFrom(const Settings& settings) {
  ComponentSwitches on;
  on.envoy_gateway = settings.envoy_gateway.enabled.value_or(true);
  on.keda = settings.keda.enabled.value_or(true);
  on.http_addon = on.keda && settings.keda.http_addon.enabled.value_or(true);
  on.prometheus = settings.prometheus.enabled.value_or(true);
  on.traefik = settings.traefik.enabled.value_or(false);
  return on;
}

}  // namespace dotk8s
