// dotk8s uninstall: helm uninstall, after the release's CRDs and namespaces
// are marked to be kept; says what it left and why.
#include <fmt/format.h>
#include <fmt/ranges.h>

#include "driver/cli/options.h"
#include "driver/commands/table.h"
#include "driver/programs/locations.h"
#include "driver/release/setup.h"
#include "driver/release/uninstall.h"

namespace dotk8s {
namespace {

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

}  // namespace

int RunUninstallCommand(std::string_view /*name*/, const CommandLine& line, DriverContext& context) {
  const ReleaseOptions options = ParseReleaseOptions(line);
  PreparedRelease prepared;
  int code = PrepareRelease(options, context, /*need_dependencies=*/false, &prepared);
  if (code != kExitOk) return code;
  ReleaseKeeps kept;
  code = UninstallRelease(context, prepared, KubectlProgram(context, options.programs.kubectl), &kept);
  if (code != kExitOk) return code;
  SayWhatUninstallKept(context, kept);
  return kExitOk;
}

}  // namespace dotk8s
