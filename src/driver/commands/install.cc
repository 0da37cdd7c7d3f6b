// dotk8s install: namespaces and CRDs, then helm install through dotk8s-post
// (the steps: release/install_or_upgrade.h).
#include "driver/cli/options.h"
#include "driver/commands/table.h"
#include "driver/release/install_or_upgrade.h"

namespace dotk8s {

int RunInstallCommand(std::string_view /*name*/, const CommandLine& line, DriverContext& context) {
  return InstallOrUpgradeRelease("install", ParseReleaseOptions(line), context);
}

}  // namespace dotk8s
