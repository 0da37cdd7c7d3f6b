// The lifecycle pass (src/core/passes/lifecycle.cc) on the real streams, through the
// real binary: what makes each route install, upgrade and uninstall without
// losing data. docs/lifecycle.md has the order each route follows.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "core/kinds.h"
#include "core/passes/lifecycle.h"
#include "crd_test_util.h"
#include "post_test_util.h"
#include "test_support.h"

namespace dotk8s::testing {
namespace {

std::string Annotation(const Document& doc, std::string_view key) {
  const std::string* value = doc.outline.Annotation(key);
  return value == nullptr ? std::string("<none>") : *value;
}

bool HasAnnotation(const Document& doc, std::string_view key) { return doc.outline.Annotation(key) != nullptr; }

// A settings document as the chart renders it, with the cluster's served kinds.
std::string SettingsWith(std::string_view apps, const std::vector<std::string>& served, bool helm3 = false,
                         std::string_view release_namespace = "dot-system", bool upgrade = false) {
  std::string text = SettingsDocument(apps, helm3, release_namespace);
  if (text.back() != '\n') text += '\n';
  if (upgrade) text.replace(text.find("release:\n"), 9, "release:\n  upgrade: true\n");
  text += "capabilities:\n  helmVersion: \"v4.1.4\"\n  apiVersions:\n";
  for (const std::string& entry : served) text += fmt::format("    - \"{}\"\n", entry);
  return text;
}

RunResult MustPost(const std::vector<std::string>& args, const std::string& input) {
  RunResult result = RunPost(args, input);
  EXPECT_EQ(result.exit_code, 0) << result.err;
  return result;
}

const Document& Only(const std::vector<Document>& docs, std::string_view kind, std::string_view name) {
  std::vector<const Document*> found = FindDocs(docs, kind, name);
  if (found.size() != 1) throw std::runtime_error(fmt::format("{} {}: {} documents", kind, name, found.size()));
  return *found.front();
}

// The Helm 3 capture has kube-prometheus-stack's admission hooks on, which
// Helm 3 cannot place (the helm3 profile turns them off): without it.
std::string Helm3Ready(std::string_view file) {
  if (std::string_view(file).rfind("helm3", 0) != 0) return Fixture(file);
  std::string stream = FilterStream(Fixture(file), {Component::kEnvoyGateway, Component::kKeda, Component::kKedaHttpAddon});
  // Rendered as Helm 3 installs it: into Envoy Gateway's namespace (the capture used dot-system).
  for (std::size_t at = stream.find("dot-system"); at != std::string::npos; at = stream.find("dot-system", at)) {
    stream.replace(at, 10, "envoy-gateway-system");
  }
  return stream;
}

// What a cluster serves once Helm 4 installed helm4-all.yaml's crds/ (the
// kinds of its custom resources and of the injected objects).
std::vector<std::string> ServedAfterInstall() {
  return {"monitoring.coreos.com/v1/Prometheus",       "monitoring.coreos.com/v1/Alertmanager",
          "monitoring.coreos.com/v1/ServiceMonitor",   "monitoring.coreos.com/v1/PrometheusRule",
          "monitoring.coreos.com/v1/PodMonitor",       "gateway.networking.k8s.io/v1/GatewayClass",
          "gateway.networking.k8s.io/v1/Gateway",      "gateway.networking.k8s.io/v1beta1/ReferenceGrant"};
}

const std::vector<std::string> kComponentNamespaces = {"envoy-gateway-system", "keda", "prometheus-system"};

TEST(LifecycleTest, TemplatedCrdsAreKeptByHelm) {
  // KEDA's 7 CRDs are release objects: without keep, switching KEDA off or
  // uninstalling deletes them and every ScaledObject in the cluster.
  for (const char* file : {"helm4-all.yaml", "helm3-all.yaml", "helm4-keda-only.yaml"}) {
    const bool helm3 = std::string_view(file).rfind("helm3", 0) == 0;
    const std::string input =
        Helm3Ready(file) + SettingsWith("  createNamespaces: true\n", {}, helm3, helm3 ? "envoy-gateway-system" : "dot-system");
    std::vector<Document> docs = ReadDocs(MustPost({}, input).out);
    std::vector<const Document*> crds = FindDocs(docs, "CustomResourceDefinition");
    ASSERT_EQ(crds.size(), 7u) << file;
    for (const Document* crd : crds) EXPECT_EQ(Annotation(*crd, kResourcePolicyAnnotation), "keep") << crd->Name();
  }
}

TEST(LifecycleTest, Helm4NamespacesAreTheFirstPreInstallHooks) {
  const std::string input = Fixture("helm4-all.yaml") + SettingsWith("  createNamespaces: true\n", {});
  RunResult result = MustPost({}, input);
  std::vector<Document> docs = ReadDocs(result.out);
  std::map<std::string, int> namespace_weight;
  for (const std::string& ns : kComponentNamespaces) {
    const Document& doc = Only(docs, "Namespace", ns);
    EXPECT_EQ(Annotation(doc, "helm.sh/hook"), "pre-install,pre-upgrade") << ns;
    EXPECT_EQ(Annotation(doc, kHookWeightAnnotation), kNamespaceHookWeight) << ns;
    // Never before-hook-creation (Helm's default): that deletes the namespace on every upgrade.
    EXPECT_EQ(Annotation(doc, kHookDeletePolicyAnnotation), "hook-failed") << ns;
    EXPECT_EQ(Annotation(doc, kResourcePolicyAnnotation), "keep") << ns;
    namespace_weight[ns] = std::stoi(Annotation(doc, kHookWeightAnnotation));
  }
  // Every other hook lives in a namespace a hook of lower weight creates (or
  // the release namespace, which --create-namespace makes first).
  std::size_t hooks = 0;
  for (const Document& doc : docs) {
    if (!doc.is_hook || doc.Kind() == "Namespace" || doc.Namespace().empty()) continue;
    ++hooks;
    const std::string weight_text = HasAnnotation(doc, kHookWeightAnnotation) ? Annotation(doc, kHookWeightAnnotation) : "0";
    if (doc.Namespace() == "dot-system") continue;
    auto ns = namespace_weight.find(std::string(doc.Namespace()));
    ASSERT_NE(ns, namespace_weight.end()) << doc.Describe() << " is a hook in a namespace no hook creates";
    EXPECT_LT(ns->second, std::stoi(weight_text)) << doc.Describe();
  }
  EXPECT_GE(hooks, 10u);
}

TEST(LifecycleTest, ScaledObjectIsAHookOnlyUntilItsKindIsServed) {
  const std::string fresh = Fixture("helm4-all.yaml") + SettingsWith("  createNamespaces: true\n", {});
  const std::vector<Document> fresh_docs = ReadDocs(MustPost({}, fresh).out);
  const Document& hook = Only(fresh_docs, "ScaledObject", "keda-add-ons-http-interceptor");
  // pre-rollback with keep: `helm rollback` to this revision would delete it
  // (the current revision holds it as an object, this one as a hook).
  EXPECT_EQ(Annotation(hook, "helm.sh/hook"), "post-install,post-upgrade,pre-rollback");
  EXPECT_EQ(Annotation(hook, kResourcePolicyAnnotation), "keep");
  // Not re-created on each upgrade (before-hook-creation would drop KEDA's HPA and scaling state).
  EXPECT_EQ(Annotation(hook, kHookDeletePolicyAnnotation), "hook-failed");
  // Helm's ownership marks: the next upgrade adopts it as a release object.
  EXPECT_EQ(Annotation(hook, "meta.helm.sh/release-name"), "dot-apps");
  EXPECT_EQ(Annotation(hook, "meta.helm.sh/release-namespace"), "dot-system");
  EXPECT_EQ(hook.outline.labels.end(),
            std::find_if(hook.outline.labels.begin(), hook.outline.labels.end(), [](const auto& label) {
              return label.first == "app.kubernetes.io/managed-by" && label.second != "Helm";
            }));

  // Once the cluster serves the kind (every upgrade after the install), it is an ordinary release object.
  std::vector<std::string> served = ServedAfterInstall();
  served.insert(served.end(), {"keda.sh/v1alpha1/ScaledObject", "http.keda.sh/v1alpha1/HTTPScaledObject"});
  const std::string upgrade = Fixture("helm4-all.yaml") + SettingsWith("  createNamespaces: true\n", served);
  const std::vector<Document> upgrade_docs = ReadDocs(MustPost({}, upgrade).out);
  const Document& ordinary = Only(upgrade_docs, "ScaledObject", "keda-add-ons-http-interceptor");
  EXPECT_FALSE(HasAnnotation(ordinary, "helm.sh/hook"));
  EXPECT_FALSE(HasAnnotation(ordinary, kHookDeletePolicyAnnotation));
  EXPECT_FALSE(HasAnnotation(ordinary, "meta.helm.sh/release-name"));
}

TEST(LifecycleTest, Helm3NamespacesAndScaledObjectStayOrdinary) {
  // Helm 3 never turns a post-renderer's hook annotations into hooks: the
  // namespaces come first in the output, the driver applies the CRDs first.
  const std::string input =
      Helm3Ready("helm3-all.yaml") + SettingsWith("  createNamespaces: true\n", {}, /*helm3=*/true, "envoy-gateway-system");
  std::vector<Document> docs = ReadDocs(MustPost({}, input).out);
  for (const std::string ns : {"keda"}) {
    const Document& doc = Only(docs, "Namespace", ns);
    EXPECT_FALSE(HasAnnotation(doc, "helm.sh/hook")) << ns;
    EXPECT_EQ(Annotation(doc, kResourcePolicyAnnotation), "keep") << ns;
  }
  EXPECT_FALSE(HasAnnotation(Only(docs, "ScaledObject", "keda-add-ons-http-interceptor"), "helm.sh/hook"));
}

// Chart archives holding the fixtures' crds/ files where the charts keep them.
struct ChartArchives {
  ScratchDir dir;
  std::vector<std::string> paths;
};

void MakeChartArchives(bool traefik_first, ChartArchives* out) {
  ChartArchives& archives = *out;
  auto add = [&archives](const std::string& name, const std::vector<std::pair<std::string, std::string>>& files) {
    const std::string path = archives.dir.File(name);
    WriteFile(path, TarGz(files));
    archives.paths.push_back(path);
  };
  std::vector<std::pair<std::string, std::string>> gateway = {
      {"gateway-helm/Chart.yaml", "apiVersion: v2\nname: gateway-helm\nversion: 1.7.0\n"},
      {"gateway-helm/crds/gatewayapi-crds.yaml", ReadFile(FixtureCrds("gateway-helm-1.7.0/gatewayapi-crds.yaml"))}};
  for (const auto& entry : std::filesystem::directory_iterator(FixtureCrds("gateway-helm-1.7.0/generated"))) {
    gateway.emplace_back("gateway-helm/crds/generated/" + entry.path().filename().string(), ReadFile(entry.path()));
  }
  std::vector<std::pair<std::string, std::string>> prometheus = {
      {"kube-prometheus-stack/Chart.yaml", "apiVersion: v2\nname: kube-prometheus-stack\nversion: 82.2.1\n"}};
  for (const auto& entry : std::filesystem::directory_iterator(FixtureCrds("kube-prometheus-stack-82.2.1"))) {
    prometheus.emplace_back("kube-prometheus-stack/charts/crds/crds/" + entry.path().filename().string(),
                            ReadFile(entry.path()));
  }
  std::vector<std::pair<std::string, std::string>> traefik = {
      {"traefik/Chart.yaml", "apiVersion: v2\nname: traefik\nversion: 39.0.0\n"},
      {"traefik/crds/gateway-standard-install.yaml", ReadFile(FixtureCrds("traefik-39.0.0/gateway-standard-install.yaml"))}};
  // Chart.yaml's order puts Traefik first: the pass must still keep Envoy Gateway's bundle.
  if (traefik_first) add("traefik-39.0.0.tgz", traefik);
  add("gateway-helm-1.7.0.tgz", gateway);
  add("kube-prometheus-stack-82.2.1.tgz", prometheus);
  if (!traefik_first) add("traefik-39.0.0.tgz", traefik);
}

std::vector<std::string> GitopsArgs(const ChartArchives& archives) {
  std::vector<std::string> args = {"--gitops"};
  for (const std::string& path : archives.paths) args.insert(args.end(), {"--crds", path});
  return args;
}

TEST(LifecycleTest, GitopsStreamCarriesEveryCrdOnceAfterTheNamespaces) {
  ChartArchives archives;
  MakeChartArchives(/*traefik_first=*/true, &archives);
  for (const char* file : {"helm4-all.yaml", "helm4-all-plus-traefik.yaml"}) {
    const std::string input = Fixture(file) + SettingsWith("  createNamespaces: true\n", {});
    std::vector<Document> docs = ReadDocs(MustPost(GitopsArgs(archives), input).out);
    // kubectl applies in stream order: Namespaces, then CRDs, then the rest.
    int rank = 0;
    for (const Document& doc : docs) {
      const int this_rank = doc.Kind() == "Namespace" ? 0 : IsCrd(doc) ? 1 : 2;
      EXPECT_LE(rank, this_rank) << file << ": " << doc.Describe() << " comes too late";
      rank = std::max(rank, this_rank);
    }
    std::set<std::string> names;
    std::size_t gateway_api = 0;
    for (const Document* crd : FindDocs(docs, "CustomResourceDefinition")) {
      EXPECT_TRUE(names.insert(std::string(crd->Name())).second) << file << ": two copies of " << crd->Name();
      EXPECT_EQ(Annotation(*crd, kResourcePolicyAnnotation), "keep") << crd->Name();
      EXPECT_EQ(Annotation(*crd, kArgoSyncOptionsAnnotation), "Prune=false,Delete=false") << crd->Name();
      EXPECT_EQ(Annotation(*crd, kArgoSyncWaveAnnotation), "-2") << crd->Name();
      if (crd->Name().find("gateway.networking") != std::string_view::npos) {
        ++gateway_api;
        // Envoy Gateway's bundle: v1.4.1, experimental channel (Traefik's is v1.4.0 standard).
        EXPECT_EQ(Annotation(*crd, "gateway.networking.k8s.io/channel"), "experimental") << crd->Name();
      }
    }
    // 12 Gateway API (Envoy Gateway's), 8 Envoy Gateway, 10 kube-prometheus-stack, 7 KEDA.
    EXPECT_EQ(gateway_api, 12u) << file;
    // Traefik's archive holds only its Gateway API bundle here, which loses to Envoy Gateway's.
    EXPECT_EQ(names.size(), 37u) << file;
    EXPECT_EQ(names.count("prometheuses.monitoring.coreos.com"), 1u);
    EXPECT_EQ(names.count("envoyproxies.gateway.envoyproxy.io"), 1u);
    for (const std::string& ns : kComponentNamespaces) {
      const Document& doc = Only(docs, "Namespace", ns);
      EXPECT_FALSE(HasAnnotation(doc, "helm.sh/hook")) << ns;
      EXPECT_EQ(Annotation(doc, kArgoSyncOptionsAnnotation), "Prune=false,Delete=false") << ns;
      EXPECT_EQ(Annotation(doc, kArgoSyncWaveAnnotation), "-3") << ns;
    }
  }
}

TEST(LifecycleTest, GitopsPreInstallHooksRunInTheSyncPhase) {
  ChartArchives archives;
  MakeChartArchives(/*traefik_first=*/false, &archives);
  const std::string input = Fixture("helm4-all.yaml") + SettingsWith("  createNamespaces: true\n", {});
  std::vector<Document> docs = ReadDocs(MustPost(GitopsArgs(archives), input).out);
  std::size_t pre_hooks = 0;
  for (const Document& doc : docs) {
    if (!doc.is_hook) continue;
    const std::string types = Annotation(doc, "helm.sh/hook");
    if (types.find("pre-install") == std::string::npos) continue;
    ++pre_hooks;
    // Argo CD runs PreSync hooks before the Sync phase creates the Namespaces.
    const std::string argo = Annotation(doc, kArgoHookAnnotation);
    EXPECT_EQ(argo, types.find("post-install") == std::string::npos ? "Sync" : "Sync,PostSync") << doc.Describe();
    EXPECT_EQ(Annotation(doc, kArgoSyncWaveAnnotation), "-1") << doc.Describe();
    EXPECT_TRUE(HasAnnotation(doc, kArgoHookDeletePolicyAnnotation)) << doc.Describe();
  }
  EXPECT_EQ(pre_hooks, 13u);  // 7 of Envoy Gateway's certgen, 6 of kube-prometheus-stack's admission
  // The ScaledObject is an ordinary object; its CRD comes earlier in the same sync.
  const Document& scaled = Only(docs, "ScaledObject", "keda-add-ons-http-interceptor");
  EXPECT_FALSE(HasAnnotation(scaled, "helm.sh/hook"));
  EXPECT_EQ(Annotation(scaled, kArgoSyncOptionsAnnotation), "SkipDryRunOnMissingResource=true");
}

TEST(LifecycleTest, AnUpgradeThatTurnsPrometheusOnBringsItsCrdsAsHooks) {
  // Helm never installs crds/ on an upgrade: gateway -> autoscaling with plain
  // Helm 4 would stop at "no matches for kind Prometheus".
  const std::vector<std::string> served = {"gateway.networking.k8s.io/v1/GatewayClass",
                                           "gateway.networking.k8s.io/v1/Gateway",
                                           "gateway.networking.k8s.io/v1beta1/ReferenceGrant"};
  const std::string input =
      Fixture("helm4-all.yaml") + SettingsWith("  createNamespaces: true\n", served, false, "dot-system", /*upgrade=*/true);
  // On an install Helm applies crds/ itself, after it read what is served: no refusal then.
  MustPost({}, Fixture("helm4-all.yaml") + SettingsWith("  createNamespaces: true\n", served));
  RunResult refused = RunPost({}, input);
  EXPECT_EQ(refused.exit_code, 1);
  EXPECT_TRUE(refused.out.empty());
  EXPECT_NE(refused.err.find("custom resources of 5 kind(s) the cluster does not serve yet"), std::string::npos)
      << refused.err;
  EXPECT_NE(refused.err.find("monitoring.coreos.com/v1/Prometheus (Prometheus "
                             "prometheus-system/kube-prometheus-stack-prometheus)"),
            std::string::npos)
      << refused.err;
  EXPECT_NE(refused.err.find("dotk8s crds apply"), std::string::npos) << refused.err;

  ChartArchives archives;
  MakeChartArchives(/*traefik_first=*/false, &archives);
  std::vector<std::string> args;
  for (const std::string& path : archives.paths) args.insert(args.end(), {"--crds", path});
  std::vector<Document> docs = ReadDocs(MustPost(args, input).out);
  std::set<std::string> crd_hooks;
  for (const Document* crd : FindDocs(docs, "CustomResourceDefinition")) {
    if (!crd->is_hook) continue;
    crd_hooks.insert(std::string(crd->Name()));
    EXPECT_EQ(Annotation(*crd, "helm.sh/hook"), "pre-install,pre-upgrade");
    EXPECT_EQ(Annotation(*crd, kResourcePolicyAnnotation), "keep");
  }
  // Exactly the kinds the stream uses (the PodMonitor is the injected one).
  EXPECT_EQ(crd_hooks, (std::set<std::string>{"alertmanagers.monitoring.coreos.com", "podmonitors.monitoring.coreos.com",
                                              "prometheuses.monitoring.coreos.com",
                                              "prometheusrules.monitoring.coreos.com",
                                              "servicemonitors.monitoring.coreos.com"}));
  for (const char* kind : {"Prometheus", "Alertmanager", "ServiceMonitor", "PrometheusRule", "PodMonitor"}) {
    for (const Document* cr : FindDocs(docs, kind)) {
      EXPECT_EQ(Annotation(*cr, "helm.sh/hook"), "post-install,post-upgrade,pre-rollback") << cr->Describe();
      EXPECT_EQ(Annotation(*cr, kResourcePolicyAnnotation), "keep") << cr->Describe();
      EXPECT_EQ(Annotation(*cr, "meta.helm.sh/release-name"), "dot-apps") << cr->Describe();
    }
  }
  // The Gateway API kinds are served: the Gateway stays an ordinary release object.
  EXPECT_FALSE(FindDocs(docs, "Gateway", "eg").front()->is_hook);
}

TEST(LifecycleTest, Helm3SaysWhichCrdsAreMissingBeforeHelmDoes) {
  // Asked by a real install (capabilities known), Helm 3 would stop at Build on the ScaledObject.
  const std::string input = Helm3Ready("helm3-all.yaml") +
                            SettingsWith("  createNamespaces: true\n", {"gateway.networking.k8s.io/v1/GatewayClass",
                                                                         "gateway.networking.k8s.io/v1/Gateway",
                                                                         "gateway.networking.k8s.io/v1beta1/ReferenceGrant"},
                                         /*helm3=*/true, "envoy-gateway-system");
  RunResult refused = RunPost({}, input);
  EXPECT_EQ(refused.exit_code, 1);
  EXPECT_NE(refused.err.find("keda.sh/v1alpha1/ScaledObject (ScaledObject keda/keda-add-ons-http-interceptor)"),
            std::string::npos)
      << refused.err;
  EXPECT_NE(refused.err.find("dotk8s crds apply"), std::string::npos) << refused.err;
  // Once `dotk8s crds apply` ran, the same install goes through.
  const std::string applied = Helm3Ready("helm3-all.yaml") +
                              SettingsWith("  createNamespaces: true\n",
                                           {"gateway.networking.k8s.io/v1/GatewayClass", "gateway.networking.k8s.io/v1/Gateway",
                                            "gateway.networking.k8s.io/v1beta1/ReferenceGrant", "keda.sh/v1alpha1/ScaledObject"},
                                           /*helm3=*/true, "envoy-gateway-system");
  MustPost({}, applied);
}

TEST(LifecycleTest, ANamespaceSomeoneElseMadeIsLeftAlone) {
  std::string input = Fixture("helm4-all.yaml") + SettingsWith("  createNamespaces: true\n", {});
  input += "  existingNamespaces:\n"
           "    - {name: keda, instance: \"\", partOf: \"\", releaseName: \"\"}\n"
           "    - {name: prometheus-system, instance: dot-apps, partOf: dot-apps, releaseName: \"\"}\n";
  RunResult result = MustPost({"--explain"}, input);
  EXPECT_NE(result.out.find("Namespace keda: it exists already and this release did not create it"),
            std::string::npos)
      << result.out;
  std::vector<Document> docs = ReadDocs(MustPost({}, input).out);
  EXPECT_TRUE(FindDocs(docs, "Namespace", "keda").empty());
  // Made by this release earlier (its labels say so), labels unknown: applied again as a hook.
  ASSERT_EQ(FindDocs(docs, "Namespace", "prometheus-system").size(), 1u);
  EXPECT_TRUE(FindDocs(docs, "Namespace", "prometheus-system").front()->is_hook);
  EXPECT_EQ(FindDocs(docs, "Namespace", "envoy-gateway-system").size(), 1u);
}

// The labels the stream gives Namespace `name` ("{a: b, c: d}" flow mapping).
std::string LabelsOf(const std::vector<Document>& docs, std::string_view name) {
  const Document* ns = FindDocs(docs, "Namespace", name).front();
  std::string flow;
  for (const auto& [key, value] : ns->outline.labels) flow += fmt::format("{}{}: {}", flow.empty() ? "" : ", ", key, value);
  return "{" + flow + "}";
}

// Helm 4 creates hooks with the release's apply method: client-side (a release
// last written by Helm 3 or with --server-side=false) an existing Namespace
// hook fails the upgrade ("already exists"). A namespace this release made is
// therefore no hook: an object of Helm 3's stays one, one of a hook is left out.
TEST(LifecycleTest, ANamespaceThisReleaseMadeIsNoHookAgain) {
  const std::string base = Fixture("helm4-all.yaml") + SettingsWith("  createNamespaces: true\n", {});
  const std::vector<Document> fresh = ReadDocs(MustPost({}, base).out);
  const std::string keda_labels = LabelsOf(fresh, "keda");
  std::string input = base;
  input += "  existingNamespaces:\n";
  // A Helm 3 release object: Helm's ownership marks.
  input += "    - {name: keda, instance: dot-apps, partOf: dot-apps, releaseName: dot-apps, labels: " + keda_labels + "}\n";
  // A Helm 4 hook with every label it needs (no ownership annotation).
  input += "    - {name: prometheus-system, instance: dot-apps, partOf: dot-apps, releaseName: \"\", labels: " +
           LabelsOf(fresh, "prometheus-system") + "}\n";
  // A Helm 4 hook that lacks a label now: applied again as a hook (server-side it updates the labels).
  input += "    - {name: envoy-gateway-system, instance: dot-apps, partOf: dot-apps, releaseName: \"\", labels: "
           "{app.kubernetes.io/instance: dot-apps, app.kubernetes.io/part-of: dot-apps}}\n";
  RunResult result = MustPost({"--explain"}, input);
  EXPECT_NE(result.out.find("Namespace(s) keda stay release objects"), std::string::npos) << result.out;
  EXPECT_NE(result.out.find("Namespace(s) prometheus-system: they exist already, made by this release"),
            std::string::npos)
      << result.out;
  const std::vector<Document> docs = ReadDocs(MustPost({}, input).out);
  ASSERT_EQ(FindDocs(docs, "Namespace", "keda").size(), 1u);
  const Document& keda = *FindDocs(docs, "Namespace", "keda").front();
  EXPECT_FALSE(keda.is_hook);
  EXPECT_FALSE(HasAnnotation(keda, "helm.sh/hook"));
  EXPECT_EQ(Annotation(keda, kResourcePolicyAnnotation), "keep");
  EXPECT_TRUE(FindDocs(docs, "Namespace", "prometheus-system").empty());
  ASSERT_EQ(FindDocs(docs, "Namespace", "envoy-gateway-system").size(), 1u);
  EXPECT_EQ(Annotation(*FindDocs(docs, "Namespace", "envoy-gateway-system").front(), "helm.sh/hook"),
            "pre-install,pre-upgrade");
  // Without labels in the settings (an older chart) nothing is left out.
  std::string older = base + "  existingNamespaces:\n    - {name: prometheus-system, instance: dot-apps, partOf: dot-apps, releaseName: \"\"}\n";
  EXPECT_EQ(FindDocs(ReadDocs(MustPost({}, older).out), "Namespace", "prometheus-system").size(), 1u);
}

// What Argo CD and Flux keep must not keep the Application OutOfSync or be
// pruned by Flux once it left the stream.
TEST(LifecycleTest, GitopsKeptObjectsAreIgnoredWhenExtraneousAndNeverPrunedByFlux) {
  const std::string input = Fixture("helm4-all.yaml") + SettingsWith("  createNamespaces: true\n", {});
  const std::vector<Document> docs = ReadDocs(MustPost({"--gitops"}, input).out);
  std::size_t kept = 0;
  for (const Document& doc : docs) {
    if (doc.Kind() != "Namespace" && doc.Kind() != "CustomResourceDefinition") continue;
    ++kept;
    EXPECT_EQ(Annotation(doc, "argocd.argoproj.io/sync-options"), "Prune=false,Delete=false") << doc.Describe();
    EXPECT_EQ(Annotation(doc, "argocd.argoproj.io/compare-options"), "IgnoreExtraneous") << doc.Describe();
    EXPECT_EQ(Annotation(doc, "kustomize.toolkit.fluxcd.io/prune"), "disabled") << doc.Describe();
  }
  EXPECT_GE(kept, 3u);
  // Nothing else is exempt from pruning.
  for (const Document& doc : docs) {
    if (doc.Kind() == "Namespace" || doc.Kind() == "CustomResourceDefinition") continue;
    EXPECT_FALSE(HasAnnotation(doc, "kustomize.toolkit.fluxcd.io/prune")) << doc.Describe();
  }
}

TEST(LifecycleTest, GitopsWithoutCrdsSaysWhatIsMissing) {
  const std::string input = Fixture("helm4-envoy-only.yaml") + SettingsWith("  createNamespaces: true\n", {});
  RunResult result = MustPost({"--gitops"}, input);
  EXPECT_NE(result.err.find("--gitops without --crds"), std::string::npos) << result.err;
}

TEST(LifecycleTest, NotesFileHoldsThePlanNotes) {
  ScratchDir dir;
  const std::string input = Fixture("helm4-all.yaml") + SettingsWith("  createNamespaces: true\n", {});
  MustPost({"--notes", dir.File("notes.txt")}, input);
  const std::string notes = ReadFile(dir.File("notes.txt"));
  EXPECT_EQ(notes.rfind("note: ", 0), 0u) << notes;
  EXPECT_NE(notes.find("helm.sh/resource-policy: keep"), std::string::npos) << notes;
  EXPECT_NE(notes.find("first pre-install/pre-upgrade hooks"), std::string::npos) << notes;
  // Warnings too: Helm 4 discards the plugin's stderr, the driver shows this file.
  MustPost({"--gitops", "--notes", dir.File("notes.txt")}, input);
  EXPECT_NE(ReadFile(dir.File("notes.txt")).find("\nwarning: --gitops without --crds"), std::string::npos)
      << ReadFile(dir.File("notes.txt"));
  // On failure nothing is written: a broken stream.
  std::filesystem::remove(dir.File("notes.txt"));
  RunResult failed = RunPost({"--notes", dir.File("notes.txt")}, "a: [b\n");
  EXPECT_EQ(failed.exit_code, 1);
  EXPECT_FALSE(std::filesystem::exists(dir.File("notes.txt")));
}

}  // namespace
}  // namespace dotk8s::testing
