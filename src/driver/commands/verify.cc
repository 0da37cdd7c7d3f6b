// dotk8s verify: is the layer wired on the live cluster? Which components are
// on comes from the installed release (helm get values -a: what the cluster
// was given); only when there is no release (a GitOps route, nothing
// installed yet) from the command line, resolved by helm itself. The live
// objects come from kubectl get -o json.
#include <fmt/format.h>
#include <fmt/ranges.h>

#include "core/settings.h"
#include "driver/cli/options.h"
#include "driver/cluster/reads.h"
#include "driver/commands/table.h"
#include "driver/programs/locations.h"
#include "driver/release/setup.h"
#include "driver/release/values.h"
#include "driver/verify/checks.h"

namespace dotk8s {
namespace {

// Whether the user gave values on the command line (the helm3 profile the
// driver adds under Helm 3 is not the user's).
bool GaveValues(const ReleaseOptions& options) {
  return !options.profiles.empty() || !options.values_files.empty() || !options.sets.empty();
}

// Settles which components are on and says where that came from: the report's
// first lines, in text and JSON alike. `released`: Helm stores the release.
// Returns an exit code.
int SettleSettings(const ReleaseOptions& options, DriverContext& context, const PreparedRelease& prepared,
                   Settings* settings, bool* released, std::vector<ClusterCheck>* source_checks) {
  Settings from_release;
  int code = ReadReleaseSettings(context, prepared, released, &from_release);
  if (code != kExitOk) return code;
  const std::string release = fmt::format("release {} in {}", prepared.release, prepared.release_namespace);
  if (!*released) {
    code = ResolveCommandLineSettings(context, prepared, settings);
    if (code != kExitOk) return code;
    source_checks->push_back({CheckStatus::kOk, "components",
                              fmt::format("{} (from the command line: no Helm {})", DescribeComponents(*settings),
                                          release),
                              {}, {}});
    return kExitOk;
  }
  *settings = from_release;
  source_checks->push_back({CheckStatus::kOk, "components",
                            fmt::format("{} (from {}: helm get values -a)", DescribeComponents(*settings), release),
                            {}, {}});
  if (!GaveValues(options)) return kExitOk;
  // The release wins: it is what the cluster was given. The command line is
  // still resolved, to say where it would differ (a forgotten --profile, a
  // --set not yet upgraded).
  Settings from_command_line;
  code = ResolveCommandLineSettings(context, prepared, &from_command_line);
  if (code != kExitOk) return code;
  if (context.dry_run) return kExitOk;
  const std::vector<std::string> differences = SettingsDifferences(from_command_line, from_release);
  if (!differences.empty()) {
    source_checks->push_back(
        {CheckStatus::kWarn, "command line and " + release, fmt::format("{}", fmt::join(differences, "; ")),
         "the command line's --profile/-f/--set agree with the release's values (verify checks the release's)",
         fmt::format("to verify what the cluster has, leave them off; to give the cluster these values, run "
                     "`dotk8s upgrade` with them")});
  }
  return kExitOk;
}

}  // namespace

int RunVerifyCommand(std::string_view, const CommandLine& line, DriverContext& context) {
  const VerifyOptions options = ParseVerifyOptions(line);
  const std::string& format = options.format;
  if (format != "text" && format != "json") {
    context.Error(fmt::format("unknown output format {}", format), "-o text (the default) or -o json");
    return kExitUsage;
  }
  PreparedRelease prepared;
  int code = PrepareRelease(options.release, context, /*need_dependencies=*/true, &prepared);
  if (code != kExitOk) return code;
  Settings settings;
  bool released = false;
  std::vector<ClusterCheck> checks;
  code = SettleSettings(options.release, context, prepared, &settings, &released, &checks);
  if (code != kExitOk) return code;

  const std::string kubectl = KubectlProgram(context, options.release.programs.kubectl);
  LiveCluster live;
  code = ReadCluster(context, kubectl, ReadsNeeded(settings), &live);
  if (code != kExitOk) return code;
  if (context.dry_run) return kExitOk;

  for (ClusterCheck& check : CheckCluster(settings, prepared.release, live, released)) {
    checks.push_back(std::move(check));
  }
  *context.out << (format == "json" ? FormatChecksJson(checks) : FormatChecksText(checks));
  for (const ClusterCheck& check : checks) {
    if (check.status == CheckStatus::kFail) return kExitFailed;
  }
  return kExitOk;
}

}  // namespace dotk8s
