#ifndef DOTK8S_LIFECYCLE_H_
#define DOTK8S_LIFECYCLE_H_

#include <string>
#include <string_view>
#include <vector>

#include "core/diagnostic.h"
#include "core/yaml/document.h"
#include "core/plan.h"
#include "core/settings.h"

namespace dotk8s {

/// Who applies the stream, which decides the order objects reach the cluster.
struct LifecycleOptions {
  /// --gitops: the stream is applied as it is (Argo CD, `kubectl apply
  /// --server-side`), not installed by Helm: it must carry its CRDs, and hooks
  /// must not run before the namespaces they live in.
  bool gitops = false;
  /// --crds: where the CRDs of the charts' crds/ folders are (Helm never hands
  /// those to a post-renderer); a GitOps stream carries those of the components
  /// that are on.
  std::vector<std::string> crd_paths;
};

/// The route-specific marks that make every route install, upgrade and
/// uninstall without losing data (docs/lifecycle.md has the order of each
/// route, with the Helm and Argo CD source lines it follows):
/// - CRDs rendered as templates (KEDA's) get `helm.sh/resource-policy: keep`:
///   they are release objects, and Helm would otherwise delete them, and every
///   custom resource of them in the cluster, when the component is switched off
///   or the release uninstalled.
/// - Injected Namespaces in a Helm 4 stream become the first pre-install /
///   pre-upgrade hooks (hook-failed delete policy, never before-hook-creation):
///   Helm runs pre-install hooks before it creates any release object, and the
///   components' own hooks live in those namespaces.
/// - A custom resource whose CRD is templated in the same release stays an
///   ordinary release object when the cluster already serves its kind
///   (settings `capabilities.apiVersions`); otherwise, under Helm 4, it becomes
///   a post-install/post-upgrade hook that is not re-created and carries Helm's
///   ownership marks, so the next upgrade adopts it as a release object.
/// - With `gitops`: Namespaces, then CRDs (with those of the crds/ folders),
///   then everything else; pre-install hooks run in the Sync phase after them;
///   Argo CD never prunes or deletes a Namespace or a CRD.
Diagnostics PrepareLifecycle(std::vector<Document>& docs, const Settings& settings, const LifecycleOptions& options,
                             Plan& plan);

/// Annotations of the marks above, for tests and the docs.
inline constexpr std::string_view kResourcePolicyAnnotation = "helm.sh/resource-policy";
inline constexpr std::string_view kHookWeightAnnotation = "helm.sh/hook-weight";
inline constexpr std::string_view kHookDeletePolicyAnnotation = "helm.sh/hook-delete-policy";
inline constexpr std::string_view kArgoHookAnnotation = "argocd.argoproj.io/hook";
inline constexpr std::string_view kArgoHookDeletePolicyAnnotation = "argocd.argoproj.io/hook-delete-policy";
inline constexpr std::string_view kArgoSyncWaveAnnotation = "argocd.argoproj.io/sync-wave";
inline constexpr std::string_view kArgoSyncOptionsAnnotation = "argocd.argoproj.io/sync-options";
inline constexpr std::string_view kArgoCompareOptionsAnnotation = "argocd.argoproj.io/compare-options";
inline constexpr std::string_view kFluxPruneAnnotation = "kustomize.toolkit.fluxcd.io/prune";
/// Lower than any chart's hook weight: the namespaces come before every hook.
inline constexpr std::string_view kNamespaceHookWeight = "-1000";

}  // namespace dotk8s

#endif  // DOTK8S_LIFECYCLE_H_
