#include "core/lifecycle.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <filesystem>
#include <set>
#include <utility>

#include "core/attribute.h"
#include "core/component.h"
#include "core/crd_catalog.h"
#include "core/document_edit.h"
#include "core/kinds.h"
#include "core/place.h"

namespace dotk8s {

namespace {

using Annotations = std::vector<std::pair<std::string, std::string>>;

constexpr std::string_view kKeep = "keep";
// Argo CD never prunes (component switched off) nor deletes (Application
// deleted) these: a Namespace or a CRD takes everything in it along.
constexpr std::string_view kNeverDelete = "Prune=false,Delete=false";
constexpr std::string_view kNamespaceWave = "-3";
constexpr std::string_view kCrdWave = "-2";
constexpr std::string_view kPreHookWave = "-1";

std::string_view Trim(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
  return text;
}

// The comma-separated values of an annotation ("pre-install, pre-upgrade").
std::vector<std::string> AnnotationList(const Document& doc, std::string_view key) {
  std::vector<std::string> values;
  const std::string* value = doc.outline.Annotation(key);
  if (value == nullptr) return values;
  std::string_view rest = *value;
  while (!rest.empty()) {
    const std::size_t comma = rest.find(',');
    std::string_view item = Trim(rest.substr(0, comma));
    if (!item.empty()) values.emplace_back(item);
    if (comma == std::string_view::npos) break;
    rest.remove_prefix(comma + 1);
  }
  return values;
}

bool Has(const std::vector<std::string>& values, std::string_view value) {
  return std::find(values.begin(), values.end(), value) != values.end();
}

bool IsInjectedNamespace(const Document& doc) {
  return !doc.removed && doc.origin == Origin::kGenerated && doc.Kind() == "Namespace" && doc.ApiVersion() == "v1";
}

// Helm's delete policies under their Argo CD names. Helm deletes a hook
// without a policy before it creates it again (before-hook-creation).
std::string ArgoDeletePolicy(const std::vector<std::string>& helm_policies) {
  std::vector<std::string> argo;
  for (const std::string& policy : helm_policies) {
    if (policy == "before-hook-creation") argo.emplace_back("BeforeHookCreation");
    if (policy == "hook-succeeded") argo.emplace_back("HookSucceeded");
    if (policy == "hook-failed") argo.emplace_back("HookFailed");
  }
  if (argo.empty()) argo.emplace_back("BeforeHookCreation");
  return fmt::format("{}", fmt::join(argo, ","));
}

// Where a CRD of a --crds source came from: the managed chart it belongs to
// and its path from the chart's directory on ("gateway-helm/crds/x.yaml").
// Sources are "gateway-helm-1.7.0.tgz:gateway-helm/crds/x.yaml" for an
// archive member, a file path otherwise.
struct CrdOrigin {
  const ComponentInfo* chart = nullptr;
  std::string member;
  bool crds_folder = false;
};

CrdOrigin OriginOf(std::string_view source) {
  CrdOrigin origin;
  const std::size_t colon = source.find(".tgz:");
  const std::string_view path = colon == std::string_view::npos ? source : source.substr(colon + 5);
  std::filesystem::path member;
  for (const auto& segment : std::filesystem::path(path)) {
    if (origin.chart == nullptr) origin.chart = FindComponentByChart(segment.string());
    if (origin.chart != nullptr) member /= segment;
  }
  origin.member = member.generic_string();
  origin.crds_folder = IsCrdsFolderPath("/" + origin.member);
  return origin;
}

class Lifecycle {
 public:
  Lifecycle(std::vector<Document>& docs, const Settings& settings, const LifecycleOptions& options, Plan& plan)
      : docs_(docs), settings_(settings), options_(options), plan_(plan) {}

  Diagnostics Run() {
    ProtectCrds();
    MarkCrdDependents();
    if (options_.gitops) {
      TranslateHooks();
      AddChartCrds();
      MarkNamespaces();
      if (!HasErrors(diagnostics_)) NamespacesThenCrdsFirst();
    } else if (plan_.style == StreamStyle::kHelm4) {
      NamespacesAsFirstHooks();
    }
    return std::move(diagnostics_);
  }

