#include "core/validation/crd_catalog.h"

#include <fcntl.h>
#include <fmt/format.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <system_error>

#include "core/validation/crd_archive.h"
#include "core/validation/crd_header.h"
#include "core/kinds.h"

namespace dotk8s {

namespace {

namespace fs = std::filesystem;

constexpr std::string_view kCrdMarker = "CustomResourceDefinition";

bool EndsWith(std::string_view text, std::string_view suffix) {
  return text.size() >= suffix.size() && text.substr(text.size() - suffix.size()) == suffix;
}

bool IsYamlName(std::string_view path) {
  return EndsWith(path, ".yaml") || EndsWith(path, ".yml") || EndsWith(path, ".json");
}

// The offset of the next "\n---" at or after `from`, or npos. CRD bundles
// are megabytes of schema: this looks at 16 bytes a step instead of a line.
std::size_t FindDashLine(std::string_view text, std::size_t from) {
  const char* data = text.data();
  const std::size_t size = text.size();
  std::size_t i = from;
#ifdef __SSE2__
  const __m128i newline = _mm_set1_epi8('\n');
  const __m128i dash = _mm_set1_epi8('-');
  for (; i + 19 <= size; i += 16) {
    auto load = [data, i](std::size_t shift) {
      return _mm_loadu_si128(reinterpret_cast<const __m128i*>(data + i + shift));
    };
    __m128i hit = _mm_and_si128(_mm_cmpeq_epi8(load(0), newline), _mm_cmpeq_epi8(load(1), dash));
    hit = _mm_and_si128(hit, _mm_and_si128(_mm_cmpeq_epi8(load(2), dash), _mm_cmpeq_epi8(load(3), dash)));
    const int mask = _mm_movemask_epi8(hit);
    if (mask != 0) return i + static_cast<std::size_t>(__builtin_ctz(static_cast<unsigned>(mask)));
  }
#endif
  for (; i + 4 <= size; ++i) {
    if (data[i] == '\n' && data[i + 1] == '-' && data[i + 2] == '-' && data[i + 3] == '-') return i;
  }
  return std::string_view::npos;
}

std::size_t CountNewlines(std::string_view text) {
  std::size_t count = 0;
  std::size_t i = 0;
#ifdef __SSE2__
  const __m128i newline = _mm_set1_epi8('\n');
  for (; i + 16 <= text.size(); i += 16) {
    const __m128i bytes = _mm_loadu_si128(reinterpret_cast<const __m128i*>(text.data() + i));
    const auto mask = static_cast<unsigned>(_mm_movemask_epi8(_mm_cmpeq_epi8(bytes, newline)));
    count += static_cast<std::size_t>(__builtin_popcount(mask));
  }
#endif
  for (; i < text.size(); ++i) {
    if (text[i] == '\n') ++count;
  }
  return count;
}

// The documents of a YAML stream: each starts at a `---` line (or the
// start), as SplitStream splits them.
template <typename Visit>
void ForEachDocument(std::string_view text, Visit visit) {
  std::size_t start = text.substr(0, 3) == "\xEF\xBB\xBF" ? 3 : 0;
  std::size_t line = 1;
  std::size_t counted_to = 0;
  auto line_of = [&](std::size_t offset) {
    line += CountNewlines(text.substr(counted_to, offset - counted_to));
    counted_to = offset;
    return line;
  };
  std::size_t search = start;
  while (true) {
    std::size_t next = std::string_view::npos;
    while (search < text.size()) {
      std::size_t found = FindDashLine(text, search);
      if (found == std::string_view::npos) break;
      std::size_t at = found + 1;
      const char after = at + 3 < text.size() ? text[at + 3] : '\n';
      if (after == '\n' || after == '\r' || after == ' ' || after == '\t') {
        next = at;
        break;
      }
      search = at + 3;
    }
    const std::size_t end = next == std::string_view::npos ? text.size() : next;
    if (end > start) visit(text.substr(start, end - start), line_of(start));
    if (next == std::string_view::npos) return;
    start = next;
    search = next + 3;
  }
}

// The files of a directory in sorted order, so precedence does not depend on
// the file system's order.
std::vector<fs::path> SortedEntries(const fs::path& dir, std::error_code& ec) {
  std::vector<fs::path> entries;
  for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) entries.push_back(it->path());
  std::sort(entries.begin(), entries.end());
  return entries;
}

bool IsDirectory(const fs::path& path) {
  std::error_code ec;
  return fs::is_directory(path, ec);
}

bool IsChartDirectory(const fs::path& path) {
  std::error_code ec;
  return fs::is_regular_file(path / "Chart.yaml", ec);
}

}  // namespace

