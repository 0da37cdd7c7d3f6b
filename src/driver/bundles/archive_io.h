#ifndef DOTK8S_DRIVER_BUNDLES_ARCHIVE_IO_H_
#define DOTK8S_DRIVER_BUNDLES_ARCHIVE_IO_H_

#include <functional>
#include <string>
#include <string_view>
#include <vector>

namespace dotk8s {

/// A regular file inside a tar archive.
struct TarMember {
  std::string path;  ///< as stored: "keda/Chart.yaml"
  std::string content;
  bool executable = false;
};

/// Reads the regular files of a tar archive (gzipped or plain) with the core's
/// WalkArchive and its ArchiveLimits, without a leading "./", keeping
/// those for which `want(path)` is true (all when `want` is empty). Returns
/// false with `error` naming the archive when it cannot be read.
bool ReadArchive(const std::string& archive_path, const std::function<bool(std::string_view)>& want,
                 std::vector<TarMember>* files, std::string* error);

/// Writes `files` as a gzipped ustar/pax archive. Times and owners are fixed, so
/// the same input gives the same bytes.
bool WriteTarGz(const std::string& archive_path, const std::vector<TarMember>& files, std::string* error);

/// A chart's name and version, from the Chart.yaml at the top of its archive.
struct ChartIdentity {
  std::string name;
  std::string version;
  std::string top_directory;  ///< "keda": the directory the archive's files are in
};

/// Reads `<top>/Chart.yaml` of a chart archive (the one whose path has exactly
/// one slash). Returns false with `error` if there is none or it has no name.
bool ReadChartIdentity(const std::string& archive_path, ChartIdentity* identity, std::string* error);

/// name and version from Chart.yaml text.
bool ParseChartYaml(std::string_view text, ChartIdentity* identity, std::string* error);

}  // namespace dotk8s

#endif  // DOTK8S_DRIVER_BUNDLES_ARCHIVE_IO_H_
