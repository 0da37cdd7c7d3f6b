#ifndef DOTK8S_OUTLINE_H_
#define DOTK8S_OUTLINE_H_

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/yaml/field_path.h"

namespace dotk8s {

enum class ScalarStyle { kPlain, kSingleQuoted, kDoubleQuoted, kLiteral, kFolded };

/// A scalar of a document with where its bytes are, so that a pass can replace
/// exactly those bytes and leave the rest of the document as it came.
struct Scalar {
  FieldPath path;          ///< for a key: the key's own path
  std::string value;       ///< decoded value
  std::size_t offset = 0;  ///< first raw byte (the quote or `|` included), from Document::raw
  std::size_t length = 0;  ///< raw length
  std::size_t line = 0;    ///< 0-based line, from the start of Document::raw
  std::size_t column = 0;
  ScalarStyle style = ScalarStyle::kPlain;
  bool is_key = false;
};

/// Where a mapping of interest starts, so a pass can insert a key into it.
struct MappingSpan {
  bool present = false;
  bool flow = false;
  bool empty = false;
  std::size_t offset = 0;  ///< block: first byte of the first key; flow: the `{`
  std::size_t column = 0;  ///< block: column of the keys
};

enum class DocumentShape { kEmpty, kMapping, kSequence, kScalar };

/// What the passes need to know about a document, read in one event pass with
/// libyaml, without building a tree. Header fields are always read; scalars
/// holding a needle (the release namespace) or all scalars on request.
struct Outline {
  DocumentShape shape = DocumentShape::kEmpty;
  std::optional<Scalar> api_version;
  std::optional<Scalar> kind;
  std::optional<Scalar> name;
  std::optional<Scalar> namespace_;
  std::vector<std::pair<std::string, std::string>> labels;
  std::vector<std::pair<std::string, std::string>> annotations;
  MappingSpan metadata;
  MappingSpan labels_span;
  MappingSpan annotations_span;
  /// spec.group, spec.names.kind and spec.scope: what a CustomResourceDefinition declares.
  std::string spec_group;
  std::string spec_names_kind;
  std::string spec_scope;
  /// Scalars (values and keys) whose raw bytes contain one of the needles.
  std::vector<Scalar> hits;
  /// Every scalar, when OutlineOptions::all_scalars is set.
  std::vector<Scalar> scalars;
  std::size_t node_count = 0;
  std::size_t max_depth = 0;
  /// True if the fast block scanner read the document; false if libyaml did.
  bool fast_path = false;

  const std::string* Annotation(std::string_view key) const;
  const std::string* Label(std::string_view key) const;
};

struct OutlineOptions {
  std::vector<std::string> needles;
  bool all_scalars = false;
  /// Deeper documents are refused: later readers (yaml-cpp) recurse.
  std::size_t max_depth = 200;
  /// Nodes that aliases may add beyond those written out ("billion laughs").
  std::size_t max_alias_expansion = 1000000;
  /// Try the fast block scanner first (it hands anything unusual to libyaml).
  bool allow_fast_path = true;
  /// With all_scalars: list only the scalars under one of these paths (empty:
  /// every scalar). Placement reads the neighbours of a few fields this way.
  std::vector<FieldPath> capture_under;
};

/// A YAML problem at a place in the document.
struct YamlProblem {
  std::size_t line = 0;    ///< 0-based, from the start of Document::raw
  std::size_t column = 0;
  std::string message;
};

/// Reads `raw[body_offset..]` (one document of the stream) into `outline`.
/// Offsets in the outline count bytes from the start of `raw`. Returns false
/// and fills `problem` if the text is not a single well-formed YAML document
/// within the limits.
bool BuildOutline(std::string_view raw, std::size_t body_offset, const OutlineOptions& options,
                  Outline* outline, YamlProblem* problem);

/// The same with libyaml only: the reference the fast scanner is tested against.
bool BuildOutlineWithLibyaml(std::string_view raw, std::size_t body_offset, const OutlineOptions& options,
                             Outline* outline, YamlProblem* problem);

/// The fast scanner alone (it honours max_depth, needles and all_scalars of
/// `options`). Returns false if the document is outside the block
/// YAML subset it reads exactly (flow mappings, anchors, tags, multi-line plain
/// scalars, anything odd): the caller then asks libyaml, which also reports
/// errors. `why` says what made it give up.
bool TryFastOutline(std::string_view raw, std::size_t body_offset, const OutlineOptions& options, Outline* outline,
                    std::string* why);

}  // namespace dotk8s

#endif  // DOTK8S_OUTLINE_H_
