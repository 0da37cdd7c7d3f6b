#include "core/passes/lifecycle.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>

#include "core/kinds.h"
#include "core/passes/lifecycle_internal.h"
#include "core/yaml/document_edit.h"

namespace dotk8s {

namespace internal {

namespace {

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

// The live namespace carries every label `doc` gives it, with the same value.
bool HasAllLabels(const ExistingNamespace& existing, const Document& doc) {
  if (!existing.labels.has_value()) return false;
  return std::all_of(doc.outline.labels.begin(), doc.outline.labels.end(), [&existing](const auto& label) {
    auto live = existing.labels->find(label.first);
    return live != existing.labels->end() && live->second == label.second;
  });
}

}  // namespace

Diagnostics Lifecycle::Run() {
  LeaveForeignNamespacesAlone();
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

// Adds the annotations the document does not have yet, in one edit.
bool Lifecycle::Annotate(Document& doc, const Annotations& annotations) {
  Annotations missing;
  for (const auto& entry : annotations) {
    if (doc.outline.Annotation(entry.first) == nullptr) missing.push_back(entry);
  }
  if (missing.empty() || AddAnnotations(doc, missing)) return true;
  diagnostics_.push_back(DocumentError(doc, "cannot add annotations in place (metadata is not a block mapping)",
                                       "render metadata as a block mapping, as Helm charts do"));
  return false;
}

// A component namespace that exists already and that this release did not
// make (someone else's, or made by hand) is left as it is: a Namespace
// hook would change its labels without a word, a Namespace release object
// would fail on Helm's ownership check.
void Lifecycle::LeaveForeignNamespacesAlone() {
  for (Document& doc : docs_) {
    if (!IsInjectedNamespace(doc)) continue;
    const ExistingNamespace* existing = Existing(doc.Name());
    if (existing == nullptr || MadeByThisRelease(*existing)) continue;
    std::vector<std::string> wanted;
    for (const auto& [key, value] : doc.outline.labels) {
      if (key.rfind("app.kubernetes.io/", 0) != 0) wanted.push_back(fmt::format("{}={}", key, value));
    }
    doc.removed = true;
    doc.removed_reason = "the namespace exists and this release did not create it";
    plan_.removed.push_back(fmt::format("Namespace {}: it exists already and this release did not create it, so "
                                        "it is left as it is",
                                        doc.Name()));
    if (!wanted.empty()) {
      plan_.notes.push_back(fmt::format("Namespace {} exists and is not the release's: label it yourself if "
                                        "Prometheus is to find the PodMonitor there: kubectl label ns {} {}",
                                        doc.Name(), doc.Name(), fmt::join(wanted, " ")));
    }
  }
}

// The live component namespace of that name, as the chart's lookup saw it.
const ExistingNamespace* Lifecycle::Existing(std::string_view name) const {
  auto existing = std::find_if(settings_.existing_namespaces.begin(), settings_.existing_namespaces.end(),
                               [name](const ExistingNamespace& ns) { return ns.name == name; });
  return existing == settings_.existing_namespaces.end() ? nullptr : &*existing;
}

bool Lifecycle::MadeByThisRelease(const ExistingNamespace& existing) const {
  const std::string chart = plan_.umbrella_chart.empty() ? "dot-apps" : plan_.umbrella_chart;
  return existing.release_name == settings_.release_name ||
         (existing.instance == settings_.release_name && existing.part_of == chart);
}

// Helm 4 runs pre-install hooks before it creates any release object, the
// Namespaces included, and the components' hooks (certgen, admission) live
// in those namespaces. As the first hooks they exist before them. Their
// policy is hook-failed: with none, Helm would delete them before each
// upgrade (before-hook-creation), and everything in them. Helm never
// deletes hooks on uninstall.
//
// Helm 4 creates hooks with the release's apply method, and client-side (a
// release last written by Helm 3 or with --server-side=false: upgrade's
// --server-side=auto follows it) creating an existing Namespace fails the
// whole upgrade ("namespaces ... already exists"). So a namespace this
// release made already is no hook:
// - one with Helm's ownership marks was a release object (Helm 3 marks its
//   objects, never hooks): it stays one, so that the manifest keeps it and
//   a rollback to a Helm 3 revision finds it in both (Helm's rollback
//   adopts nothing: "original object Namespace ... not found");
// - one without them was a hook: with every label it needs it is left out.
void Lifecycle::NamespacesAsFirstHooks() {
  std::vector<std::string> names;
  std::vector<std::string> present;
  std::vector<std::string> objects;
  for (Document& doc : docs_) {
    if (!IsInjectedNamespace(doc)) continue;
    const ExistingNamespace* existing = Existing(doc.Name());
    if (existing != nullptr && existing->release_name == settings_.release_name) {
      objects.emplace_back(doc.Name());
      continue;
    }
    if (existing != nullptr && MadeByThisRelease(*existing) && HasAllLabels(*existing, doc)) {
      doc.removed = true;
      doc.removed_reason = "the namespace exists already, made by this release, with every label it needs";
      present.emplace_back(doc.Name());
      continue;
    }
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
  if (!objects.empty()) {
    plan_.notes.push_back(fmt::format(
        "Namespace(s) {} stay release objects: they carry this release's ownership marks, so an earlier revision "
        "(Helm 3's) holds them as objects",
        fmt::join(objects, ", ")));
  }
  if (!present.empty()) {
    plan_.removed.push_back(fmt::format(
        "Namespace(s) {}: they exist already, made by this release, with every label they need, so they are left "
        "as they are (a hook would fail a client-side upgrade, e.g. the first Helm 4 upgrade of a Helm 3 release: "
        "\"already exists\"; they are kept, never deleted)",
        fmt::join(present, ", ")));
  }
}

// Argo CD turns Helm's pre-install hooks into PreSync hooks, which run
// before the Sync phase creates the Namespaces. As Sync-phase hooks in a
// wave after the Namespaces and CRDs, they run where they can.
void Lifecycle::TranslateHooks() {
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

void Lifecycle::MarkNamespaces() {
  for (Document& doc : docs_) {
    if (!IsInjectedNamespace(doc)) continue;
    Annotate(doc, NeverDeleteMarks(kNamespaceWave));
  }
}

// `kubectl apply` goes in stream order: the Namespaces, then the CRDs,
// then what lives in them.
void Lifecycle::NamespacesThenCrdsFirst() {
  auto rank = [](const Document& doc) {
    if (doc.Kind() == "Namespace" && doc.ApiVersion() == "v1") return 0;
    return IsCrd(doc) ? 1 : 2;
  };
  std::stable_sort(docs_.begin(), docs_.end(),
                   [&rank](const Document& a, const Document& b) { return rank(a) < rank(b); });
}

}  // namespace internal

Diagnostics PrepareLifecycle(std::vector<Document>& docs, const Settings& settings, const LifecycleOptions& options,
                             Plan& plan) {
  return internal::Lifecycle(docs, settings, options, plan).Run();
}

}  // namespace dotk8s
