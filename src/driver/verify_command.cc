// dotk8s verify: is the layer wired on the live cluster? Which components are
// on comes from helm itself (the settings document the chart renders from the
// release's values); the live objects come from kubectl get -o json.
#include <fmt/format.h>

#include "core/settings.h"
#include "driver/cluster_checks.h"
#include "driver/commands.h"
#include "driver/locations.h"
#include "driver/release_setup.h"

namespace dotk8s {
namespace {

constexpr std::string_view kSettingsTemplate = "templates/dotk8s-settings.yaml";

// helm template --show-only of the settings document alone: helm merges
// values.yaml, the profiles, -f and --set exactly as install does (and checks
// them against values.schema.json), and nothing else is rendered, so no
// Secret passes through the driver and dotk8s-post is not needed.
int ResolveSettings(DriverContext& context, const PreparedRelease& prepared, Settings* settings) {
  Command render = HelmReleaseCommand(prepared, "template", {"--show-only", std::string(kSettingsTemplate)}, false);
  render.purpose = "resolving the release's values (helm template of the settings document)";
  std::string stream;
  int code = RunHelm(context, prepared, render, &stream);
  if (code != kExitOk) return code;
  if (context.dry_run && stream.empty()) return kExitOk;
  std::vector<YAML::Node> documents;
  try {
    documents = YAML::LoadAll(stream);
  } catch (const YAML::Exception& e) {
    context.Error(fmt::format("helm template of {} is not YAML: {}", kSettingsTemplate, e.what()));
    return kExitFailed;
  }
  for (const YAML::Node& document : documents) {
    if (!document.IsMap() || !document["kind"] || document["kind"].Scalar() != kSettingsKind) continue;
    Diagnostics diagnostics = ParseSettings(document, kSettingsTemplate, settings);
    if (HasErrors(diagnostics)) {
      for (const Diagnostic& diagnostic : diagnostics) context.Error(FormatDiagnostic(diagnostic));
      return kExitFailed;
    }
    return kExitOk;
  }
  context.Error(fmt::format("helm template printed no settings document ({})", kSettingsTemplate),
                "is --chart the dot-apps umbrella chart?");
  return kExitFailed;
}

// Reads one list. An unserved resource (its CRD is missing) is an answer, not
// an error: the checks say what it means for the component.
int ReadList(DriverContext& context, const std::string& kubectl, const ClusterRead& read, LiveList* list) {
  Command command;
  command.argv = {kubectl, "get", read.resource};
  if (read.all_namespaces) {
    command.argv.push_back("-A");
  } else if (!read.namespace_.empty()) {
    command.argv.insert(command.argv.end(), {"-n", read.namespace_});
  }
  command.argv.insert(command.argv.end(), {"-o", "json"});
  command.purpose = fmt::format("reading {}", read.Key());
  context.Progress(command.purpose);
  ProcessResult result = context.runner->Run(command);
  if (result.skipped || (context.dry_run && result.Ok() && result.out.empty())) return kExitOk;
  if (!result.Ok()) {
    if (result.err.find("the server doesn't have a resource type") != std::string::npos) {
      list->served = false;
      return kExitOk;
    }
    if (read.optional) {
      const std::string& said = result.err.empty() ? result.start_error : result.err;
      list->unreadable = said.substr(0, said.find('\n'));
      if (list->unreadable.empty()) list->unreadable = fmt::format("exit {}", result.exit_code);
      return kExitOk;
    }
    if (!result.err.empty()) *context.err << result.err << (result.err.back() == '\n' ? "" : "\n");
    context.Error(fmt::format("{} failed: {}", command.purpose,
                              result.start_error.empty() ? fmt::format("exit {}", result.exit_code) : result.start_error),
                  "check the cluster connection (kubectl config current-context) and that you may list it");
    return kExitFailed;
  }
  try {
    const YAML::Node answer = YAML::Load(result.out);
    if (answer["items"] && answer["items"].IsSequence()) {
      for (const YAML::Node& item : answer["items"]) list->items.push_back(item);
    }
  } catch (const YAML::Exception& e) {
    context.Error(fmt::format("{}: kubectl's answer is not JSON: {}", command.purpose, e.what()));
    return kExitFailed;
  }
  return kExitOk;
}

}  // namespace

int RunVerifyCommand(std::string_view, const CommandLine& line, DriverContext& context) {
  const std::string format = line.Value("output", "text");
  if (format != "text" && format != "json") {
    context.Error(fmt::format("unknown output format {}", format), "-o text (the default) or -o json");
    return kExitUsage;
  }
  PreparedRelease prepared;
  int code = PrepareRelease(line, context, /*need_dependencies=*/true, &prepared);
  if (code != kExitOk) return code;
  Settings settings;
  code = ResolveSettings(context, prepared, &settings);
  if (code != kExitOk) return code;

  const std::string kubectl = KubectlProgram(context, line.Value("kubectl"));
  LiveCluster live;
  for (const ClusterRead& read : ReadsNeeded(settings)) {
    code = ReadList(context, kubectl, read, &live[read.Key()]);
    if (code != kExitOk) return code;
  }
  if (context.dry_run) return kExitOk;

  const std::vector<ClusterCheck> checks = CheckCluster(settings, prepared.release, live);
  *context.out << (format == "json" ? FormatChecksJson(checks) : FormatChecksText(checks));
  for (const ClusterCheck& check : checks) {
    if (check.status == CheckStatus::kFail) return kExitFailed;
  }
  return kExitOk;
}

}  // namespace dotk8s
