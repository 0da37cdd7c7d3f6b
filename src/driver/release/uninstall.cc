#include "driver/release/uninstall.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

namespace dotk8s {

int UninstallRelease(DriverContext& context, const PreparedRelease& prepared, const std::string& kubectl,
                     ReleaseKeeps* kept) {
  int code = ProtectReleaseObjects(context, prepared, kubectl, kept);
  if (code != kExitOk) return code;
  if (!kept->unmarked.empty()) {
    // helm uninstall reads keep from the stored manifest, not the live object.
    context.Error(
        fmt::format("release {} was stored without helm.sh/resource-policy: keep on {}: helm uninstall reads that "
                    "mark from the stored release, not from the cluster, so it would delete them and every custom "
                    "resource and object in them",
                    prepared.release, fmt::join(kept->unmarked, ", ")),
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
  return kExitOk;
}

}  // namespace dotk8s
