#include "core/passes/place.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <set>

#include "core/parallel.h"
#include "core/passes/place_internal.h"
#include "core/yaml/document_edit.h"

namespace dotk8s {

namespace internal {

namespace {

constexpr std::array<char, 3> kNameSeparators = {':', '-', '.'};

}  // namespace

Placement::Placement(std::vector<Document>& docs, const Settings& settings, const KindScopes& scopes, Plan& plan,
                     unsigned threads)
    : docs_(docs),
      settings_(settings),
      scopes_(scopes),
      plan_(plan),
      release_ns_(settings.release_namespace),
      threads_(ThreadsFor(docs, threads)) {}

Diagnostics Placement::Run() {
  ReportUnmarkedInput();
  if (!release_ns_.empty()) {
    if (RefuseBuiltInNamespace()) return std::move(diagnostics_);
    CheckHelm3();
    if (HasErrors(diagnostics_)) return std::move(diagnostics_);
    IndexObjects();
    CollectRenames();
    for (Document& doc : docs_) {
      if (!doc.removed && doc.IsObject()) Move(doc);
    }
    // Each document's references are its own business: on large input, in parallel.
    std::vector<RewriteOutcome> outcomes(docs_.size());
    ForEachDocument(docs_, threads_, [this, &outcomes](std::size_t i) {
      if (!docs_[i].removed && docs_[i].IsObject()) Rewrite(docs_[i], &outcomes[i]);
    });
    for (std::size_t i = 0; i < docs_.size(); ++i) Merge(docs_[i], std::move(outcomes[i]));
    Report();
  }
  return std::move(diagnostics_);
}

// Helm 3 never shows hooks to a post-renderer, so hooks stay in the release
// namespace. Where a moved component depends on its hooks, that cannot work.
// The evidence is the stream itself: `# Source:` comments and none of the
// component's hooks. (`helm template | dotk8s-post`, as Argo CD runs it,
// carries the hooks: they move like everything else.)
bool Placement::HooksHidden(Component component) const {
  if (plan_.style != StreamStyle::kHelm3) return false;
  return std::none_of(docs_.begin(), docs_.end(),
                      [component](const Document& doc) { return doc.component == component && doc.is_hook; });
}

// Without `# Source:` comments or Helm 4's filename annotations no document
// belongs to a component, so nothing moves: say so rather than pass the
// stream on as if it had been placed.
void Placement::ReportUnmarkedInput() {
  if (plan_.style != StreamStyle::kUnknown) return;
  const bool objects = std::any_of(docs_.begin(), docs_.end(), [](const Document& doc) { return !doc.removed && doc.IsObject(); });
  if (!objects) return;
  diagnostics_.push_back(MakeWarning(
      "no document carries a Helm origin marker (`# Source:` comment or postrender-filename annotation), so none "
      "belongs to a component and nothing is placed in a component namespace",
      "pipe what helm renders (helm template, or dotk8s-post as helm's --post-renderer), not an edited copy"));
}

// kube-system and its siblings hold objects charts put there on purpose
// (KEDA's auth-reader RoleBinding, kube-prometheus-stack's Services for the
// control plane): in a release there, nothing tells them from the objects
// that should move, and moving them breaks what they are for.
bool Placement::RefuseBuiltInNamespace() {
  static constexpr std::array<std::string_view, 3> kBuiltIn = {"kube-system", "kube-public", "kube-node-lease"};
  if (std::find(kBuiltIn.begin(), kBuiltIn.end(), release_ns_) == kBuiltIn.end()) return false;
  diagnostics_.push_back(MakeError(
      fmt::format("the release namespace {} is built into Kubernetes: the charts put objects there on purpose "
                  "(they must stay) and dotk8s-post cannot tell them from the release's own, which move",
                  release_ns_),
      "install the release into a namespace of its own (helm install -n dot-system ..., the default of dotk8s "
      "install); `default` works too"));
  return true;
}

void Placement::CheckHelm3() {
  if (Moves(Component::kEnvoyGateway) && HooksHidden(Component::kEnvoyGateway)) {
    const std::string target = TargetNamespace(settings_, Component::kEnvoyGateway);
    diagnostics_.push_back(MakeError(
        fmt::format("Helm 3 never passes hooks to a post-renderer, so Envoy Gateway's certgen hook would "
                    "create its certificates in the release namespace {} while the controller runs in {}",
                    release_ns_, target),
        fmt::format("with Helm 3, install the release into Envoy Gateway's namespace (helm install -n {} -f "
                    "values/helm3.yaml ..., or dotk8s install, which does that for Helm 3), or use Helm 4",
                    target)));
  }
  if (Moves(Component::kPrometheus) && HooksHidden(Component::kPrometheus)) {
    for (const Document& doc : docs_) {
      if (doc.removed || doc.component != Component::kPrometheus) continue;
      const bool webhook = doc.Kind() == "ValidatingWebhookConfiguration" || doc.Kind() == "MutatingWebhookConfiguration";
      if (!webhook || doc.Name().find("admission") == std::string_view::npos) continue;
      diagnostics_.push_back(DocumentError(
          doc,
          fmt::format("Helm 3 never passes hooks to a post-renderer, so kube-prometheus-stack's admission hook "
                      "Jobs would write the webhook certificate into {} while the operator runs in {}",
                      release_ns_, TargetNamespace(settings_, Component::kPrometheus)),
          "with Helm 3 set kube-prometheus-stack.prometheusOperator.admissionWebhooks.enabled=false (the "
          "values/helm3.yaml profile does), or use Helm 4"));
      break;
    }
  }
}

void Placement::IndexObjects() {
  for (const Document& doc : docs_) {
    if (doc.removed || !doc.IsObject()) continue;
    // Without metadata.namespace Helm creates a namespaced object in the release namespace.
    const bool in_release = doc.outline.namespace_ ? doc.Namespace() == release_ns_
                                                   : !scopes_.IsClusterScoped(doc.Group(), doc.Kind());
    if (!in_release) continue;
    index_.by_kind_and_name.emplace(std::make_pair(std::string(doc.Kind()), std::string(doc.Name())), doc.component);
    index_.by_name.emplace(std::string(doc.Name()), doc.component);
    if (doc.Kind() == "Service" && doc.Group().empty()) index_.services.push_back(&doc);
  }
}

// Names built from another name and the release namespace: a cluster-scoped
// object must be unique across namespaces, so charts append the namespace
// (`<release>-gateway-helm-certgen:<ns>`, `<fullname>-<ns>`), and Traefik
// labels its objects `<release>-<ns>`. They follow the component's namespace.
void Placement::CollectRenames() {
  for (const ComponentInfo& info : ManagedComponents()) {
    if (!Moves(info.component)) continue;
    const std::string target = TargetNamespace(settings_, info.component);
    std::set<std::string, std::less<>> names;
    for (const Document& doc : docs_) {
      if (!doc.removed && doc.component == info.component && doc.IsObject()) names.emplace(doc.Name());
    }
    if (!settings_.release_name.empty()) {
      // Traefik's `app.kubernetes.io/instance: <release>-<ns>`: a label value
      // (as a name it could be Grafana's `<release>-grafana`).
      label_renames_[info.component][fmt::format("{}-{}", settings_.release_name, release_ns_)] =
          fmt::format("{}-{}", settings_.release_name, target);
    }
    for (const Document& doc : docs_) {
      if (doc.removed || doc.component != info.component || !scopes_.IsClusterScoped(doc.Group(), doc.Kind())) continue;
      const std::string_view name = doc.Name();
      if (name.size() <= release_ns_.size() + 1 || name.substr(name.size() - release_ns_.size()) != release_ns_) continue;
      const char separator = name[name.size() - release_ns_.size() - 1];
      if (std::find(kNameSeparators.begin(), kNameSeparators.end(), separator) == kNameSeparators.end()) continue;
      const std::string_view base = name.substr(0, name.size() - release_ns_.size() - 1);
      // `<name>-<ns>` is also how charts spell ordinary names (keda-operator-webhook):
      // only a name of another object of the component that starts with the
      // release's own prefix is taken as built from the namespace. One label
      // and the namespace, `envoy-gateway-topology-injector.<ns>`, is built
      // from it too; more labels are a group (`<plural>.<group>` of a CRD or
      // APIService ends in `.io` or `.com`, and so may the namespace).
      if (separator == '-' &&
          (names.find(base) == names.end() || settings_.release_name.empty() ||
           base.substr(0, settings_.release_name.size()) != settings_.release_name)) {
        continue;
      }
      if (separator == '.' && names.find(base) == names.end() && base.find('.') != std::string_view::npos) continue;
      name_renames_[std::string(name)] = {info.component, fmt::format("{}{}{}", base, separator, target)};
    }
  }
}

void Placement::Move(Document& doc) {
  if (!Moves(doc.component)) return;
  const std::string target = TargetNamespace(settings_, doc.component);
  if (doc.outline.namespace_) {
    if (doc.Namespace() != release_ns_) return;  // kube-system and the like stay on purpose
    if (!SetNamespace(doc, target)) {
      diagnostics_.push_back(DocumentError(doc, "cannot move metadata.namespace in place (unusual YAML there)",
                                           "render metadata.namespace as a plain `namespace: <value>` line"));
      return;
    }
    ++plan_.Entry(doc.component).moved;
    return;
  }
  if (scopes_.IsClusterScoped(doc.Group(), doc.Kind())) return;
  // Helm would put it into the release namespace; it goes to the component's.
  if (!SetNamespace(doc, target)) {
    diagnostics_.push_back(DocumentError(doc, "has no metadata.namespace and no metadata mapping to add one to"));
    return;
  }
  ++plan_.Entry(doc.component).moved;
}

void Placement::Merge(const Document& doc, RewriteOutcome outcome) {
  Append(diagnostics_, std::move(outcome.diagnostics));
  for (const auto& [shape, count] : outcome.shapes) shapes_[doc.component][shape] += count;
  if (outcome.references > 0) plan_.Entry(doc.component).references += outcome.references;
  for (const std::string& used : outcome.label_renames_used) label_renames_used_[doc.component].insert(used);
}

void Placement::Report() {
  for (const auto& [from, renamed] : name_renames_) {
    plan_.Entry(renamed.first).details.push_back(fmt::format("renamed {} -> {}", from, renamed.second));
  }
  for (const auto& [component, used] : label_renames_used_) {
    auto own = label_renames_.find(component);
    if (own == label_renames_.end()) continue;
    const auto& renames = own->second;
    for (const std::string& from : used) {
      // A label value may also be a renamed object's name (reported above).
      auto it = renames.find(from);
      if (it != renames.end()) plan_.Entry(component).details.push_back(fmt::format("relabelled {} -> {}", from, it->second));
    }
  }
  for (const auto& [component, counts] : shapes_) {
    std::vector<std::string> parts;
    for (const auto& [shape, count] : counts) parts.push_back(fmt::format("{} {}", count, ReferenceShapeName(shape)));
    plan_.Entry(component).details.push_back(fmt::format("references rewritten: {}", fmt::join(parts, ", ")));
  }
  for (const ComponentInfo& info : ManagedComponents()) {
    if (Moves(info.component)) {
      plan_.Entry(info.component).details.insert(
          plan_.Entry(info.component).details.begin(),
          fmt::format("moved from {} to {}", release_ns_, TargetNamespace(settings_, info.component)));
    }
  }
}

}  // namespace internal

Diagnostics PlaceNamespaces(std::vector<Document>& docs, const Settings& settings, const KindScopes& scopes,
                            Plan& plan, unsigned threads) {
  return internal::Placement(docs, settings, scopes, plan, threads).Run();
}

}  // namespace dotk8s
