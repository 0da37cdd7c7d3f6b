// dotk8s doctor: is everything in place to install the umbrella chart?
#include <fmt/format.h>
#include <fmt/ranges.h>

#include <fstream>
#include <sstream>

#include "core/error_log.h"
#include "driver/bundles/dependencies.h"
#include "driver/cli/options.h"
#include "driver/commands/table.h"
#include "driver/programs/helm_setup.h"
#include "driver/programs/locations.h"
#include "driver/release/workspace.h"

namespace dotk8s {
namespace {

struct Report {
  const DriverContext* context;
  int failures = 0;

  void Ok(std::string_view what, std::string_view detail) {
    *context->out << fmt::format("ok    {:<12} {}\n", what, detail);
  }
  void Warn(std::string_view what, std::string_view detail) {
    *context->out << fmt::format("warn  {:<12} {}\n", what, detail);
  }
  void Fail(std::string_view what, std::string_view detail, std::string_view hint) {
    ++failures;
    *context->out << fmt::format("FAIL  {:<12} {}\n", what, detail);
    if (!hint.empty()) *context->out << fmt::format("      {:<12} fix: {}\n", "", hint);
  }
};

std::string FirstLine(const std::string& text) {
  std::string line = text.substr(0, text.find('\n'));
  return line;
}

// helm and its version; `helm` is filled when it runs.
bool CheckHelm(Report& report, const DriverContext& context, const DoctorOptions& options, HelmInfo* helm) {
  std::string error;
  const bool have_helm = DetectHelm(context, HelmProgram(context, options.programs.helm), helm, &error);
  std::string fix;
  if (have_helm && RefusedHelmVersion(helm->version, &error, &fix)) {
    report.Fail("helm", fmt::format("{} ({}): {}", helm->version, helm->program, error), fix);
  } else if (have_helm) {
    report.Ok("helm", fmt::format("{} ({})", helm->version, helm->program));
  } else {
    report.Fail("helm", error, "install Helm 3 or 4 (make tools) or pass --helm PATH");
  }
  return have_helm;
}

void CheckKubectl(Report& report, const DriverContext& context, const DoctorOptions& options) {
  Command kubectl;
  kubectl.argv = {KubectlProgram(context, options.programs.kubectl), "version", "--client"};
  ProcessResult result = context.runner->Run(kubectl);
  if (result.Ok()) {
    report.Ok("kubectl", fmt::format("{} ({})", FirstLine(result.out), kubectl.argv[0]));
  } else {
    report.Warn("kubectl", fmt::format("not usable ({}); install, upgrade and crds apply need it",
                                       result.start_error.empty() ? FirstLine(result.err) : result.start_error));
  }
}

void CheckPost(Report& report, const DriverContext& context, const Workspace& workspace) {
  if (!workspace.post_binary.empty()) {
    Command version;
    version.argv = {workspace.post_binary, "--version"};
    ProcessResult result = context.runner->Run(version);
    if (result.Ok()) {
      report.Ok("dotk8s-post", fmt::format("{} ({})", FirstLine(result.out), workspace.post_binary));
    } else {
      report.Fail("dotk8s-post", fmt::format("{} does not run", workspace.post_binary), "rebuild it (make build)");
    }
  } else {
    report.Fail("dotk8s-post", "not found beside dotk8s or on PATH", "make install, or pass --post PATH");
  }
}

// Whether the plugin loads under that helm (Helm 4), or what the user's own
// Helm 3 plugin directory holds.
void CheckPlugin(Report& report, const DriverContext& context, const DoctorOptions& options, const HelmInfo& helm,
                 const Workspace& workspace) {
  ProcessResult result;
  if (helm.major == 4) {
    std::string dir;
    std::string error;
    if (!PrepareHelm4PluginDir(context, options.programs.plugin_dir, workspace.post_binary, &dir, &error)) {
      report.Fail("plugin", error, "pass --plugin-dir DIR");
    } else {
      Command list;
      list.argv = {helm.program, "plugin", "list"};
      list.env = {{"HELM_PLUGINS", dir}};
      result = context.runner->Run(list);
      if (result.Ok() && result.out.find("dotk8s-post") != std::string::npos) {
        report.Ok("plugin", fmt::format("Helm 4 loads dotk8s-post from {}", dir));
      } else {
        report.Fail("plugin", fmt::format("Helm 4 does not load dotk8s-post from {}: {}", dir, FirstLine(result.err)),
                    "scripts/install-plugin.sh BINARY, or pass --plugin-dir DIR");
      }
    }
  } else {
    report.Ok("plugin", fmt::format("Helm 3 runs {} as an executable", workspace.post_binary));
    // The user's own Helm 3 plugin dir: a Helm 4 plugin there breaks plain helm.
    Command list;
    list.argv = {helm.program, "plugin", "list"};
    result = context.runner->Run(list);
    if (!result.Ok() && result.err.find("apiVersion") != std::string::npos) {
      report.Warn("plugin", fmt::format("your Helm 3 plugin directory holds a Helm 4 plugin, so plain helm 3 "
                                        "fails ({}); dotk8s points HELM_PLUGINS elsewhere, but move it out",
                                        FirstLine(result.err)));
    }
  }
}

// The dependency archives against Chart.yaml.
void CheckChart(Report& report, const Workspace& workspace) {
  std::vector<PinnedDependency> pinned;
  std::string error;
  if (!ReadPinnedDependencies(workspace.chart_dir, &pinned, &error)) {
    report.Fail("chart", error, "");
    return;
  }
  report.Ok("chart", workspace.chart_dir);
  std::vector<std::string> problems;
  std::size_t ok = 0;
  for (const DependencyStatus& status : CheckDependencies(workspace.chart_dir, pinned)) {
    if (status.Ok()) {
      ++ok;
    } else {
      problems.insert(problems.end(), status.problems.begin(), status.problems.end());
    }
  }
  if (problems.empty()) {
    report.Ok("deps", fmt::format("{} of {} pinned archives present and matching", ok, pinned.size()));
  } else {
    report.Fail("deps", fmt::format("{}", fmt::join(problems, "; ")),
                "dotk8s deps (offline: copy the archives into the chart cache, or --bundle FILE)");
  }
}

// The last error dotk8s-post logged.
void CheckLastError(Report& report, const DriverContext& context, const DoctorOptions& options) {
  const std::string log_path = options.programs.log.value_or(PostRendererLogPath(context));
  std::string text;
  ReadFileText(log_path, &text);
  std::vector<std::string> last = LastLogBlock(text);
  if (last.empty()) {
    report.Ok("last error", fmt::format("none in {}", log_path));
  } else {
    std::size_t header = text.rfind(kLogBlockPrefix);
    std::string when = FirstLine(text.substr(header));
    report.Warn("last error", fmt::format("dotk8s-post's last failure ({}):", when));
    for (const std::string& message : last) *context.out << fmt::format("      {}\n", message);
  }
}

}  // namespace

int RunDoctorCommand(std::string_view, const CommandLine& line, DriverContext& context) {
  const DoctorOptions options = ParseDoctorOptions(line);
  Report report{&context};
  HelmInfo helm;
  const bool have_helm = CheckHelm(report, context, options, &helm);
  CheckKubectl(report, context, options);

  Workspace workspace;
  std::ostringstream quiet;
  DriverContext quiet_context = context;
  quiet_context.err = &quiet;
  const bool have_workspace =
      OpenWorkspace(quiet_context, options.workspace, /*need_post=*/true, &workspace) == kExitOk;
  CheckPost(report, context, workspace);
  if (have_helm && !workspace.post_binary.empty()) CheckPlugin(report, context, options, helm, workspace);
  if (have_workspace || !workspace.chart_dir.empty()) {
    CheckChart(report, workspace);
  } else {
    report.Fail("chart", FirstLine(quiet.str()), "run from the project directory or pass --chart DIR");
  }
  CheckLastError(report, context, options);
  *context.out << (report.failures == 0 ? "doctor: all checks passed\n"
                                        : fmt::format("doctor: {} check(s) failed\n", report.failures));
  return report.failures == 0 ? kExitOk : kExitFailed;
}

}  // namespace dotk8s
