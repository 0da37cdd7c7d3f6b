#ifndef DOTK8S_TESTS_LIFECYCLE_ROUTE_MODEL_H_
#define DOTK8S_TESTS_LIFECYCLE_ROUTE_MODEL_H_

// A model of the order in which each installation route creates, updates and
// deletes Kubernetes objects, for tests (not product code). A small cluster
// (served kinds come from live CRDs; namespaces; live objects with their
// labels and annotations; Helm releases; Argo CD applications) and one replay
// function per route and step. Every step yields the requests the route would
// send, in order, and the violations of the invariants of the design
// (docs/lifecycle.md; the Helm and Argo CD rules are cited from
// docs/lifecycle-sources.md where they are encoded).
//
// What it leaves out on purpose: field-level merging (labels and annotations
// are merged key by key; of the field managers only who owns each annotation,
// so that a server-side apply that drops one removes it, and not the
// managed-fields patch a rollback sends before some applies), readiness (a created CRD is Established
// at once, a hook Job completes at once, so no hook fails its wait), admission
// webhooks, owner references other than the two cascades that matter here (a
// CRD takes its custom resources with it, a Namespace everything in it).

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

namespace dotk8s::lifecycle {

/// What the API server keys an object by (the version is not part of it).
struct ObjectKey {
  std::string group;
  std::string kind;
  std::string namespace_;  ///< empty for cluster-scoped objects
  std::string name;
  auto operator<=>(const ObjectKey&) const = default;
};

/// "ScaledObject keda/keda-add-ons-http-interceptor", "CustomResourceDefinition scaledobjects.keda.sh".
std::string Describe(const ObjectKey& key);

using StringMap = std::map<std::string, std::string, std::less<>>;

/// What a CustomResourceDefinition declares.
struct CrdFacts {
  std::string group;
  std::string kind;
  std::string plural;
  bool cluster_scoped = false;
  std::vector<std::string> served_versions;
};

/// One object as a manifest describes it.
struct ObjectSpec {
  ObjectKey key;
  std::string api_version;
  StringMap labels;
  StringMap annotations;
  std::string body;    ///< the document's text: equal bodies mean an unchanged object
  std::string source;  ///< template path, crds/ file, "tenant", ...
  std::optional<CrdFacts> crd;

