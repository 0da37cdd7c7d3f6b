// install and upgrade, from the setup to helm: what both commands (and
// rollback's upgrade) run.
#include "driver/release/install_or_upgrade.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <chrono>

#include "driver/programs/locations.h"
#include "driver/release/crd_inventory.h"
#include "driver/release/crd_ownership.h"
#include "driver/release/foreign_components.h"
#include "driver/release/kubectl_steps.h"
#include "driver/release/pending.h"
#include "driver/release/plan.h"
#include "driver/release/protection.h"
#include "driver/release/rendered.h"
#include "driver/release/setup.h"

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

// install / upgrade, from the planning render to helm.
int RenderAndApply(std::string_view name, const ReleaseOptions& options, DriverContext& context,
                   const PreparedRelease& prepared, const std::string& kubectl) {
  int code = kExitOk;
  // install / upgrade: render first (what helm will install), then prepare the
  // cluster. The planning render holds Secrets: it is never printed.
  PendingOptions pending_options;
  if (!ReadPendingOptions(options, context, &pending_options)) return kExitUsage;
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
                           options.take_over_crds, /*skip_unchanged=*/true, &crd_inventory, &crds);
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
  if (verb == "upgrade" && options.reset_values) helm_args.push_back("--reset-values");
  Command command = HelmReleaseCommand(prepared, verb, helm_args, true);
  command.is_action = true;
  command.purpose = verb == "install" ? "installing" : "upgrading";
  std::string out;
  code = RunHelm(context, prepared, command, &out);
  if (code == kExitOk) *context.out << out;
  return code;
}

}  // namespace

int InstallOrUpgradeRelease(std::string_view verb, const ReleaseOptions& options, DriverContext& context) {
  PreparedRelease prepared;
  int code = PrepareRelease(options, context, /*need_dependencies=*/true, &prepared);
  if (code != kExitOk) return code;
  const std::string kubectl = KubectlProgram(context, options.programs.kubectl);
  return RenderAndApply(verb, options, context, prepared, kubectl);
}

}  // namespace dotk8s