 private:
  // Adds the annotations the document does not have yet, in one edit.
  bool Annotate(Document& doc, const Annotations& annotations) {
    Annotations missing;
    for (const auto& entry : annotations) {
      if (doc.outline.Annotation(entry.first) == nullptr) missing.push_back(entry);
    }
    if (missing.empty() || AddAnnotations(doc, missing)) return true;
    diagnostics_.push_back(DocumentError(doc, "cannot add annotations in place (metadata is not a block mapping)",
                                         "render metadata as a block mapping, as Helm charts do"));
    return false;
  }

  // Templated CRDs are release objects: removing them from the manifest (the
  // component switched off) or uninstalling would delete them, and with them
  // every custom resource of theirs in the cluster, other teams' included.
  // Helm keeps an object whose live copy says keep (upgrade) or whose
  // manifest says keep (uninstall).
  void ProtectCrds() {
    std::vector<std::string> kept;
    for (Document& doc : docs_) {
      if (doc.removed || !IsCrd(doc)) continue;
      Annotations marks = {{std::string(kResourcePolicyAnnotation), std::string(kKeep)}};
      if (options_.gitops) {
        marks.emplace_back(kArgoSyncWaveAnnotation, kCrdWave);
        marks.emplace_back(kArgoSyncOptionsAnnotation, kNeverDelete);
      }
      if (Annotate(doc, marks)) kept.emplace_back(doc.Name());
    }
    if (!kept.empty()) {
      plan_.notes.push_back(fmt::format(
          "{} CRD(s) rendered as templates are kept when their component is switched off or the release is "
          "uninstalled (helm.sh/resource-policy: keep; deleting a CRD deletes every custom resource of it): {}",
          kept.size(), fmt::join(kept, ", ")));
    }
  }

  // Helm builds every release object before it creates any, so a custom
  // resource whose CRD is templated in the same release cannot be built on a
  // cluster that does not serve its kind yet ("no matches for kind"). Hooks
  // are built when they run, after the release objects (and the CRD) exist.
  void MarkCrdDependents() {
    std::set<std::pair<std::string, std::string>> templated;
    for (const Document& doc : docs_) {
      if (!doc.removed && IsCrd(doc) && !doc.outline.spec_names_kind.empty() && !IsCrdsFolderPath(doc.source_path)) {
        templated.emplace(doc.outline.spec_group, doc.outline.spec_names_kind);
      }
    }
    if (templated.empty()) return;
    std::vector<std::string> helm3_kinds;
    for (Document& doc : docs_) {
      if (doc.removed || !doc.IsObject() || doc.is_hook || IsCrd(doc)) continue;
      if (templated.count({std::string(doc.Group()), std::string(doc.Kind())}) == 0) continue;
      const std::string served = fmt::format("{}/{}", doc.ApiVersion(), doc.Kind());
      if (settings_.served_kinds && settings_.served_kinds->count(served) > 0) {
        plan_.notes.push_back(fmt::format("{}: the cluster serves {} already, so it is an ordinary release object",
                                          doc.Describe(), served));
        continue;
      }
      if (options_.gitops) {
        // Argo CD skips the dry run of a resource whose CRD is in the same
        // sync; this says so for any applier that reads it.
        Annotate(doc, {{std::string(kArgoSyncOptionsAnnotation), "SkipDryRunOnMissingResource=true"}});
        continue;
      }
      if (plan_.style != StreamStyle::kHelm4) {
        helm3_kinds.push_back(doc.Describe());
        continue;
      }
      // hook-failed, not Helm's default before-hook-creation: an existing one
      // is updated in place (Helm 4 applies hooks server-side), never deleted
      // and made again, which would drop KEDA's HPA and scaling state. The
      // ownership marks let the next upgrade, which finds the kind served,
      // adopt it as an ordinary release object.
      Annotations marks = {{std::string(kHookAnnotation), std::string(kPostInstallHook)},
                           {std::string(kHookDeletePolicyAnnotation), "hook-failed"}};
      if (!settings_.release_name.empty()) {
        marks.emplace_back("meta.helm.sh/release-name", settings_.release_name);
        marks.emplace_back("meta.helm.sh/release-namespace", settings_.release_namespace);
      }
      if (!Annotate(doc, marks)) continue;
      doc.is_hook = true;
      plan_.notes.push_back(fmt::format(
          "{}: its CRD ({}/{}) is rendered in the same release and the cluster does not serve {} yet, so it is "
          "a post-install/post-upgrade hook this time (never re-created); the next upgrade adopts it",
          doc.Describe(), doc.Group(), doc.Kind(), served));
    }
    if (!helm3_kinds.empty()) {
      plan_.notes.push_back(fmt::format(
          "{}: the CRD is rendered in the same release; Helm 3 ignores hooks a post-renderer adds, so on a fresh "
          "cluster apply those CRDs first (dotk8s install does; with plain Helm 3 run `dotk8s crds apply`)",
          fmt::join(helm3_kinds, ", ")));
    }
  }

