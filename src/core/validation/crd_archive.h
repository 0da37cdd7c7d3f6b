#ifndef DOTK8S_CRD_ARCHIVE_H_
#define DOTK8S_CRD_ARCHIVE_H_

#include <cstddef>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

namespace dotk8s {

/// A file of a chart archive that may define CustomResourceDefinitions.
struct ArchiveFile {
  /// Where it is: "gateway-helm/crds/gatewayapi-crds.yaml"; inside a nested
  /// archive "dot-apps/charts/keda-2.19.0.tgz:keda/templates/crds/x.yaml".
  std::string path;
  std::string content;
  /// Under a templates/ directory: Go template text, not plain YAML.
  bool is_template = false;
};

struct ArchiveLimits {
  /// Bytes of file content kept, over all archives (a "zip bomb" stops here).
  std::size_t max_kept_bytes = std::size_t{512} << 20;
  /// Bytes a nested archive may have before it is unpacked in memory.
  std::size_t max_nested_archive_bytes = std::size_t{256} << 20;
  /// Archives inside archives inside ...
  unsigned max_depth = 4;
};

/// Reads a Helm chart archive (.tgz, or a plain tar) with libarchive and keeps
/// the YAML files under a `crds/` or `templates/` directory of any chart in
/// it (the chart's own and those of subchart directories under `charts/`)
/// that mention CustomResourceDefinition; nested `*.tgz` archives (packaged
/// subcharts under `charts/`) are read the same way. Files come in archive
/// order. Returns false with `error` ("what: why") if the archive cannot be read.
bool ReadChartArchive(const std::string& path, std::vector<ArchiveFile>* files, std::string* error,
                      const ArchiveLimits& limits = {});

/// The same for an archive already in memory; `name` prefixes the paths.
bool ReadChartArchiveBytes(std::string_view bytes, const std::string& name, std::vector<ArchiveFile>* files,
                           std::string* error, const ArchiveLimits& limits = {});

/// A regular file met by WalkArchive.
struct ArchiveEntry {
  std::string_view path;  ///< as stored: "keda/Chart.yaml"
  std::size_t size = 0;   ///< as declared in the header
  bool executable = false;
};

/// Reads this entry's data into `content`; false with the error set if it
/// cannot be read or would pass ArchiveLimits::max_kept_bytes (over all reads).
using ArchiveReadData = std::function<bool(std::string* content)>;

/// Opens an archive (.tgz, or a plain tar) and calls `visit` for each regular
/// file in archive order; `visit` may call `read` once to get the data and
/// returns false (with the error set) to stop. Nested archives are not opened.
/// Returns false with `error` ("path: why") if the archive cannot be read.
bool WalkArchive(const std::string& path,
                 const std::function<bool(const ArchiveEntry&, const ArchiveReadData& read, std::string* error)>& visit,
                 std::string* error, const ArchiveLimits& limits = {});

/// True for a path whose name says it is a chart archive: *.tgz, *.tar.gz.
bool IsArchiveName(std::string_view path);

/// True if `path` (inside a chart) lies under a crds/ or templates/
/// directory and names a YAML or JSON file.
bool IsCrdCandidatePath(std::string_view path);

}  // namespace dotk8s

#endif  // DOTK8S_CRD_ARCHIVE_H_
