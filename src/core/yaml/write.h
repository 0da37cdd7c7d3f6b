#ifndef DOTK8S_WRITE_H_
#define DOTK8S_WRITE_H_

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/yaml/document.h"

namespace dotk8s {

/// What an otherwise empty output holds: Helm 4 refuses a post-renderer's
/// empty output, and a comment is a valid stream with no objects.
inline constexpr std::string_view kEmptyStreamComment = "# dotk8s-post: no objects to render\n";

/// The output stream as pieces, to be written with one gathering write: most
/// pieces point into the input, which must outlive this.
struct OutputStream {
  std::vector<std::string_view> pieces;
  /// Backs the pieces that are not input bytes: generated documents, and the
  /// texts edits insert (an edited document is written as its input bytes
  /// between the edits, never copied whole).
  std::vector<std::shared_ptr<const std::string>> storage;
  std::size_t size = 0;

  std::string Join() const;
};

/// The stream to hand back to Helm: every document not removed, in order.
/// Untouched documents are their exact input bytes; edited ones have only their
/// edits applied. A separator is added only where a document that had none
/// (the first of a Helm 4 stream) no longer comes first.
OutputStream WriteStream(const std::vector<Document>& docs);

}  // namespace dotk8s

#endif  // DOTK8S_WRITE_H_
