#include "core/yaml/document.h"
#include "core/yaml/yaml_node.h"

#include <fmt/format.h>

#include <algorithm>

namespace dotk8s {

std::string_view Document::Group() const {
  std::string_view api_version = ApiVersion();
  std::size_t slash = api_version.find('/');
  return slash == std::string_view::npos ? std::string_view() : api_version.substr(0, slash);
}

std::string Document::Describe() const {
  std::string_view kind = Kind().empty() ? std::string_view("object") : Kind();
  std::string_view name = Name().empty() ? std::string_view("(no name)") : Name();
  if (Namespace().empty()) return fmt::format("{} {}", kind, name);
  return fmt::format("{} {}/{}", kind, Namespace(), name);
}

std::string Document::Text() const {
  if (edits.empty()) return std::string(raw);
  std::string out;
  out.reserve(raw.size() + 64);
  std::size_t at = 0;
  for (const Edit& edit : edits) {
    out.append(raw.substr(at, edit.offset - at));
    out.append(edit.text);
    at = edit.offset + edit.length;
  }
  out.append(raw.substr(at));
  return out;
}

Diagnostic DocumentError(const Document& doc, std::string message, std::string hint) {
  Diagnostic d = MakeError(std::move(message), std::move(hint));
  d.doc_index = doc.origin == Origin::kGenerated ? Diagnostic::kNoDocument : doc.index;
  d.source_path = doc.source_path;
  if (doc.IsObject()) d.object = doc.Describe();
  return d;
}

Diagnostic DocumentWarning(const Document& doc, std::string message, std::string hint) {
  Diagnostic d = DocumentError(doc, std::move(message), std::move(hint));
  d.severity = Severity::kWarning;
  return d;
}

bool AddEdit(Document& doc, Edit edit) {
  if (edit.offset + edit.length > doc.raw.size()) return false;
  auto it = std::lower_bound(doc.edits.begin(), doc.edits.end(), edit.offset,
                             [](const Edit& e, std::size_t offset) { return e.offset < offset; });
  if (it != doc.edits.end() && it->offset < edit.offset + edit.length) return false;
  if (it != doc.edits.end() && it->offset == edit.offset && edit.length == 0 && it->length == 0) return false;
  if (it != doc.edits.begin()) {
    const Edit& before = *(it - 1);
    if (before.offset + before.length > edit.offset) return false;
  }
  doc.edits.insert(it, std::move(edit));
  return true;
}

std::optional<YAML::Node> ParseDocument(const Document& doc, Diagnostics& diagnostics) {
  std::string edited;
  std::string_view text = doc.raw;
  if (doc.Edited()) {
    edited = doc.Text();
    text = edited;
  }
  YAML::Node node;
  std::string error;
  if (!LoadYamlNode(text.substr(std::min(doc.body_offset, text.size())), &node, &error)) {
    diagnostics.push_back(DocumentError(doc, fmt::format("could not read the document: {}", error)));
    return std::nullopt;
  }
  return node;
}

Document MakeGeneratedDocument(std::string text, std::size_t index) {
  Document doc;
  doc.index = index;
  doc.origin = Origin::kGenerated;
  auto owned = std::make_shared<const std::string>(std::move(text));
  doc.raw = *owned;
  doc.owned = std::move(owned);
  return doc;
}

}  // namespace dotk8s
