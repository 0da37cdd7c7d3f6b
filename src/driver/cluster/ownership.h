#ifndef DOTK8S_DRIVER_CLUSTER_OWNERSHIP_H_
#define DOTK8S_DRIVER_CLUSTER_OWNERSHIP_H_

#include <yaml-cpp/yaml.h>

#include <string>
#include <string_view>

namespace dotk8s {

/// Helm's ownership marks (pkg/action/validate.go in Helm 3 and 4): label
/// app.kubernetes.io/managed-by=Helm, annotations meta.helm.sh/release-name
/// and meta.helm.sh/release-namespace. Helm adopts, upgrades and deletes only
/// objects that carry them for its release.
inline constexpr std::string_view kManagedByLabel = "app.kubernetes.io/managed-by";
inline constexpr std::string_view kReleaseNameAnnotation = "meta.helm.sh/release-name";
inline constexpr std::string_view kReleaseNamespaceAnnotation = "meta.helm.sh/release-namespace";

/// True if `object` (a live object as kubectl returns it) carries the marks of
/// release `release` in `release_namespace`. An empty `release_namespace`
/// (not known) checks the label and the name only.
bool CarriesReleaseMarks(const YAML::Node& object, std::string_view release, std::string_view release_namespace);

/// The label the charts put on what they render for a release
/// (`app.kubernetes.io/instance: {{ .Release.Name }}`; Argo CD's tracking
/// label too): the release's mark where Helm stores no release.
inline constexpr std::string_view kInstanceLabel = "app.kubernetes.io/instance";

/// True if `object` carries label app.kubernetes.io/instance=`release`, or
/// `release`-<suffix> as Traefik's chart writes it (`<release>-<namespace>`).
bool CarriesReleaseLabel(const YAML::Node& object, std::string_view release);

/// Who an object that is not the release's says it belongs to, for messages:
/// "Helm release keda in keda", "managed-by Argo CD", "field manager
/// team-keda" (from metadata.managedFields, when kubectl was asked to show
/// them; status writers are left out), joined with "; "; "no owner marks"
/// when it says nothing.
std::string DescribeOwner(const YAML::Node& object);

}  // namespace dotk8s

#endif  // DOTK8S_DRIVER_CLUSTER_OWNERSHIP_H_
