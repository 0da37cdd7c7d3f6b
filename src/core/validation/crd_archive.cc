#include "core/validation/crd_archive.h"

#include <archive.h>
#include <archive_entry.h>
#include <fmt/format.h>

#include <memory>

namespace dotk8s {

namespace {

constexpr std::string_view kCrdMarker = "CustomResourceDefinition";

bool EndsWith(std::string_view text, std::string_view suffix) {
  return text.size() >= suffix.size() && text.substr(text.size() - suffix.size()) == suffix;
}

struct ArchiveCloser {
  void operator()(archive* a) const { archive_read_free(a); }
};
using ArchiveHandle = std::unique_ptr<archive, ArchiveCloser>;

ArchiveHandle NewReader() {
  ArchiveHandle reader(archive_read_new());
  if (reader) {
    // Helm packages charts as gzip-compressed tar; only what that needs, so a
    // static libarchive pulls in no other compressors.
    archive_read_support_filter_gzip(reader.get());
    archive_read_support_filter_none(reader.get());
    archive_read_support_format_tar(reader.get());
  }
  return reader;
}

struct Reader {
  const ArchiveLimits& limits;
  std::vector<ArchiveFile>* files;
  std::string* error;
  std::size_t kept = 0;

  bool ReadEntryData(archive* a, std::size_t size, std::string* out, const std::string& where) {
    out->resize(size);
    std::size_t done = 0;
    while (done < size) {
      la_ssize_t n = archive_read_data(a, out->data() + done, size - done);
      if (n < 0) {
        *error = fmt::format("{}: {}", where, archive_error_string(a) != nullptr ? archive_error_string(a) : "read error");
        return false;
      }
      if (n == 0) break;
      done += static_cast<std::size_t>(n);
    }
    out->resize(done);
    return true;
  }

  // Reads every entry of the open archive `a`; `prefix` names it in paths.
  bool Walk(archive* a, const std::string& prefix, unsigned depth) {
    archive_entry* entry = nullptr;
    while (true) {
      int status = archive_read_next_header(a, &entry);
      if (status == ARCHIVE_EOF) return true;
      if (status < ARCHIVE_WARN) {
        *error = fmt::format("{}: {}", prefix, archive_error_string(a) != nullptr ? archive_error_string(a) : "not a tar archive");
        return false;
      }
      if (archive_entry_filetype(entry) != AE_IFREG) continue;
      const char* raw_name = archive_entry_pathname(entry);
      std::string name = raw_name != nullptr ? raw_name : "";
      std::string where = prefix.empty() ? name : fmt::format("{}:{}", prefix, name);
      const la_int64_t declared = archive_entry_size(entry);
      const std::size_t size = declared > 0 ? static_cast<std::size_t>(declared) : 0;
      if (IsArchiveName(name)) {
        if (depth + 1 > limits.max_depth || size > limits.max_nested_archive_bytes) {
          *error = fmt::format("{}: nested too deep or too large to unpack", where);
          return false;
        }
        std::string bytes;
        if (!ReadEntryData(a, size, &bytes, where)) return false;
        if (!WalkBytes(bytes, where, depth + 1)) return false;
        continue;
      }
      if (!IsCrdCandidatePath(name)) continue;
      if (kept + size > limits.max_kept_bytes) {
        *error = fmt::format("{}: the archive holds more than {} bytes of YAML", where, limits.max_kept_bytes);
        return false;
      }
      ArchiveFile file;
      file.path = std::move(where);
      if (!ReadEntryData(a, size, &file.content, file.path)) return false;
      if (file.content.find(kCrdMarker) == std::string::npos) continue;
      kept += file.content.size();
      file.is_template = name.find("/templates/") != std::string::npos || name.rfind("templates/", 0) == 0;
      files->push_back(std::move(file));
    }
  }

