#ifndef DOTK8S_DRIVER_RELEASE_OPTIONS_H_
#define DOTK8S_DRIVER_RELEASE_OPTIONS_H_

// What the user asked of a release, as plain values: filled once from the
// command line at the top of a command (cli/options.h), then passed down, as
// Helm's action.Install{Namespace, Wait, ...} is. Nothing below the command
// files reads the command line itself. --dry-run and --timings are not here:
// RunDriver (commands/table.cc) settles them for every command
// (context.dry_run, the runner).

#include <optional>
#include <string>
#include <vector>

namespace dotk8s {

/// Where a command's chart and dotk8s-post come from.
struct WorkspaceOptions {
  std::string chart;                  ///< --chart DIR; "": the usual places
  std::optional<std::string> bundle;  ///< --bundle FILE
  std::string post;                   ///< --post PATH; "": beside dotk8s, then PATH
};

/// The outside programs a command runs, and dotk8s-post's log.
struct ProgramOptions {
  std::string helm;                ///< --helm PATH; "": the usual places
  std::string kubectl;             ///< --kubectl PATH; "": the usual places
  std::string plugin_dir;          ///< --plugin-dir DIR; "": kept by dotk8s
  std::optional<std::string> log;  ///< --log FILE
};

/// template, install, upgrade, uninstall, rollback, and the commands that
/// render the release as they do (crds apply, explain, verify).
struct ReleaseOptions {
  std::vector<std::string> arguments;            ///< the positionals: [RELEASE]
  std::optional<std::string> release_namespace;  ///< -n NS
  std::vector<std::string> values_files;         ///< -f FILE, in order
  std::vector<std::string> sets;                 ///< --set K=V, in order
  std::vector<std::string> profiles;             ///< --profile NAME, in order
  WorkspaceOptions workspace;                    ///< --chart, --bundle, --post
  ProgramOptions programs;                       ///< --helm, --kubectl, --plugin-dir, --log
  bool take_over_crds = false;                   ///< --take-over-crds
  bool recover_pending = false;                  ///< --recover-pending
  /// --pending-timeout as given; read (and refused when it is no duration)
  /// where install and upgrade need it (ReadPendingOptions).
  std::optional<std::string> pending_timeout;
  /// Set by `dotk8s rollback` on the upgrade it runs, never on a command line:
  /// helm upgrade gets --reset-values, so the target revision's values alone
  /// count and nothing of the current revision's is reused.
  bool reset_values = false;
};

}  // namespace dotk8s

#endif  // DOTK8S_DRIVER_RELEASE_OPTIONS_H_
