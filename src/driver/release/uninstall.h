#ifndef DOTK8S_DRIVER_RELEASE_UNINSTALL_H_
#define DOTK8S_DRIVER_RELEASE_UNINSTALL_H_

#include <string>

#include "driver/context.h"
#include "driver/release/protection.h"
#include "driver/release/setup.h"

namespace dotk8s {

/// `dotk8s uninstall` after its setup: the release's CRDs and namespaces
/// marked helm.sh/resource-policy=keep (ProtectReleaseObjects, `kept` says
/// which), refused when the stored release lacks the mark on some (helm would
/// delete them), then helm uninstall (its output on stdout). Returns an exit code.
int UninstallRelease(DriverContext& context, const PreparedRelease& prepared, const std::string& kubectl,
                     ReleaseKeeps* kept);

}  // namespace dotk8s

#endif  // DOTK8S_DRIVER_RELEASE_UNINSTALL_H_
