#ifndef DOTK8S_READ_H_
#define DOTK8S_READ_H_

#include <cstddef>
#include <string_view>
#include <vector>

#include "core/diagnostic.h"
#include "core/yaml/document.h"
#include "core/yaml/outline.h"

namespace dotk8s {

struct ReadOptions {
  OutlineOptions outline;
  /// Largest single document accepted, in bytes.
  std::size_t max_document_bytes = std::size_t{256} << 20;
  /// Threads for reading outlines; documents are independent. 0: decide by size.
  unsigned threads = 0;
};

/// Splits `input` into documents without changing a byte: each document's raw
/// text runs from its `---` line (if any) to the next one, so concatenating
/// them gives `input` back. A `...` line ends a document. Documents point into
/// `input`, which must outlive them.
std::vector<Document> SplitStream(std::string_view input);

/// Finds each document's origin marker: Helm 3's `# Source:` comment among the
/// lines before the YAML, or Helm 4's filename annotation (needs the outline).
void ReadOrigin(Document& doc);

/// Reads every document's outline (in parallel for large input) and origin.
/// A document that is not well-formed YAML gets an error naming its line.
Diagnostics ReadOutlines(std::vector<Document>& docs, const ReadOptions& options);

/// SplitStream and ReadOutlines.
Diagnostics ReadStream(std::string_view input, const ReadOptions& options, std::vector<Document>* docs);

}  // namespace dotk8s

#endif  // DOTK8S_READ_H_
