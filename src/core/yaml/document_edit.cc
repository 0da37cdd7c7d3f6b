#include "core/yaml/document_edit.h"

#include <fmt/format.h>

#include "core/yaml/yaml_writer.h"

namespace dotk8s {

namespace {

std::string Spaces(std::size_t n) { return std::string(n, ' '); }

// The raw text of a key and value: `key: value`.
std::string Entry(std::string_view key, std::string_view value) {
  return fmt::format("{}: {}", QuoteScalar(key), QuoteScalar(value));
}

}  // namespace

bool SetNamespace(Document& doc, std::string_view ns) {
  if (doc.outline.namespace_) {
    Scalar& scalar = *doc.outline.namespace_;
    // Keep the quoting the document used: 'dot-system' stays single-quoted.
    std::string text;
    switch (scalar.style) {
      case ScalarStyle::kSingleQuoted:
        text = fmt::format("'{}'", ns);
        break;
      case ScalarStyle::kDoubleQuoted:
        text = fmt::format("\"{}\"", ns);
        break;
      case ScalarStyle::kPlain:
        text = QuoteScalar(ns);
        break;
      default:
        return false;
    }
    if (!AddEdit(doc, Edit{scalar.offset, scalar.length, text})) return false;
    scalar.value = std::string(ns);
    return true;
  }
  const MappingSpan& metadata = doc.outline.metadata;
  if (!metadata.present) return false;
  Edit edit;
  if (metadata.flow) {
    edit.offset = metadata.offset + 1;
    edit.text = metadata.empty ? Entry("namespace", ns) : Entry("namespace", ns) + ", ";
  } else {
    // Before the first key, at its indentation: `namespace: x\n  name: ...`.
    edit.offset = metadata.offset;
    edit.text = Entry("namespace", ns) + "\n" + Spaces(metadata.column);
  }
  if (!AddEdit(doc, std::move(edit))) return false;
  Scalar scalar;
  scalar.value = std::string(ns);
  scalar.path = {PathElement::Key("metadata"), PathElement::Key("namespace")};
  doc.outline.namespace_ = std::move(scalar);
  return true;
}

namespace {

// Adds entries to metadata.<field> (`span` is its mapping in the outline):
// into the mapping, or a new one in metadata. Records them in `recorded`.
bool AddToMetadataMapping(Document& doc, const MappingSpan& span, std::string_view field,
                          const std::vector<std::pair<std::string, std::string>>& entries,
                          std::vector<std::pair<std::string, std::string>>* recorded) {
  if (entries.empty()) return true;
  Edit edit;
  if (span.present && !span.flow) {
    edit.offset = span.offset;
    for (const auto& [key, value] : entries) edit.text += Entry(key, value) + "\n" + Spaces(span.column);
  } else if (span.present && span.flow) {
    edit.offset = span.offset + 1;
    std::vector<std::string> items;
    for (const auto& [key, value] : entries) items.push_back(Entry(key, value));
    edit.text = fmt::format("{}", fmt::join(items, ", "));
    if (!span.empty) edit.text += ", ";
  } else {
    const MappingSpan& metadata = doc.outline.metadata;
    if (!metadata.present || metadata.flow) return false;
    edit.offset = metadata.offset;
    edit.text = fmt::format("{}:\n", field);
    for (const auto& [key, value] : entries) edit.text += Spaces(metadata.column + 2) + Entry(key, value) + "\n";
    edit.text += Spaces(metadata.column);
  }
  if (!AddEdit(doc, std::move(edit))) return false;
  for (const auto& entry : entries) recorded->push_back(entry);
  return true;
}

}  // namespace

bool AddAnnotations(Document& doc, const std::vector<std::pair<std::string, std::string>>& annotations) {
  return AddToMetadataMapping(doc, doc.outline.annotations_span, "annotations", annotations, &doc.outline.annotations);
}

bool AddLabels(Document& doc, const std::vector<std::pair<std::string, std::string>>& labels) {
  return AddToMetadataMapping(doc, doc.outline.labels_span, "labels", labels, &doc.outline.labels);
}

}  // namespace dotk8s
