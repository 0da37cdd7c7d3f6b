// The lifecycle pass's CRD marks (lifecycle.h): templated CRDs kept, custom
// resources whose CRD comes in the same release made hooks, and the CRDs of
// the charts' crds/ folders added from the --crds sources.

#include "core/passes/lifecycle_internal.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <filesystem>
#include <set>

#include "core/component.h"
#include "core/kinds.h"
#include "core/passes/attribute.h"
#include "core/yaml/document_edit.h"

namespace dotk8s::internal {

// Where a CRD of a --crds source came from: the managed chart it belongs to
// and its path from the chart's directory on ("gateway-helm/crds/x.yaml").
// Sources are "gateway-helm-1.7.0.tgz:gateway-helm/crds/x.yaml" for an
// archive member, a file path otherwise.
struct CrdOrigin {
  const ComponentInfo* chart = nullptr;
  std::string member;
  bool crds_folder = false;
};

namespace {

// After the Namespace hooks, before every chart's own hook.
constexpr std::string_view kCrdHookWeight = "-999";
// A custom resource whose kind is not served yet (MarkCrdDependents).
constexpr std::string_view kCustomResourceHook = "post-install,post-upgrade,pre-rollback";

// The managed chart a directory or archive name stands for: "gateway-helm",
// or "gateway-helm-1.7.0" as a chart cache names it.
const ComponentInfo* ChartNamed(const std::string& name) {
  if (const ComponentInfo* info = FindComponentByChart(name)) return info;
  const std::size_t dash = name.rfind('-', name.find('.'));
  if (dash == std::string::npos || dash + 1 >= name.size() || name[dash + 1] < '0' || name[dash + 1] > '9') {
    return nullptr;
  }
  return FindComponentByChart(name.substr(0, dash));
}

CrdOrigin OriginOf(std::string_view source) {
  CrdOrigin origin;
  const std::size_t colon = source.find(".tgz:");
  const bool in_archive = colon != std::string_view::npos;
  const std::string_view path = in_archive ? source.substr(colon + 5) : source;
  std::filesystem::path member;
  for (const auto& segment : std::filesystem::path(path)) {
    if (origin.chart == nullptr) {
      origin.chart = ChartNamed(segment.string());
      if (origin.chart != nullptr) member = origin.chart->chart;  // unversioned, as Helm names it
      continue;
    }
    member /= segment;
  }
  origin.member = member.generic_string();
  origin.crds_folder = IsCrdsFolderPath(in_archive ? "/" + origin.member : std::string(source));
  return origin;
}

}  // namespace

// Templated CRDs are release objects: removing them from the manifest (the
// component switched off) or uninstalling would delete them, and with them
// every custom resource of theirs in the cluster, other teams' included.
// Helm keeps an object whose live copy says keep (upgrade) or whose
// manifest says keep (uninstall).
void Lifecycle::ProtectCrds() {
  std::vector<std::string> kept;
  for (Document& doc : docs_) {
    if (doc.removed || !IsCrd(doc)) continue;
    Annotations marks = {{std::string(kResourcePolicyAnnotation), std::string(kKeep)}};
    if (options_.gitops) {
      for (auto& mark : NeverDeleteMarks(kCrdWave)) marks.push_back(std::move(mark));
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
// resource whose kind the cluster does not serve yet fails the whole install
// or upgrade ("no matches for kind"), however early its CRD comes in the
// release. Hooks are built when they run, after the release objects (and
// the pre-upgrade hooks) exist. Helm installs a chart's crds/ only on a first
// install, before it reads what the cluster serves; on an upgrade that turns
// a component on, nothing installs them.
void Lifecycle::MarkCrdDependents() {
  std::set<std::pair<std::string, std::string>> templated;
  for (const Document& doc : docs_) {
    if (!doc.removed && IsCrd(doc) && !doc.outline.spec_names_kind.empty() && !IsCrdsFolderPath(doc.source_path)) {
      templated.emplace(doc.outline.spec_group, doc.outline.spec_names_kind);
    }
  }
  const bool served_known = settings_.served_kinds.has_value();
  std::vector<std::string> helm3_kinds;
  std::vector<std::string> hooks;
  std::map<std::string, std::vector<std::string>> missing;  ///< kind -> objects
  for (Document& doc : docs_) {
    if (doc.removed || !doc.IsObject() || doc.is_hook || IsCrd(doc)) continue;
    const std::string served = fmt::format("{}/{}", doc.ApiVersion(), doc.Kind());
    const bool in_release = templated.count({std::string(doc.Group()), std::string(doc.Kind())}) > 0;
    if (served_known && settings_.served_kinds->count(served) > 0) {
      if (in_release) {
        plan_.notes.push_back(fmt::format("{}: the cluster serves {} already, so it is an ordinary release object",
                                          doc.Describe(), served));
      }
      continue;
    }
    if (!in_release) {
      // Only a cluster Helm asked says what is served; the API server's own
      // kinds are not custom resources. On an install Helm applies crds/
      // itself, after it read what is served (without waiting for them to
      // be established): only an upgrade is known to lack them.
      if (!served_known || !settings_.is_upgrade.value_or(false) || options_.gitops ||
          IsBuiltinApiGroup(doc.Group())) {
        continue;
      }
      if (plan_.style != StreamStyle::kHelm4 || !AddCrdHookFor(doc)) {
        missing[served].push_back(doc.Describe());
        continue;
      }
    }
    if (options_.gitops) {
      // Argo CD skips the dry run of a resource whose CRD is in the same
      // sync; this says so for any applier that reads it.
      Annotate(doc, {{std::string(kArgoSyncOptionsAnnotation), "SkipDryRunOnMissingResource=true"}});
      continue;
    }
    if (plan_.style != StreamStyle::kHelm4) {
      // Helm 3 ignores hook annotations a post-renderer adds: asked by a
      // real install, say now what Helm would stop on at Build.
      if (served_known) {
        missing[served].push_back(doc.Describe());
      } else {
        helm3_kinds.push_back(doc.Describe());
      }
      continue;
    }
    if (MakeAdoptableHook(doc)) hooks.push_back(doc.Describe());
  }
  for (Document& crd : pending_crds_) docs_.push_back(std::move(crd));
  pending_crds_.clear();
  ReportCrdDependents(hooks, helm3_kinds, missing);
}

// `doc` as a post-install/post-upgrade hook that the next upgrade adopts as
// a release object; false if the marks cannot be added (reported).
bool Lifecycle::MakeAdoptableHook(Document& doc) {
  // hook-failed, not Helm's default before-hook-creation: an existing one
  // is updated in place (Helm 4 applies hooks server-side), never deleted
  // and made again, which would drop KEDA's HPA and scaling state. The
  // ownership marks let the next upgrade, which finds the kind served,
  // adopt it as an ordinary release object.
  //
  // pre-rollback and keep: a rollback to this revision deletes what the
  // current revision holds as an object and this one only as a hook,
  // unless the live object says keep, and runs no install hook
  // (rollback.go performRollback). As a pre-rollback hook it is applied
  // with keep before that deletion; the next upgrade's apply (the same
  // field manager, without the annotation) takes keep off again, so that
  // switching the component off later deletes it.
  Annotations marks = {{std::string(kHookAnnotation), std::string(kCustomResourceHook)},
                       {std::string(kHookDeletePolicyAnnotation), "hook-failed"},
                       {std::string(kResourcePolicyAnnotation), std::string(kKeep)}};
  if (!settings_.release_name.empty()) {
    marks.emplace_back("meta.helm.sh/release-name", settings_.release_name);
    marks.emplace_back("meta.helm.sh/release-namespace", settings_.release_namespace);
  }
  if (!Annotate(doc, marks)) return false;
  // Helm adopts an existing object only with all three ownership marks.
  const bool labelled = std::any_of(doc.outline.labels.begin(), doc.outline.labels.end(), [](const auto& label) {
    return label.first == "app.kubernetes.io/managed-by";
  });
  if (!settings_.release_name.empty() && !labelled && !AddLabels(doc, {{"app.kubernetes.io/managed-by", "Helm"}})) {
    diagnostics_.push_back(DocumentError(doc, "cannot add the label app.kubernetes.io/managed-by in place",
                                         "render metadata as a block mapping, as Helm charts do"));
    return false;
  }
  doc.is_hook = true;
  return true;
}

// The plan's notes on the custom resources MarkCrdDependents made hooks (or
// could not), and the error for those whose kind nothing will serve in time.
void Lifecycle::ReportCrdDependents(const std::vector<std::string>& hooks, const std::vector<std::string>& helm3_kinds,
                                    const std::map<std::string, std::vector<std::string>>& missing) {
  if (!hooks.empty()) {
    plan_.notes.push_back(fmt::format(
        "{} custom resource(s) whose kind the cluster does not serve yet are post-install/post-upgrade hooks this "
        "time (never re-created; the next upgrade adopts them as release objects): {}",
        hooks.size(), fmt::join(hooks, ", ")));
  }
  if (!crd_hooks_.empty()) {
    plan_.notes.push_back(fmt::format(
        "{} CRD(s) of the charts' crds/ folders are pre-upgrade hooks (Helm installs crds/ only on a first install): {}",
        crd_hooks_.size(), fmt::join(crd_hooks_, ", ")));
  }
  if (!helm3_kinds.empty()) {
    plan_.notes.push_back(fmt::format(
        "{}: the CRD is rendered in the same release; Helm 3 ignores hooks a post-renderer adds, so on a fresh "
        "cluster apply those CRDs first (dotk8s install does; with plain Helm 3 run `dotk8s crds apply`)",
        fmt::join(helm3_kinds, ", ")));
  }
  if (!missing.empty()) {
    std::vector<std::string> kinds;
    for (const auto& [kind, objects] : missing) {
      kinds.push_back(fmt::format("{} ({}{})", kind, objects.front(),
                                  objects.size() > 1 ? fmt::format(" and {} more", objects.size() - 1) : ""));
    }
    diagnostics_.push_back(MakeError(
        fmt::format("custom resources of {} kind(s) the cluster does not serve yet: {}. Helm builds every object "
                    "before it creates any and would stop with \"no matches for kind\": it installs a chart's crds/ "
                    "only on a first install, never on an upgrade{}",
                    kinds.size(), fmt::join(kinds, ", "),
                    plan_.style == StreamStyle::kHelm4 ? ", and no CRD for them comes with this release"
                                                       : ", and Helm 3 cannot create a CRD of the release before "
                                                         "the objects of its kind"),
        plan_.style == StreamStyle::kHelm4
            ? "pass the chart's dependency archives (--post-renderer-args --crds=<chart>/charts) so that "
              "dotk8s-post adds them as pre-upgrade hooks, or apply them first (`dotk8s crds apply` with the same "
              "values), or use `dotk8s upgrade`, which does"
            : "apply them first (`dotk8s crds apply` with the same values), or use `dotk8s upgrade`, which does"));
  }
}

// The crds/ CRD of `doc`'s kind from the --crds sources, as a pre-upgrade
// hook (once per CRD): it then exists before the post-upgrade hook that
// `doc` becomes. Helm never deletes a CRD hook.
bool Lifecycle::AddCrdHookFor(const Document& doc) {
  const CrdCatalog* catalog = ChartCatalog();
  if (catalog == nullptr) return false;
  const CrdDefinition* definition = catalog->Find(doc.Group(), doc.Kind());
  if (definition == nullptr) return false;
  const CrdOrigin origin = OriginOf(definition->source);
  if (!origin.crds_folder || origin.chart == nullptr || !plan_.IsOn(origin.chart->component)) return false;
  if (std::find(crd_hooks_.begin(), crd_hooks_.end(), definition->name) != crd_hooks_.end()) return true;
  std::optional<Document> crd =
      CrdDocument(*definition, origin, {{std::string(kResourcePolicyAnnotation), std::string(kKeep)},
                                        {std::string(kHookAnnotation), "pre-install,pre-upgrade"},
                                        {std::string(kHookWeightAnnotation), std::string(kCrdHookWeight)},
                                        {std::string(kHookDeletePolicyAnnotation), "hook-failed"}});
  if (!crd) return false;
  crd->is_hook = true;
  pending_crds_.push_back(std::move(*crd));  // docs_ is being walked
  crd_hooks_.push_back(definition->name);
  return true;
}

// The --crds sources, read once, in the order RunPostRenderer gave them
// (Envoy Gateway's first: the first definition of a kind wins).
const CrdCatalog* Lifecycle::ChartCatalog() {
  if (catalog_loaded_) return catalog_.get();
  catalog_loaded_ = true;
  if (options_.crd_paths.empty()) return nullptr;
  catalog_ = std::make_unique<CrdCatalog>();
  for (const std::string& path : options_.crd_paths) Append(diagnostics_, catalog_->AddPath(path));
  if (HasErrors(diagnostics_)) catalog_.reset();
  return catalog_.get();
}

// A CRD of a chart's crds/ folder as a document of this stream, with `marks`.
std::optional<Document> Lifecycle::CrdDocument(const CrdDefinition& definition, const CrdOrigin& crd_origin,
                                               Annotations marks) {
  const std::string origin = fmt::format(
      "{}/charts/{}", plan_.umbrella_chart.empty() ? "dot-apps" : plan_.umbrella_chart, crd_origin.member);
  std::string text = "---\n";
  if (plan_.style == StreamStyle::kHelm3) text += fmt::format("# Source: {}\n", origin);
  std::string_view body = definition.text;
  if (body.rfind("---", 0) == 0) body.remove_prefix(std::min(body.size(), body.find('\n') + 1));
  text += body;
  if (text.back() != '\n') text += '\n';
  Document doc = MakeGeneratedDocument(std::move(text), next_index_++);
  YamlProblem problem;
  if (!BuildOutline(doc.raw, 0, OutlineOptions{}, &doc.outline, &problem)) {
    diagnostics_.push_back(
        MakeError(fmt::format("{}: the CRD does not read back: {}", definition.source, problem.message)));
    return std::nullopt;
  }
  doc.source_path = origin;
  doc.component = crd_origin.chart->component;
  if (plan_.style == StreamStyle::kHelm4) marks.emplace_back(kHelm4FilenameAnnotation, origin);
  if (!Annotate(doc, marks)) return std::nullopt;
  return doc;
}

// Helm hands a post-renderer no CRD of a crds/ folder; a stream that is
// applied as it is must carry those of the components that are on.
void Lifecycle::AddChartCrds() {
  if (options_.crd_paths.empty()) {
    diagnostics_.push_back(MakeWarning(
        "--gitops without --crds: the output carries only the CRDs rendered as templates, none of the charts' "
        "crds/ folders, so custom resources of those kinds will be refused on a new cluster",
        "pass --crds with the chart's charts/ directory or the dependency archives (dotk8s template does)"));
    return;
  }
  const CrdCatalog* catalog = ChartCatalog();
  if (catalog == nullptr) return;
  std::set<std::string> in_stream;
  for (const Document& doc : docs_) {
    if (!doc.removed && IsCrd(doc)) in_stream.emplace(doc.Name());
  }
  std::size_t added = 0;
  for (const CrdDefinition* definition : catalog->Definitions()) {
    const CrdOrigin crd_origin = OriginOf(definition->source);
    if (!crd_origin.crds_folder || in_stream.count(definition->name) > 0) continue;
    if (crd_origin.chart == nullptr || !plan_.IsOn(crd_origin.chart->component)) continue;
    Annotations marks = {{std::string(kResourcePolicyAnnotation), std::string(kKeep)}};
    for (auto& mark : NeverDeleteMarks(kCrdWave)) marks.push_back(std::move(mark));
    std::optional<Document> doc = CrdDocument(*definition, crd_origin, std::move(marks));
    if (!doc) continue;
    in_stream.insert(definition->name);
    docs_.push_back(std::move(*doc));
    ++added;
  }
  plan_.notes.push_back(fmt::format("{} CRD(s) of the charts' crds/ folders added for the components that are on",
                                    added));
}

}  // namespace dotk8s::internal
