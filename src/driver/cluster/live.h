#ifndef DOTK8S_DRIVER_CLUSTER_LIVE_H_
#define DOTK8S_DRIVER_CLUSTER_LIVE_H_

// The words for what the driver reads from the cluster and says of it: the
// reads (ClusterRead), their answers (LiveCluster), one line of a check
// (ClusterCheck) and which components are on. verify/ checks with them;
// release/ reads with them before install (foreign_components, crd_ownership).

#include <yaml-cpp/yaml.h>

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "core/settings.h"

namespace dotk8s {

/// The Gateway API bundle Envoy Gateway 1.7.0 ships (its CRDs' annotations
/// gateway.networking.k8s.io/bundle-version and /channel).
inline constexpr std::string_view kGatewayApiBundleVersion = "v1.4.1";
inline constexpr std::string_view kGatewayApiChannel = "experimental";

/// One `kubectl get RESOURCE [-n NS | -A] -o json` that verify makes.
struct ClusterRead {
  std::string resource;    ///< "gateways.gateway.networking.k8s.io"
  std::string namespace_;  ///< empty: cluster-scoped, or all namespaces when `all_namespaces`
  bool all_namespaces = false;
  /// A read that adds a detail, not a contract (the proxy pods): when kubectl
  /// may not list it, the check that needs it warns instead of verify stopping.
  bool optional = false;
  /// Ask for metadata.managedFields too (`--show-managed-fields`): they name
  /// the owner of an object that lacks Helm's marks.
  bool managed_fields = false;
  /// The fields the checks read, as dotted paths below each object
  /// ("spec.listeners"; an array's elements are passed through). apiVersion,
  /// kind and metadata's name, namespace, labels and annotations are always
  /// kept (live_objects.h). Empty: all of it.
  std::vector<std::string> fields{};

  /// "gateways.gateway.networking.k8s.io -n envoy-gateway-system": the key in LiveCluster.
  std::string Key() const;
};

/// What one read returned.
struct LiveList {
  bool served = true;  ///< false: the API server does not serve the resource (its CRD is missing)
  std::string unreadable;  ///< an optional read kubectl could not make: its first line of error
  std::vector<YAML::Node> items;
};

/// Every read's answer, by ClusterRead::Key().
using LiveCluster = std::map<std::string, LiveList>;

enum class CheckStatus { kOk, kWarn, kFail };

/// One line of the report: what was found, what was expected, how to fix it.
/// Warnings are things that are not wiring (a controller not running, pods
/// not ready); failures are broken contracts.
struct ClusterCheck {
  CheckStatus status = CheckStatus::kOk;
  std::string subject;   ///< "Gateway envoy-gateway-system/eg"
  std::string found;
  std::string expected;  ///< empty for ok
  std::string fix;       ///< empty for ok
};

/// Which components are on, from the resolved `apps:` values (the add-on
/// follows KEDA, as dotk8s-post makes it).
struct ComponentSwitches {
  bool envoy_gateway = false;
  bool keda = false;
  bool http_addon = false;
  bool prometheus = false;
  bool traefik = false;
};
ComponentSwitches SwitchesFrom(const Settings& settings);

}  // namespace dotk8s

#endif  // DOTK8S_DRIVER_CLUSTER_LIVE_H_
