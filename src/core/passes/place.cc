#include "core/passes/place.h"

#include <fmt/format.h>

#include <string.h>

#include <algorithm>
#include <array>
#include <map>
#include <optional>
#include <set>
#include <unordered_map>

#include "core/passes/attribute.h"
#include "core/yaml/byte_search.h"
#include "core/yaml/document_edit.h"
#include "core/parallel.h"
#include "core/passes/references.h"
#include "core/yaml/yaml_writer.h"

namespace dotk8s {

namespace {

constexpr std::array<char, 3> kNameSeparators = {':', '-', '.'};

bool IsManaged(Component component) { return FindComponent(component) != nullptr; }

// Secret.data as the bytes it stands for; "" if it is not base64.
std::string DecodeBase64(std::string_view text) {
  std::string out;
  unsigned buffer = 0;
  int bits = 0;
  for (char c : text) {
    int value;
    if (c >= 'A' && c <= 'Z') value = c - 'A';
    else if (c >= 'a' && c <= 'z') value = c - 'a' + 26;
    else if (c >= '0' && c <= '9') value = c - '0' + 52;
    else if (c == '+') value = 62;
    else if (c == '/') value = 63;
    else if (c == '=' || c == '\n' || c == ' ') continue;
    else return {};
    buffer = (buffer << 6) | static_cast<unsigned>(value);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<char>((buffer >> bits) & 0xff));
    }
  }
  return out;
}

// Where the objects of the release namespace came from, to follow a
// reference to the component that owns its target.
struct ObjectIndex {
  std::map<std::pair<std::string, std::string>, Component> by_kind_and_name;
  std::map<std::string, Component> by_name;
  /// The Services of the release namespace with their labels, for selectors.
  std::vector<const Document*> services;

  /// The component of the Service `name`, or kUnknown if the release has none.
  Component FindService(std::string_view name) const {
    auto it = by_kind_and_name.find({"Service", std::string(name)});
    return it == by_kind_and_name.end() ? Component::kUnknown : it->second;
  }

  Component Find(std::string_view kind, std::string_view name) const {
    if (!kind.empty()) {
      auto it = by_kind_and_name.find({std::string(kind), std::string(name)});
      if (it != by_kind_and_name.end()) return it->second;
    }
    auto it = by_name.find(std::string(name));
    return it == by_name.end() ? Component::kUnknown : it->second;
  }
};

// Counts of rewritten references by shape, for the plan.
using ShapeCounts = std::map<ReferenceShape, std::size_t>;

class Placement {
 public:
  Placement(std::vector<Document>& docs, const Settings& settings, const KindScopes& scopes, Plan& plan,
            unsigned threads)
      : docs_(docs),
        settings_(settings),
        scopes_(scopes),
        plan_(plan),
        release_ns_(settings.release_namespace),
        threads_(ThreadsFor(docs, threads)) {}

