#ifndef DOTK8S_DRIVER_RELEASE_PLAN_H_
#define DOTK8S_DRIVER_RELEASE_PLAN_H_

#include <string_view>

#include "driver/context.h"
#include "driver/release/rendered.h"
#include "driver/release/setup.h"

namespace dotk8s {

/// The planning render of install, upgrade and `crds apply` (a probe: it runs
/// under --dry-run too): `helm template` with the release's flags and
/// `--set apps.createNamespaces=true`, so that dotk8s-post injects each
/// component's Namespace with the labels its plan demands, through dotk8s-post
/// with `--notes FILE`. Each plan note is printed to stderr as
/// `dotk8s-post: <note>`. The render holds Secrets: it is read into
/// `rendered`, never printed. Returns an exit code.
int PlanRelease(DriverContext& context, const PreparedRelease& prepared, RenderedRelease* rendered);

/// Prints the notes file dotk8s-post wrote (one `note: ...` a line) to stderr,
/// each as `dotk8s-post: <note>`.
void PrintPlanNotes(const DriverContext& context, std::string_view notes);

}  // namespace dotk8s

#endif  // DOTK8S_DRIVER_RELEASE_PLAN_H_
