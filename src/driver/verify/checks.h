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
#include "driver/cluster/live.h"

namespace dotk8s {

/// The Deployments the chart of `component` ("keda", "keda.httpAddon",
/// "prometheus", "envoyGateway", "traefik") makes, for release `release`.
std::vector<std::string> ComponentDeploymentNames(std::string_view component, const std::string& release);

/// The reads CheckCluster needs for these settings, in the order they are made.
std::vector<ClusterRead> ReadsNeeded(const Settings& settings);

/// README "The contracts" against the live objects, for release `release`
/// (in settings.release_namespace): the components that are on are wired, the
/// ones that are off left nothing. Only objects that carry the release's
/// ownership marks (cluster/ownership.h) are reported as left behind, with a
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
