#ifndef DOTK8S_DRIVER_RELEASE_RENDERED_H_
#define DOTK8S_DRIVER_RELEASE_RENDERED_H_

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace dotk8s {

/// A Deployment or APIService of the render, with the top-level subchart
/// that renders it ("keda"): what another installation may run already.
struct RenderedObject {
  std::string kind;        ///< "Deployment", "APIService"
  std::string namespace_;  ///< empty: cluster-scoped
  std::string name;
  std::string chart;
};

/// What an install needs to know from the release as rendered (through the
/// post-renderer) before helm installs it.
struct RenderedRelease {
  /// Every namespace to create before helm runs, sorted: the release namespace
  /// and each namespace the release puts objects in or dotk8s-post injected a
  /// Namespace for. A Namespace object a chart renders itself is the
  /// release's, so its name is left out (helm creates it first).
  std::vector<std::string> namespaces;
  /// Top-level subcharts with documents in the render ("gateway-helm", ...):
  /// the components that are on.
  std::vector<std::string> charts;
  /// CustomResourceDefinitions in the render itself: the templated ones
  /// (KEDA's). Each is (name, document text).
  std::vector<std::pair<std::string, std::string>> crds;
  /// The Namespace objects dotk8s-post injected (rendered with
  /// apps.createNamespaces=true), each (name, manifest): name, labels and
  /// annotations as rendered (the labels a podMonitorNamespaceSelector
  /// demands, helm.sh/resource-policy: keep), without the `helm.sh/hook*`
  /// annotations they carry as Helm 4 hooks.
  std::vector<std::pair<std::string, std::string>> injected_namespaces;
  /// Every Deployment and APIService in the render, in stream order (the
  /// pre-check of foreign_components.h looks for another installation's).
  std::vector<RenderedObject> deployments_and_api_services;
  /// Every apiVersion and kind of the render, sorted, each once:
  /// "gateway.networking.k8s.io/v1 Gateway" (the versions the release needs
  /// a CRD someone else manages to serve, crd_ownership.h).
  std::vector<std::string> api_kinds;
};

/// Reads `stream` (helm template output: `# Source:` lines present under both
/// Helm versions). False with `error` if it does not read as YAML.
bool ReadRenderedRelease(std::string_view stream, const std::string& release_namespace, RenderedRelease* release,
                         std::string* error);

/// True for the path of a document dotk8s-post injected
/// ("dot-apps/templates/dotk8s-post/namespaces.yaml").
bool IsInjectedPath(std::string_view source_path);

/// One stream for `kubectl apply` with a Namespace for each of
/// `release.namespaces`: the injected manifest where there is one, else a bare
/// Namespace.
std::string NamespaceManifests(const RenderedRelease& release);

}  // namespace dotk8s

#endif  // DOTK8S_DRIVER_RELEASE_RENDERED_H_
