#ifndef DOTK8S_DRIVER_RELEASE_PENDING_H_
#define DOTK8S_DRIVER_RELEASE_PENDING_H_

// A release left pending-install, pending-upgrade or pending-rollback by a
// helm that was killed (a cancelled CI job) or lost the API server: Helm then
// refuses every later install, upgrade and rollback of it ("another operation
// (install/upgrade/rollback) is in progress", "cannot re-use a name that is
// still in use"). `dotk8s install` and `upgrade` find it before they change
// anything, explain it, and either refuse or remove the stuck revision's
// storage record (ResolvePendingRelease). Why that is safe: release/pending.cc.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "driver/context.h"
#include "driver/release/options.h"
#include "driver/release/release_history.h"
#include "driver/release/setup.h"

namespace dotk8s {

/// Default of --pending-timeout, in seconds (why this value: release/pending.cc).
inline constexpr std::int64_t kDefaultPendingTimeoutSeconds = 10 * 60;

/// What install and upgrade were told about pending revisions.
struct PendingOptions {
  bool recover = false;  ///< --recover-pending
  std::int64_t timeout_seconds = kDefaultPendingTimeoutSeconds;
  std::string timeout_text = "10m";  ///< as given, for messages
};

/// Reads --recover-pending and --pending-timeout. False with a usage error
/// said on `context` when the duration does not read.
bool ReadPendingOptions(const ReleaseOptions& release_options, const DriverContext& context, PendingOptions* options);

/// The last revision, when it is pending.
struct PendingRevision {
  ReleaseRevision revision;
  std::int64_t age_seconds = 0;  ///< now - updated (negative: helm's clock was ahead)
  bool age_known = false;        ///< `updated` read as a time
  /// The newest revision before it, if helm still stores one: what becomes
  /// current once the pending one is removed.
  std::optional<ReleaseRevision> previous;
};

/// The last of `revisions` if its status is pending-*, with its age at `now`
/// (seconds since the epoch).
std::optional<PendingRevision> FindPendingRevision(const std::vector<ReleaseRevision>& revisions, std::int64_t now);

/// Why a pending revision may be taken as abandoned: "" when it may not.
std::string AbandonedBecause(const PendingRevision& pending, const PendingOptions& options);

/// Where helm keeps its release records ($HELM_DRIVER, as helm reads it).
struct ReleaseStorage {
  std::string resource;  ///< "secrets" or "configmaps"; "" when dotk8s cannot remove a record there
  std::string kind;      ///< "Secret" or "ConfigMap"
  bool persistent = true;  ///< false for HELM_DRIVER=memory: nothing outlives the helm process
  std::string name;        ///< the driver as given, for messages
};
ReleaseStorage StorageOfHelmDriver(std::string_view helm_driver);

/// `helm history RELEASE -n NS -o json --max 5`: the read ResolvePendingRelease makes.
Command ReleaseHistoryCommand(const PreparedRelease& prepared);

/// Helm's storage key of one revision: sh.helm.release.v1.RELEASE.vN.
std::string ReleaseRecordName(std::string_view release, int revision);

/// What ResolvePendingRelease did.
struct PendingOutcome {
  bool found = false;      ///< the last revision was pending
  bool recovered = false;  ///< its record was removed (or would be, under --dry-run)
  /// No revision is left: the release is not installed any more (a removed
  /// pending-install was its only revision), so upgrade must install.
  bool release_gone = false;
};

/// Before install and upgrade change anything: `helm history RELEASE -n NS
/// -o json --max 5` (a probe); no release, or a last revision that is not
/// pending, changes nothing. A pending one is explained (release, revision,
/// status, start and age, the operation, why it blocks helm); then, unless
/// AbandonedBecause says why it may be, refused with kExitFailed and the flag
/// that resolves it. Otherwise its record (a Secret or ConfigMap, by name) is
/// read for its labels owner=helm, name, version and status (metadata only;
/// a probe) and deleted on the condition that it is still exactly that object
/// (uid and resourceVersion as preconditions), and what was done is said in
/// one block. `verb` is "install" or "upgrade". `now` is seconds since the epoch.
int ResolvePendingRelease(DriverContext& context, const PreparedRelease& prepared, const std::string& kubectl,
                          const PendingOptions& options, std::string_view verb, std::int64_t now,
                          PendingOutcome* outcome);

}  // namespace dotk8s

#endif  // DOTK8S_DRIVER_RELEASE_PENDING_H_
