// dotk8s deps: make charts/<umbrella>/charts/ complete, from a bundle, a chart
// cache, or `helm dependency build`, and check every archive's own Chart.yaml.
#include <fmt/format.h>
#include <fmt/ranges.h>

#include <filesystem>

#include "driver/bundles/dependencies.h"
#include "driver/cli/options.h"
#include "driver/commands/table.h"
#include "driver/programs/helm_setup.h"
#include "driver/programs/locations.h"
#include "driver/release/workspace.h"

namespace dotk8s {
namespace fs = std::filesystem;
namespace {

void PrintStatuses(const DriverContext& context, const std::vector<DependencyStatus>& statuses) {
  for (const DependencyStatus& status : statuses) {
    if (status.Ok()) {
      *context.out << fmt::format("ok       {:<24} {:<8} charts/{}\n", status.pinned.name, status.pinned.version,
                                  fs::path(status.archive).filename().string());
    } else {
      *context.out << fmt::format("missing  {:<24} {:<8} {}\n", status.pinned.name, status.pinned.version,
                                  fmt::join(status.problems, "; "));
    }
  }
}

// Copies the archive of `pinned` from `source_dir` if it is there and really is
// that chart at that version. Archives of the same chart at other versions go.
bool CopyFromSource(const DriverContext& context, const std::string& source_dir, const std::string& chart_dir,
                    const DependencyStatus& status, std::string* note) {
  const std::string candidate = source_dir + "/" + status.pinned.ArchiveName();
  if (!IsFile(candidate)) return false;
  ChartIdentity identity;
  std::string error;
  if (!ReadChartIdentity(candidate, &identity, &error)) {
    *note = fmt::format("{}: {}", candidate, error);
    return false;
  }
  if (identity.name != status.pinned.name || identity.version != status.pinned.version) {
    *note = fmt::format("{} holds {} {}, not {} {}", candidate, identity.name, identity.version, status.pinned.name,
                        status.pinned.version);
    return false;
  }
  const std::string target = chart_dir + "/charts/" + status.pinned.ArchiveName();
  if (context.dry_run) {
    *context.out << fmt::format("cp {} {}\n", candidate, target);
    return true;
  }
  std::error_code ec;
  fs::create_directories(chart_dir + "/charts", ec);
  for (const std::string& wrong : status.wrong_archives) {
    context.Say(fmt::format("removing {} (not the pinned version)", wrong));
    fs::remove(wrong, ec);
  }
  fs::copy_file(candidate, target, fs::copy_options::overwrite_existing, ec);
  if (ec) {
    *note = fmt::format("cannot copy {} to {}: {}", candidate, target, ec.message());
    return false;
  }
  context.Progress(fmt::format("copied {}", status.pinned.ArchiveName()));
  return true;
}

// The charts/ folder of the bundle's chart, when --bundle is given (verified
// and extracted first); "" without one. Returns an exit code.
int OpenBundleCharts(const DriverContext& context, const DepsOptions& options, std::string* bundle_charts) {
  if (!options.bundle) return kExitOk;
  std::string root;
  int code = OpenBundle(context, *options.bundle, &root);
  if (code != kExitOk) return code;
  std::error_code ec;
  for (const fs::directory_entry& entry : fs::directory_iterator(root + "/chart", ec)) {
    if (IsDirectory(entry.path().string() + "/charts")) *bundle_charts = entry.path().string() + "/charts";
  }
  return kExitOk;
}

// Each archive that is not right, from the first of `sources` that has it;
// what was wrong with a source's copy is said after.
void CopyFromSources(const DriverContext& context, const std::vector<std::string>& sources,
                     const std::string& chart_dir, const std::vector<DependencyStatus>& statuses) {
  std::vector<std::string> notes;
  for (const DependencyStatus& status : statuses) {
    if (status.Ok()) continue;
    for (const std::string& source : sources) {
      std::string note;
      if (CopyFromSource(context, source, chart_dir, status, &note)) break;
      if (!note.empty()) notes.push_back(note);
    }
  }
  for (const std::string& note : notes) context.Say(note);
}

// Last resort: the network.
void FetchWithHelm(const DriverContext& context, const DepsOptions& options, const std::string& chart_dir) {
  context.Progress("fetching the missing charts with helm dependency build");
  Command build;
  build.argv = {HelmProgram(context, options.helm), "dependency", "build", chart_dir};
  build.env = {{"HELM_PLUGINS", PrepareHelm3PluginDir(context)}};
  build.is_action = true;
  build.purpose = "helm dependency build";
  ProcessResult result = context.runner->Run(build);
  if (!result.Ok() && !result.skipped) {
    std::string first_line = result.start_error.empty() ? result.err.substr(0, result.err.find('\n'))
                                                        : result.start_error;
    context.Say(fmt::format("helm dependency build failed: {}", first_line));
  }
}

// What is still missing, and where to put it. Returns kExitMissing.
int SayStillMissing(const DriverContext& context, const std::vector<DependencyStatus>& statuses,
                    const std::string& cache) {
  std::vector<std::string> wanted;
  for (const DependencyStatus& status : statuses) {
    if (!status.Ok()) wanted.push_back(status.pinned.ArchiveName());
  }
  context.Error(
      fmt::format("cannot complete the chart's dependencies: {} not in the chart cache {} and not fetchable (no "
                  "network?)",
                  fmt::join(wanted, ", "), cache),
      fmt::format("copy the pinned archives ({}) into {} (or pass --cache DIR), or use `dotk8s deps --bundle FILE` "
                  "with a bundle made by `dotk8s bundle` on a machine that has them",
                  fmt::join(wanted, ", "), cache));
  return kExitMissing;
}

}  // namespace

int RunDepsCommand(std::string_view, const CommandLine& line, DriverContext& context) {
  const DepsOptions options = ParseDepsOptions(line);
  // The working chart is completed; a bundle is only a source of archives.
  Workspace workspace;
  int code = OpenWorkspace(context, options.workspace, /*need_post=*/false, &workspace);
  if (code != kExitOk) return code;
  std::string bundle_charts;
  code = OpenBundleCharts(context, options, &bundle_charts);
  if (code != kExitOk) return code;
  std::vector<PinnedDependency> pinned;
  std::string error;
  if (!ReadPinnedDependencies(workspace.chart_dir, &pinned, &error)) {
    context.Error(error);
    return kExitMissing;
  }
  std::vector<DependencyStatus> statuses = CheckDependencies(workspace.chart_dir, pinned);
  if (options.check || AllDependenciesOk(statuses)) {
    PrintStatuses(context, statuses);
    return AllDependenciesOk(statuses) ? kExitOk : kExitMissing;
  }

  // From the bundle's chart or the cache, whichever has it.
  std::vector<std::string> sources;
  if (!bundle_charts.empty()) sources.push_back(bundle_charts);
  const std::string cache = options.cache.value_or(DefaultChartCache(context));
  sources.push_back(cache);
  CopyFromSources(context, sources, workspace.chart_dir, statuses);
  if (!context.dry_run) statuses = CheckDependencies(workspace.chart_dir, pinned);
  if (!AllDependenciesOk(statuses) && !options.offline) {
    FetchWithHelm(context, options, workspace.chart_dir);
    if (!context.dry_run) statuses = CheckDependencies(workspace.chart_dir, pinned);
  }
  if (context.dry_run) return kExitOk;
  PrintStatuses(context, statuses);
  if (AllDependenciesOk(statuses)) return kExitOk;
  return SayStillMissing(context, statuses, cache);
}

}  // namespace dotk8s