  bool WalkBytes(std::string_view bytes, const std::string& name, unsigned depth) {
    ArchiveHandle a = NewReader();
    if (!a || archive_read_open_memory(a.get(), bytes.data(), bytes.size()) != ARCHIVE_OK) {
      *error = fmt::format("{}: {}", name, a && archive_error_string(a.get()) != nullptr ? archive_error_string(a.get()) : "cannot open");
      return false;
    }
    return Walk(a.get(), name, depth);
  }
};

}  // namespace

bool IsArchiveName(std::string_view path) { return EndsWith(path, ".tgz") || EndsWith(path, ".tar.gz"); }

bool IsCrdCandidatePath(std::string_view path) {
  if (!(EndsWith(path, ".yaml") || EndsWith(path, ".yml") || EndsWith(path, ".json"))) return false;
  auto under = [path](std::string_view dir) {
    return path.rfind(std::string(dir) + "/", 0) == 0 || path.find(fmt::format("/{}/", dir)) != std::string_view::npos;
  };
  return under("crds") || under("templates");
}

bool ReadChartArchive(const std::string& path, std::vector<ArchiveFile>* files, std::string* error,
                      const ArchiveLimits& limits) {
  ArchiveHandle a = NewReader();
  if (!a) {
    *error = "out of memory";
    return false;
  }
  if (archive_read_open_filename(a.get(), path.c_str(), 1 << 16) != ARCHIVE_OK) {
    *error = fmt::format("{}: {}", path, archive_error_string(a.get()) != nullptr ? archive_error_string(a.get()) : "cannot open");
    return false;
  }
  Reader reader{limits, files, error};
  return reader.Walk(a.get(), "", 0);
}

bool WalkArchive(const std::string& path,
                 const std::function<bool(const ArchiveEntry&, const ArchiveReadData& read, std::string* error)>& visit,
                 std::string* error, const ArchiveLimits& limits) {
  ArchiveHandle a = NewReader();
  if (!a) {
    *error = "out of memory";
    return false;
  }
  if (archive_read_open_filename(a.get(), path.c_str(), 1 << 16) != ARCHIVE_OK) {
    *error = fmt::format("{}: {}", path, archive_error_string(a.get()) != nullptr ? archive_error_string(a.get()) : "cannot open");
    return false;
  }
  std::vector<ArchiveFile> unused;
  Reader reader{limits, &unused, error};
  archive_entry* entry = nullptr;
  while (true) {
    int status = archive_read_next_header(a.get(), &entry);
    if (status == ARCHIVE_EOF) return true;
    if (status < ARCHIVE_WARN) {
      *error = fmt::format("{}: {}", path, archive_error_string(a.get()) != nullptr ? archive_error_string(a.get()) : "not a tar archive");
      return false;
    }
    if (archive_entry_filetype(entry) != AE_IFREG) continue;
    const char* raw_name = archive_entry_pathname(entry);
    const std::string name = raw_name != nullptr ? raw_name : "";
    const la_int64_t declared = archive_entry_size(entry);
    ArchiveEntry info;
    info.path = name;
    info.size = declared > 0 ? static_cast<std::size_t>(declared) : 0;
    info.executable = (archive_entry_perm(entry) & 0111) != 0;
    const std::string where = fmt::format("{}:{}", path, name);
    ArchiveReadData read = [&](std::string* content) {
      if (reader.kept + info.size > limits.max_kept_bytes) {
        *error = fmt::format("{}: the archive holds more than {} bytes", where, limits.max_kept_bytes);
        return false;
      }
      if (!reader.ReadEntryData(a.get(), info.size, content, where)) return false;
      reader.kept += content->size();
      return true;
    };
    if (!visit(info, read, error)) return false;
  }
}

bool ReadChartArchiveBytes(std::string_view bytes, const std::string& name, std::vector<ArchiveFile>* files,
                           std::string* error, const ArchiveLimits& limits) {
  Reader reader{limits, files, error};
  return reader.WalkBytes(bytes, name, 0);
}

}  // namespace dotk8s
