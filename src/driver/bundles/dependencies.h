#ifndef DOTK8S_DRIVER_BUNDLES_DEPENDENCIES_H_
#define DOTK8S_DRIVER_BUNDLES_DEPENDENCIES_H_

#include <string>
#include <vector>

#include "driver/bundles/archive_io.h"

namespace dotk8s {

/// A dependency as the umbrella's Chart.yaml pins it.
struct PinnedDependency {
  std::string name;
  std::string version;
  std::string repository;
  std::string condition;

  /// "keda-2.19.0.tgz": how helm names the archive.
  std::string ArchiveName() const { return name + "-" + version + ".tgz"; }
};

/// The `dependencies:` of <chart_dir>/Chart.yaml.
bool ReadPinnedDependencies(const std::string& chart_dir, std::vector<PinnedDependency>* dependencies,
                            std::string* error);

/// What charts/ holds for one pinned dependency.
struct DependencyStatus {
  PinnedDependency pinned;
  std::string archive;        ///< the matching archive in charts/, or ""
  std::vector<std::string> problems;  ///< e.g. "charts/keda-2.18.0.tgz holds keda 2.18.0, Chart.yaml pins 2.19.0"
  std::vector<std::string> wrong_archives;  ///< archives of this chart at another version

  bool Ok() const { return !archive.empty() && problems.empty(); }
};

/// Reads the Chart.yaml inside every charts/*.tgz (not the file name: an archive
/// can be renamed) and matches each pinned dependency by name and version.
std::vector<DependencyStatus> CheckDependencies(const std::string& chart_dir,
                                                const std::vector<PinnedDependency>& dependencies);

/// The dependency archives of a complete chart, in Chart.yaml order; empty with
/// `error` (naming each missing or wrong one and what to do) otherwise.
bool DependencyArchives(const std::string& chart_dir, std::vector<std::string>* archives, std::string* error);

/// True if every status is Ok.
bool AllDependenciesOk(const std::vector<DependencyStatus>& statuses);

}  // namespace dotk8s

#endif  // DOTK8S_DRIVER_BUNDLES_DEPENDENCIES_H_
