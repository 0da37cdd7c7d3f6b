#ifndef DOTK8S_TESTS_LIFECYCLE_LIFECYCLE_FIXTURES_H_
#define DOTK8S_TESTS_LIFECYCLE_LIFECYCLE_FIXTURES_H_

// What the lifecycle tests read from ../shared/fixtures: the charts' crds/
// folders (in the order Helm installs them), the API-server traces, and what
// the real dotk8s-post writes for the captured upstream streams.

#include <string>
#include <string_view>
#include <vector>

#include "lifecycle/route_model.h"

namespace dotk8s::lifecycle {

/// ../shared/fixtures/traces/<name>.
std::string TracePath(std::string_view name);

/// The crds/ directory of a chart in ../shared/fixtures/upstream/crds
/// ("gateway-helm-1.7.0", "kube-prometheus-stack-82.2.1", "traefik-39.0.0").
std::string CrdsDirectory(std::string_view chart);

/// The crds/ files of the charts that are on, in the order Helm reads them:
/// chart by chart in the umbrella's dependency order (traefik, gateway-helm,
/// kube-prometheus-stack; charts/dot-apps/Chart.yaml), each chart's files in
/// path order (helm/helm v4.1.4 pkg/chart/v2/chart.go:163-177). Only the Gateway
/// API bundle of Traefik's crds/ is in the fixtures.
std::vector<CrdFile> CrdsFolders(bool traefik, bool envoy_gateway, bool prometheus);

/// Which components are on.
struct Selection {
  bool envoy_gateway = true;
  bool keda = true;
  bool prometheus = true;
  bool traefik = false;
  /// kube-prometheus-stack's admission webhooks and the hooks that make their
  /// certificate; the helm3 profile (charts/dot-apps/values/helm3.yaml) turns
  /// them off, and the Helm 3 fixture never has them.
  bool prometheus_admission = true;
};
constexpr Selection kDefault{true, true, true, false};  // also the autoscaling profile
constexpr Selection kGateway{true, false, false, false};
constexpr Selection kMigration{true, true, true, true};

/// How the stream is handed to dotk8s-post: by Helm 4 (hooks included), by
/// Helm 3 (no hooks; the release in envoy-gateway-system), or for GitOps.
enum class Style { kHelm4, kHelm3, kGitOps };

/// What dotk8s-post wrote, or why it refused.
struct Render {
  bool ok = false;
  std::string stream;
  std::string error;
};

/// Runs the real dotk8s-post on what the charts render for `on` (the fixture
/// streams cut to the components that are on) plus the settings document the
/// umbrella chart renders, with `capabilities` as `capabilities.apiVersions`;
/// the charts' crds/ folders come as --crds, as the README's commands pass them.
/// `lookup` is the cluster the chart's `lookup` of the component namespaces
/// reads (capabilities.existingNamespaces, charts/dot-apps/templates/
/// dotk8s-settings.yaml), as `helm install` and `helm upgrade` do; nullptr
/// gives none, as `helm template` (the GitOps route) and older charts do.
Render RenderWithPost(Style style, const Selection& on, std::string_view release_namespace, bool create_namespaces,
                      const std::vector<std::string>& capabilities, bool upgrade = false,
                      const Cluster* lookup = nullptr);

/// capabilities.existingNamespaces as the chart renders it from `cluster`: each
/// component namespace (envoy-gateway-system, keda, prometheus-system, traefik;
/// charts/dot-apps/values.yaml) that is live, with its instance and part-of
/// labels, its meta.helm.sh/release-name annotation and every label.
std::string ExistingNamespacesSettings(const Cluster& cluster);

/// The hooks Helm 3 keeps to itself (Envoy Gateway's certgen hooks), in the release namespace.
std::string Helm3Hooks(const Selection& on, std::string_view release_namespace);

/// KEDA's templated kinds. Under Helm 3 the CRDs are in the cluster before helm
/// renders: `dotk8s crds apply` (plain Helm 3) and the driver apply them from a
/// planning render (`helm template`, which knows no cluster) first.
std::vector<std::string> TemplatedKedaKinds(const Selection& on, int helm);

/// Every group/version/Kind the cluster serves once `installing` crds/ are in:
/// Helm reads capabilities after it installed crds/ (v4.1.4 install.go:313-347).
std::vector<std::string> Capabilities(const Cluster& cluster, const std::vector<CrdFile>& installing);

}  // namespace dotk8s::lifecycle

#endif  // DOTK8S_TESTS_LIFECYCLE_LIFECYCLE_FIXTURES_H_
