#ifndef DOTK8S_TESTS_LIFECYCLE_LIFECYCLE_FIXTURES_H_
#define DOTK8S_TESTS_LIFECYCLE_LIFECYCLE_FIXTURES_H_

// What the lifecycle tests read from ../shared/fixtures: the charts' crds/
// folders (in the order Helm installs them) and the API-server traces.

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

}  // namespace dotk8s::lifecycle

#endif  // DOTK8S_TESTS_LIFECYCLE_LIFECYCLE_FIXTURES_H_
