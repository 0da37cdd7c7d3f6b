// Which components are on: from the installed release when there is one (what
// the cluster was given), else from the command line (what it would be given).
#include "driver/release/values.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "driver/cluster/live.h"
#include "driver/programs/locations.h"
#include "driver/programs/program_failure.h"

namespace dotk8s {
namespace {

constexpr std::string_view kSettingsTemplate = "templates/dotk8s-settings.yaml";

struct ComponentView {
  std::string_view name;
  bool on;
  std::string namespace_;
};

std::vector<ComponentView> Components(const Settings& settings) {
  const ComponentSwitches on = SwitchesFrom(settings);
  return {{"envoyGateway", on.envoy_gateway, settings.envoy_gateway.namespace_},
          {"keda", on.keda, settings.keda.namespace_},
          {"keda.httpAddon", on.http_addon, settings.keda.namespace_},
          {"prometheus", on.prometheus, settings.prometheus.namespace_},
          {"traefik", on.traefik, settings.traefik.namespace_}};
}

}  // namespace

int ResolveCommandLineSettings(DriverContext& context, const PreparedRelease& prepared, Settings* settings) {
  // Only the settings document is rendered: no Secret passes through the
  // driver and dotk8s-post is not needed.
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

bool SettingsFromReleaseValues(std::string_view values_json, const std::string& release,
                               const std::string& release_namespace, Settings* settings, std::string* error) {
  YAML::Node values;
  try {
    values = YAML::Load(std::string(values_json));
  } catch (const YAML::Exception& e) {
    *error = fmt::format("not JSON: {}", e.what());
    return false;
  }
  if (!values.IsMap() || !values["apps"] || !values["apps"].IsMap()) {
    *error = "no apps: mapping (is it a release of the dot-apps umbrella chart?)";
    return false;
  }
  // The settings document the chart renders is `release:` plus `.Values.apps`
  // (templates/dotk8s-settings.yaml): the same shape, read the same way.
  YAML::Node document(YAML::NodeType::Map);
  document["release"]["name"] = release;
  document["release"]["namespace"] = release_namespace;
  document["apps"] = values["apps"];
  Settings parsed;
  Diagnostics diagnostics = ParseSettings(document, "the release's values (helm get values -a)", &parsed);
  if (HasErrors(diagnostics)) {
    for (const Diagnostic& diagnostic : diagnostics) {
      if (diagnostic.severity == Severity::kError) {
        *error = FormatDiagnostic(diagnostic);
        break;
      }
    }
    return false;
  }
  *settings = std::move(parsed);
  return true;
}

int ReadReleaseSettings(DriverContext& context, const PreparedRelease& prepared, bool* found, Settings* settings) {
  *found = false;
  Command get;
  get.argv = {prepared.helm.program, "get", "values", prepared.release, "-n", prepared.release_namespace,
              "-a", "-o", "json"};
  get.env = HelmEnvironment(prepared.helm.major, prepared.wiring.helm4_plugin_dir, prepared.wiring.helm3_plugin_dir);
  get.purpose = fmt::format("reading the values of release {} (helm get values -a)", prepared.release);
  context.Progress(get.purpose);
  ProcessResult result = context.runner->Run(get);
  if (!result.Ok()) {
    // Helm 3 and 4 both say "Error: release: not found".
    if (result.start_error.empty() && result.err.find("not found") != std::string::npos) return kExitOk;
    // Only stderr: stdout would be the values, Secrets included.
    return ReportFailedProgram(context, get.purpose, result,
                               "check the cluster connection (kubectl config current-context) and that you may read "
                               "the release's Secrets in " + prepared.release_namespace);
  }
  if (result.skipped || (context.dry_run && result.out.empty())) return kExitOk;
  std::string error;
  if (!SettingsFromReleaseValues(result.out, prepared.release, prepared.release_namespace, settings, &error)) {
    context.Error(fmt::format("the values of release {} in {} do not read: {}", prepared.release,
                              prepared.release_namespace, error),
                  "is it a release of this chart? `helm list -n " + prepared.release_namespace + "` shows its chart");
    return kExitFailed;
  }
  *found = true;
  return kExitOk;
}

std::string DescribeComponents(const Settings& settings) {
  std::vector<std::string> on;
  std::vector<std::string> namespaces;
  std::vector<std::string> off;
  for (const ComponentView& component : Components(settings)) {
    if (component.on) {
      on.emplace_back(component.name);
      namespaces.push_back(component.namespace_);
    } else {
      off.emplace_back(component.name);
    }
  }
  std::string text = on.empty() ? std::string("nothing on")
                                : fmt::format("{} on (in {})", fmt::join(on, ", "), fmt::join(namespaces, ", "));
  if (!off.empty()) text += fmt::format("; {} off", fmt::join(off, ", "));
  return text;
}

std::vector<std::string> SettingsDifferences(const Settings& command_line, const Settings& release) {
  std::vector<std::string> differences;
  const std::vector<ComponentView> given = Components(command_line);
  const std::vector<ComponentView> installed = Components(release);
  for (std::size_t i = 0; i < given.size(); ++i) {
    if (given[i].on != installed[i].on) {
      differences.push_back(fmt::format("{}: {} on the command line, {} in the release", given[i].name,
                                        given[i].on ? "on" : "off", installed[i].on ? "on" : "off"));
    } else if (given[i].on && given[i].namespace_ != installed[i].namespace_ && given[i].name != "keda.httpAddon") {
      // (The add-on lives in KEDA's namespace: said once, for keda.)
      differences.push_back(fmt::format("{}: namespace {} on the command line, {} in the release", given[i].name,
                                        given[i].namespace_, installed[i].namespace_));
    }
  }
  return differences;
}

}  // namespace dotk8s
