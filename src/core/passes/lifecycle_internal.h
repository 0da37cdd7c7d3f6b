#ifndef DOTK8S_LIFECYCLE_INTERNAL_H_
#define DOTK8S_LIFECYCLE_INTERNAL_H_

// The lifecycle pass's state, shared by its two files: lifecycle.cc runs the
// pass (the namespaces, the hooks, the GitOps order) and lifecycle_crds.cc
// does what concerns CRDs (keeping them, the custom resources that wait for
// theirs, the CRDs of the charts' crds/ folders). Include only from those two.

#include <cstddef>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/diagnostic.h"
#include "core/passes/lifecycle.h"
#include "core/plan.h"
#include "core/settings.h"
#include "core/validation/crd_catalog.h"
#include "core/yaml/document.h"

namespace dotk8s::internal {

using Annotations = std::vector<std::pair<std::string, std::string>>;

constexpr std::string_view kKeep = "keep";
// Argo CD never prunes (component switched off) nor deletes (Application
// deleted) these: a Namespace or a CRD takes everything in it along.
constexpr std::string_view kNeverDelete = "Prune=false,Delete=false";
// Kept, an object that left the stream would still count as "requires
// pruning" and keep the Application OutOfSync, and `argocd app sync --prune`
// would exit non-zero (argoproj/argo-cd#8134); extraneous objects with this
// compare option count for neither (argoproj/argo-cd#3485).
constexpr std::string_view kIgnoreWhenExtraneous = "IgnoreExtraneous";
// Flux's kustomize-controller prunes what left the source unless it says so.
constexpr std::string_view kFluxNeverPrune = "disabled";

// The marks of an object a GitOps applier must never prune nor delete.
inline Annotations NeverDeleteMarks(std::string_view wave) {
  return {{std::string(kArgoSyncWaveAnnotation), std::string(wave)},
          {std::string(kArgoSyncOptionsAnnotation), std::string(kNeverDelete)},
          {std::string(kArgoCompareOptionsAnnotation), std::string(kIgnoreWhenExtraneous)},
          {std::string(kFluxPruneAnnotation), std::string(kFluxNeverPrune)}};
}
constexpr std::string_view kNamespaceWave = "-3";
constexpr std::string_view kCrdWave = "-2";
constexpr std::string_view kPreHookWave = "-1";

struct CrdOrigin;  // lifecycle_crds.cc

class Lifecycle {
 public:
  Lifecycle(std::vector<Document>& docs, const Settings& settings, const LifecycleOptions& options, Plan& plan)
      : docs_(docs), settings_(settings), options_(options), plan_(plan) {}

  Diagnostics Run();

 private:
  // The namespaces, the hooks and the GitOps order (lifecycle.cc).
  bool Annotate(Document& doc, const Annotations& annotations);
  void LeaveForeignNamespacesAlone();
  const ExistingNamespace* Existing(std::string_view name) const;
  bool MadeByThisRelease(const ExistingNamespace& existing) const;
  void NamespacesAsFirstHooks();
  void TranslateHooks();
  void MarkNamespaces();
  void NamespacesThenCrdsFirst();

  // The CRDs (lifecycle_crds.cc).
  void ProtectCrds();
  void MarkCrdDependents();
  bool MakeAdoptableHook(Document& doc);
  void ReportCrdDependents(const std::vector<std::string>& hooks, const std::vector<std::string>& helm3_kinds,
                           const std::map<std::string, std::vector<std::string>>& missing);
  bool AddCrdHookFor(const Document& doc);
  const CrdCatalog* ChartCatalog();
  std::optional<Document> CrdDocument(const CrdDefinition& definition, const CrdOrigin& crd_origin,
                                      Annotations marks);
  void AddChartCrds();

  std::vector<Document>& docs_;
  const Settings& settings_;
  const LifecycleOptions& options_;
  Plan& plan_;
  Diagnostics diagnostics_;
  std::size_t next_index_ = docs_.size();
  std::unique_ptr<CrdCatalog> catalog_;
  bool catalog_loaded_ = false;
  /// Names of the crds/ CRDs added as pre-upgrade hooks.
  std::vector<std::string> crd_hooks_;
  std::vector<Document> pending_crds_;
};

}  // namespace dotk8s::internal

#endif  // DOTK8S_LIFECYCLE_INTERNAL_H_
