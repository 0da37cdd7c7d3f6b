// The model's own rules on small hand-written streams: what each route sends
// first, what it deletes and keeps, and that each invariant can fail.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <map>
#include <string>
#include <vector>

#include "lifecycle/route_model.h"

namespace dotk8s::lifecycle {
namespace {

// The index of the first event on `name` with `verb`, or -1.
int IndexOf(const StepResult& step, std::string_view verb, std::string_view kind, std::string_view name) {
  for (std::size_t i = 0; i < step.events.size(); ++i) {
    const Event& e = step.events[i];
    if (e.verb == verb && e.object.kind == kind && e.object.name == name) return static_cast<int>(i);
  }
  return -1;
}

constexpr std::string_view kCrd = R"(apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: widgets.example.com
spec:
  group: example.com
  names:
    kind: Widget
    plural: widgets
  scope: Namespaced
  versions:
  - name: v1
    served: true
    storage: true
  - name: v0
    served: false
    storage: false
)";

TEST(LifecycleModelTest, ReadsCrdFactsWithTheProjectsReader) {
  std::vector<ObjectSpec> objects;
  std::string error;
  ASSERT_TRUE(ReadManifest(kCrd, &objects, &error)) << error;
  ASSERT_EQ(objects.size(), 1u);
  ASSERT_TRUE(objects[0].crd.has_value());
  EXPECT_EQ(objects[0].crd->group, "example.com");
  EXPECT_EQ(objects[0].crd->kind, "Widget");
  EXPECT_EQ(objects[0].crd->plural, "widgets");
  EXPECT_FALSE(objects[0].crd->cluster_scoped);
  EXPECT_EQ(objects[0].crd->served_versions, std::vector<std::string>{"v1"});
}

TEST(LifecycleModelTest, ServedKindsFollowLiveCrds) {
  Cluster cluster = EmptyCluster();
  EXPECT_TRUE(IsServed(cluster, "apps", "v1", "Deployment"));
  EXPECT_FALSE(IsServed(cluster, "example.com", "v1", "Widget"));
  StepResult applied = KubectlApply(cluster, kCrd, StepKind::kInstall);
  ASSERT_TRUE(applied.ok) << FormatStep(applied);
  EXPECT_TRUE(IsServed(cluster, "example.com", "v1", "Widget"));
  EXPECT_FALSE(IsServed(cluster, "example.com", "v0", "Widget"));
  EXPECT_EQ(ServedCustomKinds(cluster), std::vector<std::string>{"example.com/v1/Widget"});
}

// A document: `annotations` as "key: value" lines (values quoted by the caller when needed).
std::string Doc(std::string_view api_version, std::string_view kind, std::string_view name, std::string_view ns = {},
                const std::vector<std::string>& annotations = {}) {
  std::string text = fmt::format("---\napiVersion: {}\nkind: {}\nmetadata:\n  name: '{}'\n", api_version, kind, name);
  if (!ns.empty()) text += fmt::format("  namespace: {}\n", ns);
  if (!annotations.empty()) {
    text += "  annotations:\n";
    for (const std::string& a : annotations) text += "    " + a + "\n";
  }
  return text;
}

std::string Crd(std::string_view group, std::string_view kind, std::string_view plural,
                const std::vector<std::string>& annotations = {}) {
  std::string text = Doc("apiextensions.k8s.io/v1", "CustomResourceDefinition", fmt::format("{}.{}", plural, group), {},
                         annotations);
  text += fmt::format("spec:\n  group: {}\n  names:\n    kind: {}\n    plural: {}\n  scope: Namespaced\n"
                      "  versions:\n  - name: v1\n    served: true\n    storage: true\n",
                      group, kind, plural);
  return text;
}

std::string Ns(std::string_view name, const std::vector<std::string>& annotations = {}) {
  return Doc("v1", "Namespace", name, {}, annotations);
}

// The names of the hook writes of `phase`, in order.
std::vector<std::string> Written(const StepResult& step, std::string_view phase) {
  std::vector<std::string> names;
  for (const Event& e : step.events) {
    if (e.phase == phase && (e.verb == "patch" || e.verb == "create")) names.push_back(e.object.kind + " " + e.object.name);
  }
  return names;
}

const std::vector<CrdFile> kNoCrds;

TEST(LifecycleModelTest, Helm4OrdersHooksByWeightThenNameThenKind) {
  // helm/helm v4.1.4 hooks.go:172-177: weight, then name; kind order only breaks
  // ties between equal names (the trace of certgen's hooks shows the same).
  const std::string stream =
      Doc("v1", "ServiceAccount", "b", "dot-system", {"helm.sh/hook: pre-install"}) +
      Doc("rbac.authorization.k8s.io/v1", "Role", "a", "dot-system", {"helm.sh/hook: pre-install"}) +
      Doc("batch/v1", "Job", "z", "dot-system", {"helm.sh/hook: pre-install", "helm.sh/hook-weight: \"-1\""}) +
      Doc("v1", "ServiceAccount", "x", "dot-system", {"helm.sh/hook: pre-install"}) +
      Doc("rbac.authorization.k8s.io/v1", "ClusterRole", "x", {}, {"helm.sh/hook: pre-install"}) +
      Doc("rbac.authorization.k8s.io/v1", "Role", "x", "dot-system", {"helm.sh/hook: pre-install"});
  Cluster cluster = EmptyCluster();
  StepResult step = HelmInstall(cluster, HelmRelease{}, stream, kNoCrds);
  ASSERT_TRUE(step.ok) << FormatStep(step);
  EXPECT_EQ(Written(step, "pre-install"),
            (std::vector<std::string>{"Job z", "Role a", "ServiceAccount b", "ServiceAccount x", "ClusterRole x",
                                      "Role x"}));
}

TEST(LifecycleModelTest, Helm4InstallOrder) {
  const std::string crds = Crd("example.com", "Widget", "widgets");
  const std::string stream =
      Doc("example.com/v1", "Widget", "w", "dot-system") + Doc("apps/v1", "Deployment", "d", "dot-system") +
      Doc("v1", "ServiceAccount", "sa", "dot-system") +
      Doc("batch/v1", "Job", "pre", "dot-system", {"helm.sh/hook: pre-install"}) +
      Doc("batch/v1", "Job", "post", "dot-system", {"helm.sh/hook: post-install"});
  Cluster cluster = EmptyCluster();
  StepResult step = HelmInstall(cluster, HelmRelease{}, stream, {{"crds/widgets.yaml", crds}});
  ASSERT_TRUE(step.ok) << FormatStep(step);
  const int crd = IndexOf(step, "patch", "CustomResourceDefinition", "widgets.example.com");
  const int ns = IndexOf(step, "patch", "Namespace", "dot-system");
  const int secret = IndexOf(step, "create", "Secret", "sh.helm.release.v1.dot-apps.v1");
  const int pre = IndexOf(step, "patch", "Job", "pre");
  const int sa = IndexOf(step, "patch", "ServiceAccount", "sa");
  const int deployment = IndexOf(step, "patch", "Deployment", "d");
  const int widget = IndexOf(step, "patch", "Widget", "w");
  const int post = IndexOf(step, "patch", "Job", "post");
  EXPECT_TRUE(crd >= 0 && crd < ns && ns < secret && secret < pre && pre < sa && sa < deployment &&
              deployment < widget && widget < post)
      << FormatStep(step);
  EXPECT_TRUE(step.violations.empty()) << FormatStep(step);
  // Helm's ownership marks on release objects, not on hooks (install.go:395).
  EXPECT_EQ(FindLive(cluster, {"apps", "Deployment", "dot-system", "d"})->spec.annotations.count("meta.helm.sh/release-name"), 1u);
  EXPECT_EQ(FindLive(cluster, {"batch", "Job", "dot-system", "post"})->spec.annotations.count("meta.helm.sh/release-name"), 0u);
}

TEST(LifecycleModelTest, BuildFailsOnACustomResourceWhoseCrdIsOnlyTemplated) {
  // install.go:389-392: Build maps every ordinary object before anything is created.
  const std::string stream = Crd("example.com", "Widget", "widgets") + Doc("example.com/v1", "Widget", "w", "dot-system");
  for (int helm : {3, 4}) {
    Cluster cluster = EmptyCluster();
    HelmRelease release;
    release.helm = helm;
    StepResult step = HelmInstall(cluster, release, stream, kNoCrds);
    EXPECT_FALSE(step.ok) << FormatStep(step);
    EXPECT_NE(step.error.find("no matches for kind \"Widget\""), std::string::npos) << step.error;
    EXPECT_TRUE(HasViolation(step, "crd-first")) << FormatStep(step);
    EXPECT_EQ(IndexOf(step, "create", "Secret", "sh.helm.release.v1.dot-apps.v1"), -1) << FormatStep(step);
    EXPECT_EQ(FindLive(cluster, {"apiextensions.k8s.io", "CustomResourceDefinition", "", "widgets.example.com"}), nullptr);
  }
  // As a post-install hook (what dotk8s-post makes of it under Helm 4) it is built when it runs.
  const std::string hooked = Crd("example.com", "Widget", "widgets") +
                             Doc("example.com/v1", "Widget", "w", "dot-system", {"helm.sh/hook: post-install"});
  Cluster cluster = EmptyCluster();
  StepResult step = HelmInstall(cluster, HelmRelease{}, hooked, kNoCrds);
  EXPECT_TRUE(step.ok) << FormatStep(step);
}

TEST(LifecycleModelTest, HookInAMissingNamespaceFailsUnlessTheNamespaceIsAnEarlierHook) {
  const std::string hook = Doc("v1", "ServiceAccount", "certgen", "envoy-gateway-system", {"helm.sh/hook: pre-install"});
  const std::string ordinary_ns = Ns("envoy-gateway-system", {"helm.sh/resource-policy: keep"});
  Cluster cluster = EmptyCluster();
  StepResult step = HelmInstall(cluster, HelmRelease{}, ordinary_ns + hook, kNoCrds);
  EXPECT_FALSE(step.ok);
  EXPECT_EQ(step.error,
            "failed pre-install: warning: Hook pre-install  failed: namespaces \"envoy-gateway-system\" not found");
  EXPECT_TRUE(HasViolation(step, "namespace-first")) << FormatStep(step);

  const std::string hook_ns = Ns("envoy-gateway-system", {"helm.sh/hook: pre-install,pre-upgrade",
                                                          "helm.sh/hook-weight: \"-1000\"",
                                                          "helm.sh/hook-delete-policy: hook-failed",
                                                          "helm.sh/resource-policy: keep"});
  Cluster fixed = EmptyCluster();
  step = HelmInstall(fixed, HelmRelease{}, hook_ns + hook, kNoCrds);
  ASSERT_TRUE(step.ok) << FormatStep(step);
  EXPECT_EQ(Written(step, "pre-install"),
            (std::vector<std::string>{"Namespace envoy-gateway-system", "ServiceAccount certgen"}));
  // The namespace hook is patched again on upgrade, never deleted (no before-hook-creation) ...
  step = HelmUpgrade(fixed, HelmRelease{}, hook_ns + hook);
  ASSERT_TRUE(step.ok) << FormatStep(step);
  EXPECT_TRUE(step.violations.empty()) << FormatStep(step);
  // ... nor by uninstall: Helm never deletes hooks.
  step = HelmUninstall(fixed, HelmRelease{});
  ASSERT_TRUE(step.ok) << FormatStep(step);
  EXPECT_TRUE(NamespaceExists(fixed, "envoy-gateway-system"));
  EXPECT_TRUE(step.violations.empty()) << FormatStep(step);
}

TEST(LifecycleModelTest, ANamespaceHookOverATenantsNamespaceIsASilentAdoption) {
  // Helm checks ownership of ordinary objects only (validate.go:71-132); a hook
  // is applied over whatever exists.
  Cluster cluster = EmptyCluster();
  ASSERT_TRUE(TenantApply(cluster, Ns("keda")).ok);
  const std::string hook_ns = Ns("keda", {"helm.sh/hook: pre-install,pre-upgrade", "helm.sh/hook-weight: \"-1000\"",
                                          "helm.sh/hook-delete-policy: hook-failed", "helm.sh/resource-policy: keep"});
  StepResult step = HelmInstall(cluster, HelmRelease{}, hook_ns, kNoCrds);
  EXPECT_TRUE(step.ok) << FormatStep(step);
  EXPECT_TRUE(HasViolation(step, "no-silent-adoption")) << FormatStep(step);
  // As an ordinary object Helm refuses it loudly instead.
  Cluster loud = EmptyCluster();
  ASSERT_TRUE(TenantApply(loud, Ns("keda")).ok);
  step = HelmInstall(loud, HelmRelease{}, Ns("keda", {"helm.sh/resource-policy: keep"}), kNoCrds);
  EXPECT_FALSE(step.ok);
  EXPECT_EQ(step.error, "Namespace keda exists and cannot be imported into the current release: invalid ownership metadata");
  EXPECT_FALSE(HasViolation(step, "no-silent-adoption"));
}

TEST(LifecycleModelTest, UpgradeDeletesWhatLeftTheReleaseUnlessTheLiveObjectSaysKeep) {
  const std::string widgets = Crd("example.com", "Widget", "widgets");
  const std::string gadgets = Crd("example.com", "Gadget", "gadgets", {"helm.sh/resource-policy: keep"});
  const std::string deployment = Doc("apps/v1", "Deployment", "d", "dot-system");
  Cluster cluster = EmptyCluster();
  ASSERT_TRUE(HelmInstall(cluster, HelmRelease{}, widgets + gadgets + deployment, kNoCrds).ok);
  ASSERT_TRUE(TenantApply(cluster, Doc("example.com/v1", "Widget", "mine", "default") +
                                       Doc("example.com/v1", "Gadget", "mine", "default"))
                  .ok);
  StepResult step = HelmUpgrade(cluster, HelmRelease{}, "");
  ASSERT_TRUE(step.ok) << FormatStep(step);
  // The Deployment goes; widgets' CRD goes and takes the tenant's Widget with it; gadgets' is kept.
  EXPECT_EQ(FindLive(cluster, {"apps", "Deployment", "dot-system", "d"}), nullptr);
  EXPECT_GE(IndexOf(step, "gc", "Widget", "mine"), 0) << FormatStep(step);
  EXPECT_NE(FindLive(cluster, {"example.com", "Gadget", "default", "mine"}), nullptr);
  EXPECT_TRUE(HasViolation(step, "no-crd-delete")) << FormatStep(step);
  EXPECT_TRUE(HasViolation(step, "tenant-survives")) << FormatStep(step);
}

TEST(LifecycleModelTest, UninstallReadsKeepFromTheStoredManifestNotTheLiveObject) {
  // resource_policy.go:26-46 works on rel.Manifest: annotating the live CRD
  // (what the driver does before uninstall) does not protect it.
  const std::string widgets = Crd("example.com", "Widget", "widgets");
  Cluster cluster = EmptyCluster();
  ASSERT_TRUE(HelmInstall(cluster, HelmRelease{}, widgets, kNoCrds).ok);
  StepResult step = DriverUninstall(cluster, HelmRelease{});
  ASSERT_TRUE(step.ok) << FormatStep(step);
  EXPECT_GE(IndexOf(step, "patch", "CustomResourceDefinition", "widgets.example.com"), 0) << FormatStep(step);
  EXPECT_GE(IndexOf(step, "delete", "CustomResourceDefinition", "widgets.example.com"), 0) << FormatStep(step);
  EXPECT_TRUE(HasViolation(step, "no-crd-delete")) << FormatStep(step);
  // An upgrade reads the live object (client.go:636-649): the annotation protects there.
  Cluster upgraded = EmptyCluster();
  ASSERT_TRUE(HelmInstall(upgraded, HelmRelease{}, widgets, kNoCrds).ok);
  step = DriverUpgrade(upgraded, HelmRelease{}, "", kNoCrds);
  ASSERT_TRUE(step.ok) << FormatStep(step);
  EXPECT_FALSE(HasViolation(step, "no-crd-delete")) << FormatStep(step);
}

TEST(LifecycleModelTest, CrdsFolderFirstWinsUnderHelm3LastWinsUnderHelm4) {
  const std::string standard = Crd("gateway.networking.k8s.io", "HTTPRoute", "httproutes", {"channel: standard"});
  const std::string experimental = Crd("gateway.networking.k8s.io", "HTTPRoute", "httproutes", {"channel: experimental"});
  const std::vector<CrdFile> crds = {{"traefik/crds/a.yaml", standard}, {"gateway-helm/crds/b.yaml", experimental}};
  for (int helm : {3, 4}) {
    Cluster cluster = EmptyCluster();
    HelmRelease release;
    release.helm = helm;
    ASSERT_TRUE(HelmInstall(cluster, release, "", crds).ok);
    const LiveObject* crd =
        FindLive(cluster, {"apiextensions.k8s.io", "CustomResourceDefinition", "", "httproutes.gateway.networking.k8s.io"});
    ASSERT_NE(crd, nullptr);
    EXPECT_EQ(*crd->spec.Annotation("channel"), helm == 3 ? "standard" : "experimental") << helm;
  }
}

TEST(LifecycleModelTest, Helm3HookThatSurvivesItsRunFailsTheNextOneWithAlreadyExists) {
  // v3.17.3 hooks.go:76-81 POSTs; a hook without before-hook-creation stays and
  // the next run's POST fails. Helm 4 applies server-side and patches it.
  const std::string hook = Doc("v1", "ConfigMap", "c", "dot-system",
                               {"helm.sh/hook: pre-install,pre-upgrade", "helm.sh/hook-delete-policy: hook-failed"});
  for (int helm : {3, 4}) {
    Cluster cluster = EmptyCluster();
    HelmRelease release;
    release.helm = helm;
    ASSERT_TRUE(HelmInstall(cluster, release, helm == 3 ? "" : hook, kNoCrds, helm == 3 ? hook : "").ok);
    StepResult step = HelmUpgrade(cluster, release, helm == 3 ? "" : hook, helm == 3 ? hook : "");
    EXPECT_EQ(step.ok, helm == 4) << FormatStep(step);
  }
}

TEST(LifecycleModelTest, KubectlNeedsASecondPassForACustomResourceOfTheSameStream) {
  const std::string stream = Ns("team-x") + Crd("example.com", "Widget", "widgets") +
                             Doc("example.com/v1", "Widget", "w", "team-x");
  Cluster cluster = EmptyCluster();
  StepResult step = KubectlApply(cluster, stream, StepKind::kInstall);
  ASSERT_TRUE(step.ok) << FormatStep(step);
  EXPECT_EQ(step.passes, 2);
  EXPECT_TRUE(step.violations.empty()) << FormatStep(step);
  EXPECT_EQ(IndexOf(step, "build", "Widget", "w"), 0) << FormatStep(step);  // mapped before anything is applied
}

TEST(LifecycleModelTest, ArgoCdWavesDryRunPruneAndDelete) {
  const std::string ns = Ns("team-x", {"argocd.argoproj.io/sync-wave: \"-3\"",
                                       "argocd.argoproj.io/sync-options: Prune=false,Delete=false"});
  const std::string crd = Crd("example.com", "Widget", "widgets",
                              {"argocd.argoproj.io/sync-wave: \"-2\"",
                               "argocd.argoproj.io/sync-options: Prune=false,Delete=false"});
  const std::string widget = Doc("example.com/v1", "Widget", "w", "team-x");
  const std::string pre = Doc("batch/v1", "Job", "pre", "team-x", {"helm.sh/hook: pre-install"});
  const std::string sync_hook = Doc("batch/v1", "Job", "sync", "team-x",
                                    {"argocd.argoproj.io/hook: Sync", "argocd.argoproj.io/sync-wave: \"-1\"",
                                     "helm.sh/hook: pre-install"});
  const std::string post = Doc("batch/v1", "Job", "post", "team-x", {"helm.sh/hook: post-install"});
  ArgoApplication app;
  // Without its CRD in the sync, the dry run refuses the Widget before anything is applied.
  Cluster cluster = EmptyCluster();
  StepResult step = ArgoSync(cluster, app, ns + widget, StepKind::kInstall);
  EXPECT_FALSE(step.ok);
  EXPECT_TRUE(Written(step, "Sync wave -3").empty()) << FormatStep(step);
  // A Helm pre-install hook is PreSync, yet its Namespace is not late: adjustDeps
  // (sync_tasks.go:112-138) pulls the Namespace into the phase and wave of the first
  // task in it, hooks included (hook tasks join the same list before Sort()).
  step = ArgoSync(cluster, app, ns + crd + widget + pre, StepKind::kInstall);
  ASSERT_TRUE(step.ok) << FormatStep(step);
  EXPECT_EQ(Written(step, "PreSync wave 0"), (std::vector<std::string>{"Namespace team-x", "Job pre"}));
  // As a Sync hook at wave -1 it comes after the Namespace (-3) and the CRD (-2).
  cluster = EmptyCluster();
  step = ArgoSync(cluster, app, ns + crd + widget + sync_hook + post, StepKind::kInstall);
  ASSERT_TRUE(step.ok) << FormatStep(step);
  EXPECT_EQ(Written(step, "Sync wave -3"), std::vector<std::string>{"Namespace team-x"});
  EXPECT_EQ(Written(step, "Sync wave -2"), std::vector<std::string>{"CustomResourceDefinition widgets.example.com"});
  EXPECT_EQ(Written(step, "Sync wave -1"), std::vector<std::string>{"Job sync"});
  EXPECT_EQ(Written(step, "Sync wave 0"), std::vector<std::string>{"Widget w"});
  EXPECT_EQ(Written(step, "PostSync wave 0"), std::vector<std::string>{"Job post"});
  // Pruned: the Widget; kept: Prune=false.
  step = ArgoSync(cluster, app, "", StepKind::kUpgrade);
  ASSERT_TRUE(step.ok) << FormatStep(step);
  EXPECT_EQ(FindLive(cluster, {"example.com", "Widget", "team-x", "w"}), nullptr);
  EXPECT_TRUE(NamespaceExists(cluster, "team-x"));
  EXPECT_TRUE(step.violations.empty()) << FormatStep(step);
  // Application deletion: CRDs never, Delete=false kept, hooks tracked and deleted.
  step = ArgoDelete(cluster, app);
  EXPECT_TRUE(NamespaceExists(cluster, "team-x"));
  EXPECT_EQ(FindLive(cluster, {"batch", "Job", "team-x", "post"}), nullptr) << FormatStep(step);
  EXPECT_NE(FindLive(cluster, {"apiextensions.k8s.io", "CustomResourceDefinition", "", "widgets.example.com"}), nullptr);
  EXPECT_TRUE(step.violations.empty()) << FormatStep(step);
}

TEST(LifecycleModelTest, ArgoCdMovesACrdBeforeItsFirstCustomResource) {
  // adjustDeps (sync_tasks.go:112-138): the CRD takes over the wave of its first CR.
  const std::string crd = Crd("example.com", "Widget", "widgets", {"argocd.argoproj.io/sync-wave: \"5\""});
  const std::string widget = Doc("example.com/v1", "Widget", "w", "default", {"argocd.argoproj.io/sync-wave: \"1\""});
  Cluster cluster = EmptyCluster();
  StepResult step = ArgoSync(cluster, ArgoApplication{"a", "default", false, true}, crd + widget, StepKind::kInstall);
  ASSERT_TRUE(step.ok) << FormatStep(step);
  EXPECT_EQ(Written(step, "Sync wave 1"),
            (std::vector<std::string>{"CustomResourceDefinition widgets.example.com", "Widget w"}));
}

TEST(LifecycleModelTest, AHookThatIsRecreatedOnANoopUpgradeIsCaught) {
  const std::string stream = Crd("example.com", "Widget", "widgets", {"helm.sh/resource-policy: keep"}) +
                             Doc("example.com/v1", "Widget", "w", "dot-system",
                                 {"helm.sh/hook: post-install,post-upgrade", "helm.sh/hook-delete-policy: before-hook-creation"});
  Cluster cluster = EmptyCluster();
  ASSERT_TRUE(HelmInstall(cluster, HelmRelease{}, stream, kNoCrds).ok);
  StepResult step = HelmUpgrade(cluster, HelmRelease{}, stream);
  ASSERT_TRUE(step.ok) << FormatStep(step);
  EXPECT_TRUE(HasViolation(step, "not-recreated")) << FormatStep(step);
}

// The status of each revision of the model's dot-apps release in `ns`, oldest first.
std::vector<std::string> Statuses(const Cluster& cluster, std::string_view ns = "dot-system") {
  std::vector<std::string> statuses;
  for (const ReleaseRevision& r : cluster.releases.at(fmt::format("{}/dot-apps", ns)).revisions) {
    statuses.push_back(r.status);
  }
  return statuses;
}

TEST(LifecycleModelTest, Helm4WritesWithTheApplyMethodOfTheLastRevision) {
  // A hook that outlives its run (no before-hook-creation). --server-side=auto
  // follows the last revision's method (v4.1.4 upgrade.go:308, :664-675):
  // client-side it is POSTed again and refused, server-side it is patched.
  const std::string hook = Doc("v1", "ConfigMap", "c", "dot-system",
                               {"helm.sh/hook: pre-install,pre-upgrade", "helm.sh/hook-delete-policy: hook-failed"});
  Cluster cluster = EmptyCluster();
  HelmRelease release;
  release.server_side = ServerSide::kFalse;
  ASSERT_TRUE(HelmInstall(cluster, release, hook, kNoCrds).ok);
  release.server_side = ServerSide::kAuto;
  StepResult step = HelmUpgrade(cluster, release, hook);
  EXPECT_FALSE(step.ok);
  EXPECT_EQ(step.error, "pre-upgrade hooks failed: warning: Hook pre-upgrade  failed: configmaps \"c\" already exists");
  EXPECT_GE(IndexOf(step, "create", "ConfigMap", "c"), 0) << FormatStep(step);
  // hook-failed follows a failed wait, not a failed create: the hook stays.
  EXPECT_EQ(IndexOf(step, "delete", "ConfigMap", "c"), -1) << FormatStep(step);
  EXPECT_EQ(Statuses(cluster), (std::vector<std::string>{"deployed", "failed"}));
  // The failed revision was client-side too, so auto stays client-side ...
  EXPECT_FALSE(HelmUpgrade(cluster, release, hook).ok);
  // ... until --server-side=true writes a revision server-side, which auto then follows.
  release.server_side = ServerSide::kTrue;
  step = HelmUpgrade(cluster, release, hook);
  ASSERT_TRUE(step.ok) << FormatStep(step);
  EXPECT_GE(IndexOf(step, "patch", "ConfigMap", "c"), 0) << FormatStep(step);
  release.server_side = ServerSide::kAuto;
  EXPECT_TRUE(HelmUpgrade(cluster, release, hook).ok);
  EXPECT_EQ(Statuses(cluster), (std::vector<std::string>{"superseded", "failed", "failed", "superseded", "deployed"}));
}

TEST(LifecycleModelTest, RollbackDeletesWhatOnlyTheLastManifestHasAndRunsOnlyRollbackHooks) {
  // rollback.go:197-286: Update(last manifest, target manifest) between the
  // pre-rollback and post-rollback hooks; hooks are not in a manifest.
  const std::string widget_crd = Crd("example.com", "Widget", "widgets", {"helm.sh/resource-policy: keep"});
  const std::string deployment = Doc("apps/v1", "Deployment", "d", "dot-system");
  const std::string pre_rollback = Doc("batch/v1", "Job", "r", "dot-system", {"helm.sh/hook: pre-rollback"});
  const std::string post_install = Doc("batch/v1", "Job", "p", "dot-system", {"helm.sh/hook: post-install"});
  // A hook with Helm's ownership marks, as dotk8s-post makes a custom resource whose kind
  // is not served yet, so that the next upgrade adopts it.
  const std::string widget_hook =
      Doc("example.com/v1", "Widget", "w", "dot-system",
          {"helm.sh/hook: post-install,post-upgrade", "helm.sh/hook-delete-policy: hook-failed",
           "meta.helm.sh/release-name: dot-apps", "meta.helm.sh/release-namespace: dot-system"}) +
      "  labels:\n    app.kubernetes.io/managed-by: Helm\n";
  const std::string widget = Doc("example.com/v1", "Widget", "w", "dot-system");
  const std::string extra = Doc("v1", "ConfigMap", "extra", "dot-system");
  const std::string kept = Doc("v1", "ConfigMap", "kept", "dot-system", {"helm.sh/resource-policy: keep"});
  Cluster cluster = EmptyCluster();
  ASSERT_TRUE(HelmInstall(cluster, HelmRelease{}, widget_crd + deployment + pre_rollback + post_install + widget_hook,
                          kNoCrds)
                  .ok);
  ASSERT_TRUE(HelmUpgrade(cluster, HelmRelease{}, widget_crd + deployment + widget + extra + kept).ok);
  StepResult step = HelmRollback(cluster, HelmRelease{}, 1);
  ASSERT_TRUE(step.ok) << FormatStep(step);
  EXPECT_EQ(Written(step, "pre-rollback"), std::vector<std::string>{"Job r"});
  EXPECT_EQ(IndexOf(step, "delete", "Job", "p"), -1) << "an install hook ran: " << FormatStep(step);
  EXPECT_EQ(IndexOf(step, "patch", "Job", "p"), -1) << "an install hook ran: " << FormatStep(step);
  EXPECT_GE(IndexOf(step, "patch", "Deployment", "d"), 0) << FormatStep(step);
  EXPECT_EQ(FindLive(cluster, {"example.com", "Widget", "dot-system", "w"}), nullptr);
  EXPECT_EQ(FindLive(cluster, {"", "ConfigMap", "dot-system", "extra"}), nullptr);
  EXPECT_NE(FindLive(cluster, {"", "ConfigMap", "dot-system", "kept"}), nullptr);
  EXPECT_EQ(Written(step, "release"), std::vector<std::string>{"Secret sh.helm.release.v1.dot-apps.v3"});
  EXPECT_TRUE(HasViolation(step, "kept-while-rendered")) << FormatStep(step);
  EXPECT_EQ(Statuses(cluster), (std::vector<std::string>{"superseded", "superseded", "deployed"}));
  // Revision 0 is the one before the last: revision 2 again. But ConfigMap kept, which
  // the last rollback kept, is live and not in the last manifest: Update refuses it
  // (client.go:600-604), the last revision is superseded and the new one failed
  // (rollback.go:235-242), so no revision is deployed any more.
  step = HelmRollback(cluster, HelmRelease{}, 0);
  EXPECT_FALSE(step.ok);
  EXPECT_EQ(step.error, "original object ConfigMap with the name \"kept\" not found") << FormatStep(step);
  EXPECT_EQ(Statuses(cluster), (std::vector<std::string>{"superseded", "superseded", "superseded", "failed"}));
  EXPECT_EQ(HelmRollback(cluster, HelmRelease{}, 9).error, "release has no 9 version");
}

TEST(LifecycleModelTest, AtomicUpgradeRollsBackToTheLastDeployedRevision) {
  // Helm 3 POSTs hooks (v3.17.3 hooks.go:76-81): a second run of a hook that
  // stayed fails; --atomic then rolls back to revision 1 (upgrade.go:504-539).
  const std::string hook = Doc("v1", "ConfigMap", "c", "envoy-gateway-system",
                               {"helm.sh/hook: pre-install,pre-upgrade", "helm.sh/hook-delete-policy: hook-failed"});
  const std::string deployment = Doc("apps/v1", "Deployment", "d", "envoy-gateway-system");
  HelmRelease release;
  release.helm = 3;
  release.namespace_ = "envoy-gateway-system";
  Cluster cluster = EmptyCluster();
  ASSERT_TRUE(HelmInstall(cluster, release, deployment, kNoCrds, hook).ok);
  release.rollback_on_failure = true;
  StepResult step = HelmUpgrade(cluster, release, deployment, hook);
  EXPECT_FALSE(step.ok);
  EXPECT_EQ(step.error, "release dot-apps failed, and has been rolled back due to atomic being set: pre-upgrade hooks "
                        "failed: warning: Hook pre-upgrade  failed: configmaps \"c\" already exists");
  EXPECT_EQ(Written(step, "release"), (std::vector<std::string>{"Secret sh.helm.release.v1.dot-apps.v2",
                                                                "Secret sh.helm.release.v1.dot-apps.v3"}));
  EXPECT_EQ(Statuses(cluster, "envoy-gateway-system"), (std::vector<std::string>{"superseded", "failed", "deployed"}));
}

// Server-side apply's field ownership, for annotations: the hook revision's
// apply set keep; the next apply of the same object by the same manager
// ("helm") without it removes it, so the object is deleted when it later
// leaves the release. Client-side (a POST, Helm's three-way merge) nothing is
// removed, and an annotation another entry owns too (`kubectl annotate`, an
// update) stays. The csaupgrade of a release's first server-side write turns
// helm's update entry into its apply entry first (upgrade.go:465-471).
TEST(LifecycleModelTest, AServerSideApplyWithoutAnAnnotationItsManagerAppliedRemovesIt) {
  const std::string crd = Crd("example.com", "Widget", "widgets", {"helm.sh/resource-policy: keep"});
  const std::string hook = Doc("example.com/v1", "Widget", "w", "dot-system",
                               {"helm.sh/hook: post-install,post-upgrade,pre-rollback",
                                "helm.sh/hook-delete-policy: hook-failed", "helm.sh/resource-policy: keep",
                                "meta.helm.sh/release-name: dot-apps", "meta.helm.sh/release-namespace: dot-system"}) +
                           "  labels:\n    app.kubernetes.io/managed-by: Helm\n";
  const std::string object = Doc("example.com/v1", "Widget", "w", "dot-system");
  const ObjectKey widget{"example.com", "Widget", "dot-system", "w"};
  auto keep = [&widget](const Cluster& cluster) {
    const LiveObject* live = FindLive(cluster, widget);
    if (live == nullptr) return std::string("(gone)");
    const std::string* value = live->spec.Annotation("helm.sh/resource-policy");
    return value == nullptr ? std::string("(none)") : *value;
  };
  for (ServerSide method : {ServerSide::kTrue, ServerSide::kFalse}) {
    SCOPED_TRACE(method == ServerSide::kTrue ? "server-side" : "client-side");
    HelmRelease release;
    release.server_side = method;
    Cluster cluster = EmptyCluster();
    // The CRD first (as the driver or an earlier revision would), the Widget a hook.
    ASSERT_TRUE(KubectlApply(cluster, crd, StepKind::kInstall).ok);
    ASSERT_TRUE(HelmInstall(cluster, release, hook, kNoCrds).ok);
    EXPECT_EQ(keep(cluster), "keep");
    release.server_side = ServerSide::kAuto;
    StepResult step = HelmUpgrade(cluster, release, object);  // adopted, applied without keep
    ASSERT_TRUE(step.ok) << FormatStep(step);
    EXPECT_EQ(keep(cluster), method == ServerSide::kTrue ? "(none)" : "keep") << FormatStep(step);
    step = HelmUpgrade(cluster, release, Doc("v1", "ConfigMap", "c", "dot-system"));  // the Widget leaves
    ASSERT_TRUE(step.ok) << FormatStep(step);
    EXPECT_EQ(keep(cluster), method == ServerSide::kTrue ? "(gone)" : "keep") << FormatStep(step);
  }
  // Owned by another entry too: it stays.
  Cluster cluster = EmptyCluster();
  ASSERT_TRUE(KubectlApply(cluster, crd, StepKind::kInstall).ok);
  ASSERT_TRUE(HelmInstall(cluster, HelmRelease{}, hook, kNoCrds).ok);
  cluster.objects.at(widget).annotation_managers["helm.sh/resource-policy"].insert("kubectl-annotate (update)");
  ASSERT_TRUE(HelmUpgrade(cluster, HelmRelease{}, object).ok);
  EXPECT_EQ(keep(cluster), "keep");
  // A client-side release's first server-side upgrade: csaupgrade, then the removal.
  Cluster migrated = EmptyCluster();
  HelmRelease release;
  release.server_side = ServerSide::kFalse;
  ASSERT_TRUE(KubectlApply(migrated, crd, StepKind::kInstall).ok);
  ASSERT_TRUE(HelmInstall(migrated, release, hook, kNoCrds).ok);
  release.server_side = ServerSide::kTrue;
  ASSERT_TRUE(HelmUpgrade(migrated, release, object).ok);
  EXPECT_EQ(keep(migrated), "(none)");
}

// Argo CD: a tracked object that left the stream is extraneous. With Prune=false
// the sync keeps it, and the Application stays OutOfSync; `argocd app sync`
// without --prune exits "1 resources require pruning". IgnoreExtraneous on the
// live object makes it count for neither (controller/state.go:992-996).
TEST(LifecycleModelTest, ArgoCdIsSyncedWithKeptObjectsOnlyWhenTheyIgnoreExtraneous) {
  const std::string deployment = Doc("apps/v1", "Deployment", "d", "dot-system");
  for (bool ignore : {false, true}) {
    SCOPED_TRACE(ignore ? "IgnoreExtraneous" : "Prune=false only");
    std::vector<std::string> marks = {"argocd.argoproj.io/sync-options: Prune=false,Delete=false"};
    if (ignore) marks.push_back("argocd.argoproj.io/compare-options: IgnoreExtraneous");
    const std::string kept = Ns("kept", marks);
    Cluster cluster = EmptyCluster();
    ArgoApplication app;
    app.create_namespace = true;
    ASSERT_TRUE(ArgoSync(cluster, app, kept + deployment, StepKind::kInstall).ok);
    EXPECT_EQ(ArgoStatus(cluster, app, kept + deployment, false).sync, "Synced");
    StepResult step = ArgoSync(cluster, app, deployment, StepKind::kUpgrade);
    ASSERT_TRUE(step.ok) << FormatStep(step);
    EXPECT_TRUE(NamespaceExists(cluster, "kept"));
    const ArgoAppStatus without_prune = ArgoStatus(cluster, app, deployment, false);
    const ArgoAppStatus with_prune = ArgoStatus(cluster, app, deployment, true);
    const std::vector<ObjectKey> kept_namespace = {{"", "Namespace", "", "kept"}};
    EXPECT_EQ(without_prune.extraneous, kept_namespace);
    EXPECT_EQ(without_prune.sync, ignore ? "Synced" : "OutOfSync");
    EXPECT_EQ(without_prune.requires_pruning, ignore ? 0 : 1);
    EXPECT_EQ(with_prune.sync, ignore ? "Synced" : "OutOfSync");
    EXPECT_EQ(with_prune.requires_pruning, 0);  // "ignored (no prune)" is not counted
  }
  // A rendered object that is missing makes it OutOfSync whatever the options.
  Cluster cluster = EmptyCluster();
  ArgoApplication app;
  app.create_namespace = true;
  ASSERT_TRUE(ArgoSync(cluster, app, deployment, StepKind::kInstall).ok);
  EXPECT_EQ(ArgoStatus(cluster, app, deployment + Doc("v1", "ConfigMap", "c", "dot-system"), false).sync, "OutOfSync");
}

// Flux's kustomize-controller: CRDs and Namespaces are applied (and waited for)
// before the rest, so one reconcile converges; what left the stream is pruned
// unless the live object says kustomize.toolkit.fluxcd.io/prune: disabled or
// does not carry the Kustomization's owner labels (a tenant's).
TEST(LifecycleModelTest, FluxStagesDefinitionsAndPrunesUnlessDisabled) {
  const std::string crd = Crd("example.com", "Widget", "widgets");
  const std::string widget = Doc("example.com/v1", "Widget", "w", "apps");
  for (bool disabled : {false, true}) {
    SCOPED_TRACE(disabled ? "prune: disabled" : "no annotation");
    const std::string ns = disabled ? Ns("apps", {"kustomize.toolkit.fluxcd.io/prune: disabled"}) : Ns("apps");
    const std::string crd_doc = disabled ? Crd("example.com", "Widget", "widgets",
                                               {"kustomize.toolkit.fluxcd.io/prune: disabled"})
                                         : crd;
    Cluster cluster = EmptyCluster();
    FluxKustomization kustomization;
    // The custom resource and its Namespace come before their definitions in the stream.
    StepResult step = FluxReconcile(cluster, kustomization, widget + crd_doc + ns, StepKind::kInstall);
    ASSERT_TRUE(step.ok) << FormatStep(step);
    EXPECT_TRUE(step.violations.empty()) << FormatStep(step);
    ASSERT_TRUE(TenantApply(cluster, Doc("example.com/v1", "Widget", "tenant", "default")).ok);
    step = FluxReconcile(cluster, kustomization, Doc("v1", "ConfigMap", "c", "default"), StepKind::kUpgrade);
    EXPECT_TRUE(step.ok) << FormatStep(step);
    EXPECT_EQ(FindLive(cluster, {"example.com", "Widget", "apps", "w"}), nullptr);
    EXPECT_EQ(NamespaceExists(cluster, "apps"), disabled) << FormatStep(step);
    EXPECT_EQ(HasViolation(step, "no-crd-delete"), !disabled) << FormatStep(step);
    EXPECT_EQ(HasViolation(step, "tenant-survives"), !disabled) << FormatStep(step);
  }
  // A dry-run failure stops the stage: a custom resource of a kind nobody defines.
  Cluster cluster = EmptyCluster();
  StepResult step = FluxReconcile(cluster, FluxKustomization{}, Ns("apps") + widget, StepKind::kInstall);
  EXPECT_FALSE(step.ok);
  EXPECT_TRUE(HasViolation(step, "crd-first")) << FormatStep(step);
}

}  // namespace
}  // namespace dotk8s::lifecycle
