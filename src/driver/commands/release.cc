// dotk8s template|install|upgrade|uninstall: helm on the umbrella chart with
// dotk8s-post wired in; before install and upgrade, the namespaces and CRDs;
// before upgrade and uninstall, the release's CRDs and namespaces protected.
#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <chrono>

#include "driver/cli/commands.h"
#include "driver/release/crd_inventory.h"
#include "driver/release/crd_ownership.h"
#include "driver/bundles/dependencies.h"
#include "driver/release/foreign_components.h"
#include "driver/release/kubectl_steps.h"
#include "driver/programs/locations.h"
#include "driver/release/pending.h"
#include "driver/release/plan.h"
#include "driver/release/protection.h"
#include "driver/release/setup.h"
#include "driver/release/rendered.h"

namespace dotk8s {
namespace {

// Before helm installs: namespaces outside the release, CRDs applied server-side.
int PrepareCluster(DriverContext& context, const PreparedRelease& prepared, const RenderedRelease& rendered,
                   const std::string& kubectl, const CrdsToApply& crds) {
  // Namespaces live outside the release, so uninstalling never deletes one with
  // whatever else was put in it (helm install is told apps.createNamespaces=false).
  // Those dotk8s-post injected carry the labels its plan demands.
  if (!RunStep(context, Kubectl(kubectl, {"apply", "--server-side", std::string(kFieldManager), "-f", "-"},
                                NamespaceManifests(rendered),
                                fmt::format("creating namespaces {}", fmt::join(rendered.namespaces, ", "))))) {
    return kExitFailed;
  }

  // CRDs from crds/ of the charts that are on (and under Helm 3 the templated
  // ones), as SettleReleaseCrds left them: helm installs crds/ only once and
  // never upgrades them; a server-side apply does both.
  if (!ApplyCrdsForRelease(context, kubectl, crds, prepared.release, prepared.release_namespace)) return kExitFailed;
  return kExitOk;
}

// What `dotk8s uninstall` left behind, and why: only what is true.
void SayWhatUninstallKept(const DriverContext& context, const ReleaseKeeps& kept) {
  std::vector<std::string> parts;
  if (!kept.crds.empty()) parts.push_back(fmt::format("CRDs {}", fmt::join(kept.crds, ", ")));
  if (!kept.namespaces.empty()) parts.push_back(fmt::format("namespaces {}", fmt::join(kept.namespaces, ", ")));
  if (!parts.empty()) {
    context.Say(fmt::format("kept the release's {}: they carry helm.sh/resource-policy: keep (deleting a CRD deletes "
                            "every resource of its kind in the cluster; deleting a namespace, everything in it)",
                            fmt::join(parts, " and ")));
  }
  context.Say("not in the release, so also left: the CRDs of the charts' crds/ folders (applied by dotk8s; Helm "
              "never deletes crds/ either) and the namespaces dotk8s created outside the release");
  context.Say("delete them by hand if you mean to (kubectl delete crd NAME, kubectl delete namespace NAME)");
}

// install / upgrade, from the planning render to helm.
int InstallOrUpgrade(std::string_view name, const CommandLine& line, DriverContext& context,
                     PreparedRelease& prepared, const std::string& kubectl) {
  int code = kExitOk;
  // install / upgrade: render first (what helm will install), then prepare the
  // cluster. The planning render holds Secrets: it is never printed.
  PendingOptions pending_options;
  if (!ReadPendingOptions(line, context, &pending_options)) return kExitUsage;
  RenderedRelease rendered;
  code = PlanRelease(context, prepared, &rendered);
  if (code != kExitOk) return code;
  // A revision a killed helm left pending blocks every helm call: resolved
  // (or refused) before anything on the cluster changes.
  PendingOutcome pending;
  const auto now = std::chrono::duration_cast<std::chrono::seconds>(
      std::chrono::system_clock::now().time_since_epoch());
  code = ResolvePendingRelease(context, prepared, kubectl, pending_options, name, now.count(), &pending);
  if (code != kExitOk) return code;
  const std::string verb = name == "upgrade" && pending.release_gone ? "install" : std::string(name);
  // Another installation's KEDA (or operator) is refused before the first write.
  code = RefuseForeignComponents(context, prepared, rendered, kubectl);
  if (code != kExitOk) return code;
  // CRDs another owner manages: left alone or refused before anything changes.
  // Under Helm 3 the templated ones (KEDA's) must exist before the custom
  // resources of the same release (Helm 4 gets those as hooks).
  CrdInventory crd_inventory;
  CrdsToApply crds;
  code = SettleReleaseCrds(context, prepared, rendered, kubectl, /*with_templated=*/prepared.helm.major == 3,
                           line.Has(kTakeOverCrdsFlag.name), /*skip_unchanged=*/true, &crd_inventory, &crds);
  if (code != kExitOk) return code;
  if (name == "upgrade") {
    ReleaseKeeps kept;
    code = ProtectReleaseObjects(context, prepared, kubectl, &kept);
    if (code != kExitOk) return code;
  }
  code = PrepareCluster(context, prepared, rendered, kubectl, crds);
  if (code != kExitOk) return code;

  // Applied above: the namespaces outside the release, the CRDs at their newest version.
  std::vector<std::string> helm_args = {"--set", "apps.createNamespaces=false", "--skip-crds"};
  // dotk8s rollback: the target revision's values alone, none of the current revision's.
  if (verb == "upgrade" && line.Has(kResetValuesSwitch)) helm_args.push_back("--reset-values");
  Command command = HelmReleaseCommand(prepared, verb, helm_args, true);
  command.is_action = true;
  command.purpose = verb == "install" ? "installing" : "upgrading";
  std::string out;
  code = RunHelm(context, prepared, command, &out);
  if (code == kExitOk) *context.out << out;
  return code;
}

}  // namespace

int RunReleaseCommand(std::string_view name, const CommandLine& line, DriverContext& context) {
  PreparedRelease prepared;
  int code = PrepareRelease(line, context, /*need_dependencies=*/name != "uninstall", &prepared);
  if (code != kExitOk) return code;
  const std::string kubectl = KubectlProgram(context, line.Value("kubectl"));

  if (name == "uninstall") {
    ReleaseKeeps kept;
    code = ProtectReleaseObjects(context, prepared, kubectl, &kept);
    if (code != kExitOk) return code;
    if (!kept.unmarked.empty()) {
      // helm uninstall reads keep from the stored manifest, not the live object.
      context.Error(
          fmt::format("release {} was stored without helm.sh/resource-policy: keep on {}: helm uninstall reads that "
                      "mark from the stored release, not from the cluster, so it would delete them and every custom "
                      "resource and object in them",
                      prepared.release, fmt::join(kept.unmarked, ", ")),
          "run `dotk8s upgrade` with the release's values first (it stores the marks), then uninstall");
      return kExitFailed;
    }
    Command command;
    command.argv = {prepared.helm.program, "uninstall", prepared.release, "-n", prepared.release_namespace};
    command.env = HelmEnvironment(prepared.helm.major, prepared.wiring.helm4_plugin_dir,
                                  prepared.wiring.helm3_plugin_dir);
    command.is_action = true;
    command.purpose = "uninstalling";
    std::string out;
    code = RunHelm(context, prepared, command, &out);
    if (code != kExitOk) return code;
    *context.out << out;
    SayWhatUninstallKept(context, kept);
    return kExitOk;
  }

  if (name == "template") {
    // The GitOps route (Argo CD, kubectl apply --server-side): Namespaces, then
    // CRDs (the crds/ ones read from the --crds archives), then the rest.
    prepared.wiring.gitops = true;
    Command command = HelmReleaseCommand(prepared, "template", {}, true);
    command.is_action = true;
    command.purpose = "rendering through dotk8s-post";
    std::string out;
    code = RunHelm(context, prepared, command, &out);
    if (code == kExitOk) *context.out << out;
    return code;
  }

  return InstallOrUpgrade(name, line, context, prepared, kubectl);
}

}  // namespace dotk8s
