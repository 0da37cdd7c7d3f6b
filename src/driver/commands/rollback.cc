// dotk8s rollback [RELEASE] [REVISION]: back to an earlier revision by rolling
// FORWARD to its values with the driver's own upgrade, not with `helm rollback`.
//
// Why not Helm's rollback (measured on a real API server with Helm 4.1.4 and
// 3.17.3, docs/driver.md "rollback"): it restores the target's stored manifest
// and adopts nothing. An object the target holds that is live but not in the
// current manifest fails it ("original object CustomResourceDefinition with the
// name ... not found", pkg/kube/client.go update()): every rollback across a
// component switch meets that, since the CRDs and Namespaces of a component
// switched off stay live with helm.sh/resource-policy: keep but leave the
// manifest. And it deletes what the current revision holds as an object and
// the target only as a hook. `helm upgrade` adopts objects that carry this
// release's ownership marks, and the driver's upgrade also applies the CRDs,
// the namespaces and the keep marks first.
#include <sstream>

#include "driver/cli/options.h"
#include "driver/commands/table.h"
#include "driver/release/install_or_upgrade.h"
#include "driver/release/rollback.h"
#include "driver/release/setup.h"

namespace dotk8s {
namespace {

constexpr std::string_view kRollbackDescription =
    "Goes back to an earlier revision of the release by rolling FORWARD to it: a `dotk8s upgrade` with that\n"
    "revision's values, not `helm rollback`. Helm's rollback cannot adopt objects kept live across a\n"
    "component switch (it fails \"original object ... not found\") and deletes what the current revision\n"
    "holds as an object while the target holds it only as a hook.\n"
    "REVISION: default the one before the newest (as helm rollback picks it). A single argument that is a\n"
    "number is the revision (release dot-apps); otherwise it is the release.\n"
    "Steps: helm history RELEASE -n NS -o json (the target must exist and be deployed or superseded, and\n"
    "be made by the chart version dotk8s deploys, Chart.yaml's; else refused before anything changes);\n"
    "helm get values RELEASE -n NS --revision N -o yaml (the values given to that revision) into a file\n"
    "only you can read (mode 0600, never printed, removed afterwards); then every step of `dotk8s upgrade`\n"
    "(namespaces, CRDs server-side, keep marks, pending revisions) and helm upgrade -f <that file>\n"
    "--reset-values, so nothing of the current revision's values is reused. The release gets a new\n"
    "revision (helm history calls it an upgrade). --dry-run prints the commands and runs only the reads.\n"
    "Helm keeps the last 10 revisions (--history-max): older ones cannot be targets.\n";

}  // namespace

CommandSpec RollbackCommandSpec(const std::vector<FlagSpec>& upgrade_flags) {
  // upgrade's flags but those that give values: the values are the target revision's.
  std::vector<FlagSpec> flags;
  for (const FlagSpec& flag : upgrade_flags) {
    if (flag.name != "values" && flag.name != "set" && flag.name != "profile") flags.push_back(flag);
  }
  return {"rollback", "back to an earlier revision by an upgrade to its values (never deletes what it holds)",
          "dotk8s rollback [RELEASE] [REVISION] [-n NS] [--dry-run]", kRollbackDescription, flags,
          RunRollbackCommand};
}

int RunRollbackCommand(std::string_view /*name*/, const CommandLine& line, DriverContext& context) {
  ReleaseOptions options = ParseReleaseOptions(line);
  RollbackTarget wanted;
  std::string error;
  if (!ParseRollbackArguments(options.arguments, &wanted, &error)) {
    context.Error(error, "dotk8s rollback [RELEASE] [REVISION]; helm history RELEASE -n NS lists the revisions");
    return kExitUsage;
  }

  // The same setup the upgrade makes (chart, dependencies, helm, namespace);
  // what it says on success (Helm 3's namespace note) the upgrade says again,
  // so here it is only shown when the setup fails.
  options.arguments = {wanted.release};
  PreparedRelease prepared;
  std::ostringstream setup_messages;
  DriverContext setup_context = context;
  setup_context.err = &setup_messages;
  int code = PrepareRelease(options, setup_context, /*need_dependencies=*/true, &prepared);
  if (code != kExitOk) {
    *context.err << setup_messages.str();
    return code;
  }
  RollbackRevision chosen;
  code = ChooseRollbackRevision(context, prepared, wanted, &chosen);
  if (code != kExitOk) return code;

  // The target's user-supplied values (they may hold passwords): into a
  // private file, never printed. A probe: runs under --dry-run too.
  PrivateValuesFile values_file(context);
  if (values_file.path().empty()) {
    context.Error(values_file.error(), "make the dotk8s cache directory writable (XDG_CACHE_HOME)");
    return kExitFailed;
  }
  code = WriteRevisionValues(context, prepared, chosen.target.revision, values_file);
  if (code != kExitOk) return code;
  SayRollbackPlan(context, prepared, chosen);

  ReleaseOptions upgrade = options;
  upgrade.release_namespace = prepared.release_namespace;
  upgrade.values_files = {values_file.path()};
  upgrade.reset_values = true;
  return InstallOrUpgradeRelease("upgrade", upgrade, context);
}

}  // namespace dotk8s
