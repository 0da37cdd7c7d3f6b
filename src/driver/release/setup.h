#ifndef DOTK8S_DRIVER_RELEASE_SETUP_H_
#define DOTK8S_DRIVER_RELEASE_SETUP_H_

#include <string>
#include <string_view>
#include <vector>

#include "driver/context.h"
#include "driver/programs/helm_setup.h"
#include "driver/release/options.h"
#include "driver/release/workspace.h"

namespace dotk8s {

/// Envoy Gateway's namespace: the only release namespace that works under Helm 3.
inline constexpr std::string_view kHelm3ReleaseNamespace = "envoy-gateway-system";
/// The release namespace when -n is not given under Helm 4.
inline constexpr std::string_view kDefaultReleaseNamespace = "dot-system";
inline constexpr std::string_view kDefaultRelease = "dot-apps";

/// Everything a helm call on the umbrella chart needs, settled once.
struct PreparedRelease {
  Workspace workspace;
  HelmInfo helm;
  std::string release;
  std::string release_namespace;
  /// -f and --set arguments for helm, in order: profiles, then -f files, then --set.
  std::vector<std::string> value_args;
  /// The dependency archives in charts/ (checked against Chart.yaml).
  std::vector<std::string> archives;
  WiringInputs wiring;
};

/// Finds the chart (or opens the bundle), checks its dependencies, detects
/// helm, settles release name, namespace and values (under Helm 3: namespace
/// envoy-gateway-system and the helm3 profile, said on stderr; another -n is
/// refused; as the Helm 4 CLI plugin, -n defaults to $HELM_NAMESPACE) and
/// prepares the plugin directories. A helm version that renders the chart
/// wrong (RefusedHelmVersion) is refused before anything else runs. Returns an
/// exit code.
/// `need_dependencies` false (uninstall): the chart's charts/ may be empty.
int PrepareRelease(const ReleaseOptions& options, DriverContext& context, bool need_dependencies,
                   PreparedRelease* prepared);

/// `helm <verb> RELEASE CHART -n NS <values> <extra> <wiring>` with the wiring's environment.
Command HelmReleaseCommand(const PreparedRelease& prepared, std::string_view verb,
                           const std::vector<std::string>& extra_args, bool with_post_renderer);

/// Runs a helm call on the release (a progress line with its purpose first).
/// On success `out` gets helm's stdout and helm's stderr is passed on. On
/// failure nothing of stdout is shown: helm's stderr, or dotk8s-post's own
/// message from its log (ReportHelmFailure). Returns an exit code.
int RunHelm(DriverContext& context, const PreparedRelease& prepared, const Command& command, std::string* out);

}  // namespace dotk8s

#endif  // DOTK8S_DRIVER_RELEASE_SETUP_H_
