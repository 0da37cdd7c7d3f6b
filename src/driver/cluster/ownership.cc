// Whose a live object is: Helm's ownership marks, and what an object that
// lacks them says about its owner. verify and the install's pre-check decide
// with these which objects they may name as the release's.
#include "driver/cluster/ownership.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <vector>

namespace dotk8s {
namespace {

// metadata.<section>.<key> as a string, "" when absent or not a scalar.
std::string MetadataEntry(const YAML::Node& object, std::string_view section, std::string_view key) {
  if (!object.IsMap()) return {};
  const YAML::Node metadata = object["metadata"];
  if (!metadata || !metadata.IsMap()) return {};
  const YAML::Node entries = metadata[std::string(section)];
  if (!entries || !entries.IsMap()) return {};
  const YAML::Node value = entries[std::string(key)];
  return value && value.IsScalar() ? value.Scalar() : std::string();
}

}  // namespace

bool CarriesReleaseMarks(const YAML::Node& object, std::string_view release, std::string_view release_namespace) {
  if (MetadataEntry(object, "labels", kManagedByLabel) != "Helm") return false;
  if (MetadataEntry(object, "annotations", kReleaseNameAnnotation) != release) return false;
  return release_namespace.empty() ||
         MetadataEntry(object, "annotations", kReleaseNamespaceAnnotation) == release_namespace;
}

bool CarriesReleaseLabel(const YAML::Node& object, std::string_view release) {
  if (release.empty()) return false;
  const std::string instance = MetadataEntry(object, "labels", kInstanceLabel);
  // Traefik's chart labels its objects "<release>-<namespace>" (its
  // traefik.instance-name helper), not the bare release name.
  return instance == release ||
         (instance.size() > release.size() + 1 && instance.compare(0, release.size(), release) == 0 &&
          instance[release.size()] == '-');
}

std::string DescribeOwner(const YAML::Node& object) {
  std::vector<std::string> parts;
  const std::string release = MetadataEntry(object, "annotations", kReleaseNameAnnotation);
  const std::string release_namespace = MetadataEntry(object, "annotations", kReleaseNamespaceAnnotation);
  const std::string managed_by = MetadataEntry(object, "labels", kManagedByLabel);
  if (!release.empty()) {
    parts.push_back(release_namespace.empty() ? fmt::format("Helm release {}", release)
                                              : fmt::format("Helm release {} in {}", release, release_namespace));
  }
  if (!managed_by.empty() && (release.empty() || managed_by != "Helm")) parts.push_back("managed-by " + managed_by);
  // Who wrote the object's spec and metadata; the controllers that only write
  // status (kube-controller-manager on a Deployment) say nothing about it.
  std::vector<std::string> managers;
  const YAML::Node metadata = object.IsMap() ? object["metadata"] : YAML::Node(YAML::NodeType::Undefined);
  const YAML::Node fields = metadata && metadata.IsMap() ? metadata["managedFields"] : YAML::Node(YAML::NodeType::Undefined);
  if (fields && fields.IsSequence()) {
    for (const YAML::Node& entry : fields) {
      if (!entry.IsMap() || !entry["manager"] || !entry["manager"].IsScalar()) continue;
      if (entry["subresource"] && entry["subresource"].IsScalar() && !entry["subresource"].Scalar().empty()) continue;
      const std::string manager = entry["manager"].Scalar();
      if (std::find(managers.begin(), managers.end(), manager) == managers.end()) managers.push_back(manager);
    }
  }
  if (!managers.empty()) {
    parts.push_back(fmt::format("field manager{} {}", managers.size() == 1 ? "" : "s", fmt::join(managers, ", ")));
  }
  return parts.empty() ? std::string("no owner marks") : fmt::format("{}", fmt::join(parts, "; "));
}

}  // namespace dotk8s
