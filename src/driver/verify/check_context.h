#ifndef DOTK8S_DRIVER_VERIFY_CHECK_CONTEXT_H_
#define DOTK8S_DRIVER_VERIFY_CHECK_CONTEXT_H_

// What every component's checks share: the names of the lists verify reads,
// the accessors of live objects, label selectors as text, the Reader over the
// live cluster, the Report the checks add their lines to, and the two checks
// more than one component makes (a Service's port, an object that must be
// gone). Only the files of src/driver/verify/ include this; commands include
// checks.h.

#include <yaml-cpp/yaml.h>

#include <initializer_list>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "core/settings.h"
#include "driver/verify/checks.h"

namespace dotk8s::verify {

inline constexpr std::string_view kCrds = "customresourcedefinitions.apiextensions.k8s.io";
inline constexpr std::string_view kNamespaces = "namespaces";
inline constexpr std::string_view kGatewayClasses = "gatewayclasses.gateway.networking.k8s.io";
inline constexpr std::string_view kGateways = "gateways.gateway.networking.k8s.io";
inline constexpr std::string_view kHttpRoutes = "httproutes.gateway.networking.k8s.io";
inline constexpr std::string_view kReferenceGrants = "referencegrants.gateway.networking.k8s.io";
inline constexpr std::string_view kPodMonitors = "podmonitors.monitoring.coreos.com";
inline constexpr std::string_view kPrometheuses = "prometheuses.monitoring.coreos.com";
inline constexpr std::string_view kServices = "services";
inline constexpr std::string_view kDeployments = "deployments.apps";
inline constexpr std::string_view kPods = "pods";

/// The HTTP add-on's interceptor Service: the KEDA checks and the ReferenceGrant's.
inline constexpr std::string_view kInterceptorService = "keda-add-ons-http-interceptor-proxy";

inline constexpr std::string_view kUpgradeFix =
    "run `dotk8s upgrade` with the release's flags: it re-applies what the release renders";

/// An absent node: yaml-cpp's YAML::Node() is a defined null that tests true.
YAML::Node Missing();

/// The scalar at `path` below `node`; empty when any step is missing or not a scalar.
std::string Field(const YAML::Node& node, std::initializer_list<std::string_view> path);
std::string Name(const YAML::Node& item);
std::string NamespaceOf(const YAML::Node& item);

/// A map of scalars (labels, matchLabels); a value that is not a scalar is "".
std::map<std::string, std::string> StringMap(const YAML::Node& node);
std::map<std::string, std::string> Labels(const YAML::Node& item);

/// "a=1,b=2", or "no labels".
std::string FormatLabels(const std::map<std::string, std::string>& labels);
std::string FormatSelector(const YAML::Node& selector);

/// The status condition of `type` of `item`, or Missing().
YAML::Node ConditionOf(const YAML::Node& item, std::string_view type);

/// The live cluster as the checks read it, for one release.
struct Reader {
  const Settings& settings;
  const LiveCluster& live;
  const std::string& release;
  bool helm_release;

  /// Whether `item` is this release's: Helm's ownership marks when Helm
  /// stores the release; without a Helm release (applied from `dotk8s
  /// template`, the GitOps route) the charts' instance label, or Helm's marks
  /// left by a release whose record is gone.
  bool Owned(const YAML::Node& item) const;

  const LiveList* List(std::string_view resource, const std::string& ns = {}, bool all = false) const;
  std::vector<YAML::Node> Items(std::string_view resource, const std::string& ns = {}, bool all = false) const;
  YAML::Node Find(std::string_view resource, const std::string& ns, std::string_view name) const;
};

/// The checks' lines, in the order they are added.
struct Report {
  std::vector<ClusterCheck> checks;
  void Ok(std::string subject, std::string found);
  void Warn(std::string subject, std::string found, std::string expected, std::string fix);
  void Fail(std::string subject, std::string found, std::string expected, std::string fix);
};

/// Service `ns`/`name` exists and has `port`. `role` (empty: none) is said
/// beside the port expected of a Service that does not exist.
void CheckService(const Reader& reader, const std::string& ns, std::string_view name, std::string_view port,
                  std::string_view role, Report* report);

/// For a component that is off: `name` (of `resource`, in `ns`) is absent. One
/// the release owns fails with a fix that deletes it; another's is named with
/// its owner and left alone.
void ExpectAbsent(const Reader& reader, std::string_view resource, const std::string& ns, std::string_view name,
                  std::string subject, std::string why, Report* report);

}  // namespace dotk8s::verify

#endif  // DOTK8S_DRIVER_VERIFY_CHECK_CONTEXT_H_
