#ifndef DOTK8S_DRIVER_VERIFY_CHECKS_H_
#define DOTK8S_DRIVER_VERIFY_CHECKS_H_

// verify's checks, the one header the commands include. Defined across
// src/driver/verify/: checks.cc (the reads, which checks run), one
// *_checks.cc per component and per wiring between them, check_context.cc
// (what they share, SelectorSelects), report.cc (the text and the JSON).

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

/// The Deployments the chart of `component` ("keda", "keda.httpAddon",
/// "prometheus", "envoyGateway", "traefik") makes, for release `release`.
std::vector<std::string> ComponentDeploymentNames(std::string_view component, const std::string& release);

/// The reads CheckCluster needs for these settings, in the order they are made.
std::vector<ClusterRead> ReadsNeeded(const Settings& settings);

/// README "The contracts" against the live objects, for release `release`
/// (in settings.release_namespace): the components that are on are wired, the
/// ones that are off left nothing. Only objects that carry the release's
/// ownership marks (release_ownership.h) are reported as left behind, with a
/// fix that deletes them; one of a known name that is not the release's is
/// named with its owner and left alone. `helm_release` false: Helm stores no
/// such release (applied from `dotk8s template`): the release's objects are
/// those with the charts' label app.kubernetes.io/instance=RELEASE (or Helm's
/// marks of a release whose record is gone).
std::vector<ClusterCheck> CheckCluster(const Settings& settings, const std::string& release, const LiveCluster& live,
                                       bool helm_release = true);

/// The report as text (one block per check, then a summary line) and as a JSON array.
std::string FormatChecksText(const std::vector<ClusterCheck>& checks);
std::string FormatChecksJson(const std::vector<ClusterCheck>& checks);

/// Whether a Kubernetes LabelSelector (matchLabels, matchExpressions) selects
/// `labels`. An empty selector selects everything.
bool SelectorSelects(const YAML::Node& selector, const std::map<std::string, std::string>& labels);

}  // namespace dotk8s

#endif  // DOTK8S_DRIVER_VERIFY_CHECKS_H_
