#ifndef DOTK8S_DOCUMENT_H_
#define DOTK8S_DOCUMENT_H_

#include <yaml-cpp/yaml.h>

#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/component.h"
#include "core/diagnostic.h"
#include "core/yaml/outline.h"

namespace dotk8s {

/// How Helm marked where a document came from.
enum class Origin {
  kNone,             ///< no marker
  kHelm3Source,      ///< a `# Source: <path>` comment line (Helm 3)
  kHelm4Annotation,  ///< the postrenderer.helm.sh/postrender-filename annotation (Helm 4)
  kGenerated,        ///< made by dotk8s-post
};

/// The Helm 4 annotation that carries a document's template path.
inline constexpr std::string_view kHelm4FilenameAnnotation = "postrenderer.helm.sh/postrender-filename";
inline constexpr std::string_view kHookAnnotation = "helm.sh/hook";

/// A replacement of raw bytes: [offset, offset + length) becomes `text`.
/// Offsets count from the start of Document::raw.
struct Edit {
  std::size_t offset = 0;
  std::size_t length = 0;
  std::string text;
};

/// One document of the stream. Input documents point into the input buffer and
/// are written back from `raw` unless a pass edited them; edits are surgical so
/// that everything a pass did not mean to change keeps its bytes.
struct Document {
  std::size_t index = 0;       ///< position in the input stream; generated: after the input
  std::size_t first_line = 1;  ///< 1-based line of raw's first byte in the input
  std::string_view raw;        ///< exact bytes: separator line, comments and body
  std::size_t body_offset = 0; ///< where YAML starts for the parser (past a BOM)
  std::shared_ptr<const std::string> owned;  ///< backs `raw` for generated documents

  Origin origin = Origin::kNone;
  std::string source_path;      ///< "dot-apps/charts/keda/templates/x.yaml"
  Component component = Component::kUnknown;
  std::string subchart;         ///< "keda", "kube-prometheus-stack/charts/grafana"
  Outline outline;
  bool is_hook = false;
  bool removed = false;
  std::string removed_reason;
  std::vector<Edit> edits;

  // Convenience accessors over the outline.
  std::string_view ApiVersion() const { return outline.api_version ? std::string_view(outline.api_version->value) : std::string_view(); }
  std::string_view Kind() const { return outline.kind ? std::string_view(outline.kind->value) : std::string_view(); }
  std::string_view Name() const { return outline.name ? std::string_view(outline.name->value) : std::string_view(); }
  std::string_view Namespace() const { return outline.namespace_ ? std::string_view(outline.namespace_->value) : std::string_view(); }
  /// The API group: "" for the core group, "apps" for "apps/v1".
  std::string_view Group() const;
  bool IsObject() const { return outline.shape == DocumentShape::kMapping; }

  /// "Deployment dot-system/keda-operator" or "ClusterRole keda-operator".
  std::string Describe() const;

  /// raw with every edit applied.
  std::string Text() const;
  bool Edited() const { return !edits.empty(); }
};

/// A diagnostic about `doc`, with its place filled in.
Diagnostic DocumentError(const Document& doc, std::string message, std::string hint = {});
Diagnostic DocumentWarning(const Document& doc, std::string message, std::string hint = {});

/// Records an edit. Edits of one document may not overlap; returns false (and
/// changes nothing) if `edit` would.
bool AddEdit(Document& doc, Edit edit);

/// Parses the document's current text (edits applied) with yaml-cpp. Only for
/// the few documents a pass must look deep into; the outline serves the rest.
/// Returns std::nullopt and appends an error to `diagnostics` on failure.
std::optional<YAML::Node> ParseDocument(const Document& doc, Diagnostics& diagnostics);

/// A generated document: `body` is YAML without separator; the separator and
/// the origin marker (Helm 3 `# Source:` or Helm 4 annotation, both set by the
/// caller in `body` or `source_comment`) are written around it.
Document MakeGeneratedDocument(std::string text, std::size_t index);

}  // namespace dotk8s

#endif  // DOTK8S_DOCUMENT_H_
