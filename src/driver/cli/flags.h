#ifndef DOTK8S_DRIVER_CLI_FLAGS_H_
#define DOTK8S_DRIVER_CLI_FLAGS_H_

// The flags several commands share, each defined once: the command table
// (commands/table.cc) lists them beside each command's own; cli/options.cc
// reads them all into each command's options. Below cli/ nothing sees a flag,
// only the options' values.
#include <vector>

#include "driver/cli/command_line.h"

namespace dotk8s {

/// Flags several commands share, each defined once (ReleaseFlags and the
/// other commands' lists are built from these).
namespace shared_flags {
inline constexpr FlagSpec kChart{"chart", "", true, "DIR", "the umbrella chart (default: charts/dot-apps)"};
inline constexpr FlagSpec kBundle{"bundle", "", true, "FILE", "use a bundle made by `dotk8s bundle` (verified first)"};
inline constexpr FlagSpec kHelm{"helm", "", true, "PATH", "helm to run (default: $DOTK8S_HELM, $HELM_BIN, helm on PATH)"};
inline constexpr FlagSpec kKubectl{"kubectl", "", true, "PATH", "kubectl to run (default: $DOTK8S_KUBECTL, kubectl on PATH)"};
inline constexpr FlagSpec kPost{"post", "", true, "PATH", "dotk8s-post to use (default: beside dotk8s, then PATH)"};
inline constexpr FlagSpec kPluginDir{"plugin-dir", "", true, "DIR",
                                     "Helm 4 plugin directory holding dotk8s-post/ (default: kept by dotk8s)"};
inline constexpr FlagSpec kLog{"log", "", true, "FILE", "dotk8s-post's log (default: its own default)"};
inline constexpr FlagSpec kDryRun{"dry-run", "", false, "",
                                  "print every command instead of running those that change anything"};
inline constexpr FlagSpec kTimings{"timings", "", false, "",
                                   "print on stderr how long each program took (helm, kubectl) and the total"};
}  // namespace shared_flags

/// The flags every command that runs helm on the chart takes.
std::vector<FlagSpec> ReleaseFlags();

/// install, upgrade and `crds apply`: apply the chart's CRDs also over those
/// another owner manages.
inline constexpr FlagSpec kTakeOverCrdsFlag{
    "take-over-crds", "", false, "",
    "apply the charts' CRDs also where another owner manages them (another field manager, another Helm release): "
    "without it those are left alone when they serve what the release needs, else refused"};

/// The flags install and upgrade take for a pending release.
namespace pending_flags {
inline constexpr FlagSpec kRecoverPending{
    "recover-pending", "", false, "",
    "take a pending-install/upgrade/rollback revision as abandoned whatever its age (no other helm runs on it)"};
inline constexpr FlagSpec kPendingTimeout{
    "pending-timeout", "", true, "DURATION",
    "a pending revision older than this is taken as abandoned (default 10m; e.g. 90s, 15m, 1h)"};
}  // namespace pending_flags

}  // namespace dotk8s

#endif  // DOTK8S_DRIVER_CLI_FLAGS_H_
