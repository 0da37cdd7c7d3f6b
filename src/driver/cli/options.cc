#include "driver/cli/options.h"

namespace dotk8s {
namespace {

// The last value of a flag that was given; nullopt when it was not.
std::optional<std::string> Given(const CommandLine& line, std::string_view name) {
  if (!line.Has(name)) return std::nullopt;
  return line.Value(name);
}

}  // namespace

WorkspaceOptions ParseWorkspaceOptions(const CommandLine& line) {
  return {.chart = line.Value("chart"), .bundle = Given(line, "bundle"), .post = line.Value("post")};
}

ProgramOptions ParseProgramOptions(const CommandLine& line) {
  return {.helm = line.Value("helm"),
          .kubectl = line.Value("kubectl"),
          .plugin_dir = line.Value("plugin-dir"),
          .log = Given(line, "log")};
}

ReleaseOptions ParseReleaseOptions(const CommandLine& line) {
  return {.arguments = line.positionals,
          .release_namespace = Given(line, "namespace"),
          .values_files = line.Values("values"),
          .sets = line.Values("set"),
          .profiles = line.Values("profile"),
          .workspace = ParseWorkspaceOptions(line),
          .programs = ParseProgramOptions(line),
          .take_over_crds = line.Has("take-over-crds"),
          .recover_pending = line.Has("recover-pending"),
          .pending_timeout = Given(line, "pending-timeout")};
}

CrdsOptions ParseCrdsOptions(const CommandLine& line) {
  CrdsOptions options{.action = std::nullopt, .output = Given(line, "output"), .release = ParseReleaseOptions(line)};
  if (!line.positionals.empty()) {
    options.action = line.positionals[0];
    options.release.arguments.erase(options.release.arguments.begin());  // a release name may follow
  }
  return options;
}

DepsOptions ParseDepsOptions(const CommandLine& line) {
  // The working chart alone: the bundle is a source, not the workspace.
  WorkspaceOptions workspace = ParseWorkspaceOptions(line);
  workspace.bundle.reset();
  return {.workspace = workspace,
          .bundle = Given(line, "bundle"),
          .cache = Given(line, "cache"),
          .check = line.Has("check"),
          .offline = line.Has("offline"),
          .helm = line.Value("helm")};
}

BundleOptions ParseBundleOptions(const CommandLine& line) {
  return {.arguments = line.positionals,
          .output = Given(line, "output"),
          .no_strip = line.Has("no-strip"),
          .workspace = ParseWorkspaceOptions(line)};
}

DoctorOptions ParseDoctorOptions(const CommandLine& line) {
  return {.workspace = ParseWorkspaceOptions(line), .programs = ParseProgramOptions(line)};
}

ExplainOptions ParseExplainOptions(const CommandLine& line) {
  return {.release = ParseReleaseOptions(line), .graph = line.Has("graph"), .stream = Given(line, "stream")};
}

VerifyOptions ParseVerifyOptions(const CommandLine& line) {
  return {.release = ParseReleaseOptions(line), .format = line.Value("output", "text")};
}

}  // namespace dotk8s
