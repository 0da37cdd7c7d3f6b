#include "core/yaml/write.h"

#include <algorithm>

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

std::string Joined(const std::vector<std::string_view>& parts) {
  std::string text;
  for (std::string_view part : parts) text.append(part);
  return text;
}

constexpr std::string_view kSeparator = "---\n";
constexpr std::string_view kNewline = "\n";

// An edited document as pieces: the raw bytes between its edits point into
// the input, the edits' texts into one string kept in `storage`. Writing it
// costs no copy of the document, and the output of a large stream whose
// documents nearly all move holds the input once, not twice.
void EditedPieces(const Document& doc, std::vector<std::string_view>* parts,
                  std::vector<std::shared_ptr<const std::string>>* storage) {
  std::size_t inserted = 0;
  for (const Edit& edit : doc.edits) inserted += edit.text.size();
  auto texts = std::make_shared<std::string>();
  texts->reserve(inserted);  // no reallocation below: the views stay valid
  for (const Edit& edit : doc.edits) texts->append(edit.text);
  std::string_view edited = *texts;
  std::size_t at = 0;
  for (const Edit& edit : doc.edits) {
    parts->push_back(doc.raw.substr(at, edit.offset - at));
    parts->push_back(edited.substr(0, edit.text.size()));
    edited.remove_prefix(edit.text.size());
    at = edit.offset + edit.length;
  }
  parts->push_back(doc.raw.substr(at));
  storage->push_back(std::move(texts));
}

// Drops the first `count` bytes of the pieces (a byte order mark).
void DropPrefix(std::vector<std::string_view>* parts, std::size_t count) {
  for (std::string_view& part : *parts) {
    const std::size_t dropped = std::min(count, part.size());
    part.remove_prefix(dropped);
    count -= dropped;
    if (count == 0) break;
  }
}

// The first bytes of the pieces, enough for StartsWithSeparator.
std::string_view Head(const std::vector<std::string_view>& parts, char (&buffer)[4]) {
  std::size_t size = 0;
  for (std::string_view part : parts) {
    for (char c : part) {
      if (size == sizeof buffer) return {buffer, size};
      buffer[size++] = c;
    }
  }
  return {buffer, size};
}

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
  std::vector<std::string_view> parts;  // the current document's text
  for (const Document& doc : docs) {
    if (doc.removed) continue;
    parts.clear();
    // The documents may go before the output is written: a generated one's
    // bytes are kept with it.
    if (doc.owned) out.storage.push_back(doc.owned);
    if (doc.Edited()) {
      EditedPieces(doc, &parts, &out.storage);
    } else {
      parts.push_back(doc.raw);
    }
    if (out.size > 0) {
      // A BOM belongs at the start of a stream only.
      if (doc.body_offset > 0) DropPrefix(&parts, doc.body_offset);
      if (out.pieces.back().back() != '\n') add(kNewline);
      char head[4];
      if (!StartsWithSeparator(Head(parts, head))) add(kSeparator);
    }
    bool empty = true;
    for (std::string_view part : parts) {
      if (part.empty()) continue;
      add(part);
      empty = false;
    }
    if (empty) continue;
    // Only a document that is no object can be all comments; an edited one
    // is joined for the look (edits go into objects).
    if (all_comments && (doc.IsObject() || !OnlyComments(parts.size() == 1 ? parts[0] : Joined(parts)))) {
      all_comments = false;
    }
  }
  if (all_comments) {
    if (out.size > 0 && out.pieces.back().back() != '\n') add(kNewline);
    add(kEmptyStreamComment);
  }
  return out;
}

}  // namespace dotk8s