struct CrdCatalog::SourceText {
  std::string owned;
  void* mapped = nullptr;
  std::size_t mapped_size = 0;
  std::string_view text;

  ~SourceText() {
    if (mapped != nullptr) ::munmap(mapped, mapped_size);
  }
};

CrdCatalog::CrdCatalog() = default;
CrdCatalog::~CrdCatalog() = default;

const CrdVersion* ParsedCrd::Version(std::string_view name) const {
  for (const CrdVersion& version : versions) {
    if (version.name == name) return &version;
  }
  return nullptr;
}

std::string ParsedCrd::VersionList() const {
  std::vector<std::string> names;
  for (const CrdVersion& version : versions) {
    names.push_back(version.served ? version.name : fmt::format("{} (not served)", version.name));
  }
  return names.empty() ? std::string("none") : fmt::format("{}", fmt::join(names, ", "));
}

std::string BlankTemplateActions(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  std::size_t pos = 0;
  while (pos < text.size()) {
    std::size_t eol = text.find('\n', pos);
    std::size_t end = eol == std::string_view::npos ? text.size() : eol;
    std::string_view line = text.substr(pos, end - pos);
    if (line.find("{{") == std::string_view::npos) {
      out.append(line);
    } else {
      // Take the actions out; if nothing but blanks is left, the line is empty.
      std::string kept;
      std::size_t at = 0;
      bool had_text = false;
      while (at < line.size()) {
        std::size_t open = line.find("{{", at);
        if (open == std::string_view::npos) {
          kept.append(line.substr(at));
          break;
        }
        kept.append(line.substr(at, open - at));
        std::size_t close = line.find("}}", open + 2);
        if (close == std::string_view::npos) {
          at = line.size();
          break;
        }
        kept.append("x");
        at = close + 2;
      }
      for (char c : kept) {
        if (c != ' ' && c != '\t' && c != 'x' && c != '\r') had_text = true;
      }
      // A line of actions only (`{{- if ... }}`, `{{- include ... | nindent 4 }}`) goes.
      std::string_view trimmed = line.substr(std::min(line.find_first_not_of(" \t"), line.size()));
      const bool only_actions = trimmed.substr(0, 2) == "{{" && !had_text;
      if (!only_actions) out.append(kept);
    }
    if (eol == std::string_view::npos) break;
    out += '\n';
    pos = eol + 1;
  }
  return out;
}

void CrdCatalog::Add(CrdDefinition definition) {
  auto key = std::make_pair(definition.group, definition.kind);
  auto it = by_kind_.find(key);
  if (it != by_kind_.end()) {
    conflicts_.push_back(CrdConflict{definition.group, definition.kind, it->second->source, definition.source});
    return;
  }
  definitions_.push_back(std::make_unique<CrdDefinition>(std::move(definition)));
  by_kind_.emplace(std::move(key), definitions_.back().get());
}

void CrdCatalog::AddStream(const std::vector<Document>& docs) {
  for (const Document& doc : docs) {
    if (doc.removed || !IsCrd(doc) || doc.outline.spec_names_kind.empty()) continue;
    CrdDefinition definition;
    definition.group = doc.outline.spec_group;
    definition.kind = doc.outline.spec_names_kind;
    definition.name = std::string(doc.Name());
    definition.scope = doc.outline.spec_scope;
    definition.source = doc.source_path.empty() ? fmt::format("doc {} of the input", doc.index)
                                                : fmt::format("doc {} ({})", doc.index, doc.source_path);
    definition.first_line = doc.first_line;
    if (doc.Edited()) {
      definition.edited_document = &doc;  // the documents outlive the catalog's use
    } else {
      definition.text = doc.raw.substr(doc.body_offset);
    }
    Add(std::move(definition));
  }
}

Diagnostics CrdCatalog::AddText(std::string text, const std::string& source, bool is_template) {
  ++files_read_;
  if (text.find(kCrdMarker) == std::string::npos) return {};
  auto owned = std::make_unique<SourceText>();
  owned->owned = is_template ? BlankTemplateActions(text) : std::move(text);
  owned->text = owned->owned;
  std::string_view view = owned->text;
  texts_.push_back(std::move(owned));
  return IndexText(view, source, is_template);
}

