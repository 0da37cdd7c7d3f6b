#include "driver/archive_io.h"

#include <archive.h>
#include <archive_entry.h>
#include <fmt/format.h>
#include <sys/stat.h>
#include <yaml-cpp/yaml.h>

#include <memory>

namespace dotk8s {
namespace {

struct ReaderCloser {
  void operator()(archive* a) const { archive_read_free(a); }
};
struct WriterCloser {
  void operator()(archive* a) const { archive_write_free(a); }
};
struct EntryFree {
  void operator()(archive_entry* e) const { archive_entry_free(e); }
};

// Calls `visit(path, entry)` for each regular file; `visit` may read the data.
bool VisitArchive(const std::string& archive_path,
                  const std::function<bool(archive*, archive_entry*, std::string_view, std::string*)>& visit,
                  std::string* error) {
  std::unique_ptr<archive, ReaderCloser> reader(archive_read_new());
  // gzip only: chart archives and bundles are .tgz; the static libarchive the core
  // links carries no other compressor.
  archive_read_support_filter_gzip(reader.get());
  archive_read_support_format_tar(reader.get());
  archive_read_support_format_gnutar(reader.get());
  if (archive_read_open_filename(reader.get(), archive_path.c_str(), 1 << 16) != ARCHIVE_OK) {
    *error = fmt::format("cannot read archive {}: {}", archive_path, archive_error_string(reader.get()));
    return false;
  }
  archive_entry* entry = nullptr;
  while (true) {
    int status = archive_read_next_header(reader.get(), &entry);
    if (status == ARCHIVE_EOF) break;
    if (status < ARCHIVE_WARN) {
      *error = fmt::format("archive {} is damaged: {}", archive_path, archive_error_string(reader.get()));
      return false;
    }
    if (archive_entry_filetype(entry) != AE_IFREG) continue;
    const char* name = archive_entry_pathname(entry);
    std::string_view path = name != nullptr ? name : "";
    if (path.substr(0, 2) == "./") path.remove_prefix(2);
    if (!visit(reader.get(), entry, path, error)) return false;
  }
  return true;
}

bool ReadData(archive* reader, const std::string& archive_path, std::string_view path, std::string* content,
              std::string* error) {
  content->clear();
  char buffer[1 << 16];
  while (true) {
    la_ssize_t n = archive_read_data(reader, buffer, sizeof buffer);
    if (n == 0) return true;
    if (n < 0) {
      *error = fmt::format("archive {} is damaged at {}: {}", archive_path, path, archive_error_string(reader));
      return false;
    }
    content->append(buffer, static_cast<std::size_t>(n));
  }
}

}  // namespace

bool ReadArchive(const std::string& archive_path, const std::function<bool(std::string_view)>& want,
                 std::vector<TarMember>* files, std::string* error) {
  return VisitArchive(
      archive_path,
      [&](archive* reader, archive_entry* entry, std::string_view path, std::string* err) {
        if (want && !want(path)) return true;
        TarMember file;
        file.path = std::string(path);
        file.executable = (archive_entry_perm(entry) & 0111) != 0;
        if (!ReadData(reader, archive_path, path, &file.content, err)) return false;
        files->push_back(std::move(file));
        return true;
      },
      error);
}

bool ListArchive(const std::string& archive_path, std::vector<std::string>* paths, std::string* error) {
  return VisitArchive(
      archive_path,
      [&](archive*, archive_entry*, std::string_view path, std::string*) {
        paths->emplace_back(path);
        return true;
      },
      error);
}

bool WriteTarGz(const std::string& archive_path, const std::vector<TarMember>& files, std::string* error) {
  std::unique_ptr<archive, WriterCloser> writer(archive_write_new());
  archive_write_add_filter_gzip(writer.get());
  archive_write_set_format_pax_restricted(writer.get());
  if (archive_write_open_filename(writer.get(), archive_path.c_str()) != ARCHIVE_OK) {
    *error = fmt::format("cannot write {}: {}", archive_path, archive_error_string(writer.get()));
    return false;
  }
  for (const TarMember& file : files) {
    std::unique_ptr<archive_entry, EntryFree> entry(archive_entry_new());
    archive_entry_set_pathname(entry.get(), file.path.c_str());
    archive_entry_set_filetype(entry.get(), AE_IFREG);
    archive_entry_set_perm(entry.get(), file.executable ? 0755 : 0644);
    archive_entry_set_size(entry.get(), static_cast<la_int64_t>(file.content.size()));
    archive_entry_set_mtime(entry.get(), 0, 0);
    if (archive_write_header(writer.get(), entry.get()) != ARCHIVE_OK ||
        archive_write_data(writer.get(), file.content.data(), file.content.size()) !=
            static_cast<la_ssize_t>(file.content.size())) {
      *error = fmt::format("cannot write {} into {}: {}", file.path, archive_path, archive_error_string(writer.get()));
      return false;
    }
  }
  if (archive_write_close(writer.get()) != ARCHIVE_OK) {
    *error = fmt::format("cannot finish {}: {}", archive_path, archive_error_string(writer.get()));
    return false;
  }
  return true;
}

bool ParseChartYaml(std::string_view text, ChartIdentity* identity, std::string* error) {
  try {
    YAML::Node chart = YAML::Load(std::string(text));
    if (!chart.IsMap() || !chart["name"] || !chart["version"]) {
      *error = "Chart.yaml has no name or version";
      return false;
    }
    identity->name = chart["name"].as<std::string>();
    identity->version = chart["version"].as<std::string>();
    return true;
  } catch (const YAML::Exception& e) {
    *error = fmt::format("Chart.yaml is not valid YAML: {}", e.what());
    return false;
  }
}

bool ReadChartIdentity(const std::string& archive_path, ChartIdentity* identity, std::string* error) {
  std::vector<TarMember> files;
  auto is_top_chart_yaml = [](std::string_view path) {
    std::size_t slash = path.find('/');
    return slash != std::string_view::npos && path.substr(slash + 1) == "Chart.yaml";
  };
  if (!ReadArchive(archive_path, is_top_chart_yaml, &files, error)) return false;
  if (files.empty()) {
    *error = fmt::format("{} is not a chart archive: it has no <chart>/Chart.yaml", archive_path);
    return false;
  }
  identity->top_directory = files[0].path.substr(0, files[0].path.find('/'));
  if (!ParseChartYaml(files[0].content, identity, error)) {
    *error = fmt::format("{} ({}): {}", archive_path, files[0].path, *error);
    return false;
  }
  return true;
}

}  // namespace dotk8s