  // Helm 4 runs pre-install hooks before it creates any release object, the
  // Namespaces included, and the components' hooks (certgen, admission) live
  // in those namespaces. As the first hooks they exist before them. Their
  // policy is hook-failed: with none, Helm would delete them before each
  // upgrade (before-hook-creation), and everything in them. Helm never
  // deletes hooks on uninstall.
  void NamespacesAsFirstHooks() {
    std::vector<std::string> names;
    for (Document& doc : docs_) {
      if (!IsInjectedNamespace(doc)) continue;
      if (!Annotate(doc, {{std::string(kHookAnnotation), "pre-install,pre-upgrade"},
                          {std::string(kHookWeightAnnotation), std::string(kNamespaceHookWeight)},
                          {std::string(kHookDeletePolicyAnnotation), "hook-failed"}})) {
        continue;
      }
      doc.is_hook = true;
      names.emplace_back(doc.Name());
    }
    if (!names.empty()) {
      plan_.notes.push_back(fmt::format(
          "Namespace(s) {} are the first pre-install/pre-upgrade hooks (weight {}): Helm 4 runs hooks before the "
          "release's objects, and the components' hooks live in them; never deleted by helm",
          fmt::join(names, ", "), kNamespaceHookWeight));
    }
  }

  // Argo CD turns Helm's pre-install hooks into PreSync hooks, which run
  // before the Sync phase creates the Namespaces. As Sync-phase hooks in a
  // wave after the Namespaces and CRDs, they run where they can.
  void TranslateHooks() {
    std::size_t translated = 0;
    for (Document& doc : docs_) {
      if (doc.removed || !doc.is_hook) continue;
      const std::vector<std::string> types = AnnotationList(doc, kHookAnnotation);
      const bool pre = Has(types, "pre-install") || Has(types, "pre-upgrade");
      if (!pre || doc.outline.Annotation(kArgoHookAnnotation) != nullptr) continue;
      const bool post = Has(types, "post-install") || Has(types, "post-upgrade");
      Annotations marks = {
          {std::string(kArgoHookAnnotation), post ? "Sync,PostSync" : "Sync"},
          {std::string(kArgoSyncWaveAnnotation), std::string(kPreHookWave)},
          {std::string(kArgoHookDeletePolicyAnnotation),
           ArgoDeletePolicy(AnnotationList(doc, kHookDeletePolicyAnnotation))},
      };
      if (Annotate(doc, marks)) ++translated;
    }
    if (translated > 0) {
      plan_.notes.push_back(fmt::format("{} pre-install hook(s) run in Argo CD's Sync phase, wave {}, after the "
                                        "Namespaces (wave {}) and CRDs (wave {})",
                                        translated, kPreHookWave, kNamespaceWave, kCrdWave));
    }
  }

