#ifndef DOTK8S_DRIVER_RELEASE_KUBECTL_STEPS_H_
#define DOTK8S_DRIVER_RELEASE_KUBECTL_STEPS_H_

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "driver/context.h"
#include "driver/programs/process_runner.h"
#include "driver/release/crd_inventory.h"

namespace dotk8s {

/// Every server-side apply dotk8s makes owns its fields under this manager.
inline constexpr std::string_view kFieldManager = "--field-manager=dotk8s";

/// `program args...` with `input` on stdin: an action (changes the cluster).
Command Kubectl(const std::string& program, std::vector<std::string> args, std::string input, std::string purpose);

/// False, with the program's stderr and an error naming the command's
/// purpose, when `result` is a failure.
bool ReportFailure(DriverContext& context, const Command& command, const ProcessResult& result);

/// Runs `command` after a progress line; on failure shows its stderr and an
/// error naming its purpose. Its stdout goes to context.out if `echo_output`.
bool RunStep(DriverContext& context, const Command& command, bool echo_output = false);

/// `kubectl apply --server-side --force-conflicts` of `crds` (name, manifest),
/// then `kubectl wait --for=condition=Established` for those not in
/// `established` (Established before the apply: an update keeps that), ten
/// CRDs per kubectl, side by side.
bool ApplyCrdsServerSide(DriverContext& context, const std::string& kubectl,
                         const std::vector<std::pair<std::string, std::string>>& crds,
                         const std::vector<std::string>& established, bool echo_output = false);

/// The SHA-256 (hex) of a CRD manifest as the chart has it (kAppliedDigestKey).
std::string ManifestDigest(std::string_view manifest);

/// `manifest` with the annotation kAppliedDigestKey: ManifestDigest(manifest),
/// added surgically (every other byte kept); unchanged when it is not one
/// mapping document with metadata.
std::string WithAppliedDigest(std::string_view manifest);

/// The CRDs to apply before helm runs: from crds/ folders (the archives),
/// and templated ones taken from a render of the release, each (name, text).
struct CrdsToApply {
  std::vector<const CrdRecord*> from_crds_folders;
  std::vector<std::pair<std::string, std::string>> templated;
  /// Names of those the cluster already serves (Established): not waited for.
  std::vector<std::string> established;
};

/// ApplyCrdsServerSide of all `crds`, each with WithAppliedDigest, then the templated ones get
/// Helm's ownership marks for `release` in `release_namespace` (label
/// app.kubernetes.io/managed-by=Helm, annotations meta.helm.sh/release-name
/// and meta.helm.sh/release-namespace): Helm adopts an existing object that
/// carries them, and refuses one that does not ("exists and cannot be
/// imported"). Nothing runs when there is nothing to apply.
bool ApplyCrdsForRelease(DriverContext& context, const std::string& kubectl, const CrdsToApply& crds,
                         const std::string& release, const std::string& release_namespace, bool echo_output = false);

}  // namespace dotk8s

#endif  // DOTK8S_DRIVER_RELEASE_KUBECTL_STEPS_H_
