#include "core/yaml/read.h"
#include "core/parallel.h"

#include <fmt/format.h>

#include <algorithm>

namespace dotk8s {

namespace {

constexpr std::string_view kBom = "\xEF\xBB\xBF";

// True if `line` (without its line break) is a document marker: `---` or
// `...` alone or followed by blanks, a comment, or (for `---`) content.
bool IsMarker(std::string_view line, char c) {
  if (line.size() < 3 || line[0] != c || line[1] != c || line[2] != c) return false;
  return line.size() == 3 || line[3] == ' ' || line[3] == '\t' || line[3] == '\r';
}

}  // namespace

std::vector<Document> SplitStream(std::string_view input) {
  std::vector<Document> docs;
  std::size_t doc_start = 0;
  std::size_t doc_line = 1;
  std::size_t line_number = 1;
  std::size_t pos = 0;
  auto close = [&](std::size_t end) {
    if (end > doc_start) {
      Document doc;
      doc.index = docs.size();
      doc.first_line = doc_line;
      doc.raw = input.substr(doc_start, end - doc_start);
      if (doc_start == 0 && input.substr(0, kBom.size()) == kBom) doc.body_offset = kBom.size();
      docs.push_back(std::move(doc));
    }
    doc_start = end;
    doc_line = line_number;
  };
  while (pos < input.size()) {
    std::size_t eol = input.find('\n', pos);
    std::size_t next = eol == std::string_view::npos ? input.size() : eol + 1;
    std::string_view line = input.substr(pos, (eol == std::string_view::npos ? input.size() : eol) - pos);
    if (pos == 0 && line.substr(0, kBom.size()) == kBom) line.remove_prefix(kBom.size());
    if (IsMarker(line, '-')) {
      if (pos != doc_start) close(pos);
    } else if (IsMarker(line, '.')) {
      ++line_number;
      close(next);
      pos = next;
      continue;
    }
    ++line_number;
    pos = next;
  }
  close(input.size());
  return docs;
}

void ReadOrigin(Document& doc) {
  if (const std::string* path = doc.outline.Annotation(kHelm4FilenameAnnotation)) {
    doc.origin = Origin::kHelm4Annotation;
    doc.source_path = *path;
    return;
  }
  // Helm 3 writes "---\n# Source: <path>\n" before each manifest: look at the
  // comment lines before the first YAML line.
  std::string_view text = doc.raw.substr(doc.body_offset);
  std::size_t pos = 0;
  while (pos < text.size()) {
    std::size_t eol = text.find('\n', pos);
    std::string_view line = text.substr(pos, (eol == std::string_view::npos ? text.size() : eol) - pos);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    std::string_view trimmed = line.substr(std::min(line.find_first_not_of(" \t"), line.size()));
    if (IsMarker(line, '-') || trimmed.empty()) {
      // separator or blank: keep looking
    } else if (trimmed.substr(0, 10) == "# Source: ") {
      std::string_view path = trimmed.substr(10);
      while (!path.empty() && (path.back() == ' ' || path.back() == '\t')) path.remove_suffix(1);
      doc.origin = Origin::kHelm3Source;
      doc.source_path = std::string(path);
      return;
    } else if (trimmed[0] != '#') {
      return;
    }
    if (eol == std::string_view::npos) break;
    pos = eol + 1;
  }
}

Diagnostics ReadOutlines(std::vector<Document>& docs, const ReadOptions& options) {
  std::vector<Diagnostics> per_doc(docs.size());
  auto read_one = [&](std::size_t i) {
    Document& doc = docs[i];
    if (doc.raw.size() > options.max_document_bytes) {
      per_doc[i].push_back(DocumentError(
          doc, fmt::format("document is {} bytes, more than the limit of {}", doc.raw.size(), options.max_document_bytes),
          "split the manifest, or raise the limit with --max-document"));
      return;
    }
    YamlProblem problem;
    if (!BuildOutline(doc.raw, doc.body_offset, options.outline, &doc.outline, &problem)) {
      ReadOrigin(doc);  // a Helm 3 `# Source:` line names the template even when the YAML is broken
      std::string hint =
          "the input is not valid YAML there; render the chart without the post-renderer "
          "(helm template) to see the template that produced it";
      // A template file saved with a byte order mark puts one in the middle of
      // the stream, where libyaml's message does not say so.
      if (const std::size_t bom = doc.raw.find(kBom, doc.body_offset); bom != std::string_view::npos) {
        const auto line = static_cast<std::size_t>(std::count(doc.raw.begin(), doc.raw.begin() + static_cast<std::ptrdiff_t>(bom), '\n'));
        hint = fmt::format("line {} holds a byte order mark (U+FEFF), which YAML allows only at the start of the "
                           "stream; save the template without it",
                           doc.first_line + line);
      }
      Diagnostic d = DocumentError(
          doc, fmt::format("line {} column {}: {}", doc.first_line + problem.line, problem.column + 1, problem.message),
          std::move(hint));
      d.object.clear();
      per_doc[i].push_back(std::move(d));
      return;
    }
    ReadOrigin(doc);
    doc.is_hook = doc.outline.Annotation(kHookAnnotation) != nullptr;
  };
  ForEachDocument(docs, ThreadsFor(docs, options.threads), read_one);
  Diagnostics diagnostics;
  for (Diagnostics& d : per_doc) Append(diagnostics, std::move(d));
  return diagnostics;
}

Diagnostics ReadStream(std::string_view input, const ReadOptions& options, std::vector<Document>* docs) {
  *docs = SplitStream(input);
  return ReadOutlines(*docs, options);
}

}  // namespace dotk8s
