#include "lifecycle/route_model.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <set>
#include <utility>

#include "core/kinds.h"
#include "core/yaml/outline.h"
#include "core/yaml/read.h"

namespace dotk8s::lifecycle {
namespace {

// Sources: docs/lifecycle-sources.md (helm/helm v4.1.4, v3.17.3, v3.18.0;
// argoproj/argo-cd v3.5.1 with gitops-engine in-tree). Each rule below names
// the lines it follows.

constexpr std::string_view kHelmHook = "helm.sh/hook";
constexpr std::string_view kHookWeight = "helm.sh/hook-weight";
constexpr std::string_view kHookDeletePolicy = "helm.sh/hook-delete-policy";
constexpr std::string_view kResourcePolicy = "helm.sh/resource-policy";
constexpr std::string_view kManagedBy = "app.kubernetes.io/managed-by";
constexpr std::string_view kReleaseName = "meta.helm.sh/release-name";
constexpr std::string_view kReleaseNamespace = "meta.helm.sh/release-namespace";
constexpr std::string_view kArgoHook = "argocd.argoproj.io/hook";
constexpr std::string_view kArgoHookDeletePolicy = "argocd.argoproj.io/hook-delete-policy";
constexpr std::string_view kArgoSyncWave = "argocd.argoproj.io/sync-wave";
constexpr std::string_view kArgoSyncOptions = "argocd.argoproj.io/sync-options";
constexpr std::string_view kArgoCompareOptions = "argocd.argoproj.io/compare-options";
constexpr std::string_view kFluxPrune = "kustomize.toolkit.fluxcd.io/prune";
constexpr std::string_view kFluxOwnerName = "kustomize.toolkit.fluxcd.io/name";
constexpr std::string_view kFluxOwnerNamespace = "kustomize.toolkit.fluxcd.io/namespace";
constexpr std::string_view kCrdKind = "CustomResourceDefinition";
constexpr std::string_view kCrdGroup = "apiextensions.k8s.io";


// helm/helm@v4.1.4 kind_sorter.go:75-115 (UninstallOrder); v3.17.3 :73-110
// starts at APIService (no webhook configurations).
const std::vector<std::string_view>& HelmUninstallOrder(int helm) {
  static const std::vector<std::string_view> v4 = {
      "ValidatingWebhookConfiguration", "MutatingWebhookConfiguration", "APIService", "Ingress", "IngressClass",
      "Service", "CronJob", "Job", "StatefulSet", "HorizontalPodAutoscaler", "Deployment", "ReplicaSet",
      "ReplicationController", "Pod", "DaemonSet", "RoleBindingList", "RoleBinding", "RoleList", "Role",
      "ClusterRoleBindingList", "ClusterRoleBinding", "ClusterRoleList", "ClusterRole", "CustomResourceDefinition",
      "PersistentVolumeClaim", "PersistentVolume", "StorageClass", "ConfigMap", "SecretList", "Secret",
      "ServiceAccount", "PodDisruptionBudget", "PodSecurityPolicy", "LimitRange", "ResourceQuota", "NetworkPolicy",
      "Namespace", "PriorityClass"};
  static const std::vector<std::string_view> v3(v4.begin() + 2, v4.end());
  return helm == 3 ? v3 : v4;
}

// argo-cd@v3.5.1 gitops-engine/pkg/sync/sync_tasks.go:27-63: Helm's old list
// without PriorityClass and the webhooks; every other kind sorts last (:64-67).
const std::vector<std::string_view>& ArgoKindOrder() {
  static const std::vector<std::string_view> kinds = {
      "Namespace", "NetworkPolicy", "ResourceQuota", "LimitRange", "PodSecurityPolicy", "PodDisruptionBudget",
      "ServiceAccount", "Secret", "SecretList", "ConfigMap", "StorageClass", "PersistentVolume",
      "PersistentVolumeClaim", "CustomResourceDefinition", "ClusterRole", "ClusterRoleList", "ClusterRoleBinding",
      "ClusterRoleBindingList", "Role", "RoleList", "RoleBinding", "RoleBindingList", "Service", "DaemonSet", "Pod",
      "ReplicationController", "ReplicaSet", "Deployment", "HorizontalPodAutoscaler", "StatefulSet", "Job",
      "CronJob", "IngressClass", "Ingress", "APIService"};
  return kinds;
}

// Position of `kind` in `order`; unknown kinds get order.size().
std::size_t KindRank(const std::vector<std::string_view>& order, std::string_view kind) {
  auto it = std::find(order.begin(), order.end(), kind);
  return static_cast<std::size_t>(it - order.begin());
}

// Helm's lessByKind (kind_sorter.go:140-165): known kinds by the list, unknown
// kinds after them, alphabetically among themselves.
bool HelmLessByKind(const std::vector<std::string_view>& order, std::string_view a, std::string_view b) {
  const std::size_t ra = KindRank(order, a);
  const std::size_t rb = KindRank(order, b);
  const bool a_known = ra < order.size();
  const bool b_known = rb < order.size();
  if (!a_known && !b_known) return a < b;
  if (a_known != b_known) return a_known;
  return ra < rb;
}

void SortByHelmKind(std::vector<ObjectSpec>& objects, const std::vector<std::string_view>& order) {
  std::stable_sort(objects.begin(), objects.end(), [&order](const ObjectSpec& a, const ObjectSpec& b) {
    return HelmLessByKind(order, a.key.kind, b.key.kind);
  });
}

std::string Trim(std::string_view s) {
  const std::size_t begin = s.find_first_not_of(" \t");
  if (begin == std::string_view::npos) return {};
  const std::size_t end = s.find_last_not_of(" \t");
  return std::string(s.substr(begin, end - begin + 1));
}

std::vector<std::string> SplitList(std::string_view s) {
  std::vector<std::string> parts;
  std::size_t start = 0;
  while (start <= s.size()) {
    std::size_t comma = s.find(',', start);
    if (comma == std::string_view::npos) comma = s.size();
    std::string part = Trim(s.substr(start, comma - start));
    if (!part.empty()) parts.push_back(std::move(part));
    start = comma + 1;
  }
  return parts;
}

bool Contains(const std::vector<std::string>& list, std::string_view item) {
  return std::find(list.begin(), list.end(), item) != list.end();
}

// Go's strconv.Atoi as Helm uses it for weights: anything unparsable is 0.
int ParseInt(const std::string* text) {
  if (text == nullptr) return 0;
  int value = 0;
  const std::string trimmed = Trim(*text);
  const char* begin = trimmed.data() + (trimmed.rfind('+', 0) == 0 ? 1 : 0);
  const char* end = trimmed.data() + trimmed.size();
  auto [ptr, ec] = std::from_chars(begin, end, value);
  if (ec != std::errc() || ptr != end || trimmed.empty()) return 0;
  return value;
}

std::string GroupOf(std::string_view api_version) {
  const std::size_t slash = api_version.find('/');
  return slash == std::string_view::npos ? std::string() : std::string(api_version.substr(0, slash));
}

// spec.names.plural and spec.versions[].name/served of a CRD: the outline reads
// only group, kind and scope, so the document is scanned again for these few
// scalars (capture_under keeps the schemas out).
void ReadCrdVersions(const Document& doc, CrdFacts* facts) {
  OutlineOptions options;
  options.all_scalars = true;
  options.capture_under.push_back({PathElement::Key("spec"), PathElement::Key("names"), PathElement::Key("plural")});
  for (std::size_t i = 0; i < 24; ++i) {
    for (const char* field : {"name", "served"}) {
      options.capture_under.push_back({PathElement::Key("spec"), PathElement::Key("versions"), PathElement::Index(i),
                                       PathElement::Key(field)});
    }
  }
  Outline outline;
  YamlProblem problem;
  if (!BuildOutline(doc.raw, doc.body_offset, options, &outline, &problem)) return;
  std::map<std::size_t, std::pair<std::string, bool>> versions;
  for (const Scalar& scalar : outline.scalars) {
    if (scalar.is_key) continue;
    if (IsPath(scalar.path, {"spec", "names", "plural"})) {
      facts->plural = scalar.value;
    } else if (scalar.path.size() == 4 && scalar.path[2].is_index) {
      if (scalar.path[3].key == "name") versions[scalar.path[2].index].first = scalar.value;
      if (scalar.path[3].key == "served") versions[scalar.path[2].index].second = scalar.value == "true";
    }
  }
  for (const auto& [index, version] : versions) {
    if (version.second) facts->served_versions.push_back(version.first);
  }
}

}  // namespace

// helm/helm@v4.1.4 pkg/release/v1/util/kind_sorter.go:31-70 (InstallOrder).
// Helm 3.17.3/3.18.0 (pkg/releaseutil/kind_sorter.go:31-68) is the same list
// without the two webhook configurations, which are "unknown" there.
const std::vector<std::string_view>& HelmInstallOrder(int helm) {
  static const std::vector<std::string_view> v4 = {
      "PriorityClass", "Namespace", "NetworkPolicy", "ResourceQuota", "LimitRange", "PodSecurityPolicy",
      "PodDisruptionBudget", "ServiceAccount", "Secret", "SecretList", "ConfigMap", "StorageClass",
      "PersistentVolume", "PersistentVolumeClaim", "CustomResourceDefinition", "ClusterRole", "ClusterRoleList",
      "ClusterRoleBinding", "ClusterRoleBindingList", "Role", "RoleList", "RoleBinding", "RoleBindingList",
      "Service", "DaemonSet", "Pod", "ReplicationController", "ReplicaSet", "Deployment",
      "HorizontalPodAutoscaler", "StatefulSet", "Job", "CronJob", "IngressClass", "Ingress", "APIService",
      "MutatingWebhookConfiguration", "ValidatingWebhookConfiguration"};
  static const std::vector<std::string_view> v3(v4.begin(), v4.end() - 2);
  return helm == 3 ? v3 : v4;
}

std::string Describe(const ObjectKey& key) {
  if (key.namespace_.empty()) return fmt::format("{} {}", key.kind, key.name);
  return fmt::format("{} {}/{}", key.kind, key.namespace_, key.name);
}

std::string_view ObjectSpec::Version() const {
  const std::size_t slash = api_version.find('/');
  return slash == std::string::npos ? std::string_view(api_version) : std::string_view(api_version).substr(slash + 1);
}

const std::string* ObjectSpec::Annotation(std::string_view name) const {
  auto it = annotations.find(name);
  return it == annotations.end() ? nullptr : &it->second;
}

bool ReadManifest(std::string_view stream, std::vector<ObjectSpec>* objects, std::string* error) {
  std::vector<Document> docs;
  Diagnostics diagnostics = ReadStream(stream, ReadOptions{}, &docs);
  if (HasErrors(diagnostics)) {
    *error = FormatDiagnostic(diagnostics.front());
    return false;
  }
  for (const Document& doc : docs) {
    if (!doc.IsObject() || doc.Kind().empty()) continue;
    ObjectSpec spec;
    spec.api_version = std::string(doc.ApiVersion());
    spec.key = {GroupOf(spec.api_version), std::string(doc.Kind()), std::string(doc.Namespace()),
                std::string(doc.Name())};
    for (const auto& [k, v] : doc.outline.labels) spec.labels[k] = v;
    // Helm 4 strips its origin annotation after post-rendering (action.go:223-254), and
    // `helm template` prints the stream without it: the API server never sees it.
    for (const auto& [k, v] : doc.outline.annotations) {
      if (k != kHelm4FilenameAnnotation) spec.annotations[k] = v;
    }
    spec.body = doc.Text();
    spec.source = doc.source_path;
    if (IsCrd(doc)) {
      CrdFacts facts;
      facts.group = doc.outline.spec_group;
      facts.kind = doc.outline.spec_names_kind;
      facts.cluster_scoped = doc.outline.spec_scope == "Cluster";
      ReadCrdVersions(doc, &facts);
      spec.crd = std::move(facts);
    }
    objects->push_back(std::move(spec));
  }
  return true;
}

const std::vector<BuiltinKind>& BuiltinKinds() {
  static const std::vector<BuiltinKind> kinds = {
      {"", "Namespace", "namespaces", true},
      {"", "ServiceAccount", "serviceaccounts", false},
      {"", "Secret", "secrets", false},
      {"", "ConfigMap", "configmaps", false},
      {"", "Service", "services", false},
      {"", "Pod", "pods", false},
      {"", "PersistentVolumeClaim", "persistentvolumeclaims", false},
      {"", "PersistentVolume", "persistentvolumes", true},
      {"", "LimitRange", "limitranges", false},
      {"", "ResourceQuota", "resourcequotas", false},
      {"", "Endpoints", "endpoints", false},
      {"apps", "Deployment", "deployments", false},
      {"apps", "DaemonSet", "daemonsets", false},
      {"apps", "StatefulSet", "statefulsets", false},
      {"apps", "ReplicaSet", "replicasets", false},
      {"batch", "Job", "jobs", false},
      {"batch", "CronJob", "cronjobs", false},
      {"policy", "PodDisruptionBudget", "poddisruptionbudgets", false},
      {"autoscaling", "HorizontalPodAutoscaler", "horizontalpodautoscalers", false},
      {"rbac.authorization.k8s.io", "Role", "roles", false},
      {"rbac.authorization.k8s.io", "RoleBinding", "rolebindings", false},
      {"rbac.authorization.k8s.io", "ClusterRole", "clusterroles", true},
      {"rbac.authorization.k8s.io", "ClusterRoleBinding", "clusterrolebindings", true},
      {"admissionregistration.k8s.io", "MutatingWebhookConfiguration", "mutatingwebhookconfigurations", true},
      {"admissionregistration.k8s.io", "ValidatingWebhookConfiguration", "validatingwebhookconfigurations", true},
      {"apiregistration.k8s.io", "APIService", "apiservices", true},
      {"apiextensions.k8s.io", "CustomResourceDefinition", "customresourcedefinitions", true},
      {"networking.k8s.io", "Ingress", "ingresses", false},
      {"networking.k8s.io", "IngressClass", "ingressclasses", true},
      {"networking.k8s.io", "NetworkPolicy", "networkpolicies", false},
      {"scheduling.k8s.io", "PriorityClass", "priorityclasses", true},
      {"storage.k8s.io", "StorageClass", "storageclasses", true},
      {"coordination.k8s.io", "Lease", "leases", false},
  };
  return kinds;
}

const BuiltinKind* FindBuiltinKind(std::string_view group, std::string_view kind) {
  for (const BuiltinKind& k : BuiltinKinds()) {
    if (k.group == group && k.kind == kind) return &k;
  }
  return nullptr;
}

namespace {

bool IsCrdKey(const ObjectKey& key) { return key.group == kCrdGroup && key.kind == kCrdKind; }
bool IsNamespaceKey(const ObjectKey& key) { return key.group.empty() && key.kind == "Namespace"; }

ObjectKey NamespaceKey(std::string_view name) { return {"", "Namespace", "", std::string(name)}; }

// The live CRD that defines group/kind, or nullptr.
const LiveObject* FindDefinition(const Cluster& cluster, std::string_view group, std::string_view kind) {
  for (const auto& [key, live] : cluster.objects) {
    if (IsCrdKey(key) && live.spec.crd && live.spec.crd->group == group && live.spec.crd->kind == kind) return &live;
  }
  return nullptr;
}

// Scope of group/kind: built-in, a live CRD, or a CRD among `stream`; nullopt if unknown.
std::optional<bool> ClusterScoped(const Cluster& cluster, const std::vector<ObjectSpec>& stream,
                                  std::string_view group, std::string_view kind) {
  if (const BuiltinKind* builtin = FindBuiltinKind(group, kind)) return builtin->cluster_scoped;
  if (const LiveObject* crd = FindDefinition(cluster, group, kind)) return crd->spec.crd->cluster_scoped;
  for (const ObjectSpec& spec : stream) {
    if (spec.crd && spec.crd->group == group && spec.crd->kind == kind) return spec.crd->cluster_scoped;
  }
  return std::nullopt;
}

// Cluster-scoped objects lose their namespace; namespaced ones without one get
// `default_namespace` (Helm: the release namespace; kubectl: default; Argo CD:
// the destination).
void ResolveNamespaces(const Cluster& cluster, std::vector<ObjectSpec>& objects, std::string_view default_namespace) {
  for (ObjectSpec& spec : objects) {
    std::optional<bool> cluster_scoped = ClusterScoped(cluster, objects, spec.key.group, spec.key.kind);
    if (cluster_scoped.value_or(false)) {
      spec.key.namespace_.clear();
    } else if (spec.key.namespace_.empty()) {
      spec.key.namespace_ = std::string(default_namespace);
    }
  }
}

}  // namespace

Cluster EmptyCluster() {
  Cluster cluster;
  for (const char* name : {"default", "kube-system", "kube-public", "kube-node-lease"}) {
    LiveObject live;
    live.spec.key = NamespaceKey(name);
    live.spec.api_version = "v1";
    live.spec.body = fmt::format("apiVersion: v1\nkind: Namespace\nmetadata:\n  name: {}\n", name);
    live.created_by = "cluster";
    live.uid = cluster.next_uid++;
    cluster.objects.emplace(live.spec.key, std::move(live));
  }
  return cluster;
}

const LiveObject* FindLive(const Cluster& cluster, const ObjectKey& key) {
  auto it = cluster.objects.find(key);
  return it == cluster.objects.end() ? nullptr : &it->second;
}

bool NamespaceExists(const Cluster& cluster, std::string_view name) {
  return FindLive(cluster, NamespaceKey(name)) != nullptr;
}

bool IsServed(const Cluster& cluster, std::string_view group, std::string_view version, std::string_view kind) {
  if (FindBuiltinKind(group, kind) != nullptr) return true;
  const LiveObject* crd = FindDefinition(cluster, group, kind);
  if (crd == nullptr) return false;
  const std::vector<std::string>& served = crd->spec.crd->served_versions;
  return version.empty() || std::find(served.begin(), served.end(), version) != served.end();
}

std::vector<std::string> ServedCustomKinds(const Cluster& cluster) {
  std::vector<std::string> kinds;
  for (const auto& [key, live] : cluster.objects) {
    if (!IsCrdKey(key) || !live.spec.crd) continue;
    for (const std::string& version : live.spec.crd->served_versions) {
      kinds.push_back(fmt::format("{}/{}/{}", live.spec.crd->group, version, live.spec.crd->kind));
    }
  }
  std::sort(kinds.begin(), kinds.end());
  return kinds;
}

const ReleaseRevision* LastRevision(const ReleaseRecord& record) {
  return record.revisions.empty() ? nullptr : &record.revisions.back();
}

const ReleaseRevision* DeployedRevision(const ReleaseRecord& record) {
  for (auto it = record.revisions.rbegin(); it != record.revisions.rend(); ++it) {
    if (it->status == "deployed") return &*it;
  }
  return nullptr;
}

std::string_view OutcomeName(Outcome outcome) {
  switch (outcome) {
    case Outcome::kCreated: return "created";
    case Outcome::kUpdated: return "updated";
    case Outcome::kUnchanged: return "unchanged";
    case Outcome::kDeleted: return "deleted";
    case Outcome::kNotFound: return "not found";
    case Outcome::kKept: return "kept";
    case Outcome::kFailed: return "FAILED";
  }
  return "?";
}

std::string FormatEvent(const Event& event) {
  std::string text = fmt::format("[{}] {} {} {}: {}", event.phase, event.client, event.verb, Describe(event.object),
                                 OutcomeName(event.outcome));
  if (!event.detail.empty()) text += " (" + event.detail + ")";
  return text;
}

std::string FormatStep(const StepResult& step) {
  std::string text = fmt::format("{}: {}\n", step.name, step.ok ? "ok" : "FAILED: " + step.error);
  for (const Event& event : step.events) text += "  " + FormatEvent(event) + "\n";
  for (const Violation& violation : step.violations) {
    text += fmt::format("  VIOLATION {}: {}\n", violation.rule, violation.message);
  }
  return text;
}

bool HasViolation(const StepResult& step, std::string_view rule) {
  return std::any_of(step.violations.begin(), step.violations.end(),
                     [rule](const Violation& v) { return v.rule == rule; });
}

namespace {

// ---------------------------------------------------------------------------
// A step in progress: the cluster it changes, what it sent, and a snapshot
// taken before it for the invariants that compare before and after.

struct Snapshot {
  std::uint64_t uid = 0;
  std::string body;
  std::string created_by;
};

struct StepRun {
  Cluster* cluster = nullptr;
  StepKind kind = StepKind::kInstall;
  std::string owner;  ///< who the step acts as: "helm dot-system/dot-apps", "kubectl", ...
  std::string release_id;  ///< "namespace/name" of the Helm release the step writes, if any
  std::map<ObjectKey, Snapshot> before;
  StepResult result;
};

StepRun StartStep(Cluster& cluster, std::string name, StepKind kind, std::string owner) {
  StepRun run;
  run.cluster = &cluster;
  run.kind = kind;
  run.owner = std::move(owner);
  run.result.name = std::move(name);
  for (const auto& [key, live] : cluster.objects) run.before[key] = {live.uid, live.spec.body, live.created_by};
  return run;
}

// A step of Helm (or of the driver, which runs it) on `release`.
StepRun StartHelmStep(Cluster& cluster, std::string name, StepKind kind, const HelmRelease& release) {
  StepRun run = StartStep(cluster, std::move(name), kind,
                          fmt::format("helm {}/{}", release.namespace_, release.name));
  run.release_id = release.namespace_ + "/" + release.name;
  return run;
}

void Record(StepRun& run, std::string client, std::string verb, const ObjectKey& key, Outcome outcome,
            std::string_view phase, std::string detail = {}) {
  run.result.events.push_back(
      {std::move(client), std::move(verb), key, outcome, std::string(phase), std::move(detail)});
}

void Violate(StepRun& run, std::string rule, std::string message) {
  run.result.violations.push_back({std::move(rule), std::move(message)});
}

// Marks the step failed with the first error message (what the tool prints).
void Fail(StepRun& run, std::string message) {
  if (run.result.ok) run.result.error = std::move(message);
  run.result.ok = false;
}

// The event that removed `key` in this step, for messages.
std::string HowRemoved(const StepRun& run, const ObjectKey& key) {
  for (auto it = run.result.events.rbegin(); it != run.result.events.rend(); ++it) {
    if (it->object == key && (it->verb == "delete" || it->verb == "gc") && it->outcome == Outcome::kDeleted) {
      return FormatEvent(*it);
    }
  }
  return "no delete event";
}

// A custom resource of the release that the release still renders after an
// upgrade or a rollback (an object or a hook of its last revision) and that was
// live before the step is live after it: nothing the release still wants is
// left deleted (a rollback to a revision where it was a hook deletes it and
// runs no install hook to make it again).
void CheckKeptWhileRendered(StepRun& run) {
  if (run.kind != StepKind::kUpgrade && run.kind != StepKind::kRollback) return;
  auto found = run.cluster->releases.find(run.release_id);
  if (found == run.cluster->releases.end() || found->second.revisions.empty()) return;
  const ReleaseRevision& last = found->second.revisions.back();
  std::set<ObjectKey> rendered;
  for (const std::vector<ObjectSpec>* list : {&last.manifest, &last.hooks}) {
    for (const ObjectSpec& spec : *list) rendered.insert(spec.key);
  }
  for (const auto& [key, snapshot] : run.before) {
    if (snapshot.created_by != run.owner || FindBuiltinKind(key.group, key.kind) != nullptr) continue;
    if (rendered.count(key) == 0 || FindLive(*run.cluster, key) != nullptr) continue;
    Violate(run, "kept-while-rendered",
            fmt::format("{} is gone although revision {} still renders it: {}", Describe(key), last.number,
                        HowRemoved(run, key)));
  }
}

// The invariants that compare the cluster before and after the step (the
// others are checked where the request is sent).
StepResult FinishStep(StepRun& run) {
  const Cluster& cluster = *run.cluster;
  // Tenant custom resources survive every step.
  for (const auto& [key, snapshot] : run.before) {
    if (snapshot.created_by != "tenant") continue;
    const LiveObject* after = FindLive(cluster, key);
    if (after == nullptr || after->uid != snapshot.uid) {
      Violate(run, "tenant-survives",
              fmt::format("{} of a tenant did not survive: {}", Describe(key), HowRemoved(run, key)));
    }
  }
  // No upgrade or uninstall deletes a CRD or a Namespace.
  if (run.kind != StepKind::kInstall) {
    for (const Event& event : run.result.events) {
      if (event.outcome != Outcome::kDeleted) continue;
      if (IsCrdKey(event.object)) {
        Violate(run, "no-crd-delete", fmt::format("deletes {}: {}", Describe(event.object), FormatEvent(event)));
      } else if (IsNamespaceKey(event.object)) {
        Violate(run, "no-namespace-delete", fmt::format("deletes {}: {}", Describe(event.object), FormatEvent(event)));
      }
    }
  }
  // A custom resource of the release is not deleted and re-created by an
  // upgrade (or a rollback) that does not change it (KEDA would drop its HPA
  // and scaling state).
  if (run.kind == StepKind::kUpgrade || run.kind == StepKind::kRollback) {
    for (const auto& [key, snapshot] : run.before) {
      if (snapshot.created_by != run.owner || FindBuiltinKind(key.group, key.kind) != nullptr) continue;
      const LiveObject* after = FindLive(cluster, key);
      if (after != nullptr && after->uid != snapshot.uid && after->spec.body == snapshot.body) {
        Violate(run, "not-recreated",
                fmt::format("{} was deleted and re-created although it did not change", Describe(key)));
      }
    }
  }
  CheckKeptWhileRendered(run);
  return std::move(run.result);
}

// ---------------------------------------------------------------------------
// Requests.

enum class WriteMode {
  kApply,   ///< server-side apply: creates or updates ("patch")
  kCreate,  ///< POST: an existing object is an AlreadyExists error
  kUpdate,  ///< Helm 3's Update: creates missing objects, patches changed ones, sends nothing for unchanged ones
};

struct Writer {
  std::string client;  ///< "Helm", "kubectl", ...
  WriteMode mode = WriteMode::kApply;
  /// Check for silent adoption (Helm checks ordinary objects itself and refuses).
  bool check_adoption = true;
  /// A failure for a missing Namespace or CRD breaks the "created after" invariant
  /// (kubectl's first pass of a GitOps stream is allowed to fail; the route checks convergence).
  bool order_violations = true;
  /// The release whose ownership marks make an existing object adoptable, if any.
  const HelmRelease* release = nullptr;
  /// Who a created object is recorded as created by; empty: the step's owner.
  std::string owner;
  /// Helm's Update when a client-side release is first written server-side
  /// (and every rollback): client-go's csaupgrade turns the manager's update
  /// entry into its apply entry before the apply (v4.1.4 upgrade.go:465-471,
  /// rollback.go:233, pkg/kube/client.go:841-851, :1127-1182).
  bool upgrade_client_side_manager = false;
};

// The field manager of a write (managedFields[].manager): Helm's is its
// binary's name, "helm" (v4.1.4 pkg/kube/client.go:929-945); Argo CD's
// "argocd-controller"; the driver's kubectl "dotk8s" (--field-manager);
// anyone else's the step's owner ("kubectl", "tenant").
std::string FieldManager(const StepRun& run, const Writer& writer) {
  if (writer.client == "Helm") return "helm";
  if (writer.client == "argocd") return "argocd-controller";
  if (writer.client == "flux") return "kustomize-controller";
  return writer.owner.empty() ? run.owner : writer.owner;
}

// The managedFields entry a write is owned under: a server-side apply under
// the manager's name, any other write under "<manager> (update)".
std::string ManagedFieldsEntry(const std::string& manager, WriteMode mode) {
  return mode == WriteMode::kApply ? manager : manager + " (update)";
}

// A write owns every annotation it sets.
void OwnAnnotations(LiveObject& live, const ObjectSpec& spec, const std::string& entry) {
  for (const auto& [k, v] : spec.annotations) live.annotation_managers[k].insert(entry);
}

// Server-side apply's field ownership, for annotations: what the same
// manager's previous apply set and this one lacks is removed from the object,
// unless another entry owns it too (an update by anyone, another manager's
// apply). A client-side write removes nothing here: Helm's three-way merge
// would drop only what the previous MANIFEST had, and a hook's or the
// driver's annotations are in none. Returns the annotations removed.
std::vector<std::string> DropUnappliedAnnotations(LiveObject& live, const ObjectSpec& spec, const std::string& manager,
                                                  bool upgrade_client_side_manager) {
  std::vector<std::string> dropped;
  const std::string update_entry = manager + " (update)";
  for (auto it = live.annotation_managers.begin(); it != live.annotation_managers.end();) {
    std::set<std::string>& owners = it->second;
    if (upgrade_client_side_manager && owners.erase(update_entry) > 0) owners.insert(manager);
    if (owners.count(manager) > 0 && spec.annotations.count(it->first) == 0) {
      owners.erase(manager);
      if (owners.empty()) {
        live.spec.annotations.erase(it->first);
        dropped.push_back(it->first);
        it = live.annotation_managers.erase(it);
        continue;
      }
    }
    ++it;
  }
  return dropped;
}

bool HasHelmOwnership(const StringMap& labels, const StringMap& annotations, const HelmRelease& release) {
  auto value = [](const StringMap& map, std::string_view key) {
    auto it = map.find(key);
    return it == map.end() ? std::string() : it->second;
  };
  return value(labels, kManagedBy) == "Helm" && value(annotations, kReleaseName) == release.name &&
         value(annotations, kReleaseNamespace) == release.namespace_;
}

// Labels or annotations `spec` would add to or change on `live`.
std::vector<std::string> MetadataChanges(const LiveObject& live, const ObjectSpec& spec) {
  std::vector<std::string> changes;
  for (const auto& [k, v] : spec.labels) {
    auto it = live.spec.labels.find(k);
    if (it == live.spec.labels.end() || it->second != v) changes.push_back("label " + k);
  }
  for (const auto& [k, v] : spec.annotations) {
    auto it = live.spec.annotations.find(k);
    if (it == live.spec.annotations.end() || it->second != v) changes.push_back("annotation " + k);
  }
  return changes;
}

// The resource an API server message names: "namespaces", "scaledobjects.keda.sh".
std::string QualifiedResource(const Cluster& cluster, const ObjectKey& key) {
  std::string resource = key.kind;
  if (const BuiltinKind* builtin = FindBuiltinKind(key.group, key.kind)) {
    resource = std::string(builtin->resource);
  } else if (const LiveObject* crd = FindDefinition(cluster, key.group, key.kind)) {
    resource = crd->spec.crd->plural;
  }
  return key.group.empty() ? resource : resource + "." + key.group;
}

void Cascade(StepRun& run, const LiveObject& removed);

// Deletes `key` (404 if absent) and what the API server deletes with it.
Outcome Remove(StepRun& run, std::string client, const ObjectKey& key, std::string_view phase,
               std::string detail = {}) {
  auto it = run.cluster->objects.find(key);
  if (it == run.cluster->objects.end()) {
    Record(run, std::move(client), "delete", key, Outcome::kNotFound, phase, std::move(detail));
    return Outcome::kNotFound;
  }
  LiveObject removed = std::move(it->second);
  run.cluster->objects.erase(it);
  Record(run, std::move(client), "delete", key, Outcome::kDeleted, phase, std::move(detail));
  Cascade(run, removed);
  return Outcome::kDeleted;
}

// A deleted CRD takes every custom resource of its group/kind with it; a
// deleted Namespace everything in it (garbage collection by the API server).
void Cascade(StepRun& run, const LiveObject& removed) {
  const ObjectKey& key = removed.spec.key;
  std::vector<ObjectKey> gone;
  for (const auto& [k, live] : run.cluster->objects) {
    if (IsCrdKey(key) && removed.spec.crd && k.group == removed.spec.crd->group && k.kind == removed.spec.crd->kind) {
      gone.push_back(k);
    } else if (IsNamespaceKey(key) && k.namespace_ == key.name) {
      gone.push_back(k);
    }
  }
  for (const ObjectKey& k : gone) {
    run.cluster->objects.erase(k);
    Record(run, "apiserver", "gc", k, Outcome::kDeleted, "cascade", fmt::format("with {}", Describe(key)));
  }
}

// Sends one write. Fails (and breaks the order invariant) when the kind is not
// served or the namespace does not exist.
Outcome Write(StepRun& run, const ObjectSpec& spec, const Writer& writer, std::string_view phase) {
  Cluster& cluster = *run.cluster;
  const ObjectKey& key = spec.key;
  auto it = cluster.objects.find(key);
  const bool exists = it != cluster.objects.end();
  std::string verb = writer.mode == WriteMode::kCreate || (writer.mode == WriteMode::kUpdate && !exists) ? "create"
                                                                                                         : "patch";
  if (!IsServed(cluster, key.group, spec.Version(), key.kind)) {
    std::string detail = fmt::format("no matches for kind \"{}\" in version \"{}\"", key.kind, spec.api_version);
    if (writer.order_violations) {
      Violate(run, "crd-first", fmt::format("{} is sent before its CRD serves {}", Describe(key), spec.api_version));
    }
    Record(run, writer.client, verb, key, Outcome::kFailed, phase, detail);
    return Outcome::kFailed;
  }
  if (!key.namespace_.empty() && !NamespaceExists(cluster, key.namespace_)) {
    if (writer.order_violations) {
      Violate(run, "namespace-first", fmt::format("{} is sent before its Namespace exists", Describe(key)));
    }
    Record(run, writer.client, verb, key, Outcome::kFailed, phase,
           fmt::format("namespaces \"{}\" not found", key.namespace_));
    return Outcome::kFailed;
  }
  const std::string manager = FieldManager(run, writer);
  if (!exists) {
    LiveObject live;
    live.spec = spec;
    live.created_by = writer.owner.empty() ? run.owner : writer.owner;
    live.uid = cluster.next_uid++;
    OwnAnnotations(live, spec, ManagedFieldsEntry(manager, writer.mode));
    cluster.objects.emplace(key, std::move(live));
    Record(run, writer.client, verb, key, Outcome::kCreated, phase);
    return Outcome::kCreated;
  }
  LiveObject& live = it->second;
  if (writer.mode == WriteMode::kCreate) {
    // The API server's AlreadyExists (409): `namespaces "keda" already exists`.
    Record(run, writer.client, verb, key, Outcome::kFailed, phase,
           fmt::format("{} \"{}\" already exists", QualifiedResource(cluster, key), key.name));
    return Outcome::kFailed;
  }
  std::vector<std::string> changes = MetadataChanges(live, spec);
  const std::string& owner = writer.owner.empty() ? run.owner : writer.owner;
  if (writer.check_adoption && live.created_by != owner && !changes.empty() &&
      !(writer.release != nullptr && HasHelmOwnership(live.spec.labels, live.spec.annotations, *writer.release))) {
    Violate(run, "no-silent-adoption",
            fmt::format("{} takes over {}, created by {}, without ownership marks: it sets {}", writer.client,
                        Describe(key), live.created_by, fmt::join(changes, ", ")));
  }
  if (writer.mode == WriteMode::kUpdate && changes.empty() && live.spec.body == spec.body) {
    Record(run, writer.client, verb, key, Outcome::kUnchanged, phase, "no change, no request");
    return Outcome::kUnchanged;
  }
  // Labels and annotations merge key by key: a field another manager wrote
  // stays; an annotation this manager's last apply set and this apply lacks goes.
  std::vector<std::string> dropped;
  if (writer.mode == WriteMode::kApply) {
    dropped = DropUnappliedAnnotations(live, spec, manager, writer.upgrade_client_side_manager);
  }
  StringMap labels = live.spec.labels;
  StringMap annotations = live.spec.annotations;
  for (const auto& [k, v] : spec.labels) labels[k] = v;
  for (const auto& [k, v] : spec.annotations) annotations[k] = v;
  live.spec = spec;
  live.spec.labels = std::move(labels);
  live.spec.annotations = std::move(annotations);
  OwnAnnotations(live, spec, ManagedFieldsEntry(manager, writer.mode));
  Record(run, writer.client, verb, key, Outcome::kUpdated, phase,
         dropped.empty() ? std::string() : fmt::format("removes {} (field ownership)", fmt::join(dropped, ", ")));
  return Outcome::kUpdated;
}

// Writes the CRDs of `files`; returns false (step failed) if one does not read.
bool WriteCrdFiles(StepRun& run, const std::vector<CrdFile>& files, const Writer& writer, std::string_view phase) {
  for (const CrdFile& file : files) {
    std::vector<ObjectSpec> objects;
    std::string error;
    if (!ReadManifest(file.text, &objects, &error)) {
      Fail(run, fmt::format("{}: {}", file.path, error));
      return false;
    }
    for (ObjectSpec& spec : objects) {
      if (!spec.crd) continue;
      spec.source = file.path;
      spec.key.namespace_.clear();
      Outcome outcome = Write(run, spec, writer, phase);
      if (outcome == Outcome::kFailed && writer.mode == WriteMode::kCreate) {
        // Client-side, crds/ are POSTed and an existing CRD's 409 is skipped ("If the error is
        // CRD already exists, continue.", v3.17.3 install.go:172-177, v4.1.4 :206-211): the
        // first copy wins. The request is sent and refused, as the traces show.
        run.result.events.back().detail += ": skipped, the first copy wins";
      }
    }
  }
  return true;
}

// ---------------------------------------------------------------------------
// Helm.

struct HookInfo {
  std::vector<std::string> events;
  int weight = 0;
  std::vector<std::string> delete_policies;
};

struct HelmHook {
  ObjectSpec spec;
  HookInfo info;
};

// helm/helm@v4.1.4 manifest_sorter.go:54-66: the events Helm knows.
bool IsKnownHookEvent(std::string_view event) {
  static const std::set<std::string_view> known = {
      "pre-install", "post-install", "pre-delete", "post-delete", "pre-upgrade", "post-upgrade",
      "pre-rollback", "post-rollback", "test", "test-success"};
  return known.count(event) > 0;
}

// Reads helm.sh/hook*. Returns nullopt for an object that is no hook; sets
// `dropped` when one of its events is unknown, which makes Helm drop the whole
// document (v4.1.4 manifest_sorter.go:187-201 "skipping unknown hooks").
std::optional<HookInfo> ReadHelmHook(const ObjectSpec& spec, bool* dropped) {
  *dropped = false;
  const std::string* hook = spec.Annotation(kHelmHook);
  if (hook == nullptr) return std::nullopt;
  HookInfo info;
  for (std::string event : SplitList(*hook)) {
    std::transform(event.begin(), event.end(), event.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    if (!IsKnownHookEvent(event)) {
      *dropped = true;
      return std::nullopt;
    }
    info.events.push_back(event);
  }
  info.weight = ParseInt(spec.Annotation(kHookWeight));  // manifest_sorter.go:224-234 (Atoi, else 0)
  if (const std::string* policy = spec.Annotation(kHookDeletePolicy)) info.delete_policies = SplitList(*policy);
  // No policy given: before-hook-creation (v4.1.4 hooks.go:237-247, v3.17.3 hooks.go:46-57).
  if (info.delete_policies.empty()) info.delete_policies.push_back("before-hook-creation");
  return info;
}

// What Helm installs: the release's ordinary objects in creation order and its hooks.
struct HelmManifest {
  std::vector<ObjectSpec> objects;
  std::vector<HelmHook> hooks;
};

// Splits a rendered release the way the Helm version does.
// Helm 4 post-renders hooks too, then extracts them and sorts by InstallOrder
// (v4.1.4 action.go:325-355). Helm 3 extracted hooks before the post-renderer
// and uses its output as is: not re-sorted, hook annotations inert
// (v3.17.3 action.go:165-168, :225-230); its hooks come separately.
bool ReadHelmRelease(StepRun& run, const HelmRelease& release, std::string_view stream,
                     std::string_view helm3_hooks, HelmManifest* manifest) {
  std::vector<ObjectSpec> objects;
  std::vector<ObjectSpec> hook_objects;
  std::string error;
  if (!ReadManifest(stream, &objects, &error)) {
    Fail(run, "the post-renderer's output does not read: " + error);
    return false;
  }
  if (release.helm == 3 && !ReadManifest(helm3_hooks, &hook_objects, &error)) {
    Fail(run, "the chart's hooks do not read: " + error);
    return false;
  }
  std::vector<ObjectSpec>& hook_source = release.helm == 3 ? hook_objects : objects;
  ResolveNamespaces(*run.cluster, objects, release.namespace_);
  ResolveNamespaces(*run.cluster, hook_objects, release.namespace_);
  // Hooks are pre-sorted by kind (manifest_sorter.go:109, sortHooksByKind).
  SortByHelmKind(hook_source, HelmInstallOrder(release.helm));
  for (ObjectSpec& spec : hook_source) {
    bool dropped = false;
    std::optional<HookInfo> info = ReadHelmHook(spec, &dropped);
    if (dropped) {
      Record(run, "Helm", "build", spec.key, Outcome::kKept, "render", "unknown hook event: Helm drops the document");
    } else if (info) {
      manifest->hooks.push_back({spec, *info});
    } else if (release.helm == 4) {
      manifest->objects.push_back(spec);
    }
  }
  if (release.helm == 3) {
    manifest->objects = std::move(objects);
  } else {
    SortByHelmKind(manifest->objects, HelmInstallOrder(4));
  }
  return true;
}

// Build maps every object through the REST mapper: an unserved kind fails the
// whole install or upgrade before anything is created (v4.1.4 install.go:389-392,
// upgrade.go:337; v3.17.3 install.go:332-335).
bool BuildAll(StepRun& run, const std::vector<ObjectSpec>& objects, std::string_view what) {
  for (const ObjectSpec& spec : objects) {
    if (IsServed(*run.cluster, spec.key.group, spec.Version(), spec.key.kind)) continue;
    Record(run, "Helm", "build", spec.key, Outcome::kFailed, "build",
           fmt::format("no matches for kind \"{}\" in version \"{}\"", spec.key.kind, spec.api_version));
    Violate(run, "crd-first", fmt::format("{} is built before its CRD serves {}", Describe(spec.key), spec.api_version));
    Fail(run, fmt::format("unable to build kubernetes objects from {}: resource mapping not found for name: \"{}\" "
                          "namespace: \"{}\": no matches for kind \"{}\" in version \"{}\"; ensure CRDs are installed "
                          "first",
                          what, spec.key.name, spec.key.namespace_, spec.key.kind, spec.api_version));
    return false;
  }
  return true;
}

// setMetadataVisitor (v4.1.4 install.go:395, validate.go:33-38, :148-181):
// every non-hook object gets Helm's ownership marks.
void StampOwnership(std::vector<ObjectSpec>& objects, const HelmRelease& release) {
  for (ObjectSpec& spec : objects) {
    spec.labels[std::string(kManagedBy)] = "Helm";
    spec.annotations[std::string(kReleaseName)] = release.name;
    spec.annotations[std::string(kReleaseNamespace)] = release.namespace_;
  }
}

// existingResourceConflict (v4.1.4 install.go:406-415, validate.go:71-132): an
// existing object must carry this release's ownership marks; it is adopted.
bool CheckExisting(StepRun& run, const HelmRelease& release, const std::vector<ObjectSpec>& objects) {
  for (const ObjectSpec& spec : objects) {
    const LiveObject* live = FindLive(*run.cluster, spec.key);
    if (live == nullptr || HasHelmOwnership(live->spec.labels, live->spec.annotations, release)) continue;
    Record(run, "Helm", "build", spec.key, Outcome::kFailed, "ownership", "exists without this release's marks");
    Fail(run, fmt::format("{} exists and cannot be imported into the current release: invalid ownership metadata",
                          Describe(spec.key)));
    return false;
  }
  return true;
}

bool HasPolicy(const HelmHook& hook, std::string_view policy) { return Contains(hook.info.delete_policies, policy); }

// What Helm reports when the hooks of `event` fail: install wraps the error
// (v4.1.4 install.go:506, :552), upgrade too (upgrade.go:458, :506), rollback
// returns it as is (rollback.go:215-216, :283-284).
std::string HookFailure(std::string_view event, std::string_view error) {
  if (event == "pre-upgrade" || event == "post-upgrade") return fmt::format("{} hooks failed: {}", event, error);
  if (event == "pre-rollback" || event == "post-rollback") return std::string(error);
  return fmt::format("failed {}: {}", event, error);
}

// Runs the hooks of one event (v4.1.4 hooks.go; v3.17.3 hooks.go), with the
// release's apply method: server-side an existing hook is patched, client-side
// it is POSTed and an existing one fails with AlreadyExists (v4.1.4
// hooks.go:101-108 and pkg/kube/client.go:312-340; Helm 3 always POSTs,
// v3.17.3 hooks.go:76-81).
bool RunHooks(StepRun& run, const HelmRelease& release, const std::vector<HelmHook>& hooks, std::string_view event,
              bool server_side) {
  std::vector<const HelmHook*> executing;
  for (const HelmHook& hook : hooks) {
    if (Contains(hook.info.events, event)) executing.push_back(&hook);
  }
  // Weight, then name, stable over the kind pre-order (v4.1.4 hooks.go:73-74, :172-177).
  std::stable_sort(executing.begin(), executing.end(), [](const HelmHook* a, const HelmHook* b) {
    if (a->info.weight != b->info.weight) return a->info.weight < b->info.weight;
    return a->spec.key.name < b->spec.key.name;
  });
  Writer writer{"Helm", server_side ? WriteMode::kApply : WriteMode::kCreate, true, true, &release, {}};
  auto deletable = [](const HelmHook* hook) { return !IsCrdKey(hook->spec.key); };  // hooks.go:183-187
  for (const HelmHook* hook : executing) {
    // Each hook is built when it runs (v4.1.4 hooks.go:84).
    if (!IsServed(*run.cluster, hook->spec.key.group, hook->spec.Version(), hook->spec.key.kind)) {
      Record(run, "Helm", "build", hook->spec.key, Outcome::kFailed, event, "kind not served");
      Violate(run, "crd-first", fmt::format("{} hook {} is built before its CRD", event, Describe(hook->spec.key)));
      Fail(run, HookFailure(event, fmt::format("unable to build kubernetes object for {} hook {}: no matches for "
                                               "kind \"{}\"",
                                               event, hook->spec.source, hook->spec.key.kind)));
      return false;
    }
    if (HasPolicy(*hook, "before-hook-creation") && deletable(hook)) {
      Remove(run, "Helm", hook->spec.key, event, "before-hook-creation");
    }
    // A hook whose create fails is deleted by no policy: Helm returns before
    // hook-failed and the earlier hook-succeeded deletions, which follow only a
    // failed wait (v4.1.4 hooks.go:102-108 vs :124-146; v3.17.3 :77-81 vs :88-96).
    // The model's hooks never fail their wait.
    if (Write(run, hook->spec, writer, event) == Outcome::kFailed) {
      Fail(run, HookFailure(event, fmt::format("warning: Hook {} {} failed: {}", event, hook->spec.source,
                                               run.result.events.back().detail)));
      return false;
    }
  }
  // After every hook of the event succeeded: hook-succeeded, in reverse order (v3.17.3 hooks.go:100-107).
  for (std::size_t j = executing.size(); j-- > 0;) {
    if (HasPolicy(*executing[j], "hook-succeeded") && deletable(executing[j])) {
      Remove(run, "Helm", executing[j]->spec.key, event, "hook-succeeded");
    }
  }
  return true;
}

ObjectSpec ReleaseSecret(const HelmRelease& release, int revision) {
  ObjectSpec secret;
  secret.api_version = "v1";
  secret.key = {"", "Secret", release.namespace_, fmt::format("sh.helm.release.v1.{}.v{}", release.name, revision)};
  secret.body = secret.key.name;
  secret.labels["owner"] = "helm";
  return secret;
}

std::string ReleaseId(const HelmRelease& release) { return release.namespace_ + "/" + release.name; }

std::vector<ObjectSpec> HookSpecs(const std::vector<HelmHook>& hooks) {
  std::vector<ObjectSpec> specs;
  for (const HelmHook& hook : hooks) specs.push_back(hook.spec);
  return specs;
}

std::vector<HelmHook> StoredHooks(const std::vector<ObjectSpec>& specs) {
  std::vector<HelmHook> hooks;
  for (const ObjectSpec& spec : specs) {
    bool dropped = false;
    if (std::optional<HookInfo> info = ReadHelmHook(spec, &dropped)) hooks.push_back({spec, *info});
  }
  return hooks;
}

// The apply method of a Helm 4 install: --server-side defaults to true
// (v4.1.4 pkg/cmd/install.go:192; install.go:162). Helm 3 writes client-side.
bool InstallServerSide(const HelmRelease& release) {
  return release.helm == 4 && release.server_side != ServerSide::kFalse;
}

// The apply method of a Helm 4 upgrade or rollback: "auto" follows `previous`,
// the method of the release's last revision (upgrade.go:308) or of the
// rollback's target revision (rollback.go:167): getUpgradeServerSideValue,
// upgrade.go:664-675, `releaseApplyMethod == "ssa"`.
bool FollowServerSide(const HelmRelease& release, bool previous) {
  if (release.helm != 4) return false;
  return release.server_side == ServerSide::kAuto ? previous : release.server_side == ServerSide::kTrue;
}

// The number of the next revision: one more than the last stored.
int NextRevision(const ReleaseRecord& record) {
  const ReleaseRevision* last = LastRevision(record);
  return last == nullptr ? 1 : last->number + 1;
}

// Writes the release Secret of revision `number` and stores the revision with
// `status` until the step marks it deployed: Helm records the release before it
// writes any object (install.go:460-465, upgrade.go:406, rollback.go:87-92);
// an install or upgrade that fails later marks it failed (install.go failRelease,
// upgrade.go:523-533), so those pass "failed". Returns false if the Secret was refused.
bool StoreRevision(StepRun& run, ReleaseRecord& record, const HelmRelease& release, int number, bool server_side,
                   std::vector<ObjectSpec> manifest, std::vector<ObjectSpec> hooks, std::string status) {
  const Outcome written = Write(run, ReleaseSecret(release, number),
                                Writer{"Helm", WriteMode::kCreate, false, true, nullptr, {}}, "release");
  if (written == Outcome::kFailed) return false;
  ReleaseRevision revision;
  revision.number = number;
  revision.status = std::move(status);
  revision.server_side = server_side;
  revision.manifest = std::move(manifest);
  revision.hooks = std::move(hooks);
  record.revisions.push_back(std::move(revision));
  return true;
}

// A successful upgrade or rollback: every deployed revision is superseded
// (upgrade.go:511-514, rollback.go:288-303), `number` is deployed.
void MarkDeployed(ReleaseRecord& record, int number) {
  for (ReleaseRevision& revision : record.revisions) {
    if (revision.status == "deployed") revision.status = "superseded";
    if (revision.number == number) revision.status = "deployed";
  }
}

// KubeClient.Update (v4.1.4 pkg/kube/client.go:566-670; v3.17.3 :380-462), the
// write of an upgrade, a rollback and an install that adopts: each target in
// order; a missing one is created, and a failed create stops the walk
// (:582-588); an existing one must be among `originals`, else "original object
// ... not found" (:600-604); it is updated. Then originals minus targets, in
// the originals' order, deleted unless the LIVE object says keep (:623-650,
// exact "keep"; Background propagation). Returns Helm's error, empty if none.
std::string UpdateObjects(StepRun& run, const std::vector<ObjectSpec>& originals,
                          const std::vector<ObjectSpec>& targets, const Writer& writer, std::string_view phase) {
  Cluster& cluster = *run.cluster;
  std::set<ObjectKey> original_keys;
  for (const ObjectSpec& spec : originals) original_keys.insert(spec.key);
  std::string update_error;
  for (const ObjectSpec& spec : targets) {
    const bool exists = FindLive(cluster, spec.key) != nullptr;
    if (exists && original_keys.count(spec.key) == 0) {
      Record(run, "Helm", "build", spec.key, Outcome::kFailed, phase, "live, but not in the current manifest");
      return fmt::format("original object {} with the name \"{}\" not found", spec.key.kind, spec.key.name);
    }
    if (Write(run, spec, writer, phase) != Outcome::kFailed) continue;
    const std::string error = fmt::format("{}: {}", Describe(spec.key), run.result.events.back().detail);
    if (!exists) return "failed to create resource: " + error;
    if (update_error.empty()) update_error = error;
  }
  if (!update_error.empty()) return update_error;
  std::set<ObjectKey> target_keys;
  for (const ObjectSpec& spec : targets) target_keys.insert(spec.key);
  for (const ObjectSpec& spec : originals) {
    if (target_keys.count(spec.key) > 0) continue;
    const LiveObject* live = FindLive(cluster, spec.key);
    if (live == nullptr) continue;  // info.Get() NotFound: nothing to do
    const std::string* keep = live->spec.Annotation(kResourcePolicy);
    if (keep != nullptr && *keep == "keep") {
      Record(run, "Helm", "delete", spec.key, Outcome::kKept, phase, "live helm.sh/resource-policy: keep");
      continue;
    }
    Remove(run, "Helm", spec.key, phase, "no longer in the release");
  }
  return {};
}

void HelmInstallInto(StepRun& run, const HelmRelease& release, std::string_view stream,
                     const std::vector<CrdFile>& crds, std::string_view helm3_hooks) {
  Cluster& cluster = *run.cluster;
  ReleaseRecord& record = cluster.releases[ReleaseId(release)];
  if (DeployedRevision(record) != nullptr) {
    Fail(run, "cannot re-use a name that is still in use");
    return;
  }
  record.name = release.name;
  record.namespace_ = release.namespace_;
  const bool server_side = InstallServerSide(release);
  const WriteMode create = server_side ? WriteMode::kApply : WriteMode::kCreate;
  // crds/ first (v4.1.4 install.go:313-322): server-side, the last copy of a CRD wins
  // (install.go:193-205); client-side (Helm 3, or --server-side=false) an existing one is
  // skipped, the first wins (install.go:206-211, v3.17.3 :171-177).
  if (!release.skip_crds && !WriteCrdFiles(run, crds, Writer{"Helm", create, true, true, &release, {}}, "crds")) {
    return;
  }
  HelmManifest manifest;
  if (!ReadHelmRelease(run, release, stream, helm3_hooks, &manifest)) return;
  if (!BuildAll(run, manifest.objects, "release manifest")) return;
  StampOwnership(manifest.objects, release);
  if (!CheckExisting(run, release, manifest.objects)) return;
  std::vector<ObjectSpec> adopted;
  for (const ObjectSpec& spec : manifest.objects) {
    if (FindLive(cluster, spec.key) != nullptr) adopted.push_back(spec);
  }
  // --create-namespace: a Namespace without ownership marks (install.go:423-450).
  if (release.create_namespace && !NamespaceExists(cluster, release.namespace_)) {
    ObjectSpec ns;
    ns.api_version = "v1";
    ns.key = NamespaceKey(release.namespace_);
    ns.labels["name"] = release.namespace_;
    ns.body = "namespace " + release.namespace_;
    Write(run, ns, Writer{"Helm", create, false, true, nullptr, {}}, "namespace");
  }
  const int number = NextRevision(record);
  if (!StoreRevision(run, record, release, number, server_side, manifest.objects, HookSpecs(manifest.hooks),
                     "failed")) {
    Fail(run, fmt::format("create: failed to create: namespaces \"{}\" not found", release.namespace_));
    return;
  }
  if (!RunHooks(run, release, manifest.hooks, "pre-install", server_side)) return;
  // Resources: Create, kind by kind, every object tried (client.go:947-985); with
  // adopted objects Update over them (install.go:513-529; v3.17.3 :455-459).
  std::string error;
  if (adopted.empty()) {
    for (const ObjectSpec& spec : manifest.objects) {
      if (Write(run, spec, Writer{"Helm", create, false, true, &release, {}}, "install") == Outcome::kFailed &&
          error.empty()) {
        error = fmt::format("failed to create resource: {}: {}", Describe(spec.key), run.result.events.back().detail);
      }
    }
  } else {
    Writer update{"Helm", server_side ? WriteMode::kApply : WriteMode::kUpdate, false, true, &release, {}};
    error = UpdateObjects(run, adopted, manifest.objects, update, "install");
  }
  if (!error.empty()) {
    Fail(run, error);
    return;
  }
  if (!RunHooks(run, release, manifest.hooks, "post-install", server_side)) return;
  MarkDeployed(record, number);
}

// helm rollback (v4.1.4 pkg/action/rollback.go; v3.17.3 the same without the
// apply method): revision `number` (0: the one before the last) becomes a new
// revision, written over the LAST revision (whatever its status, rollback.go:119-127).
void HelmRollbackInto(StepRun& run, const HelmRelease& release, int number) {
  auto found = run.cluster->releases.find(ReleaseId(release));
  if (found == run.cluster->releases.end() || found->second.revisions.empty()) {
    Fail(run, "release: not found");
    return;
  }
  ReleaseRecord& record = found->second;
  const ReleaseRevision& last = record.revisions.back();
  const int last_number = last.number;
  const int target_number = number == 0 ? last_number - 1 : number;  // rollback.go:129-132
  auto target = std::find_if(record.revisions.begin(), record.revisions.end(),
                             [target_number](const ReleaseRevision& r) { return r.number == target_number; });
  if (target == record.revisions.end()) {
    Fail(run, fmt::format("release has no {} version", target_number));  // rollback.go:139-154
    return;
  }
  const bool server_side = FollowServerSide(release, target->server_side);  // rollback.go:167
  const std::vector<ObjectSpec> current = last.manifest;
  std::vector<ObjectSpec> objects = target->manifest;
  const std::vector<HelmHook> hooks = StoredHooks(target->hooks);
  const int rollback_number = last_number + 1;  // rollback.go:187 (`last` is gone once a revision is added)
  // Created before anything is written (rollback.go:87-92), pending until it ends: a
  // failed rollback hook leaves it so (rollback.go:215-216 returns before any status).
  if (!StoreRevision(run, record, release, rollback_number, server_side, objects, target->hooks, "pending-rollback")) {
    Fail(run, fmt::format("create: failed to create: namespaces \"{}\" not found", release.namespace_));
    return;
  }
  // Build of both manifests (rollback.go:203-210), then only the rollback hooks:
  // the target's install and upgrade hooks do not run (rollback.go:212-220, :281-286).
  if (!BuildAll(run, current, "current release manifest") || !BuildAll(run, objects, "new release manifest")) return;
  if (!RunHooks(run, release, hooks, "pre-rollback", server_side)) return;
  StampOwnership(objects, release);  // rollback.go:222-226
  // Rollback always asks for csaupgrade (rollback.go:233).
  Writer writer{"Helm", server_side ? WriteMode::kApply : WriteMode::kUpdate, false, true, &release, {}, server_side};
  const std::string error = UpdateObjects(run, current, objects, writer, "rollback");
  if (!error.empty()) {
    // rollback.go:235-254: the last revision superseded, the rollback's failed.
    for (ReleaseRevision& revision : record.revisions) {
      if (revision.number == last_number) revision.status = "superseded";
      if (revision.number == rollback_number) revision.status = "failed";
    }
    Fail(run, error);
    return;
  }
  if (!RunHooks(run, release, hooks, "post-rollback", server_side)) return;
  MarkDeployed(record, rollback_number);
}

// --rollback-on-failure (Helm 4) / --atomic (Helm 3) after a failed upgrade:
// a rollback to the newest deployed or superseded revision, in the same step
// (v4.1.4 upgrade.go:550-591; v3.17.3 upgrade.go:504-539).
void RollBackFailedUpgrade(StepRun& run, const HelmRelease& release) {
  const std::string upgrade_error = run.result.error;
  const ReleaseRecord& record = run.cluster->releases.at(ReleaseId(release));
  int target = 0;
  for (const ReleaseRevision& revision : record.revisions) {
    if (revision.status == "deployed" || revision.status == "superseded") target = std::max(target, revision.number);
  }
  if (target == 0) {
    run.result.error = fmt::format("unable to find a previously successful release when attempting to rollback. "
                                   "original upgrade error: {}",
                                   upgrade_error);
    return;
  }
  // The rollback reports its own error; the upgrade's is kept in the message.
  run.result.ok = true;
  run.result.error.clear();
  HelmRollbackInto(run, release, target);
  const std::string rollback_error = run.result.error;
  run.result.ok = false;
  if (!rollback_error.empty()) {
    run.result.error = fmt::format("an error occurred while rolling back the release. original upgrade error: {}: {}",
                                   upgrade_error, rollback_error);
  } else {
    run.result.error = fmt::format("release {} failed, and has been rolled back due to {} being set: {}", release.name,
                                   release.helm == 4 ? "rollback-on-failure" : "atomic", upgrade_error);
  }
}

// The revision an upgrade writes over (upgrade.go:226-267): the deployed one;
// without one, a failed or superseded last revision; nullptr if neither.
const ReleaseRevision* UpgradeBase(const ReleaseRecord& record) {
  if (const ReleaseRevision* deployed = DeployedRevision(record)) return deployed;
  const ReleaseRevision* last = LastRevision(record);
  if (last != nullptr && (last->status == "failed" || last->status == "superseded")) return last;
  return nullptr;
}

void HelmUpgradeInto(StepRun& run, const HelmRelease& release, std::string_view stream,
                     std::string_view helm3_hooks) {
  auto found = run.cluster->releases.find(ReleaseId(release));
  const ReleaseRevision* base = found == run.cluster->releases.end() ? nullptr : UpgradeBase(found->second);
  if (base == nullptr) {
    Fail(run, fmt::format("\"{}\" has no deployed releases", release.name));
    return;
  }
  ReleaseRecord& record = found->second;
  const bool base_server_side = base->server_side;  // `base` may move when a revision is stored
  const ReleaseRevision& last = record.revisions.back();  // there is a base, so a last revision
  if (last.status.rfind("pending", 0) == 0) {  // upgrade.go:241-244 (errPending)
    Fail(run, "another operation (install/upgrade/rollback) is in progress");
    return;
  }
  // "auto" follows the method the last revision was written with (upgrade.go:308).
  const bool server_side = FollowServerSide(release, last.server_side);
  HelmManifest target;
  if (!ReadHelmRelease(run, release, stream, helm3_hooks, &target)) return;
  // validateManifest: Build of the new manifest before any hook (v4.1.4 upgrade.go:337, :644-647).
  if (!BuildAll(run, target.objects, "new release manifest")) return;
  // current := Build(original manifest) (upgrade.go:342-356).
  std::vector<ObjectSpec> originals = base->manifest;
  if (!BuildAll(run, originals, "current release manifest")) return;
  StampOwnership(target.objects, release);
  std::set<ObjectKey> original_keys;
  for (const ObjectSpec& spec : originals) original_keys.insert(spec.key);
  std::vector<ObjectSpec> new_objects;
  for (const ObjectSpec& spec : target.objects) {
    if (original_keys.count(spec.key) == 0) new_objects.push_back(spec);
  }
  if (!CheckExisting(run, release, new_objects)) return;  // upgrade.go:364-385
  for (const ObjectSpec& spec : new_objects) {            // adopted: appended to current (upgrade.go:387-393)
    if (FindLive(*run.cluster, spec.key) != nullptr) originals.push_back(spec);
  }
  const int number = NextRevision(record);
  StoreRevision(run, record, release, number, server_side, target.objects, HookSpecs(target.hooks), "failed");
  if (RunHooks(run, release, target.hooks, "pre-upgrade", server_side)) {
    // The base revision client-side and this upgrade server-side: csaupgrade first (upgrade.go:465).
    Writer writer{"Helm", server_side ? WriteMode::kApply : WriteMode::kUpdate, false, true, &release, {},
                  server_side && !base_server_side};
    const std::string error = UpdateObjects(run, originals, target.objects, writer, "upgrade");  // upgrade.go:466-476
    if (!error.empty()) Fail(run, error);
  }
  if (run.result.ok && RunHooks(run, release, target.hooks, "post-upgrade", server_side)) {
    MarkDeployed(record, number);
    return;
  }
  // failRelease (upgrade.go:523-594): the revision stays failed.
  if (release.rollback_on_failure) RollBackFailedUpgrade(run, release);
}

void HelmUninstallInto(StepRun& run, const HelmRelease& release) {
  Cluster& cluster = *run.cluster;
  auto found = cluster.releases.find(ReleaseId(release));
  if (found == cluster.releases.end() || found->second.revisions.empty()) {
    Fail(run, fmt::format("uninstall: Release not loaded: {}: release: not found", release.name));
    return;
  }
  // The last revision, whatever its status (uninstall.go:98-115).
  const ReleaseRecord record = found->second;
  const ReleaseRevision& last = record.revisions.back();
  const std::vector<HelmHook> hooks = StoredHooks(last.hooks);
  // Helm 4 applies delete hooks server-side whatever the release's method (uninstall.go:136, :166).
  const bool server_side = release.helm == 4;
  if (!RunHooks(run, release, hooks, "pre-delete", server_side)) return;  // uninstall.go:135-142
  // deleteRelease (uninstall.go:257-289): the stored manifest in UninstallOrder,
  // minus the documents with a resource policy in the MANIFEST (resource_policy.go:26-46:
  // "keep" is kept; any other value is neither kept nor deleted). Hooks are not in it.
  std::vector<ObjectSpec> objects = last.manifest;
  SortByHelmKind(objects, HelmUninstallOrder(release.helm));
  for (const ObjectSpec& spec : objects) {
    if (const std::string* policy = spec.Annotation(kResourcePolicy)) {
      Record(run, "Helm", "delete", spec.key, Outcome::kKept, "uninstall",
             fmt::format("helm.sh/resource-policy: {} in the release manifest", *policy));
      continue;
    }
    Remove(run, "Helm", spec.key, "uninstall");
  }
  if (!RunHooks(run, release, hooks, "post-delete", server_side)) return;  // uninstall.go:165-170
  for (const ReleaseRevision& revision : record.revisions) {
    ObjectKey key = ReleaseSecret(release, revision.number).key;
    if (FindLive(cluster, key) != nullptr) Remove(run, "Helm", key, "release");
  }
  cluster.releases.erase(ReleaseId(release));
}

// ---------------------------------------------------------------------------
// The driver.

// Every CRD and Namespace of the stored release manifest that is live gets
// helm.sh/resource-policy=keep (the design's `kubectl annotate` before upgrade
// and uninstall). Upgrade removals read the live object, so this protects
// them there; uninstall reads the stored manifest and does not see it.
void AnnotateKeep(StepRun& run, const HelmRelease& release) {
  auto found = run.cluster->releases.find(ReleaseId(release));
  if (found == run.cluster->releases.end() || found->second.revisions.empty()) return;
  // `helm get manifest`: the last revision (src/driver/release/protection.cc).
  for (const ObjectSpec& spec : found->second.revisions.back().manifest) {
    if (!IsCrdKey(spec.key) && !IsNamespaceKey(spec.key)) continue;
    auto live = run.cluster->objects.find(spec.key);
    if (live == run.cluster->objects.end()) continue;
    std::string& policy = live->second.spec.annotations[std::string(kResourcePolicy)];
    // `kubectl annotate` is an update: its own managedFields entry, which no apply takes away.
    live->second.annotation_managers[std::string(kResourcePolicy)].insert("kubectl-annotate (update)");
    if (policy == "keep") continue;
    policy = "keep";
    Record(run, "kubectl", "patch", spec.key, Outcome::kUpdated, "annotate", "helm.sh/resource-policy=keep");
  }
}

// The driver's CRD step: crds/ of the charts that are on and, with
// `with_templated` (install and upgrade under Helm 3, and `dotk8s crds apply`
// always: the `with_templated` argument in src/driver/release/install_or_upgrade.cc
// and src/driver/commands/crds.cc), the
// templated CRDs of `objects` with Helm's ownership marks so that helm adopts them.
void ApplyDriverCrds(StepRun& run, const HelmRelease& release, const std::vector<ObjectSpec>& objects,
                     const std::vector<CrdFile>& crds, bool with_templated) {
  // The driver's kubectl steps act as "dotk8s": what they create lives outside the release.
  Writer kubectl{"kubectl", WriteMode::kApply, true, true, nullptr, "dotk8s"};
  if (!WriteCrdFiles(run, crds, kubectl, "crds")) return;
  if (!with_templated) return;
  std::vector<ObjectKey> templated;
  for (const ObjectSpec& spec : objects) {
    if (spec.crd && Write(run, spec, kubectl, "crds") != Outcome::kFailed) templated.push_back(spec.key);
  }
  // `kubectl label` then `kubectl annotate` (src/driver/commands/release.cc): two
  // more patches of each, after which helm's ownership check adopts them.
  for (const ObjectKey& key : templated) {
    run.cluster->objects[key].spec.labels[std::string(kManagedBy)] = "Helm";
    Record(run, "kubectl", "patch", key, Outcome::kUpdated, "adopt", "label app.kubernetes.io/managed-by=Helm");
  }
  for (const ObjectKey& key : templated) {
    LiveObject& live = run.cluster->objects[key];
    live.spec.annotations[std::string(kReleaseName)] = release.name;
    live.spec.annotations[std::string(kReleaseNamespace)] = release.namespace_;
    for (std::string_view mark : {kReleaseName, kReleaseNamespace}) {
      live.annotation_managers[std::string(mark)].insert("kubectl-annotate (update)");
    }
    Record(run, "kubectl", "patch", key, Outcome::kUpdated, "adopt", "annotate meta.helm.sh/release-name, -namespace");
  }
}

bool ReadDriverInputs(StepRun& run, const HelmRelease& release, std::string_view stream,
                      std::string_view helm3_hooks, std::vector<ObjectSpec>* objects,
                      std::vector<ObjectSpec>* hook_objects) {
  std::string error;
  if (!ReadManifest(stream, objects, &error) || !ReadManifest(helm3_hooks, hook_objects, &error)) {
    Fail(run, "the planning render does not read: " + error);
    return false;
  }
  ResolveNamespaces(*run.cluster, *objects, release.namespace_);
  ResolveNamespaces(*run.cluster, *hook_objects, release.namespace_);
  return true;
}

void DriverRelease(StepRun& run, const HelmRelease& release, std::string_view stream, const std::vector<CrdFile>& crds,
                   std::string_view helm3_hooks, bool upgrade) {
  if (upgrade) AnnotateKeep(run, release);
  std::vector<ObjectSpec> objects;
  std::vector<ObjectSpec> hook_objects;
  if (!ReadDriverInputs(run, release, stream, helm3_hooks, &objects, &hook_objects)) return;
  // Namespaces first: the release namespace and every namespace an object of the release lives in.
  std::set<std::string> namespaces = {release.namespace_};
  for (const std::vector<ObjectSpec>* list : {&objects, &hook_objects}) {
    for (const ObjectSpec& spec : *list) {
      if (!spec.key.namespace_.empty()) namespaces.insert(spec.key.namespace_);
    }
  }
  Writer kubectl{"kubectl", WriteMode::kApply, true, true, nullptr, "dotk8s"};
  for (const std::string& name : namespaces) {
    ObjectSpec ns;
    ns.api_version = "v1";
    ns.key = NamespaceKey(name);
    ns.body = "namespace " + name;
    if (Write(run, ns, kubectl, "namespaces") == Outcome::kFailed) {
      Fail(run, "kubectl apply of the namespaces failed");
      return;
    }
  }
  ApplyDriverCrds(run, release, objects, crds, release.helm == 3);
  if (!run.result.ok) return;
  HelmRelease helm = release;
  helm.skip_crds = true;
  if (upgrade) {
    HelmUpgradeInto(run, helm, stream, helm3_hooks);
  } else {
    HelmInstallInto(run, helm, stream, crds, helm3_hooks);
  }
}

// ---------------------------------------------------------------------------
// Argo CD.

// argo-cd@v3.5.1 gitops-engine/pkg/sync/sync_tasks.go:15-20.
int PhaseOrder(std::string_view phase) {
  if (phase == "PreSync") return -1;
  if (phase == "Sync") return 0;
  if (phase == "PostSync") return 1;
  return 2;  // SyncFail
}

struct ArgoTask {
  ObjectSpec spec;
  std::string phase = "Sync";
  int wave = 0;
  bool hook = false;
  bool prune = false;
  std::vector<std::string> delete_policies;
};

bool HasSyncOption(const StringMap& annotations, std::string_view option) {
  auto it = annotations.find(kArgoSyncOptions);
  return it != annotations.end() && Contains(SplitList(it->second), option);
}

// The wave of any object: argocd.argoproj.io/sync-wave, else helm.sh/hook-weight
// (syncwaves/waves.go:12-21, hook/helm/weight.go:9-19), else 0.
int ArgoWave(const StringMap& annotations) {
  auto wave = annotations.find(kArgoSyncWave);
  if (wave != annotations.end()) return ParseInt(&wave->second);
  auto weight = annotations.find(kHookWeight);
  return weight == annotations.end() ? 0 : ParseInt(&weight->second);
}

// The sync phases an object runs in; empty for an ordinary resource, nullopt
// for an object the sync leaves out (Skip, a hook with no sync-phase type,
// app-deletion hooks).
std::optional<std::vector<std::string>> ArgoHookPhases(const ObjectSpec& spec) {
  static const std::set<std::string_view> sync_phases = {"PreSync", "Sync", "PostSync"};
  // Argo CD's own annotation wins over Helm's (hook/hook.go:26-32, :43-57).
  if (const std::string* argo = spec.Annotation(kArgoHook)) {
    std::vector<std::string> types = SplitList(*argo);
    if (Contains(types, "Skip")) return std::nullopt;
    std::vector<std::string> phases;
    for (const std::string& type : types) {
      if (sync_phases.count(type) > 0) phases.push_back(type);
    }
    if (!phases.empty()) return phases;
    return std::nullopt;  // SyncFail, PreDelete, PostDelete: not part of a successful sync
  }
  const std::string* helm = spec.Annotation(kHelmHook);
  if (helm == nullptr) return std::vector<std::string>{};
  std::vector<std::string> events = SplitList(*helm);
  // crd-install does not make a hook (hook/helm/hook.go:5-9).
  if (events.size() == 1 && events.front() == "crd-install") return std::vector<std::string>{};
  // hook/helm/type.go:27-32: only these four map; a hook with no type is dropped (ignore/ignore.go:10-12).
  std::vector<std::string> phases;
  for (const std::string& event : events) {
    std::string phase = event == "pre-install" || event == "pre-upgrade"     ? "PreSync"
                        : event == "post-install" || event == "post-upgrade" ? "PostSync"
                                                                              : "";
    if (!phase.empty() && !Contains(phases, phase)) phases.push_back(phase);
  }
  if (phases.empty()) return std::nullopt;
  return phases;
}

bool IsArgoHookOrSkipped(const ObjectSpec& spec) {
  std::optional<std::vector<std::string>> phases = ArgoHookPhases(spec);
  return !phases || !phases->empty();
}

// Union of both delete-policy annotations, BeforeHookCreation by default (hook/delete_policy.go:11-26).
std::vector<std::string> ArgoDeletePolicies(const ObjectSpec& spec) {
  std::vector<std::string> policies;
  if (const std::string* argo = spec.Annotation(kArgoHookDeletePolicy)) policies = SplitList(*argo);
  if (const std::string* helm = spec.Annotation(kHookDeletePolicy)) {
    for (const std::string& p : SplitList(*helm)) {
      std::string mapped = p == "before-hook-creation" ? "BeforeHookCreation"
                           : p == "hook-succeeded"      ? "HookSucceeded"
                           : p == "hook-failed"         ? "HookFailed"
                                                        : "";
      if (!mapped.empty() && !Contains(policies, mapped)) policies.push_back(mapped);
    }
  }
  if (policies.empty()) policies.push_back("BeforeHookCreation");
  return policies;
}

// phase, wave, kind, name (sync_tasks.go:80-110).
bool ArgoLess(const ArgoTask& a, const ArgoTask& b) {
  if (PhaseOrder(a.phase) != PhaseOrder(b.phase)) return PhaseOrder(a.phase) < PhaseOrder(b.phase);
  if (a.wave != b.wave) return a.wave < b.wave;
  const std::size_t ka = KindRank(ArgoKindOrder(), a.spec.key.kind);
  const std::size_t kb = KindRank(ArgoKindOrder(), b.spec.key.kind);
  if (ka != kb) return ka < kb;
  return a.spec.key.name < b.spec.key.name;
}

bool DependsOn(const ArgoTask& dependent, const ArgoTask& dependency) {
  if (IsNamespaceKey(dependency.spec.key)) return dependent.spec.key.namespace_ == dependency.spec.key.name;
  return dependency.spec.crd && dependent.spec.key.group == dependency.spec.crd->group &&
         dependent.spec.key.kind == dependency.spec.crd->kind;
}

// adjustDeps (sync_tasks.go:112-138, :154-157): a Namespace moves before the
// first task in it, a CRD before the first CR of its group/kind, taking over
// that task's phase and wave.
void AdjustDependencies(std::vector<ArgoTask>& tasks) {
  for (std::size_t i = 0; i < tasks.size(); ++i) {
    const bool dependency = !tasks[i].prune && (IsNamespaceKey(tasks[i].spec.key) || tasks[i].spec.crd.has_value());
    if (!dependency) continue;
    for (std::size_t j = 0; j < i; ++j) {
      if (tasks[j].prune || !DependsOn(tasks[j], tasks[i])) continue;
      ArgoTask moved = std::move(tasks[i]);
      moved.phase = tasks[j].phase;
      moved.wave = tasks[j].wave;
      tasks.erase(tasks.begin() + static_cast<std::ptrdiff_t>(i));
      tasks.insert(tasks.begin() + static_cast<std::ptrdiff_t>(j), std::move(moved));
      break;
    }
  }
}

}  // namespace

StepResult HelmInstall(Cluster& cluster, const HelmRelease& release, std::string_view stream,
                       const std::vector<CrdFile>& crds, std::string_view helm3_hooks) {
  StepRun run = StartHelmStep(cluster, fmt::format("helm{} install", release.helm), StepKind::kInstall, release);
  HelmInstallInto(run, release, stream, crds, helm3_hooks);
  return FinishStep(run);
}

StepResult HelmUpgrade(Cluster& cluster, const HelmRelease& release, std::string_view stream,
                       std::string_view helm3_hooks) {
  StepRun run = StartHelmStep(cluster, fmt::format("helm{} upgrade", release.helm), StepKind::kUpgrade, release);
  HelmUpgradeInto(run, release, stream, helm3_hooks);
  return FinishStep(run);
}

StepResult HelmUninstall(Cluster& cluster, const HelmRelease& release) {
  StepRun run = StartHelmStep(cluster, fmt::format("helm{} uninstall", release.helm), StepKind::kUninstall, release);
  HelmUninstallInto(run, release);
  return FinishStep(run);
}

StepResult HelmRollback(Cluster& cluster, const HelmRelease& release, int revision) {
  StepRun run =
      StartHelmStep(cluster, fmt::format("helm{} rollback {}", release.helm, revision), StepKind::kRollback, release);
  HelmRollbackInto(run, release, revision);
  return FinishStep(run);
}

StepResult KubectlApply(Cluster& cluster, std::string_view stream, StepKind kind, int max_passes,
                        std::string_view owner) {
  StepRun run = StartStep(cluster, "kubectl apply --server-side", kind, std::string(owner));
  std::vector<ObjectSpec> objects;
  std::string error;
  if (!ReadManifest(stream, &objects, &error)) {
    Fail(run, error);
    return FinishStep(run);
  }
  ResolveNamespaces(cluster, objects, "default");
  Writer writer{"kubectl", WriteMode::kApply, true, false, nullptr, {}};
  std::vector<std::size_t> pending(objects.size());
  for (std::size_t i = 0; i < pending.size(); ++i) pending[i] = i;
  for (int pass = 1; pass <= max_passes && !pending.empty(); ++pass) {
    run.result.passes = pass;
    const std::string phase = fmt::format("pass {}", pass);
    // kubectl maps every document before it applies any: a custom resource
    // whose CRD comes earlier in the same stream is not mapped in this pass.
    std::vector<std::size_t> mapped;
    std::vector<std::size_t> failed;
    for (std::size_t i : pending) {
      const ObjectSpec& spec = objects[i];
      if (IsServed(cluster, spec.key.group, spec.Version(), spec.key.kind)) {
        mapped.push_back(i);
      } else {
        Record(run, "kubectl", "build", spec.key, Outcome::kFailed, phase,
               "resource mapping not found: ensure CRDs are installed first");
        failed.push_back(i);
      }
    }
    for (std::size_t i : mapped) {
      if (Write(run, objects[i], writer, phase) == Outcome::kFailed) failed.push_back(i);
    }
    std::sort(failed.begin(), failed.end());
    pending = std::move(failed);
  }
  if (!pending.empty()) {
    for (std::size_t i : pending) {
      Violate(run, IsServed(cluster, objects[i].key.group, objects[i].Version(), objects[i].key.kind) ? "namespace-first"
                                                                                                        : "crd-first",
              fmt::format("{} still fails after {} passes", Describe(objects[i].key), max_passes));
    }
    Fail(run, fmt::format("{} objects still fail after {} passes", pending.size(), max_passes));
  }
  return FinishStep(run);
}

StepResult DriverInstall(Cluster& cluster, const HelmRelease& release, std::string_view stream,
                         const std::vector<CrdFile>& crds, std::string_view helm3_hooks) {
  StepRun run = StartHelmStep(cluster, fmt::format("dotk8s install (helm {})", release.helm), StepKind::kInstall, release);
  DriverRelease(run, release, stream, crds, helm3_hooks, false);
  return FinishStep(run);
}

StepResult DriverUpgrade(Cluster& cluster, const HelmRelease& release, std::string_view stream,
                         const std::vector<CrdFile>& crds, std::string_view helm3_hooks) {
  StepRun run = StartHelmStep(cluster, fmt::format("dotk8s upgrade (helm {})", release.helm), StepKind::kUpgrade, release);
  DriverRelease(run, release, stream, crds, helm3_hooks, true);
  return FinishStep(run);
}

StepResult DriverCrdsApply(Cluster& cluster, const HelmRelease& release, std::string_view stream,
                           const std::vector<CrdFile>& crds) {
  StepRun run = StartStep(cluster, "dotk8s crds apply", StepKind::kInstall, "dotk8s");
  std::vector<ObjectSpec> objects;
  std::vector<ObjectSpec> hook_objects;
  if (ReadDriverInputs(run, release, stream, {}, &objects, &hook_objects)) {
    ApplyDriverCrds(run, release, objects, crds, /*with_templated=*/true);
  }
  return FinishStep(run);
}

StepResult DriverUninstall(Cluster& cluster, const HelmRelease& release) {
  StepRun run = StartHelmStep(cluster, fmt::format("dotk8s uninstall (helm {})", release.helm), StepKind::kUninstall, release);
  AnnotateKeep(run, release);
  HelmUninstallInto(run, release);
  return FinishStep(run);
}

StepResult ArgoSync(Cluster& cluster, const ArgoApplication& app, std::string_view stream, StepKind kind) {
  StepRun run = StartStep(cluster, "argocd sync " + app.name, kind, "argocd " + app.name);
  std::vector<ObjectSpec> objects;
  std::string error;
  if (!ReadManifest(stream, &objects, &error)) {
    Fail(run, error);
    return FinishStep(run);
  }
  ResolveNamespaces(cluster, objects, app.destination_namespace);
  ArgoAppRecord& record = cluster.argo_apps[app.name];
  Writer writer{"argocd", WriteMode::kApply, true, true, nullptr, {}};
  if (app.create_namespace && !NamespaceExists(cluster, app.destination_namespace)) {
    ObjectSpec ns;
    ns.api_version = "v1";
    ns.key = NamespaceKey(app.destination_namespace);
    ns.body = "namespace " + app.destination_namespace;
    Write(run, ns, writer, "CreateNamespace");
  }
  std::vector<ArgoTask> tasks;
  std::set<ObjectKey> targets;
  for (const ObjectSpec& spec : objects) {
    std::optional<std::vector<std::string>> phases = ArgoHookPhases(spec);
    if (!phases) {
      Record(run, "argocd", "build", spec.key, Outcome::kKept, "render", "not part of a sync (Skip or no sync phase)");
      continue;
    }
    targets.insert(spec.key);
    if (phases->empty()) {
      tasks.push_back({spec, "Sync", ArgoWave(spec.annotations), false, false, {}});
      continue;
    }
    for (const std::string& phase : *phases) {
      tasks.push_back({spec, phase, ArgoWave(spec.annotations), true, false, ArgoDeletePolicies(spec)});
    }
  }
  // Prune candidates: tracked objects no longer rendered; hooks are never pruned
  // (sync_context.go:964-970). Their wave is the live object's.
  if (app.prune) {
    for (const auto& [key, wave] : record.tracked) {
      const LiveObject* live = FindLive(cluster, key);
      if (targets.count(key) > 0 || live == nullptr || IsArgoHookOrSkipped(live->spec)) continue;
      tasks.push_back({live->spec, "Sync", ArgoWave(live->spec.annotations), false, true, {}});
    }
  }
  std::stable_sort(tasks.begin(), tasks.end(), ArgoLess);
  AdjustDependencies(tasks);
  // Prune tasks run in reverse wave order: the waves are swapped symmetrically (sync_context.go:1097-1125).
  std::set<int> prune_waves;
  for (const ArgoTask& task : tasks) {
    if (task.prune) prune_waves.insert(task.wave);
  }
  std::vector<int> waves(prune_waves.begin(), prune_waves.end());
  for (ArgoTask& task : tasks) {
    if (!task.prune) continue;
    auto at = std::find(waves.begin(), waves.end(), task.wave);
    task.wave = waves[waves.size() - 1 - static_cast<std::size_t>(at - waves.begin())];
  }
  std::stable_sort(tasks.begin(), tasks.end(), [](const ArgoTask& a, const ArgoTask& b) {
    if (PhaseOrder(a.phase) != PhaseOrder(b.phase)) return PhaseOrder(a.phase) < PhaseOrder(b.phase);
    return a.wave < b.wave;
  });
  // Dry run of every task before the first wave (sync_context.go:506-537): an
  // unknown kind fails the sync unless its CRD is part of the sync or the object
  // says SkipDryRunOnMissingResource=true (:1067-1085, :1483-1517).
  for (const ArgoTask& task : tasks) {
    if (task.prune || IsServed(cluster, task.spec.key.group, task.spec.Version(), task.spec.key.kind)) continue;
    const bool crd_in_sync = std::any_of(objects.begin(), objects.end(), [&task](const ObjectSpec& o) {
      return o.crd && o.crd->group == task.spec.key.group && o.crd->kind == task.spec.key.kind;
    });
    if (crd_in_sync || HasSyncOption(task.spec.annotations, "SkipDryRunOnMissingResource=true")) continue;
    Record(run, "argocd", "build", task.spec.key, Outcome::kFailed, "dry-run", "the server could not find the requested resource");
    Violate(run, "crd-first", fmt::format("{} is synced without its CRD", Describe(task.spec.key)));
    Fail(run, fmt::format("one or more synchronization tasks are not valid: {}: the server could not find the "
                          "requested resource",
                          Describe(task.spec.key)));
    return FinishStep(run);
  }
  // One (phase, wave) at a time: prunes, then before-hook-creation deletions,
  // then applies (sync_context.go:660-670, :1584-1701).
  std::vector<const ArgoTask*> ran_hooks;
  bool failed = false;
  for (std::size_t begin = 0; begin < tasks.size() && !failed;) {
    std::size_t end = begin;
    while (end < tasks.size() && tasks[end].phase == tasks[begin].phase && tasks[end].wave == tasks[begin].wave) ++end;
    const std::string phase = fmt::format("{} wave {}", tasks[begin].phase, tasks[begin].wave);
    for (std::size_t i = begin; i < end; ++i) {
      const ArgoTask& task = tasks[i];
      if (!task.prune) continue;
      const LiveObject* live = FindLive(cluster, task.spec.key);
      if (live != nullptr && HasSyncOption(live->spec.annotations, "Prune=false")) {
        Record(run, "argocd", "delete", task.spec.key, Outcome::kKept, "prune", "Prune=false");
        continue;
      }
      Remove(run, "argocd", task.spec.key, "prune");
      record.tracked.erase(task.spec.key);
    }
    for (std::size_t i = begin; i < end; ++i) {
      const ArgoTask& task = tasks[i];
      if (task.hook && Contains(task.delete_policies, "BeforeHookCreation") && FindLive(cluster, task.spec.key)) {
        Remove(run, "argocd", task.spec.key, phase, "BeforeHookCreation");
      }
    }
    for (std::size_t i = begin; i < end; ++i) {
      const ArgoTask& task = tasks[i];
      if (task.prune) continue;
      if (Write(run, task.spec, writer, phase) == Outcome::kFailed) {
        failed = true;
        continue;
      }
      record.tracked[task.spec.key] = task.wave;
      if (task.hook) ran_hooks.push_back(&task);
    }
    begin = end;
  }
  // HookSucceeded hooks go when the whole operation succeeded, HookFailed ones when it failed (:636-655).
  const char* policy = failed ? "HookFailed" : "HookSucceeded";
  for (const ArgoTask* task : ran_hooks) {
    if (Contains(task->delete_policies, policy) && FindLive(cluster, task->spec.key)) {
      Remove(run, "argocd", task->spec.key, task->phase, policy);
    }
  }
  if (failed) Fail(run, "one or more objects failed to apply");
  return FinishStep(run);
}

StepResult ArgoDelete(Cluster& cluster, const ArgoApplication& app) {
  StepRun run = StartStep(cluster, "argocd app delete " + app.name, StepKind::kUninstall, "argocd " + app.name);
  auto found = cluster.argo_apps.find(app.name);
  if (found == cluster.argo_apps.end()) {
    Fail(run, "application not found");
    return FinishStep(run);
  }
  // Reverse wave order (controller/sort_delete.go:24-40); shouldBeDeleted keeps
  // CRDs, Delete=false and helm.sh/resource-policy: keep (appcontroller.go:1252-1261).
  std::vector<std::pair<ObjectKey, int>> tracked(found->second.tracked.begin(), found->second.tracked.end());
  std::stable_sort(tracked.begin(), tracked.end(), [](const auto& a, const auto& b) { return a.second > b.second; });
  for (const auto& [key, wave] : tracked) {
    const LiveObject* live = FindLive(cluster, key);
    if (live == nullptr) continue;
    auto keep = live->spec.annotations.find(kResourcePolicy);
    if (IsCrdKey(key)) {
      Record(run, "argocd", "delete", key, Outcome::kKept, "delete", "CRDs are never deleted with the Application");
    } else if (HasSyncOption(live->spec.annotations, "Delete=false")) {
      Record(run, "argocd", "delete", key, Outcome::kKept, "delete", "Delete=false");
    } else if (keep != live->spec.annotations.end() && Trim(keep->second) == "keep") {
      Record(run, "argocd", "delete", key, Outcome::kKept, "delete", "helm.sh/resource-policy: keep");
    } else {
      Remove(run, "argocd", key, "delete");
    }
  }
  cluster.argo_apps.erase(found);
  return FinishStep(run);
}

ArgoAppStatus ArgoStatus(const Cluster& cluster, const ArgoApplication& app, std::string_view stream, bool prune) {
  ArgoAppStatus status;
  std::vector<ObjectSpec> objects;
  std::string error;
  if (!ReadManifest(stream, &objects, &error)) {
    status.sync = "Unknown";
    return status;
  }
  ResolveNamespaces(cluster, objects, app.destination_namespace);
  std::set<ObjectKey> targets;
  for (const ObjectSpec& spec : objects) {
    std::optional<std::vector<std::string>> phases = ArgoHookPhases(spec);
    if (!phases) continue;  // skipped: no sync status (state.go:981)
    targets.insert(spec.key);
    if (!phases->empty()) continue;  // a hook: no sync status either
    const LiveObject* live = FindLive(cluster, spec.key);
    if (live == nullptr || live->spec.body != spec.body) status.out_of_sync.push_back(spec.key);
  }
  auto found = cluster.argo_apps.find(app.name);
  if (found != cluster.argo_apps.end()) {
    for (const auto& [key, wave] : found->second.tracked) {
      const LiveObject* live = FindLive(cluster, key);
      if (live == nullptr || targets.count(key) > 0 || IsArgoHookOrSkipped(live->spec)) continue;
      status.extraneous.push_back(key);
      // resourceutil.HasAnnotationOption on the live object (state.go:992-996; annotations.go:34-43).
      auto options = live->spec.annotations.find(kArgoCompareOptions);
      const bool ignored = options != live->spec.annotations.end() && Contains(SplitList(options->second), "IgnoreExtraneous");
      (ignored ? status.ignored_extraneous : status.out_of_sync).push_back(key);
    }
  }
  status.sync = status.out_of_sync.empty() ? "Synced" : "OutOfSync";
  if (status.sync != "Synced") {
    for (const ObjectKey& key : status.extraneous) {
      if (!prune || !HasSyncOption(FindLive(cluster, key)->spec.annotations, "Prune=false")) ++status.requires_pruning;
    }
  }
  return status;
}

namespace {

// kustomize.toolkit.fluxcd.io/prune: disabled (or reconcile: disabled) among the
// live object's labels or annotations: ssa's AnyInMetadata (manager_delete.go:87).
bool FluxPruneDisabled(const LiveObject& live) {
  for (const StringMap* map : {&live.spec.labels, &live.spec.annotations}) {
    for (std::string_view key : {kFluxPrune, std::string_view("kustomize.toolkit.fluxcd.io/reconcile")}) {
      auto it = map->find(key);
      if (it != map->end() && it->second == "disabled") return true;
    }
  }
  return false;
}

// deleteObjects (kustomization_controller.go:1399-1417, ssa manager_delete.go:64-97):
// a live object without the Kustomization's owner labels, or with prune
// disabled, is skipped; the rest deleted (Background).
void FluxGarbageCollect(StepRun& run, const FluxKustomization& kustomization, const std::vector<ObjectKey>& stale) {
  for (const ObjectKey& key : stale) {
    const LiveObject* live = FindLive(*run.cluster, key);
    if (live == nullptr) continue;
    auto name = live->spec.labels.find(kFluxOwnerName);
    auto ns = live->spec.labels.find(kFluxOwnerNamespace);
    if (name == live->spec.labels.end() || name->second != kustomization.name || ns == live->spec.labels.end() ||
        ns->second != kustomization.namespace_) {
      Record(run, "flux", "delete", key, Outcome::kKept, "prune", "no owner labels of this Kustomization");
    } else if (FluxPruneDisabled(*live)) {
      Record(run, "flux", "delete", key, Outcome::kKept, "prune", "kustomize.toolkit.fluxcd.io/prune: disabled");
    } else {
      Remove(run, "flux", key, "prune");
    }
  }
}

}  // namespace

StepResult FluxReconcile(Cluster& cluster, const FluxKustomization& kustomization, std::string_view stream,
                         StepKind kind) {
  const std::string id = kustomization.namespace_ + "/" + kustomization.name;
  StepRun run = StartStep(cluster, "flux reconcile kustomization " + kustomization.name, kind, "flux " + id);
  std::vector<ObjectSpec> objects;
  std::string error;
  if (!ReadManifest(stream, &objects, &error)) {
    Fail(run, error);
    return FinishStep(run);
  }
  ResolveNamespaces(cluster, objects, "default");
  // SetOwnerLabels (kustomization_controller.go:462).
  for (ObjectSpec& spec : objects) {
    spec.labels[std::string(kFluxOwnerName)] = kustomization.name;
    spec.labels[std::string(kFluxOwnerNamespace)] = kustomization.namespace_;
  }
  // ApplyAllStaged (ssa manager_apply.go:347-420; utils/is.go:28-56): each stage
  // is dry-run as a whole before anything of it is applied, and waited for.
  auto stage_of = [](const ObjectSpec& spec) {
    if (IsCrdKey(spec.key) || IsNamespaceKey(spec.key) || spec.key.kind == "ClusterRole") return 0;
    const std::string& k = spec.key.kind;
    return k.size() >= 5 && k.compare(k.size() - 5, 5, "Class") == 0 ? 1 : 2;
  };
  Writer writer{"flux", WriteMode::kApply, true, true, nullptr, {}};
  for (int stage = 0; stage < 3 && run.result.ok; ++stage) {
    const std::string phase = fmt::format("stage {}", stage + 1);
    std::vector<const ObjectSpec*> members;
    for (const ObjectSpec& spec : objects) {
      if (stage_of(spec) == stage) members.push_back(&spec);
    }
    for (const ObjectSpec* spec : members) {
      const bool served = IsServed(cluster, spec->key.group, spec->Version(), spec->key.kind);
      if (served && (spec->key.namespace_.empty() || NamespaceExists(cluster, spec->key.namespace_))) continue;
      Record(run, "flux", "build", spec->key, Outcome::kFailed, phase, served ? "namespace not found" : "no matches for kind");
      Violate(run, served ? "namespace-first" : "crd-first", fmt::format("{} is dry-run before its {}",
                                                                         Describe(spec->key), served ? "Namespace" : "CRD"));
      Fail(run, fmt::format("{} dry-run failed", Describe(spec->key)));
    }
    if (!run.result.ok) break;
    for (const ObjectSpec* spec : members) Write(run, *spec, writer, phase);
  }
  if (!run.result.ok) return FinishStep(run);
  // The new inventory, then the stale objects' garbage collection (:490-509, :1095-1125).
  std::set<ObjectKey> inventory;
  for (const ObjectSpec& spec : objects) inventory.insert(spec.key);
  std::set<ObjectKey>& last = cluster.flux_inventories[id];
  std::vector<ObjectKey> stale;
  for (const ObjectKey& key : last) {
    if (inventory.count(key) == 0) stale.push_back(key);
  }
  last = inventory;
  if (kustomization.prune) FluxGarbageCollect(run, kustomization, stale);
  return FinishStep(run);
}

StepResult FluxDelete(Cluster& cluster, const FluxKustomization& kustomization) {
  const std::string id = kustomization.namespace_ + "/" + kustomization.name;
  StepRun run = StartStep(cluster, "flux delete kustomization " + kustomization.name, StepKind::kUninstall, "flux " + id);
  auto found = cluster.flux_inventories.find(id);
  if (found == cluster.flux_inventories.end()) {
    Fail(run, "kustomization not found");
    return FinishStep(run);
  }
  const std::vector<ObjectKey> inventory(found->second.begin(), found->second.end());
  cluster.flux_inventories.erase(found);
  if (kustomization.prune) FluxGarbageCollect(run, kustomization, inventory);  // the finalizer
  return FinishStep(run);
}

StepResult TenantApply(Cluster& cluster, std::string_view stream) {
  StepRun run = StartStep(cluster, "tenant kubectl apply", StepKind::kInstall, "tenant");
  std::vector<ObjectSpec> objects;
  std::string error;
  if (!ReadManifest(stream, &objects, &error)) {
    Fail(run, error);
    return FinishStep(run);
  }
  ResolveNamespaces(cluster, objects, "default");
  for (const ObjectSpec& spec : objects) {
    if (Write(run, spec, Writer{"tenant", WriteMode::kApply, false, true, nullptr, {}}, "tenant") == Outcome::kFailed) {
      Fail(run, fmt::format("{}: {}", Describe(spec.key), run.result.events.back().detail));
    }
  }
  return FinishStep(run);
}

}  // namespace dotk8s::lifecycle