Diagnostics CrdCatalog::IndexText(std::string_view text, const std::string& source, bool is_template) {
  Diagnostics diagnostics;
  std::vector<CrdDefinition> found;
  ForEachDocument(text, [&](std::string_view doc, std::size_t first_line) {
    // The kind line is near the top; a schema's text is not looked at.
    if (doc.substr(0, 4096).find(kCrdMarker) == std::string_view::npos && doc.find(kCrdMarker) == std::string_view::npos) {
      return;
    }
    YamlProblem problem;
    CrdHeader header;
    if (!ReadCrdHeader(doc, &header, &problem)) {
      diagnostics.push_back(MakeWarning(
          fmt::format("--crds {}: line {} column {}: {}; the CustomResourceDefinitions of this document are skipped", source,
                      first_line + problem.line, problem.column + 1, problem.message),
          is_template ? "this is template text; the CRDs Helm renders from it are read from the input instead"
                      : "fix or remove the file"));
      return;
    }
    if (!header.IsCrd() || header.names_kind.empty()) return;
    CrdDefinition definition;
    definition.group = std::move(header.group);
    definition.kind = std::move(header.names_kind);
    definition.name = std::move(header.name);
    definition.scope = std::move(header.scope);
    definition.source = source;
    definition.first_line = first_line;
    definition.text = doc;
    found.push_back(std::move(definition));
  });
  // In a bundle of many CRDs the line says which one.
  for (CrdDefinition& definition : found) {
    if (found.size() > 1) definition.source = fmt::format("{} (line {})", source, definition.first_line);
    Add(std::move(definition));
  }
  return diagnostics;
}

Diagnostics CrdCatalog::AddFile(const std::string& path, bool is_template) {
  // Mapped, not read: most of a CRD file is schema text that indexing skips,
  // and only the schemas of kinds in use are read later.
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  struct stat info {};
  if (fd < 0 || ::fstat(fd, &info) != 0) {
    std::string why = std::strerror(errno);
    if (fd >= 0) ::close(fd);
    return {MakeError(fmt::format("--crds {}: cannot read: {}", path, why), "check the path and its permissions")};
  }
  ++files_read_;
  auto source = std::make_unique<SourceText>();
  const auto size = static_cast<std::size_t>(info.st_size);
  if (size > 0) {
    void* mapped = ::mmap(nullptr, size, PROT_READ, MAP_PRIVATE, fd, 0);
    if (mapped == MAP_FAILED) {
      std::string why = std::strerror(errno);
      ::close(fd);
      return {MakeError(fmt::format("--crds {}: cannot read: {}", path, why), "check the path and its permissions")};
    }
    source->mapped = mapped;
    source->mapped_size = size;
    source->text = std::string_view(static_cast<const char*>(mapped), size);
  }
  ::close(fd);
  if (is_template) {
    if (source->text.find(kCrdMarker) == std::string_view::npos) return {};
    source->owned = BlankTemplateActions(source->text);
    source->text = source->owned;
  }
  std::string_view view = source->text;
  texts_.push_back(std::move(source));
  return IndexText(view, path, is_template);
}

Diagnostics CrdCatalog::AddArchive(const std::string& path) {
  std::vector<ArchiveFile> files;
  std::string error;
  if (!ReadChartArchive(path, &files, &error)) {
    return {MakeError(fmt::format("--crds {}: cannot read the chart archive: {}", path, error),
                      "pass a chart archive as `helm package` or `helm pull` writes it (.tgz)")};
  }
  Diagnostics diagnostics;
  for (ArchiveFile& file : files) {
    Append(diagnostics, AddText(std::move(file.content), fmt::format("{}:{}", path, file.path), file.is_template));
  }
  return diagnostics;
}

Diagnostics CrdCatalog::AddDirectory(const std::string& path, bool is_chart) {
  Diagnostics diagnostics;
  std::error_code ec;
  std::vector<fs::path> entries = SortedEntries(path, ec);
  if (ec) return {MakeError(fmt::format("--crds {}: cannot list: {}", path, ec.message()))};
  if (is_chart) {
    // A chart: its crds/ and templates/, its subcharts (packaged or unpacked).
    const fs::path root(path);
    auto add_tree = [&](const fs::path& dir, bool is_template) {
      if (!IsDirectory(dir)) return;
      std::vector<fs::path> files;
      for (fs::recursive_directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
        if (it->is_regular_file(ec) && IsYamlName(it->path().string())) files.push_back(it->path());
      }
      std::sort(files.begin(), files.end());
      for (const fs::path& file : files) Append(diagnostics, AddFile(file.string(), is_template));
    };
    add_tree(root / "crds", false);
    add_tree(root / "templates", true);
    std::vector<fs::path> subcharts = SortedEntries(root / "charts", ec);
    ec.clear();
    for (const fs::path& sub : subcharts) {
      if (IsArchiveName(sub.string())) {
        Append(diagnostics, AddArchive(sub.string()));
      } else if (IsChartDirectory(sub)) {
        Append(diagnostics, AddDirectory(sub.string(), true));
      }
    }
    return diagnostics;
  }
  for (const fs::path& entry : entries) {
    const std::string name = entry.string();
    if (IsDirectory(entry)) {
      Append(diagnostics, AddDirectory(name, IsChartDirectory(entry)));
    } else if (IsArchiveName(name)) {
      Append(diagnostics, AddArchive(name));
    } else if (IsYamlName(name)) {
      Append(diagnostics, AddFile(name, false));
    }
  }
  return diagnostics;
}

