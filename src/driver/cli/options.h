#ifndef DOTK8S_DRIVER_CLI_OPTIONS_H_
#define DOTK8S_DRIVER_CLI_OPTIONS_H_

// Each command's flags read once into a typed struct at the top of the
// command; below it only these values travel (release/options.h says why).

#include <optional>
#include <string>
#include <vector>

#include "driver/cli/command_line.h"
#include "driver/release/options.h"

namespace dotk8s {

/// `dotk8s crds list|extract -o DIR|apply [RELEASE] ...`.
struct CrdsOptions {
  std::optional<std::string> action;  ///< the first positional: list, extract or apply
  std::optional<std::string> output;  ///< -o DIR (extract)
  /// apply renders the release as install does; its arguments are those after the action.
  ReleaseOptions release;
};

/// `dotk8s deps`.
struct DepsOptions {
  /// The working chart (--chart): deps completes it; a bundle is only a source.
  WorkspaceOptions workspace;
  std::optional<std::string> bundle;  ///< --bundle FILE: a source of archives
  std::optional<std::string> cache;   ///< --cache DIR
  bool check = false;                 ///< --check
  bool offline = false;               ///< --offline
  std::string helm;                   ///< --helm PATH
};

/// `dotk8s bundle -o FILE | bundle list FILE | bundle verify FILE`.
struct BundleOptions {
  std::vector<std::string> arguments;  ///< list|verify FILE
  std::optional<std::string> output;   ///< -o FILE
  bool no_strip = false;               ///< --no-strip
  WorkspaceOptions workspace;          ///< --chart, --post
};

/// `dotk8s doctor`.
struct DoctorOptions {
  WorkspaceOptions workspace;  ///< --chart, --bundle, --post
  ProgramOptions programs;     ///< --helm, --kubectl, --plugin-dir, --log
};

/// `dotk8s explain`.
struct ExplainOptions {
  ReleaseOptions release;
  bool graph = false;                 ///< --graph
  std::optional<std::string> stream;  ///< --stream FILE
};

/// `dotk8s verify`.
struct VerifyOptions {
  ReleaseOptions release;
  std::string format = "text";  ///< -o text|json, as given
};

/// The parse of each: flag to field, nothing checked (each command checks
/// what it checks where it always did, so its messages come in the same order).
WorkspaceOptions ParseWorkspaceOptions(const CommandLine& line);
ProgramOptions ParseProgramOptions(const CommandLine& line);
ReleaseOptions ParseReleaseOptions(const CommandLine& line);
CrdsOptions ParseCrdsOptions(const CommandLine& line);
DepsOptions ParseDepsOptions(const CommandLine& line);
BundleOptions ParseBundleOptions(const CommandLine& line);
DoctorOptions ParseDoctorOptions(const CommandLine& line);
ExplainOptions ParseExplainOptions(const CommandLine& line);
VerifyOptions ParseVerifyOptions(const CommandLine& line);

}  // namespace dotk8s

#endif  // DOTK8S_DRIVER_CLI_OPTIONS_H_
