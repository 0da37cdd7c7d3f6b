#ifndef DOTK8S_DRIVER_RELEASE_VALUES_H_
#define DOTK8S_DRIVER_RELEASE_VALUES_H_

#include <string>
#include <string_view>
#include <vector>

#include "core/settings.h"
#include "driver/context.h"
#include "driver/release/setup.h"

namespace dotk8s {

/// The settings (which components are on, their namespaces) as the command
/// line gives them: `helm template --show-only templates/dotk8s-settings.yaml`
/// with the release's flags, so helm merges values.yaml, the profiles, -f and
/// --set exactly as an install does. Returns an exit code.
int ResolveCommandLineSettings(DriverContext& context, const PreparedRelease& prepared, Settings* settings);

/// The settings of the installed release: `helm get values NAME -n NS -a -o
/// json` (a probe; Helm 3.17 and 4), the values the release was computed
/// with, profiles and --set included. `found` false: no such release (not an
/// error). The values may hold Secrets: they are read, never printed; on
/// failure only helm's stderr is shown. Returns an exit code.
int ReadReleaseSettings(DriverContext& context, const PreparedRelease& prepared, bool* found, Settings* settings);

/// Settings from `helm get values -a -o json` output: its `apps` as the
/// settings document would carry them. False with `error` when it does not
/// read (not JSON, no apps, a value of the wrong type).
bool SettingsFromReleaseValues(std::string_view values_json, const std::string& release,
                               const std::string& release_namespace, Settings* settings, std::string* error);

/// "envoyGateway, keda, keda.httpAddon, prometheus on (in envoy-gateway-system,
/// keda, keda, prometheus-system); traefik off"
std::string DescribeComponents(const Settings& settings);

/// Where `command_line` and `release` disagree on a component being on or on
/// its namespace: "keda: off on the command line, on in the release".
std::vector<std::string> SettingsDifferences(const Settings& command_line, const Settings& release);

}  // namespace dotk8s

#endif  // DOTK8S_DRIVER_RELEASE_VALUES_H_
