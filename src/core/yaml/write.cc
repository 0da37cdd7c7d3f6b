#include "core/yaml/write.h"

namespace dotk8s {

namespace {

bool StartsWithSeparator(std::string_view text) {
  if (text.substr(0, 3) != "---") return false;
  return text.size() == 3 || text[3] == '\n' || text[3] == '\r' || text[3] == ' ' || text[3] == '\t';
}

// True if the text holds nothing but blanks and comments.
bool OnlyComments(std::string_view text) {
  std::size_t pos = 0;
  while (pos < text.size()) {
    std::size_t eol = text.find('\n', pos);
    std::string_view line = text.substr(pos, eol == std::string_view::npos ? std::string_view::npos : eol - pos);
    std::size_t first = line.find_first_not_of(" \t\r");
    if (first != std::string_view::npos && line[first] != '#') return false;
    if (eol == std::string_view::npos) break;
    pos = eol + 1;
  }
  return true;
}

constexpr std::string_view kSeparator = "---\n";
constexpr std::string_view kNewline = "\n";

}  // namespace

std::string OutputStream::Join() const {
  std::string out;
  out.reserve(size);
  for (std::string_view piece : pieces) out.append(piece);
  return out;
}

OutputStream WriteStream(const std::vector<Document>& docs) {
  OutputStream out;
  out.pieces.reserve(docs.size() * 2 + 1);
  bool all_comments = true;
  auto add = [&out](std::string_view piece) {
    out.pieces.push_back(piece);
    out.size += piece.size();
  };
  for (const Document& doc : docs) {
    if (doc.removed) continue;
    std::string_view text = doc.raw;
    if (doc.Edited()) {
      auto edited = std::make_shared<const std::string>(doc.Text());
      text = *edited;
      out.storage.push_back(std::move(edited));
    } else if (doc.owned) {
      out.storage.push_back(doc.owned);  // the documents go before the output is written
    }
    if (out.size > 0) {
      // A BOM belongs at the start of a stream only.
      if (doc.body_offset > 0) text.remove_prefix(doc.body_offset);
      if (out.pieces.back().back() != '\n') add(kNewline);
      if (!StartsWithSeparator(text)) add(kSeparator);
    }
    if (text.empty()) continue;
    add(text);
    if (all_comments && (doc.IsObject() || !OnlyComments(text))) all_comments = false;
  }
  if (all_comments) {
    if (out.size > 0 && out.pieces.back().back() != '\n') add(kNewline);
    add(kEmptyStreamComment);
  }
  return out;
}

}  // namespace dotk8s
