#include "driver/bundles/dependencies.h"

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <filesystem>

#include "core/yaml/yaml_node.h"
#include "driver/programs/locations.h"

namespace dotk8s {
namespace fs = std::filesystem;

bool ReadPinnedDependencies(const std::string& chart_dir, std::vector<PinnedDependency>* dependencies,
                            std::string* error) {
  const std::string path = chart_dir + "/Chart.yaml";
  std::string text;
  if (!ReadFileText(path, &text)) {
    *error = fmt::format("cannot read {}", path);
    return false;
  }
  YAML::Node chart;
  std::string load_error;
  if (!LoadCheckedYamlNode(text, OutlineOptions{}, &chart, &load_error)) {
    *error = fmt::format("cannot read {}: {}", path, load_error);
    return false;
  }
  try {
    YAML::Node list = chart["dependencies"];
    if (!list || !list.IsSequence()) {
      *error = fmt::format("{} has no dependencies list", path);
      return false;
    }
    for (const YAML::Node& entry : list) {
      PinnedDependency dependency;
      dependency.name = entry["name"].as<std::string>("");
      dependency.version = entry["version"].as<std::string>("");
      dependency.repository = entry["repository"].as<std::string>("");
      dependency.condition = entry["condition"].as<std::string>("");
      if (dependency.name.empty() || dependency.version.empty()) {
        *error = fmt::format("{}: a dependency without name or version", path);
        return false;
      }
      dependencies->push_back(std::move(dependency));
    }
    return true;
  } catch (const YAML::Exception& e) {
    *error = fmt::format("cannot read {}: {}", path, e.what());
    return false;
  }
}

std::vector<DependencyStatus> CheckDependencies(const std::string& chart_dir,
                                                const std::vector<PinnedDependency>& dependencies) {
  struct Found {
    std::string path;
    ChartIdentity identity;
    std::string error;
  };
  std::vector<Found> found;
  std::error_code ec;
  for (const fs::directory_entry& entry : fs::directory_iterator(chart_dir + "/charts", ec)) {
    if (!entry.is_regular_file() || entry.path().extension() != ".tgz") continue;
    Found archive;
    archive.path = entry.path().string();
    ReadChartIdentity(archive.path, &archive.identity, &archive.error);
    found.push_back(std::move(archive));
  }
  std::sort(found.begin(), found.end(), [](const Found& a, const Found& b) { return a.path < b.path; });

  std::vector<DependencyStatus> statuses;
  for (const PinnedDependency& pinned : dependencies) {
    DependencyStatus status;
    status.pinned = pinned;
    for (const Found& archive : found) {
      const std::string shown = "charts/" + fs::path(archive.path).filename().string();
      if (!archive.error.empty()) {
        if (fs::path(archive.path).filename() == pinned.ArchiveName()) status.problems.push_back(archive.error);
        continue;
      }
      if (archive.identity.name != pinned.name) continue;
      if (archive.identity.version == pinned.version) {
        status.archive = archive.path;
      } else {
        status.wrong_archives.push_back(archive.path);
        status.problems.push_back(fmt::format("{} holds {} {}, Chart.yaml pins {}", shown, archive.identity.name,
                                              archive.identity.version, pinned.version));
      }
    }
    if (status.archive.empty() && status.problems.empty()) {
      status.problems.push_back(fmt::format("{} {} is missing (charts/{})", pinned.name, pinned.version,
                                            pinned.ArchiveName()));
    }
    statuses.push_back(std::move(status));
  }
  return statuses;
}

bool AllDependenciesOk(const std::vector<DependencyStatus>& statuses) {
  return std::all_of(statuses.begin(), statuses.end(), [](const DependencyStatus& s) { return s.Ok(); });
}

bool DependencyArchives(const std::string& chart_dir, std::vector<std::string>* archives, std::string* error) {
  std::vector<PinnedDependency> pinned;
  if (!ReadPinnedDependencies(chart_dir, &pinned, error)) return false;
  std::vector<DependencyStatus> statuses = CheckDependencies(chart_dir, pinned);
  std::vector<std::string> problems;
  for (const DependencyStatus& status : statuses) {
    if (status.Ok()) {
      archives->push_back(status.archive);
    } else {
      problems.insert(problems.end(), status.problems.begin(), status.problems.end());
    }
  }
  if (!problems.empty()) {
    archives->clear();
    *error = fmt::format("the chart's dependencies are not complete in {}/charts: {}", chart_dir,
                         fmt::join(problems, "; "));
    return false;
  }
  return true;
}

}  // namespace dotk8s
