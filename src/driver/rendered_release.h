#ifndef DOTK8S_DRIVER_RENDERED_RELEASE_H_
#define DOTK8S_DRIVER_RENDERED_RELEASE_H_

#include <string>
#include <string_view>
#include <vector>

namespace dotk8s {

/// What an install needs to know from the release as rendered (through the
/// post-renderer) before helm installs it.
struct RenderedRelease {
  /// Every namespace the release puts objects in, the release namespace
  /// included, sorted.
  std::vector<std::string> namespaces;
  /// Top-level subcharts with documents in the render ("gateway-helm", ...):
  /// the components that are on.
  std::vector<std::string> charts;
  /// CustomResourceDefinitions in the render itself: the templated ones
  /// (KEDA's). Each is (name, document text).
  std::vector<std::pair<std::string, std::string>> crds;
};

/// Reads `stream` (helm template output: `# Source:` lines present under both
/// Helm versions). False with `error` if it does not read as YAML.
bool ReadRenderedRelease(std::string_view stream, const std::string& release_namespace, RenderedRelease* release,
                         std::string* error);

/// Namespace manifests for `names`, as one stream for `kubectl apply`.
std::string NamespaceManifests(const std::vector<std::string>& names);

}  // namespace dotk8s

#endif  // DOTK8S_DRIVER_RENDERED_RELEASE_H_
