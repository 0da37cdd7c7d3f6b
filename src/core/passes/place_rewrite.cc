// The place pass, inside each document: every reference to the release
// namespace rewritten by its shape, the renames applied, and the final check
// on what still mentions the release namespace (place.h).

#include "core/passes/place_internal.h"

#include <fmt/format.h>

#include <algorithm>
#include <iterator>
#include <optional>
#include <unordered_map>

#include "core/yaml/byte_search.h"
#include "core/yaml/document_edit.h"
#include "core/yaml/yaml_writer.h"

namespace dotk8s::internal {

namespace {

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

// True if the scalar at `path` is a label value or a label selector's.
bool IsLabelValue(const Document& doc, const FieldPath& path) {
  for (const PathElement& element : path) {
    if (!element.is_index && (element.key == "labels" || element.key == "matchLabels")) return true;
  }
  return doc.Kind() == "Service" && path.size() == 3 && IsPath(FieldPath(path.begin(), path.end() - 1), {"spec", "selector"});
                                                               }

// Where a namespace hides in free-form configuration: a program's arguments,
// environment values, configuration data. A value there that is exactly the
// release namespace is almost surely a reference the shapes did not
// recognise (`--watch-ns dot-system`); elsewhere it is as likely a word
// (`scheme: http`, `port: metrics`) when the namespace has a common name.
bool IsFreeFormSetting(const Document& doc, const FieldPath& path) {
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
bool IsSchemaText(const Document& doc, const FieldPath& path) {
  return doc.Kind() == "CustomResourceDefinition" && path.size() > 2 && path[0].key == "spec" &&
         path[1].key == "versions";
}

// A field whose meaning is never a namespace: an API group, version or kind
// (`apiVersion: apps/v1`, `apiGroups: [apps]`), an image (`quay.io/prometheus/...`),
// a label that names the release, chart or app by the Kubernetes and Helm
// conventions (`app.kubernetes.io/instance: <release>`), Helm 4's origin
// marker (a chart path) and Helm's release-name annotation. A release
// namespace called like the release or a chart meets those everywhere.
bool IsNotANamespaceField(const FieldPath& path) {
  const std::string_view key = LastKey(path);
  static constexpr std::string_view kKeys[] = {
      "apiVersion", "apiGroups", "apiGroup", "group", "groupVersion", "kind", "image",
      "app.kubernetes.io/instance", "app.kubernetes.io/name", "app.kubernetes.io/part-of",
      "app.kubernetes.io/component", "app.kubernetes.io/managed-by", "app.kubernetes.io/version",
      "helm.sh/chart", "release", "chart", "heritage", "app",
      "postrenderer.helm.sh/postrender-filename", "meta.helm.sh/release-name"};
  return std::find(std::begin(kKeys), std::end(kKeys), key) != std::end(kKeys);
}

bool IsMonitorNamespaceSelector(const Document& doc, const FieldPath& path) {
  return doc.Kind() == "ServiceMonitor" && path.size() == 4 && IsPath(FieldPath(path.begin(), path.end() - 1),
                                                                      {"spec", "namespaceSelector", "matchNames"});
}

// The scalars under any of `prefixes` in `doc` (keys excluded), in one scan.
std::vector<Scalar> ScalarsUnder(const Document& doc, std::vector<FieldPath> prefixes) {
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

}  // namespace

// The new value of a name built from the release namespace, if `value` is one.
const std::string* Placement::RenameOf(const Document& doc, const FieldPath& path, const std::string& value) const {
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

// The last word on a value that still mentions the release namespace as a
// whole token (`-n R`, `--x R`, `a,R`, `a|R`, `x.R.svc`) where no shape
// rewrote it: a warning naming kind, name and path, so none passes silently.
// The value itself is not printed (it may be a Secret's).
Diagnostic Placement::RemainingMention(const Document& doc, const FieldPath& path, std::size_t count) const {
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
void Placement::CheckSecretData(const Document& doc, Diagnostics* diagnostics) const {
  if (doc.Kind() != "Secret" || !doc.Group().empty() || !Moves(doc.component)) return;
  if (FindBytes(doc.raw, "\ndata:") == std::string_view::npos) return;
  for (const Scalar& scalar : ScalarsUnder(doc, {{PathElement::Key("data")}})) {
    if (scalar.path.size() != 2 || Allowed(doc, scalar.path)) continue;
    const std::size_t count = WordOccurrences(DecodeBase64(scalar.value), release_ns_).size();
    if (count > 0) diagnostics->push_back(RemainingMention(doc, scalar.path, count));
  }
}

// Which component's Services in the release namespace the ServiceMonitor's
// spec.selector.matchLabels select: kUnknown if none does, `fallback` if the
// selector has no matchLabels to tell by.
Component Placement::SelectedServicesOwner(const Document& monitor, Component fallback) const {
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

bool Placement::Allowed(const Document& doc, const FieldPath& path) const {
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
bool Placement::MentionsReleaseNamespace(const Document& doc, const std::optional<Scalar>& own_namespace) const {
  for (std::size_t offset = FindBytes(doc.raw, release_ns_); offset != std::string_view::npos;
       offset = FindBytes(doc.raw, release_ns_, offset + 1)) {
    const bool in_namespace =
        own_namespace && offset >= own_namespace->offset && offset < own_namespace->offset + own_namespace->length;
    if (!in_namespace) return true;
  }
  return false;
}

void Placement::Rewrite(Document& doc, RewriteOutcome* outcome) const {
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
  Neighbours neighbours;
  const ScalarContext base = NeighbourLookup(doc, deep, neighbours);
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
      FollowReferences(doc, scalar, references, own, monitor_owner, rewrites, understood, outcome);
      CheckRemainingMentions(doc, scalar, references, moved_component, own, understood, outcome);
    }
    if (!rewrites.empty()) Apply(doc, scalar, rewrites, outcome);
  }
}

// The neighbours of the hits in `deep`, read only if a reference needs them
// (the `name` beside a `namespace`, the `key` of a selector expression): one
// more scan of the document, listing just the scalars of the mappings around
// the hits that hold the whole namespace (the only ones whose shape needs
// neighbours).
ScalarContext Placement::NeighbourLookup(const Document& doc, const Outline& deep, Neighbours& neighbours) const {
  return ScalarContext{nullptr, {}, [&](const FieldPath& path) -> const std::string* {
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
}

// Each reference of `scalar` follows the object it points at: its new
// namespace is that of the component that owns the object. Adds a rewrite for
// each that does not stay in the release namespace, and the position of each
// known to mean a namespace to `understood`.
void Placement::FollowReferences(const Document& doc, const Scalar& scalar,
                                 const std::vector<NamespaceReference>& references, const std::string& own,
                                 std::optional<Component>& monitor_owner, Rewrites& rewrites,
                                 std::vector<std::size_t>& understood, RewriteOutcome* outcome) const {
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
}

// The last word on a value of a moved document: exactly the release
// namespace in a free-form setting no shape recognised is an error, any other
// word of it no reference accounts for a warning (RemainingMention).
void Placement::CheckRemainingMentions(const Document& doc, const Scalar& scalar,
                                       const std::vector<NamespaceReference>& references, bool moved_component,
                                       const std::string& own, const std::vector<std::size_t>& understood,
                                       RewriteOutcome* outcome) const {
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

// Writes the rewrites into the scalar's raw bytes. The k-th occurrence of
// the namespace in the value is the k-th in the raw text (a namespace is a
// DNS label: no escapes, no line folding), unless escapes hide some; then
// the whole scalar is written anew.
void Placement::Apply(Document& doc, const Scalar& scalar, const Rewrites& rewrites, RewriteOutcome* outcome) const {
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

}  // namespace dotk8s::internal
