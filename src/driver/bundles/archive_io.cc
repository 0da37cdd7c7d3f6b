#include "driver/bundles/archive_io.h"

#include <archive.h>
#include <archive_entry.h>
#include <fmt/format.h>
#include <sys/stat.h>
#include <yaml-cpp/yaml.h>

#include <memory>

#include "core/validation/crd_archive.h"
#include "core/yaml/yaml_node.h"

namespace dotk8s {
namespace {

struct WriterCloser {
  void operator()(archive* a) const { archive_write_free(a); }
};
struct EntryFree {
  void operator()(archive_entry* e) const { archive_entry_free(e); }
};

}  // namespace

bool ReadArchive(const std::string& archive_path, const std::function<bool(std::string_view)>& want,
                 std::vector<TarMember>* files, std::string* error) {
  std::string walk_error;
  bool ok = WalkArchive(
      archive_path,
      [&](const ArchiveEntry& entry, const ArchiveReadData& read, std::string*) {
        std::string_view path = entry.path;
        if (path.substr(0, 2) == "./") path.remove_prefix(2);
        if (want && !want(path)) return true;
        TarMember file;
        file.path = std::string(path);
        file.executable = entry.executable;
        if (!read(&file.content)) return false;
        files->push_back(std::move(file));
        return true;
      },
      &walk_error);
  if (!ok) *error = fmt::format("cannot read archive {}", walk_error);
  return ok;
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
  YAML::Node chart;
  std::string load_error;
  if (!LoadCheckedYamlNode(text, OutlineOptions{}, &chart, &load_error)) {
    *error = fmt::format("Chart.yaml is not valid YAML: {}", load_error);
    return false;
  }
  try {
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
