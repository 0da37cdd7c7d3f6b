// dotk8s template: the GitOps route (Argo CD, kubectl apply --server-side):
// helm template through dotk8s-post --gitops, the render on stdout.
#include "driver/cli/options.h"
#include "driver/commands/table.h"
#include "driver/release/setup.h"

namespace dotk8s {

int RunTemplateCommand(std::string_view /*name*/, const CommandLine& line, DriverContext& context) {
  PreparedRelease prepared;
  int code = PrepareRelease(ParseReleaseOptions(line), context, /*need_dependencies=*/true, &prepared);
  if (code != kExitOk) return code;
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

}  // namespace dotk8s