  std::string_view Version() const;
  const std::string* Annotation(std::string_view name) const;
};

/// Reads the objects of a YAML stream with the project's reader (ReadStream).
/// Documents without a kind (empty, comments) are skipped. Namespaces are left
/// as written; the routes fill in the default. Returns false with `error` set
/// if the stream does not read.
bool ReadManifest(std::string_view stream, std::vector<ObjectSpec>* objects, std::string* error);

/// A kind every API server serves, with its REST resource name.
struct BuiltinKind {
  std::string_view group;
  std::string_view kind;
  std::string_view resource;
  bool cluster_scoped;
};
const std::vector<BuiltinKind>& BuiltinKinds();
const BuiltinKind* FindBuiltinKind(std::string_view group, std::string_view kind);

/// An object in the cluster.
struct LiveObject {
  ObjectSpec spec;          ///< as last written; labels and annotations are the live ones
  std::string created_by;   ///< who created it: "helm dot-system/dot-apps", "kubectl", "tenant", "cluster"
  std::uint64_t uid = 0;    ///< new on every creation: tells a re-creation from an update
  /// metadata.managedFields, for annotations only: who owns each live
  /// annotation. A server-side apply is owned as the manager's name ("helm",
  /// "kubectl", "dotk8s", "argocd-controller"); any other write (POST, Helm's
  /// client-side patch, `kubectl annotate`) as "<manager> (update)", a separate
  /// entry, as the API server keeps one per manager and operation. An
  /// annotation a manager's apply owned and its next apply of the object lacks
  /// is removed, unless another entry owns it too.
  std::map<std::string, std::set<std::string>, std::less<>> annotation_managers;
};

/// One revision of a Helm release: what its release Secret stores.
struct ReleaseRevision {
  int number = 0;
  std::string status;  ///< Helm's: "deployed", "superseded", "failed"
  /// The apply method the revision was written with: Helm 4 stores "ssa" or
  /// "csa"; Helm 3 stores none, which Helm 4 reads as client-side
  /// (helm/helm@v4.1.4 pkg/release/v1/release.go:51-53).
  bool server_side = false;
  std::vector<ObjectSpec> manifest;  ///< non-hook objects (rel.Manifest)
  std::vector<ObjectSpec> hooks;
};

/// What Helm keeps in its release Secrets: every revision until uninstall.
struct ReleaseRecord {
  std::string name;
  std::string namespace_;
  std::vector<ReleaseRevision> revisions;  ///< oldest first
};

/// The newest revision whatever its status (Helm's Releases.Last), or nullptr.
const ReleaseRevision* LastRevision(const ReleaseRecord& record);
/// The revision whose status is deployed, or nullptr.
const ReleaseRevision* DeployedRevision(const ReleaseRecord& record);

/// What an Argo CD Application tracks.
struct ArgoAppRecord {
  std::map<ObjectKey, int> tracked;  ///< live objects it manages (hooks included), with their wave
};

struct Cluster {
  std::map<ObjectKey, LiveObject> objects;
  std::map<std::string, ReleaseRecord> releases;  ///< by "namespace/name"
  std::map<std::string, ArgoAppRecord> argo_apps;  ///< by name
  /// What each Flux Kustomization applied last (status.inventory), by "namespace/name".
  std::map<std::string, std::set<ObjectKey>> flux_inventories;
  std::uint64_t next_uid = 1;
};

/// A new cluster: only the namespaces Kubernetes makes (default, kube-system,
/// kube-public, kube-node-lease), created by "cluster".
Cluster EmptyCluster();

const LiveObject* FindLive(const Cluster& cluster, const ObjectKey& key);
bool NamespaceExists(const Cluster& cluster, std::string_view name);
/// True if the API server maps group/version/kind: a built-in kind (any
/// version), or a live CRD that serves that version.
bool IsServed(const Cluster& cluster, std::string_view group, std::string_view version, std::string_view kind);
/// Every group/version/Kind the live CRDs serve: what Helm's .Capabilities.APIVersions holds beyond the built-ins.
std::vector<std::string> ServedCustomKinds(const Cluster& cluster);

enum class Outcome {
  kCreated,    ///< 201
  kUpdated,    ///< 200 on a write
  kUnchanged,  ///< no request (Helm 3 sends no empty patch)
  kDeleted,    ///< 200 on a delete
  kNotFound,   ///< 404 on a delete: nothing to delete, not an error
  kKept,       ///< not deleted: a keep policy or Prune=false / Delete=false
  kFailed,     ///< the request (or the client-side mapping) failed
};
std::string_view OutcomeName(Outcome outcome);

/// One request a route sends (or the API server's own cascade).
struct Event {
  std::string client;  ///< "Helm", "kubectl", "argocd", "tenant"; "apiserver" for a cascade
  std::string verb;    ///< "create" (POST), "patch" (apply/update), "delete", "gc" (cascade), "build" (a client-side check: mapping, ownership; no request)
  ObjectKey object;
  Outcome outcome = Outcome::kCreated;
  std::string phase;   ///< "crds", "namespace", "release", "pre-install", "install", "post-install", "upgrade", "rollback", "prune", "PreSync", ...
  std::string detail;  ///< why it failed or was kept
};
std::string FormatEvent(const Event& event);

/// A broken invariant of the design.
struct Violation {
  std::string rule;  ///< "namespace-first", "crd-first", "no-crd-delete", "no-namespace-delete", "tenant-survives", "not-recreated", "kept-while-rendered", "no-silent-adoption"
  std::string message;
};

struct StepResult {
  std::string name;  ///< "helm4 install", ...
  bool ok = true;
  std::string error;  ///< the route's own failure message (what helm, kubectl or Argo CD would report)
  std::vector<Event> events;
  std::vector<Violation> violations;
  int passes = 0;  ///< kubectl apply: how many times the stream was applied until nothing failed
};
/// The step, its events and violations, one per line (for failure messages).
std::string FormatStep(const StepResult& step);
bool HasViolation(const StepResult& step, std::string_view rule);

/// What a step is to the invariants: upgrades, rollbacks and uninstalls must
/// not delete CRDs or Namespaces; upgrades and rollbacks must not re-create an
/// unchanged custom resource nor leave one the release still renders deleted.
enum class StepKind { kInstall, kUpgrade, kRollback, kUninstall };

/// Helm 4's --server-side. install takes kAuto as true; upgrade and rollback
/// follow the apply method the release was last written with (upgrade.go:308,
/// :664-675; rollback.go:167: the target revision's).
enum class ServerSide { kAuto, kTrue, kFalse };

/// A Helm release and how helm is called.
struct HelmRelease {
  int helm = 4;  ///< 3 or 4
  std::string name = "dot-apps";
  std::string namespace_ = "dot-system";
  bool create_namespace = true;  ///< --create-namespace
  bool skip_crds = false;        ///< --skip-crds
  ServerSide server_side = ServerSide::kAuto;  ///< Helm 4 only: Helm 3 always writes client-side
  /// upgrade: Helm 4 --rollback-on-failure, Helm 3 --atomic: a failed upgrade
  /// rolls back to the newest deployed or superseded revision.
  bool rollback_on_failure = false;
};

/// One file of a chart's crds/ folder.
struct CrdFile {
  std::string path;
  std::string text;
};

/// Helm's InstallOrder of kinds (kind_sorter.go) for Helm 3 or 4: how Helm
/// sorts the objects of a release, in `helm template` output and on install.
const std::vector<std::string_view>& HelmInstallOrder(int helm);

/// helm install: `stream` is what the post-renderer wrote. Under Helm 3 it
/// holds no hooks (hook annotations in it are inert) and the chart's hooks come
/// as `helm3_hooks`; under Helm 4 hooks are read from the stream. `crds` are the
/// crds/ files of the charts that are on, in the order Helm reads them.
StepResult HelmInstall(Cluster& cluster, const HelmRelease& release, std::string_view stream,
                       const std::vector<CrdFile>& crds, std::string_view helm3_hooks = {});
StepResult HelmUpgrade(Cluster& cluster, const HelmRelease& release, std::string_view stream,
                       std::string_view helm3_hooks = {});
StepResult HelmUninstall(Cluster& cluster, const HelmRelease& release);
/// `helm rollback NAME REVISION` (0: the revision before the last): the target
/// revision's manifest and hooks become a new revision; the target's
/// pre-rollback hooks run, then its objects are written (one that is live but
/// not in the last revision's manifest fails the rollback: a rollback adopts
/// nothing), objects of the last revision's manifest that the target lacks are
/// deleted (unless the live object says keep), then its post-rollback hooks
/// run; no other hook. The driver has no rollback command: on its route this is
/// what a user runs too.
StepResult HelmRollback(Cluster& cluster, const HelmRelease& release, int revision);

/// `kubectl apply --server-side -f -` of a whole stream, repeated until a pass
/// has no failure (at most `max_passes`). `owner` names the field manager.
StepResult KubectlApply(Cluster& cluster, std::string_view stream, StepKind kind, int max_passes = 4,
                        std::string_view owner = "kubectl");

/// `dotk8s install` / `dotk8s upgrade`: kubectl server-side applies the
/// Namespaces the release needs and the CRDs (crds/ of the charts that are on;
/// under Helm 3 also the templated ones, with Helm's ownership marks), then runs
/// helm with --skip-crds. `stream` is rendered with apps.createNamespaces=false.
/// Before an upgrade every CRD and Namespace of the release manifest that is
/// live gets helm.sh/resource-policy=keep (kubectl annotate).
StepResult DriverInstall(Cluster& cluster, const HelmRelease& release, std::string_view stream,
                         const std::vector<CrdFile>& crds, std::string_view helm3_hooks = {});
StepResult DriverUpgrade(Cluster& cluster, const HelmRelease& release, std::string_view stream,
                         const std::vector<CrdFile>& crds, std::string_view helm3_hooks = {});
/// `dotk8s crds apply`: the driver's CRD step alone, what plain Helm 3 and the
/// helmfile example need first; the templated CRDs (KEDA's) too, with Helm's
/// ownership marks, whatever the Helm version (src/driver/commands/crds.cc).
StepResult DriverCrdsApply(Cluster& cluster, const HelmRelease& release, std::string_view stream,
                           const std::vector<CrdFile>& crds);
/// `dotk8s uninstall`: the keep annotations, then helm uninstall.
StepResult DriverUninstall(Cluster& cluster, const HelmRelease& release);

/// An Argo CD Application (the example in examples/argocd: no CreateNamespace).
struct ArgoApplication {
  std::string name = "dot-apps";
  std::string destination_namespace = "dot-system";
  bool create_namespace = false;
  bool prune = true;
};
/// One sync of `stream` (what the Config Management Plugin printed).
StepResult ArgoSync(Cluster& cluster, const ArgoApplication& app, std::string_view stream, StepKind kind);
/// Deleting the Application with cascade: its tracked objects go, except CRDs,
/// Delete=false and helm.sh/resource-policy: keep.
StepResult ArgoDelete(Cluster& cluster, const ArgoApplication& app);

/// What Argo CD shows for an Application (argo-cd@v3.5.1 controller/state.go
/// CompareAppState, :930-999): rendered objects that are missing or differ are
/// OutOfSync; a tracked live object no longer rendered (extraneous, "requires
/// pruning") is OutOfSync too, and makes the Application OutOfSync unless the
/// LIVE object's argocd.argoproj.io/compare-options has IgnoreExtraneous
/// (:992-996). Hooks are left out (:981-985).
struct ArgoAppStatus {
  std::string sync;                          ///< "Synced" or "OutOfSync"
  std::vector<ObjectKey> out_of_sync;        ///< what makes it OutOfSync
  std::vector<ObjectKey> extraneous;         ///< tracked, live, no longer rendered
  std::vector<ObjectKey> ignored_extraneous; ///< of those, the ones with IgnoreExtraneous
  /// What `argocd app sync` (the whole app, not a dry run) exits with after the
  /// sync when the Application is not Synced: "N resources require pruning"
  /// (cmd/argocd/commands/app.go:2044-2053), N counting the prunes the sync
  /// skipped other than for Prune=false (types.go:1822-1830; sync_context.go
  /// :1454-1459): without --prune every extraneous object, with --prune none of
  /// Prune=false. 0: the command succeeds.
  int requires_pruning = 0;
};
ArgoAppStatus ArgoStatus(const Cluster& cluster, const ArgoApplication& app, std::string_view stream, bool prune);

/// A Flux Kustomization of the --gitops output (fluxcd/kustomize-controller
/// v1.9.4 with fluxcd/pkg/ssa v0.76.1), spec.prune: true.
struct FluxKustomization {
  std::string name = "dot-apps";
  std::string namespace_ = "flux-system";
  bool prune = true;
};
/// One reconcile: the owner labels on every object, ApplyAllStaged (CRDs,
/// Namespaces and ClusterRoles first, then *Class kinds, then the rest; server
/// side, field manager kustomize-controller), then garbage collection of what
/// the last inventory has and this one lacks: deleted unless the LIVE object
/// lacks the owner labels or says kustomize.toolkit.fluxcd.io/prune: disabled.
StepResult FluxReconcile(Cluster& cluster, const FluxKustomization& kustomization, std::string_view stream,
                         StepKind kind);
/// Deleting the Kustomization (prune: true): its finalizer garbage-collects the
/// whole inventory with the same exclusions.
StepResult FluxDelete(Cluster& cluster, const FluxKustomization& kustomization);

/// Another team's `kubectl apply` of its own objects (Namespaces first in the stream).
StepResult TenantApply(Cluster& cluster, std::string_view stream);

}  // namespace dotk8s::lifecycle

#endif  // DOTK8S_TESTS_LIFECYCLE_ROUTE_MODEL_H_
