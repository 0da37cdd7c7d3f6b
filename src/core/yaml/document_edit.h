#ifndef DOTK8S_DOCUMENT_EDIT_H_
#define DOTK8S_DOCUMENT_EDIT_H_

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/yaml/document.h"

namespace dotk8s {

/// Surgical edits of a document's header, made from its outline: only the
/// bytes that must change change, in the style the document is written in.

/// Sets metadata.namespace: replaces the value's bytes, or inserts the key
/// into metadata. Updates the outline. False if the document's shape does not
/// allow a surgical edit (no metadata mapping).
bool SetNamespace(Document& doc, std::string_view ns);

/// Adds annotations (keys must not be there yet): into the annotations
/// mapping, or a new one in metadata. Updates the outline.
bool AddAnnotations(Document& doc, const std::vector<std::pair<std::string, std::string>>& annotations);

/// Adds labels (keys must not be there yet), as AddAnnotations does.
bool AddLabels(Document& doc, const std::vector<std::pair<std::string, std::string>>& labels);

}  // namespace dotk8s

#endif  // DOTK8S_DOCUMENT_EDIT_H_