  // Helm hands a post-renderer no CRD of a crds/ folder; a stream that is
  // applied as it is must carry those of the components that are on.
  void AddChartCrds() {
    if (options_.crd_paths.empty()) {
      diagnostics_.push_back(MakeWarning(
          "--gitops without --crds: the output carries only the CRDs rendered as templates, none of the charts' "
          "crds/ folders, so custom resources of those kinds will be refused on a new cluster",
          "pass --crds with the chart's charts/ directory or the dependency archives (dotk8s template does)"));
      return;
    }
    // Envoy Gateway's Gateway API bundle is the one its controller needs:
    // its archive goes first, and the first definition of a kind wins.
    std::vector<std::string> paths = options_.crd_paths;
    std::stable_partition(paths.begin(), paths.end(), [](const std::string& path) {
      return std::filesystem::path(path).filename().string().rfind("gateway-helm", 0) == 0;
    });
    CrdCatalog catalog;
    for (const std::string& path : paths) Append(diagnostics_, catalog.AddPath(path));
    if (HasErrors(diagnostics_)) return;
    std::set<std::string> in_stream;
    for (const Document& doc : docs_) {
      if (!doc.removed && IsCrd(doc)) in_stream.emplace(doc.Name());
    }
    std::size_t added = 0;
    std::size_t next_index = docs_.size();
    for (const CrdDefinition* definition : catalog.Definitions()) {
      const CrdOrigin crd_origin = OriginOf(definition->source);
      if (!crd_origin.crds_folder || in_stream.count(definition->name) > 0) continue;
      const ComponentInfo* chart = crd_origin.chart;
      if (chart == nullptr || !plan_.IsOn(chart->component)) continue;
      const std::string origin = fmt::format(
          "{}/charts/{}", plan_.umbrella_chart.empty() ? "dot-apps" : plan_.umbrella_chart, crd_origin.member);
      std::string text = "---\n";
      if (plan_.style == StreamStyle::kHelm3) text += fmt::format("# Source: {}\n", origin);
      std::string_view body = definition->text;
      if (body.rfind("---", 0) == 0) body.remove_prefix(std::min(body.size(), body.find('\n') + 1));
      text += body;
      if (text.back() != '\n') text += '\n';
      Document doc = MakeGeneratedDocument(std::move(text), next_index++);
      YamlProblem problem;
      if (!BuildOutline(doc.raw, 0, OutlineOptions{}, &doc.outline, &problem)) {
        diagnostics_.push_back(MakeError(fmt::format("{}: the CRD does not read back: {}", definition->source,
                                                     problem.message)));
        continue;
      }
      doc.source_path = origin;
      doc.component = chart->component;
      Annotations marks = {{std::string(kResourcePolicyAnnotation), std::string(kKeep)},
                           {std::string(kArgoSyncWaveAnnotation), std::string(kCrdWave)},
                           {std::string(kArgoSyncOptionsAnnotation), std::string(kNeverDelete)}};
      if (plan_.style == StreamStyle::kHelm4) marks.emplace_back(kHelm4FilenameAnnotation, origin);
      if (!Annotate(doc, marks)) continue;
      in_stream.insert(definition->name);
      docs_.push_back(std::move(doc));
      ++added;
    }
    plan_.notes.push_back(fmt::format("{} CRD(s) of the charts' crds/ folders added for the components that are on",
                                      added));
  }

  void MarkNamespaces() {
    for (Document& doc : docs_) {
      if (!IsInjectedNamespace(doc)) continue;
      Annotate(doc, {{std::string(kArgoSyncWaveAnnotation), std::string(kNamespaceWave)},
                     {std::string(kArgoSyncOptionsAnnotation), std::string(kNeverDelete)}});
    }
  }

  // `kubectl apply` goes in stream order: the Namespaces, then the CRDs,
  // then what lives in them.
  void NamespacesThenCrdsFirst() {
    auto rank = [](const Document& doc) {
      if (doc.Kind() == "Namespace" && doc.ApiVersion() == "v1") return 0;
      return IsCrd(doc) ? 1 : 2;
    };
    std::stable_sort(docs_.begin(), docs_.end(),
                     [&rank](const Document& a, const Document& b) { return rank(a) < rank(b); });
  }

  std::vector<Document>& docs_;
  const Settings& settings_;
  const LifecycleOptions& options_;
  Plan& plan_;
  Diagnostics diagnostics_;
};

}  // namespace

Diagnostics PrepareLifecycle(std::vector<Document>& docs, const Settings& settings, const LifecycleOptions& options,
                             Plan& plan) {
  return Lifecycle(docs, settings, options, plan).Run();
}

}  // namespace dotk8s
