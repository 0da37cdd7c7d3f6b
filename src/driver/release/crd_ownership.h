#ifndef DOTK8S_DRIVER_RELEASE_CRD_OWNERSHIP_H_
#define DOTK8S_DRIVER_RELEASE_CRD_OWNERSHIP_H_

#include <string>
#include <string_view>
#include <vector>

#include "driver/cluster/gateway_api_bundle.h"
#include "driver/context.h"
#include "driver/release/crd_inventory.h"
#include "driver/release/kubectl_steps.h"
#include "driver/release/rendered.h"
#include "driver/release/setup.h"

namespace dotk8s {

/// The field manager of the driver's own server-side applies (kFieldManager).
inline constexpr std::string_view kOwnFieldManager = "dotk8s";

/// Who a live CRD belongs to, as far as the driver may change it.
enum class CrdOwnership {
  kMissing,  ///< not on the cluster: apply it
  kOurs,     ///< only dotk8s's applies own its spec, or it carries this release's Helm marks
  kForeign,  ///< another field manager owns (part of) its spec, or another release's Helm marks
};

/// Classifies `live` (nullptr: missing) for `release` in `release_namespace`;
/// `owner` gets who else manages a foreign one ("field manager another-team",
/// "Helm release keda in keda").
CrdOwnership ClassifyCrd(const LiveCrd* live, const std::string& release, const std::string& release_namespace,
                         std::string* owner);

/// What to apply of `wanted` after looking at the live CRDs, what to say, or
/// why to refuse (then nothing is applied).
struct CrdPlan {
  CrdsToApply to_apply;
  std::vector<std::string> notes;  ///< each said on stderr
  std::string refusal;             ///< set: refuse before anything changes
  std::string hint;
};

/// Pure. Missing and ours: applied (templated ones marked). Foreign, with
/// `take_over`: applied too, and said. Foreign without it: never applied nor
/// marked. A Gateway API bundle with any foreign CRD is one installation: all
/// of it is left alone (missing kinds are not added under another owner's
/// bundle, which would mix channels and versions) when compatible
/// (JudgeGatewayApiBundle with EnvoyGatewayNeeds plus the Gateway API kinds of
/// `rendered_api_kinds`), else refused. Any other foreign CRD is left alone
/// when it serves the version the chart's copy stores and the versions the
/// release renders, else refused; a templated one (KEDA's) is always refused:
/// Helm would not adopt it.
CrdPlan PlanCrdApply(const CrdsToApply& wanted, const std::vector<LiveCrd>& live,
                     const std::vector<std::string>& rendered_api_kinds, const std::string& release,
                     const std::string& release_namespace, bool take_over);

/// Pure. Takes out of `to_apply` every CRD the cluster has as dotk8s applied
/// it: Established, its kAppliedDigestKey the ManifestDigest of the same
/// manifest, dotk8s the only field manager of its spec (another writer owns
/// the fields it changed or added), metadata.generation 1 (its spec never
/// changed since it was created, which also catches an edit that only removed
/// fields: that takes them out of dotk8s's set without naming the editor),
/// and a templated one with this release's Helm marks. Their names go to
/// `unchanged`. A CRD applied before dotk8s wrote the digest, co-owned (Helm's
/// crds/ install, a bundle taken over) or changed since its creation (a newer
/// chart's CRD) is applied as before, every time.
void DropUnchangedCrds(const std::vector<LiveCrd>& live, const std::string& release,
                       const std::string& release_namespace, CrdsToApply* to_apply,
                       std::vector<std::string>* unchanged);

/// The API path of the CRD list (`kubectl get --raw`).
inline constexpr std::string_view kCrdListPath = "/apis/apiextensions.k8s.io/v1/customresourcedefinitions";

/// `kubectl get --raw kCrdListPath`: the read ReadLiveCrds makes.
Command LiveCrdListCommand(const std::string& kubectl);

/// Reads the live CRDs of `names` (one `kubectl get --raw kCrdListPath`, a
/// probe; those not found are missing). Returns an exit code.
int ReadLiveCrds(DriverContext& context, const std::string& kubectl, const std::vector<std::string>& names,
                 std::vector<LiveCrd>* live);

/// The dependency archives of the charts in `charts` (the components that are on).
std::vector<std::string> ArchivesOfRenderedCharts(const std::string& chart_dir, const std::vector<std::string>& charts);

/// Before install, upgrade and `crds apply` change anything: the CRDs of the
/// crds/ folders of the charts that are on (`inventory` keeps them), with the
/// templated ones of the render when `with_templated`, read live, planned
/// (PlanCrdApply; the inventory's notes and the plan's said) into `to_apply`.
/// A refusal is an error (kExitUsage). Returns an exit code.
/// `skip_unchanged` (install, upgrade): DropUnchangedCrds; `crds apply`
/// applies every one, the way to put a CRD back by hand.
int SettleReleaseCrds(DriverContext& context, const PreparedRelease& prepared, const RenderedRelease& rendered,
                      const std::string& kubectl, bool with_templated, bool take_over, bool skip_unchanged,
                      CrdInventory* inventory, CrdsToApply* to_apply);

}  // namespace dotk8s

#endif  // DOTK8S_DRIVER_RELEASE_CRD_OWNERSHIP_H_
