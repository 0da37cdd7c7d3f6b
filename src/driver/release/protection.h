#ifndef DOTK8S_DRIVER_RELEASE_PROTECTION_H_
#define DOTK8S_DRIVER_RELEASE_PROTECTION_H_

#include <string>
#include <string_view>
#include <vector>

#include "driver/context.h"
#include "driver/release/setup.h"

namespace dotk8s {

/// The CustomResourceDefinitions and Namespaces of a release's live manifest.
struct ReleaseKeeps {
  std::vector<std::string> crds;
  std::vector<std::string> namespaces;
  /// Those of them whose stored manifest has no `helm.sh/resource-policy`:
  /// `helm uninstall` reads the mark there, not in the cluster, so a release
  /// stored by an older version would lose them.
  std::vector<std::string> unmarked;
  /// `helm get manifest` found no such release.
  bool no_release = false;
};

/// The CRD and Namespace names in `manifest` (`helm get manifest` output).
/// False with `error` if it does not read as YAML.
bool ReadReleaseKeeps(std::string_view manifest, ReleaseKeeps* keeps, std::string* error);

/// `helm get manifest RELEASE -n NS`: the read ProtectReleaseObjects starts with.
Command ReleaseManifestCommand(const PreparedRelease& prepared);

/// Before upgrade and uninstall: `helm get manifest RELEASE -n NS` (a probe),
/// then every CRD and Namespace of it that exists is looked up with its
/// resource policy (`kubectl get ... --ignore-not-found -o custom-columns`, a
/// probe) and those not marked yet are annotated
/// `helm.sh/resource-policy=keep`, so that neither the upgrade (a CRD or
/// Namespace no longer rendered) nor the uninstall deletes it, also for
/// releases made by older versions that did not mark them. `kept` gets the
/// names of all that exist (all marked now). No release is not an error
/// (kept->no_release); any other failure is reported and returns kExitFailed.
int ProtectReleaseObjects(DriverContext& context, const PreparedRelease& prepared, const std::string& kubectl,
                          ReleaseKeeps* kept);

}  // namespace dotk8s

#endif  // DOTK8S_DRIVER_RELEASE_PROTECTION_H_