Diagnostics CrdCatalog::CheckPath(const std::string& path) {
  std::error_code ec;
  if (fs::exists(path, ec) && !ec) return {};
  return {MakeError(fmt::format("--crds {}: no such file or directory", path),
                    "pass a directory of CRD files, a chart archive (.tgz) or a chart directory")};
}

Diagnostics CrdCatalog::AddPath(const std::string& path) {
  if (Diagnostics missing = CheckPath(path); !missing.empty()) return missing;
  std::error_code ec;
  fs::file_status status = fs::status(path, ec);
  if (fs::is_directory(status)) return AddDirectory(path, IsChartDirectory(path));
  if (IsArchiveName(path)) return AddArchive(path);
  if (IsYamlName(path)) return AddFile(path, false);
  return {MakeError(fmt::format("--crds {}: not a directory, a chart archive (.tgz) or a YAML file", path),
                    "pass a directory of CRD files, a chart archive (.tgz) or a chart directory")};
}

std::vector<const CrdDefinition*> CrdCatalog::Definitions() const {
  std::vector<const CrdDefinition*> all;
  all.reserve(definitions_.size());
  for (const auto& definition : definitions_) all.push_back(definition.get());
  return all;
}

const CrdDefinition* CrdCatalog::Find(std::string_view group, std::string_view kind) const {
  auto it = by_kind_.find(std::make_pair(std::string(group), std::string(kind)));
  return it == by_kind_.end() ? nullptr : it->second;
}

std::vector<CrdConflict> CrdCatalog::ConflictsFor(std::string_view group, std::string_view kind) const {
  std::vector<CrdConflict> found;
  for (const CrdConflict& conflict : conflicts_) {
    if (conflict.group == group && conflict.kind == kind) found.push_back(conflict);
  }
  return found;
}

const ParsedCrd* CrdCatalog::Parse(const CrdDefinition& definition, std::string* error) {
  auto it = parsed_.find(&definition);
  if (it != parsed_.end()) return it->second.get();
  auto parsed = std::make_unique<ParsedCrd>();
  std::string problem;
  JsonLoadLimits limits;
  limits.drop_scalar_descriptions = true;
  std::string edited;
  std::string_view text = definition.text;
  if (definition.edited_document != nullptr) {
    const Document& doc = *definition.edited_document;
    edited = doc.Text();
    text = std::string_view(edited).substr(std::min(doc.body_offset, edited.size()));
  }
  if (!LoadJsonValue(text, &parsed->root, &problem, limits)) {
    *error = fmt::format("{}: {}", definition.source, problem);
    return nullptr;
  }
  const JsonValue* spec = parsed->root.Find("spec");
  const JsonValue* versions = spec != nullptr ? spec->Find("versions") : nullptr;
  // apiextensions.k8s.io/v1beta1 CRDs could give one schema for every version.
  const JsonValue* shared_validation = spec != nullptr ? spec->Find("validation") : nullptr;
  const JsonValue* shared_schema = shared_validation != nullptr ? shared_validation->Find("openAPIV3Schema") : nullptr;
  if (versions != nullptr && versions->IsArray()) {
    for (const JsonValue& entry : versions->array) {
      CrdVersion version;
      version.name = std::string(entry.StringAt("name"));
      const JsonValue* served = entry.Find("served");
      version.served = served == nullptr || served->type != JsonValue::Type::kBool || served->boolean;
      const JsonValue* deprecated = entry.Find("deprecated");
      version.deprecated = deprecated != nullptr && deprecated->IsTrue();
      const JsonValue* schema = entry.Find("schema");
      version.schema = schema != nullptr ? schema->Find("openAPIV3Schema") : nullptr;
      if (version.schema == nullptr) version.schema = shared_schema;
      parsed->versions.push_back(std::move(version));
    }
  } else if (spec != nullptr && !spec->StringAt("version").empty()) {
    CrdVersion version;
    version.name = std::string(spec->StringAt("version"));
    version.schema = shared_schema;
    parsed->versions.push_back(std::move(version));
  }
  const ParsedCrd* result = parsed.get();
  parsed_.emplace(&definition, std::move(parsed));
  return result;
}

}  // namespace dotk8s