  Diagnostics Run() {
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

 private:
  bool Moves(Component component) const {
    return IsManaged(component) && plan_.IsOn(component) && TargetNamespace(settings_, component) != release_ns_;
  }

  // The namespace a reference to an object of `component` must name.
  std::string TargetOf(Component component) const {
    return Moves(component) ? TargetNamespace(settings_, component) : release_ns_;
  }

  // Helm 3 never shows hooks to a post-renderer, so hooks stay in the release
  // namespace. Where a moved component depends on its hooks, that cannot work.
  // The evidence is the stream itself: `# Source:` comments and none of the
  // component's hooks. (`helm template | dotk8s-post`, as Argo CD runs it,
  // carries the hooks: they move like everything else.)
  bool HooksHidden(Component component) const {
    if (plan_.style != StreamStyle::kHelm3) return false;
    return std::none_of(docs_.begin(), docs_.end(),
                        [component](const Document& doc) { return doc.component == component && doc.is_hook; });
  }

  // Without `# Source:` comments or Helm 4's filename annotations no document
  // belongs to a component, so nothing moves: say so rather than pass the
  // stream on as if it had been placed.
  void ReportUnmarkedInput() {
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
  bool RefuseBuiltInNamespace() {
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

  void CheckHelm3() {
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

  void IndexObjects() {
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
  void CollectRenames() {
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

  // True if the scalar at `path` is a label value or a label selector's.
  static bool IsLabelValue(const Document& doc, const FieldPath& path) {
    for (const PathElement& element : path) {
      if (!element.is_index && (element.key == "labels" || element.key == "matchLabels")) return true;
    }
    return doc.Kind() == "Service" && path.size() == 3 && IsPath(FieldPath(path.begin(), path.end() - 1), {"spec", "selector"});
  }

  // The new value of a name built from the release namespace, if `value` is one.
  const std::string* RenameOf(const Document& doc, const FieldPath& path, const std::string& value) const {
    if (IsLabelValue(doc, path)) {
      auto own = label_renames_.find(doc.component);
      if (own != label_renames_.end()) {
        auto it = own->second.find(value);
        if (it != own->second.end()) return &it->second;
      }
    }
    // The name of a renamed cluster-scoped object, wherever it is referred to.
    auto it = name_renames_.find(value);
    return it == name_renames_.end() ? nullptr : &it->second.second;
  }

  void Move(Document& doc) {
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

  // Where a namespace hides in free-form configuration: a program's arguments,
  // environment values, configuration data. A value there that is exactly the
  // release namespace is almost surely a reference the shapes did not
  // recognise (`--watch-ns dot-system`); elsewhere it is as likely a word
  // (`scheme: http`, `port: metrics`) when the namespace has a common name.
  static bool IsFreeFormSetting(const Document& doc, const FieldPath& path) {
    if (path.size() >= 2 && path.back().is_index && !path[path.size() - 2].is_index) {
      const std::string& list = path[path.size() - 2].key;
      if (list == "args" || list == "command") return true;
    }
    if (path.size() >= 3 && !path.back().is_index && path.back().key == "value" && path[path.size() - 2].is_index &&
        path[path.size() - 3].key == "env") {
      return true;
    }
    return (doc.Kind() == "ConfigMap" || doc.Kind() == "Secret") && !path.empty() &&
           (path[0].key == "data" || path[0].key == "stringData");
  }

  // A CustomResourceDefinition's schema: descriptions are prose about fields
  // (`defaults to the default namespace`), not configuration of the release.
  static bool IsSchemaText(const Document& doc, const FieldPath& path) {
    return doc.Kind() == "CustomResourceDefinition" && path.size() > 2 && path[0].key == "spec" &&
           path[1].key == "versions";
  }

  // A field whose meaning is never a namespace: an API group, version or kind
  // (`apiVersion: apps/v1`, `apiGroups: [apps]`), an image (`quay.io/prometheus/...`),
  // a label that names the release, chart or app by the Kubernetes and Helm
  // conventions (`app.kubernetes.io/instance: <release>`), Helm 4's origin
  // marker (a chart path) and Helm's release-name annotation. A release
  // namespace called like the release or a chart meets those everywhere.
  static bool IsNotANamespaceField(const FieldPath& path) {
    const std::string_view key = LastKey(path);
    static constexpr std::string_view kKeys[] = {
        "apiVersion", "apiGroups", "apiGroup", "group", "groupVersion", "kind", "image",
        "app.kubernetes.io/instance", "app.kubernetes.io/name", "app.kubernetes.io/part-of",
        "app.kubernetes.io/component", "app.kubernetes.io/managed-by", "app.kubernetes.io/version",
        "helm.sh/chart", "release", "chart", "heritage", "app",
        "postrenderer.helm.sh/postrender-filename", "meta.helm.sh/release-name"};
    return std::find(std::begin(kKeys), std::end(kKeys), key) != std::end(kKeys);
  }

  // The last word on a value that still mentions the release namespace as a
  // whole token (`-n R`, `--x R`, `a,R`, `a|R`, `x.R.svc`) where no shape
  // rewrote it: a warning naming kind, name and path, so none passes silently.
  // The value itself is not printed (it may be a Secret's).
  Diagnostic RemainingMention(const Document& doc, const FieldPath& path, std::size_t count) const {
    Diagnostic d = DocumentWarning(
        doc,
        fmt::format("still mentions the release namespace {} as a word ({} time{}) that dotk8s-post does not know as "
                    "a reference, while the document moves to {}",
                    release_ns_, count, count == 1 ? "" : "s", TargetOf(doc.component)),
        fmt::format("check that it does not mean the namespace; if it is right as it is, allow it: "
                    "apps.allowReleaseNamespaceReferences: [{{kind: {}, name: {}, path: '{}'}}]",
                    doc.Kind(), doc.Name(), FormatPath(path)));
    d.field_path = FormatPath(path);
    return d;
  }

  // Secret.data is base64: the byte search for the namespace cannot see into
  // it, so a moved Secret's data is decoded and checked on its own.
  void CheckSecretData(const Document& doc, Diagnostics* diagnostics) const {
    if (doc.Kind() != "Secret" || !doc.Group().empty() || !Moves(doc.component)) return;
    if (FindBytes(doc.raw, "\ndata:") == std::string_view::npos) return;
    for (const Scalar& scalar : ScalarsUnder(doc, {{PathElement::Key("data")}})) {
      if (scalar.path.size() != 2 || Allowed(doc, scalar.path)) continue;
      const std::size_t count = WordOccurrences(DecodeBase64(scalar.value), release_ns_).size();
      if (count > 0) diagnostics->push_back(RemainingMention(doc, scalar.path, count));
    }
  }

  static bool IsMonitorNamespaceSelector(const Document& doc, const FieldPath& path) {
    return doc.Kind() == "ServiceMonitor" && path.size() == 4 && IsPath(FieldPath(path.begin(), path.end() - 1),
                                                                        {"spec", "namespaceSelector", "matchNames"});
  }

  // The scalars under any of `prefixes` in `doc` (keys excluded), in one scan.
  static std::vector<Scalar> ScalarsUnder(const Document& doc, std::vector<FieldPath> prefixes) {
    std::vector<Scalar> scalars;
    if (prefixes.empty()) return scalars;
    Outline under;
    OutlineOptions capture;
    capture.all_scalars = true;
    capture.capture_under = std::move(prefixes);
    YamlProblem ignored;
    if (!BuildOutline(doc.raw, doc.body_offset, capture, &under, &ignored)) return scalars;
    for (Scalar& scalar : under.scalars) {
      if (!scalar.is_key) scalars.push_back(std::move(scalar));
    }
    return scalars;
  }

  // Which component's Services in the release namespace the ServiceMonitor's
  // spec.selector.matchLabels select: kUnknown if none does, `fallback` if the
  // selector has no matchLabels to tell by.
  Component SelectedServicesOwner(const Document& monitor, Component fallback) const {
    std::vector<std::pair<std::string, std::string>> wanted;
    const FieldPath prefix = {PathElement::Key("spec"), PathElement::Key("selector"), PathElement::Key("matchLabels")};
    for (const Scalar& scalar : ScalarsUnder(monitor, {prefix})) {
      if (scalar.path.size() == prefix.size() + 1) wanted.emplace_back(scalar.path.back().key, scalar.value);
    }
    if (wanted.empty()) return fallback;
    for (const Document* service : index_.services) {
      const bool selected = std::all_of(wanted.begin(), wanted.end(), [&](const auto& label) {
        const std::string* value = service->outline.Label(label.first);
        return value != nullptr && *value == label.second;
      });
      if (selected) return service->component;
    }
    return Component::kUnknown;
  }

  bool Allowed(const Document& doc, const FieldPath& path) const {
    // Asked for every value that mentions the namespace: no formatting when
    // nothing is allowed, as usual.
    if (settings_.allowed_references.empty()) return false;
    const std::string formatted = FormatPath(path);
    for (const AllowedReference& allowed : settings_.allowed_references) {
      if (allowed.kind == doc.Kind() && allowed.name == doc.Name() && allowed.path == formatted) return true;
    }
    return false;
  }

  // True if the release namespace occurs in the document outside its own
  // metadata.namespace: only those documents need a full read.
  bool MentionsReleaseNamespace(const Document& doc, const std::optional<Scalar>& own_namespace) const {
    for (std::size_t offset = FindBytes(doc.raw, release_ns_); offset != std::string_view::npos;
         offset = FindBytes(doc.raw, release_ns_, offset + 1)) {
      const bool in_namespace =
          own_namespace && offset >= own_namespace->offset && offset < own_namespace->offset + own_namespace->length;
      if (!in_namespace) return true;
    }
    return false;
  }

  // What rewriting one document found, merged into the plan afterwards.
  struct RewriteOutcome {
    Diagnostics diagnostics;
    ShapeCounts shapes;
    std::size_t references = 0;
    std::set<std::string> label_renames_used;
  };

  void Merge(const Document& doc, RewriteOutcome outcome) {
    Append(diagnostics_, std::move(outcome.diagnostics));
    for (const auto& [shape, count] : outcome.shapes) shapes_[doc.component][shape] += count;
    if (outcome.references > 0) plan_.Entry(doc.component).references += outcome.references;
    for (const std::string& used : outcome.label_renames_used) label_renames_used_[doc.component].insert(used);
  }

  void Rewrite(Document& doc, RewriteOutcome* outcome) const {
    CheckSecretData(doc, &outcome->diagnostics);
    // The namespace scalar keeps its raw offsets after a move: edits apply at write time.
    if (!MentionsReleaseNamespace(doc, doc.outline.namespace_)) return;
    // The scalars that hold the namespace, with their paths and bytes.
    Outline deep;
    OutlineOptions options;
    options.needles = {release_ns_};
    YamlProblem problem;
    if (!BuildOutline(doc.raw, doc.body_offset, options, &deep, &problem)) {
      outcome->diagnostics.push_back(
          DocumentError(doc, fmt::format("line {}: {}", doc.first_line + problem.line, problem.message)));
      return;
    }
    // Their neighbours, read only if a reference needs them (the `name` beside
    // a `namespace`, the `key` of a selector expression): one more scan of the
    // document, listing just the scalars of the mappings around the hits that
    // hold the whole namespace (the only ones whose shape needs neighbours).
    std::optional<std::unordered_map<std::string, std::string>> neighbours;
    const ScalarContext base{nullptr, {}, [&](const FieldPath& path) -> const std::string* {
                               if (!neighbours) {
                                 neighbours.emplace();
                                 std::vector<FieldPath> around;
                                 for (const Scalar& hit : deep.hits) {
                                   if (hit.is_key || hit.value != release_ns_) continue;
                                   for (std::size_t up = 1; up <= 2 && up < hit.path.size(); ++up) {
                                     around.emplace_back(hit.path.begin(), hit.path.end() - static_cast<std::ptrdiff_t>(up));
                                   }
                                 }
                                 for (Scalar& scalar : ScalarsUnder(doc, around)) {
                                   neighbours->emplace(FormatPath(scalar.path), std::move(scalar.value));
                                 }
                               }
                               auto it = neighbours->find(FormatPath(path));
                               return it == neighbours->end() ? nullptr : &it->second;
                             }};
    const std::string own = TargetOf(doc.component);
    const bool moved_component = Moves(doc.component);
    std::optional<Component> monitor_owner;  // a ServiceMonitor's selected Services: read once, when first needed
    for (const Scalar& scalar : deep.hits) {
      if (scalar.is_key || scalar.value.find(release_ns_) == std::string::npos) continue;
      if (IsPath(scalar.path, {"metadata", "namespace"})) continue;
      std::vector<std::pair<std::size_t, std::string>> rewrites;  // position in value, new namespace
      if (const std::string* renamed = RenameOf(doc, scalar.path, scalar.value)) {
        const std::size_t position = scalar.value.size() - release_ns_.size();
        rewrites.emplace_back(position, renamed->substr(position));
        ++outcome->shapes[ReferenceShape::kDerivedName];
        if (IsLabelValue(doc, scalar.path)) outcome->label_renames_used.insert(scalar.value);
      } else {
        ScalarContext context = base;
        context.path = &scalar.path;
        context.value = scalar.value;
        std::vector<NamespaceReference> references = FindNamespaceReferences(context, release_ns_);
        std::vector<std::size_t> understood;  // positions known to mean a namespace, rewritten or not
        for (const NamespaceReference& reference : references) {
          std::string target = own;
          if (reference.shape == ReferenceShape::kServiceDns) {
            // A host names the release namespace only if it names a Service
            // the release puts there: `cluster.local`, `apps.example` are
            // hosts of the same shape.
            const Component owner = index_.FindService(reference.object_name);
            // A host of that shape that names no Service of the stream is left
            // as it is, for the final check to report: it may be a word
            // (`apps.example`) or a Service an operator creates in R
            // (`prometheus-operated.R`).
            if (owner == Component::kUnknown) continue;
            target = TargetOf(owner);
          } else if (reference.shape == ReferenceShape::kNamespacedName) {
            // `R/<name>` likewise, only for an object of the release (`apps/v1`
            // in a ConfigMap is an apiVersion).
            const Component owner = index_.Find({}, reference.object_name);
            if (owner == Component::kUnknown) continue;
            target = TargetOf(owner);
          } else if (!reference.object_name.empty()) {
            const Component owner = index_.Find(reference.object_kind, reference.object_name);
            if (owner != Component::kUnknown) target = TargetOf(owner);
          } else if (IsMonitorNamespaceSelector(doc, scalar.path)) {
            // A ServiceMonitor looks for Services in the listed namespaces: it
            // refers to the release namespace only if it selects Services the
            // release puts there (kube-prometheus-stack's apiserver monitor
            // lists `default` for the API server's own Service).
            if (!monitor_owner) monitor_owner = SelectedServicesOwner(doc, doc.component);
            const Component owner = *monitor_owner;
            if (owner == Component::kUnknown) {
              understood.push_back(reference.position);  // the namespace itself, meant as it is
              continue;
            }
            target = TargetOf(owner);
          }
          understood.push_back(reference.position);
          if (target == release_ns_) continue;
          rewrites.emplace_back(reference.position, target);
          ++outcome->shapes[reference.shape];
        }
        if (references.empty() && moved_component && scalar.value == release_ns_ && IsFreeFormSetting(doc, scalar.path) &&
            !Allowed(doc, scalar.path)) {
          Diagnostic d = DocumentError(
              doc,
              fmt::format("still refers to the release namespace {} in a field dotk8s-post does not know as a "
                          "namespace reference, while the document moves to {}",
                          release_ns_, own),
              fmt::format("if it is right as it is, allow it: apps.allowReleaseNamespaceReferences: [{{kind: {}, "
                          "name: {}, path: '{}'}}]",
                          doc.Kind(), doc.Name(), FormatPath(scalar.path)));
          d.field_path = FormatPath(scalar.path);
          outcome->diagnostics.push_back(std::move(d));
        } else if (moved_component && !IsSchemaText(doc, scalar.path) && !IsNotANamespaceField(scalar.path) &&
                   !Allowed(doc, scalar.path)) {
          std::size_t left = 0;
          for (std::size_t position : WordOccurrences(scalar.value, release_ns_)) {
            if (std::find(understood.begin(), understood.end(), position) == understood.end() &&
                !InClusterDomain(scalar.value, position, release_ns_.size())) {
              ++left;
            }
          }
          if (left > 0) outcome->diagnostics.push_back(RemainingMention(doc, scalar.path, left));
        }
      }
      if (!rewrites.empty()) Apply(doc, scalar, rewrites, outcome);
    }
  }

  // Writes the rewrites into the scalar's raw bytes. The k-th occurrence of
  // the namespace in the value is the k-th in the raw text (a namespace is a
  // DNS label: no escapes, no line folding), unless escapes hide some; then
  // the whole scalar is written anew.
  void Apply(Document& doc, const Scalar& scalar, const std::vector<std::pair<std::size_t, std::string>>& rewrites,
             RewriteOutcome* outcome) const {
    auto occurrences = [this](std::string_view text, std::size_t base) {
      std::vector<std::size_t> positions;
      for (std::size_t at = text.find(release_ns_); at != std::string_view::npos; at = text.find(release_ns_, at + release_ns_.size())) {
        positions.push_back(base + at);
      }
      return positions;
    };
    const std::vector<std::size_t> in_value = occurrences(scalar.value, 0);
    const std::vector<std::size_t> in_raw = occurrences(doc.raw.substr(scalar.offset, scalar.length), scalar.offset);
    std::size_t count = 0;
    if (in_value.size() == in_raw.size()) {
      for (const auto& [position, target] : rewrites) {
        auto it = std::find(in_value.begin(), in_value.end(), position);
        if (it == in_value.end()) continue;
        const std::size_t raw = in_raw[static_cast<std::size_t>(it - in_value.begin())];
        // A namespace is a DNS label: the new bytes never need quoting or escapes.
        if (AddEdit(doc, Edit{raw, release_ns_.size(), target})) ++count;
      }
    } else if (scalar.style == ScalarStyle::kPlain || scalar.style == ScalarStyle::kSingleQuoted ||
               scalar.style == ScalarStyle::kDoubleQuoted) {
      std::string value = scalar.value;
      for (auto it = rewrites.rbegin(); it != rewrites.rend(); ++it) value.replace(it->first, release_ns_.size(), it->second);
      if (AddEdit(doc, Edit{scalar.offset, scalar.length, QuoteScalar(value)})) count = rewrites.size();
    }
    if (count != rewrites.size()) {
      Diagnostic d = DocumentError(doc, fmt::format("cannot rewrite the reference to {} in place", release_ns_),
                                   "write the value as a plain or quoted scalar without escapes");
      d.field_path = FormatPath(scalar.path);
      outcome->diagnostics.push_back(std::move(d));
      return;
    }
    outcome->references += count;
  }

  void Report() {
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

  std::vector<Document>& docs_;
  const Settings& settings_;
  const KindScopes& scopes_;
  Plan& plan_;
  const std::string release_ns_;
  Diagnostics diagnostics_;
  ObjectIndex index_;
  /// Cluster-scoped names built from the release namespace: old -> (component, new).
  std::map<std::string, std::pair<Component, std::string>> name_renames_;
  /// Label values built from the release name and namespace, per component.
  std::map<Component, std::map<std::string, std::string>> label_renames_;
  std::map<Component, std::set<std::string>> label_renames_used_;
  std::map<Component, ShapeCounts> shapes_;
  const unsigned threads_;
};

}  // namespace

Diagnostics PlaceNamespaces(std::vector<Document>& docs, const Settings& settings, const KindScopes& scopes,
                            Plan& plan, unsigned threads) {
  return Placement(docs, settings, scopes, plan, threads).Run();
}

}  // namespace dotk8s
