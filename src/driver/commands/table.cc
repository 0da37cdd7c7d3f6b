#include <fmt/format.h>

#include <algorithm>
#include <chrono>

#include "core/settings.h"
#include "driver/cli/flags.h"
#include "driver/commands/table.h"
#include "driver/programs/locations.h"
#include "driver/programs/timings.h"
#include "version.h"

namespace dotk8s {
namespace {

constexpr std::string_view kExitCodes =
    "Exit codes:\n"
    "  0  success\n"
    "  1  helm, kubectl or the post-renderer failed (its own message is printed); doctor found a problem;\n"
    "     verify found broken wiring\n"
    "  2  usage error, or a setup dotk8s refuses (another namespace than envoy-gateway-system under Helm 3,\n"
    "     Helm 3.18.0)\n"
    "  3  a prerequisite is missing: helm, dotk8s-post, the chart, its dependency archives\n"
    "  4  a bundle is damaged or does not match its SHA-256 sums\n";

std::vector<FlagSpec> WithHelp(std::vector<FlagSpec> flags) {
  flags.push_back({"help", "h", false, "", "show this help"});
  return flags;
}

// Long because it is the table of commands: each entry is its name, summary,
// usage, --help text and flags, data read top to bottom as `dotk8s --help` lists them.
std::vector<CommandSpec> MakeCommands() {
  const FlagSpec& chart = shared_flags::kChart;
  const FlagSpec& bundle = shared_flags::kBundle;
  const FlagSpec& helm = shared_flags::kHelm;
  const FlagSpec& kubectl = shared_flags::kKubectl;
  const FlagSpec& post = shared_flags::kPost;
  const FlagSpec& dry_run = shared_flags::kDryRun;
  const FlagSpec& log = shared_flags::kLog;
  const FlagSpec& plugin_dir = shared_flags::kPluginDir;

  std::vector<CommandSpec> commands;
  const std::string_view release_description =
      "Runs helm on the umbrella chart with dotk8s-post wired in the way the helm found needs it:\n"
      "Helm 4: --post-renderer dotk8s-post (the plugin; HELM_PLUGINS at a directory holding only Helm 4\n"
      "plugins); Helm 3: --post-renderer <path of dotk8s-post> (HELM_PLUGINS at an empty directory).\n"
      "dotk8s-post gets --release-namespace, one --crds per dependency archive (validation) and --log.\n"
      "Under Helm 3 the release namespace is envoy-gateway-system and the helm3 profile is added.\n"
      "Helm 3.18.0 is refused (it renders `{{ if 0 }}` as true, helm/helm#30880).\n"
      "template: the GitOps route (Argo CD, kubectl apply --server-side): dotk8s-post --gitops puts\n"
      "Namespaces first, then the CRDs of the components that are on, then the rest.\n"
      "install/upgrade first render the release (apps.createNamespaces=true, never printed; dotk8s-post's\n"
      "plan notes are shown), create its namespaces outside it with the labels the plan demands (kubectl\n"
      "apply --server-side), apply the CRDs of the charts that are on server-side (newer CRD versions\n"
      "reach the cluster on upgrade; under Helm 3 also the templated ones, KEDA's, marked for Helm to\n"
      "adopt), then run helm with --skip-crds and apps.createNamespaces=false.\n"
      "A CRD another owner manages (another field manager, another Helm release; the Gateway API bundle as\n"
      "one) is never applied nor marked without --take-over-crds: left alone when it serves what the\n"
      "release needs, and said; else refused before anything changes.\n"
      "upgrade/uninstall first mark every CRD and Namespace of the live release helm.sh/resource-policy=keep\n"
      "(releases made by older versions too), so neither deletes one; uninstall says what it left.\n"
      "install/upgrade first read the release's revisions (helm history): a revision a killed helm left\n"
      "pending-install/-upgrade/-rollback is explained and, if older than --pending-timeout (10m) or with\n"
      "--recover-pending, its record alone (Secret sh.helm.release.v1.NAME.vN) is deleted; else refused.\n"
      "If dotk8s-post fails, its own message (from its log) is printed, not helm's summary.\n";
  for (std::string_view verb : {"template", "install", "upgrade", "uninstall"}) {
    CommandSpec spec;
    spec.name = verb;
    spec.summary = verb == "template"    ? "render the umbrella chart through dotk8s-post"
                   : verb == "install"   ? "namespaces, CRDs, then helm install through dotk8s-post"
                   : verb == "upgrade"   ? "namespaces, CRDs (server-side, so they upgrade), then helm upgrade"
                                         : "helm uninstall (CRDs and namespaces are kept, and it says which)";
    spec.usage = verb == "template"    ? "dotk8s template [RELEASE] [-n NS] [-f FILE]... [--set K=V]... [--profile NAME]"
                 : verb == "install"   ? "dotk8s install [RELEASE] [-n NS] [-f FILE]... [--set K=V]... [--profile NAME]"
                 : verb == "upgrade"   ? "dotk8s upgrade [RELEASE] [-n NS] [-f FILE]... [--set K=V]... [--profile NAME]"
                                       : "dotk8s uninstall [RELEASE] [-n NS]";
    spec.description = release_description;
    spec.flags = ReleaseFlags();
    if (verb == "install" || verb == "upgrade") {
      spec.flags.insert(spec.flags.end() - 1, {pending_flags::kRecoverPending, pending_flags::kPendingTimeout});
      spec.flags.insert(spec.flags.end() - 1, kTakeOverCrdsFlag);
    }
    spec.run = verb == "template"    ? RunTemplateCommand
               : verb == "install" ? RunInstallCommand
               : verb == "upgrade" ? RunUpgradeCommand
                                   : RunUninstallCommand;
    commands.push_back(spec);
  }
  // After uninstall in the help; upgrade's flags, whatever upgrade takes.
  const auto upgrade = std::find_if(commands.begin(), commands.end(),
                                    [](const CommandSpec& spec) { return spec.name == "upgrade"; });
  commands.push_back(RollbackCommandSpec(upgrade->flags));
  commands.push_back({"deps", "complete charts/<umbrella>/charts/ from a bundle, the chart cache or the network",
                      "dotk8s deps [--cache DIR] [--bundle FILE] [--check] [--offline]",
                      "Makes the chart's charts/ hold the five pinned archives. Sources, in order: the bundle\n"
                      "(--bundle), the chart cache (--cache, default $DOTK8S_CHART_CACHE or ~/.cache/dotk8s/charts,\n"
                      "files named <name>-<version>.tgz), then `helm dependency build` (network).\n"
                      "Each archive's own Chart.yaml (read from the archive) must give the pinned name and version.\n",
                      WithHelp({{"cache", "", true, "DIR", "chart cache to copy from"},
                                {"check", "", false, "", "only report; change nothing"},
                                {"offline", "", false, "", "never run helm dependency build"},
                                chart, bundle, helm, dry_run}),
                      RunDepsCommand});
  std::vector<FlagSpec> crds_flags = ReleaseFlags();
  crds_flags.insert(crds_flags.begin(), {"output", "o", true, "DIR", "extract: directory to write to"});
  crds_flags.insert(crds_flags.end() - 1, kTakeOverCrdsFlag);
  commands.push_back({"crds", "list, extract or apply the CRDs inside the dependency archives",
                      "dotk8s crds list|extract -o DIR|apply [RELEASE] [-n NS] [-f FILE]... [--set K=V]... "
                      "[--profile NAME]",
                      "Reads every CRD in the dependency archives (crds/ folders, kube-prometheus-stack's crds\n"
                      "subchart, and KEDA's templated ones) with group, kind, served versions and the Gateway API\n"
                      "bundle version and channel. When two charts ship the same CRDs (Envoy Gateway's experimental\n"
                      "Gateway API bundle and Traefik's standard one) Envoy Gateway's is used.\n"
                      "apply (before a plain `helm install`, Helm 3's route): renders the release as install does\n"
                      "(same RELEASE, -n, --profile, -f, --set), then kubectl apply --server-side --force-conflicts\n"
                      "of the crds/ CRDs and of the templated CRDs of the render, waits for them to be\n"
                      "established, and marks the templated ones with Helm's ownership for the release\n"
                      "(app.kubernetes.io/managed-by=Helm, meta.helm.sh/release-name, meta.helm.sh/release-namespace)\n"
                      "so that helm adopts them. Only the CRDs of the charts that are on; one another owner\n"
                      "manages is left alone or refused as install does, unless --take-over-crds.\n",
                      crds_flags, RunCrdsCommand});
  commands.push_back({"bundle", "write, list or verify an air-gapped bundle",
                      "dotk8s bundle -o FILE | dotk8s bundle list FILE | dotk8s bundle verify FILE",
                      "One .tar.gz for a cluster without network: the chart with its five dependency archives and\n"
                      "values profiles, the Helm 4 plugin directory, the dotk8s and dotk8s-post binaries, a\n"
                      "manifest.yaml and SHA256SUMS (binaries without debug information when `strip` is on PATH).\n"
                      "Other commands take --bundle FILE; it is verified (every\n"
                      "file against SHA256SUMS, nothing missing, nothing extra) before anything is used.\n",
                      WithHelp({{"output", "o", true, "FILE", "the bundle to write"},
                                {"no-strip", "", false, "", "carry the binaries with their debug information"},
                                chart, post, dry_run}),
                      RunBundleCommand});
  commands.push_back({"doctor", "check helm, kubectl, the plugin, the dependencies and the last post-renderer error",
                      "dotk8s doctor [--helm PATH] [--chart DIR]",
                      "Prints one line per check: helm and its major version, kubectl, dotk8s-post, whether the\n"
                      "plugin loads under that helm (Helm 4: helm plugin list with dotk8s's plugin directory;\n"
                      "Helm 3: a Helm 4 plugin in your own plugin directory is reported), the dependency archives\n"
                      "against Chart.yaml, and the last error dotk8s-post logged.\n",
                      WithHelp({chart, bundle, helm, kubectl, post, plugin_dir, log}), RunDoctorCommand});
  std::vector<FlagSpec> explain_flags = ReleaseFlags();
  explain_flags.insert(explain_flags.begin(),
                       {{"graph", "", false, "", "print a Mermaid diagram instead of the plan"},
                        {"stream", "", true, "FILE", "explain a captured post-renderer input instead of rendering"}});
  commands.push_back({"explain", "what goes where and why; --graph: a Mermaid diagram",
                      "dotk8s explain [RELEASE] [-n NS] [--profile NAME] [--graph] [--stream FILE]",
                      "Renders the chart with a capture post-renderer, so dotk8s-post sees exactly what helm hands\n"
                      "it, and prints dotk8s-post --explain: components, namespaces, what moved, what was injected\n"
                      "or removed, and why. --graph prints a Mermaid flowchart of namespaces, components and the\n"
                      "objects that tie them (GatewayClass/Gateway and routes, PodMonitor and Prometheus,\n"
                      "ReferenceGrant and the interceptor Service), drawn from the post-rendered objects.\n",
                      explain_flags, RunExplainCommand});
  std::vector<FlagSpec> verify_flags = ReleaseFlags();
  verify_flags.insert(verify_flags.begin(), {"output", "o", true, "text|json", "report format (default text)"});
  commands.push_back({"verify", "check on the live cluster that the components that are on are wired",
                      "dotk8s verify [RELEASE] [-n NS] [-f FILE]... [--set K=V]... [--profile NAME] [--kubectl PATH] "
                      "[-o text|json]",
                      "Which components are on comes from the installed release (helm get values RELEASE -n NS -a);\n"
                      "only without a Helm release from --profile, -f, --set as helm resolves them (helm template\n"
                      "--show-only templates/dotk8s-settings.yaml). The first line says which; values that disagree with\n"
                      "the release are a warning. The live objects come from kubectl get -o json. For the components that\n"
                      "are on it checks\n"
                      "README \"The contracts\": Envoy Gateway's Gateway API CRDs (bundle-version v1.4.1, experimental),\n"
                      "GatewayClass eg and its controller, Gateway eg (listener http HTTP/80 from All; Accepted and\n"
                      "Programmed), PodMonitor envoy-gateway-proxy and whether every Prometheus' podMonitorSelector and\n"
                      "podMonitorNamespaceSelector (against the live Namespace labels) select it, ReferenceGrant\n"
                      "keda-interceptor, the interceptor Service (8080), routeNamespaces, HTTPRoutes that send traffic to\n"
                      "the interceptor, Service kube-prometheus-stack-prometheus (9090), KEDA's CRDs, each component's\n"
                      "Deployments; for the components that are off, that nothing of them is left. Only what carries the\n"
                      "release's ownership marks is its leftover; another installation's object is named, left alone.\n"
                      "Each check prints ok, warn (a controller not running, pods not ready) or FAIL (broken wiring) with\n"
                      "what was found, what was expected and the fix. Exit 1 when a check fails; warnings do not fail.\n",
                      verify_flags, RunVerifyCommand});
  commands.push_back({"__capture", "", "dotk8s __capture FILE", "", {}, RunCaptureCommand});
  return commands;
}

std::string MainHelp(const std::vector<CommandSpec>& commands) {
  std::string text = fmt::format(
      "dotk8s {}: installs the dot-apps umbrella chart with dotk8s-post wired in\n\n"
      "Usage: dotk8s COMMAND [flags]   (dotk8s COMMAND --help for each)\n\nCommands:\n",
      DOTK8S_VERSION);
  for (const CommandSpec& spec : commands) {
    if (spec.summary.empty()) continue;
    text += fmt::format("  {:<10} {}\n", spec.name, spec.summary);
  }
  text += "\nProgress goes to stderr on a terminal only; pipes stay quiet.\n\n";
  text += kExitCodes;
  return text;
}

}  // namespace

const std::vector<CommandSpec>& Commands() {
  static const std::vector<CommandSpec> commands = MakeCommands();
  return commands;
}

std::string CommandHelp(const CommandSpec& spec) {
  return fmt::format("{}\n\nUsage: {}\n\n{}\nFlags:\n{}\n{}", spec.summary, spec.usage, spec.description,
                     FormatFlags(spec.flags), kExitCodes);
}

int RunDriver(const std::vector<std::string>& args, DriverContext& context) {
  const std::vector<CommandSpec>& commands = Commands();
  if (args.empty() || args[0] == "--help" || args[0] == "-h" || args[0] == "help") {
    if (args.size() >= 2) {
      for (const CommandSpec& spec : commands) {
        if (spec.name == args[1]) {
          *context.out << CommandHelp(spec);
          return kExitOk;
        }
      }
    }
    *(args.empty() ? context.err : context.out) << MainHelp(commands);
    return args.empty() ? kExitUsage : kExitOk;
  }
  if (args[0] == "--version" || args[0] == "version") {
    *context.out << fmt::format("dotk8s {}\n", DOTK8S_VERSION);
    return kExitOk;
  }
  const CommandSpec* spec = nullptr;
  for (const CommandSpec& candidate : commands) {
    if (candidate.name == args[0]) spec = &candidate;
  }
  if (spec == nullptr) {
    std::vector<std::string> names;
    for (const CommandSpec& candidate : commands) {
      if (!candidate.summary.empty()) names.emplace_back(candidate.name);
    }
    std::string guess = Suggest(args[0], names).value_or("");
    context.Error(fmt::format("unknown command {}{}", args[0], guess.empty() ? "" : fmt::format("; did you mean {}?", guess)),
                  "dotk8s --help lists the commands");
    return kExitUsage;
  }
  CommandLine line;
  std::string error;
  std::vector<std::string> rest(args.begin() + 1, args.end());
  if (spec->name == "__capture") {
    line.positionals = rest;
    return spec->run(spec->name, line, context);
  }
  if (!ParseCommandLine(rest, spec->flags, &line, &error)) {
    context.Error(error, fmt::format("dotk8s {} --help lists its flags", spec->name));
    return kExitUsage;
  }
  if (line.Has("help")) {
    *context.out << CommandHelp(*spec);
    return kExitOk;
  }
  if (const std::string missing = MissingHomeError(context); !missing.empty()) {
    context.Error(missing, "set HOME to a directory of your own, or XDG_DATA_HOME, XDG_CACHE_HOME and XDG_STATE_HOME "
                           "(absolute paths)");
    return kExitMissing;
  }
  // --dry-run: every command is printed; only probes run.
  DryRunRunner dry_runner(context.runner, context.out);
  DriverContext run_context = context;
  if (line.Has("dry-run")) {
    run_context.runner = &dry_runner;
    run_context.dry_run = true;
  }
  if (!line.Has(shared_flags::kTimings.name)) return spec->run(spec->name, line, run_context);
  // --timings: every program timed, the report on stderr whatever the outcome.
  TimingRunner timing_runner(run_context.runner);
  run_context.runner = &timing_runner;
  const auto start = std::chrono::steady_clock::now();
  const int code = spec->run(spec->name, line, run_context);
  const std::chrono::duration<double> took = std::chrono::steady_clock::now() - start;
  *context.err << FormatTimings(timing_runner.Steps(), took.count());
  return code;
}

}  // namespace dotk8s
