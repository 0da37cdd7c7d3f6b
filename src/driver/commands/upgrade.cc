// dotk8s upgrade: the release's CRDs and namespaces protected, namespaces and
// CRDs applied (server-side, so they upgrade), then helm upgrade through
// dotk8s-post (the steps: release/install_or_upgrade.h).
#include "driver/cli/options.h"
#include "driver/commands/table.h"
#include "driver/release/install_or_upgrade.h"

namespace dotk8s {

int RunUpgradeCommand(std::string_view /*name*/, const CommandLine& line, DriverContext& context) {
  return InstallOrUpgradeRelease("upgrade", ParseReleaseOptions(line), context);
}

}  // namespace dotk8s
