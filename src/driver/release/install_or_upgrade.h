#ifndef DOTK8S_DRIVER_RELEASE_INSTALL_OR_UPGRADE_H_
#define DOTK8S_DRIVER_RELEASE_INSTALL_OR_UPGRADE_H_

#include <string_view>

#include "driver/context.h"
#include "driver/release/options.h"

namespace dotk8s {

/// `dotk8s install` and `upgrade` (and the upgrade `rollback` runs): the
/// setup (PrepareRelease), the planning render, pending revisions resolved,
/// another installation's components refused, the CRDs settled, under upgrade
/// the release's CRDs and namespaces protected, the namespaces and CRDs
/// applied, then helm install or upgrade with --skip-crds and
/// apps.createNamespaces=false (helm's output on stdout). `verb` is "install"
/// or "upgrade"; an upgrade whose release a recovered pending-install left
/// without revisions installs. Returns an exit code.
int InstallOrUpgradeRelease(std::string_view verb, const ReleaseOptions& options, DriverContext& context);

}  // namespace dotk8s

#endif  // DOTK8S_DRIVER_RELEASE_INSTALL_OR_UPGRADE_H_
