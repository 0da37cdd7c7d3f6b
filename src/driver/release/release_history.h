#ifndef DOTK8S_DRIVER_RELEASE_RELEASE_HISTORY_H_
#define DOTK8S_DRIVER_RELEASE_RELEASE_HISTORY_H_

// A release's revisions as `helm history -o json` lists them, and the times
// and durations helm and the user write (pending revisions, rollback).

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "driver/context.h"
#include "driver/programs/process_runner.h"

namespace dotk8s {

/// One revision as `helm history RELEASE -n NS -o json` lists it (Helm 3 and 4 alike).
struct ReleaseRevision {
  int revision = 0;
  std::string updated;  ///< RFC 3339, as helm wrote it: when the operation started, for a pending one
  std::string status;   ///< deployed, superseded, failed, pending-install, ...
  std::string chart;
  std::string description;
};

/// Parses `helm history -o json` (a JSON array, oldest first). False with
/// `error` when it is not that.
bool ReadReleaseHistory(std::string_view json, std::vector<ReleaseRevision>* revisions, std::string* error);

/// Seconds since the epoch of an RFC 3339 time ("2026-12-07T15:01:43.536Z",
/// "...+01:00"); fractions are dropped. Nullopt when it is not one.
std::optional<std::int64_t> ParseRfc3339(std::string_view text);

/// Seconds of a duration written as Go writes them: "90s", "10m", "1h30m", "0".
/// Nullopt when it is not one.
std::optional<std::int64_t> ParseDuration(std::string_view text);

/// "2h5m", "4m12s", "37s": an age for people.
std::string FormatDuration(std::int64_t seconds);

/// Runs `history` (helm history RELEASE ... -o json, a probe) and reads its
/// revisions. `installed` false, and kExitOk, when helm says the release is
/// not found; on any other failure its stderr and an error. Returns an exit code.
int ReadReleaseRevisions(DriverContext& context, const Command& history, const std::string& release,
                         bool* installed, std::vector<ReleaseRevision>* revisions);

}  // namespace dotk8s

#endif  // DOTK8S_DRIVER_RELEASE_RELEASE_HISTORY_H_
