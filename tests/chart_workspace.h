#ifndef DOTK8S_TESTS_CHART_WORKSPACE_H_
#define DOTK8S_TESTS_CHART_WORKSPACE_H_

// The umbrella chart as tests render it: a copy of charts/dot-apps with the
// stand-in charts (tests/standin-charts) packaged into its charts/, the Helm 4
// plugin directory holding the built dotk8s-post, and a way to run each Helm
// version against it the way users do (Helm 4: the plugin; Helm 3: the
// executable, with an empty plugin directory because a v1 plugin.yaml stops it).

#include <ostream>
#include <string>
#include <string_view>
#include <vector>

#include "test_support.h"

namespace dotk8s::testing {

enum class HelmVersion { k3, k4 };

/// "Helm 3" or "Helm 4".
std::string_view HelmName(HelmVersion helm);

/// For GoogleTest's parameter listings.
inline void PrintTo(HelmVersion helm, std::ostream* os) { *os << HelmName(helm); }

struct ChartWorkspace {
  std::string error;          ///< why it could not be made; empty when usable
  std::string chart;          ///< the chart copy, stand-ins in its charts/
  std::string helm3;          ///< .tools/helm3/helm
  std::string helm4;          ///< .tools/helm4/helm
  std::string helm4_plugins;  ///< holds dotk8s-post/{plugin.yaml,bin/dotk8s-post}
  std::string helm3_plugins;  ///< empty on purpose
  std::string homes;          ///< this process's HELM_*_HOME and XDG_STATE_HOME
};

/// The workspace, made once per build and chart content: packaging is shared by
/// every test process (ctest runs each test on its own). Keyed by a fingerprint
/// of the chart, the stand-ins, the plugin and the dotk8s-post binary, so that
/// an edit to any of them makes a fresh one.
const ChartWorkspace& GetChartWorkspace();

/// Runs `helm` with `args` in the workspace's environment: HELM_PLUGINS set
/// for that version, Helm's homes and the post-renderer log in temp dirs, no
/// kubeconfig (nothing here may reach a cluster).
RunResult RunHelm(HelmVersion helm, const std::vector<std::string>& args);

/// RunHelm with `dir` as the working directory, for relative paths the way a
/// user types them from a checkout's top level (`-f values/gateway.yaml`).
RunResult RunHelmIn(const std::string& dir, HelmVersion helm, const std::vector<std::string>& args);

/// The release namespace each version's strategy uses: any namespace for Helm 4
/// (dot-system, as in the fixtures); Envoy Gateway's for Helm 3 (docs/chart.md).
std::string_view ReleaseNamespace(HelmVersion helm);

/// `helm template dot-apps <chart> -n <ns> [values/helm3.yaml] <args>
/// --post-renderer dotk8s-post` (the plugin name for Helm 4, the binary's path
/// for Helm 3).
RunResult RenderThroughPost(HelmVersion helm, const std::vector<std::string>& args);

/// The last block of the post-renderer's log, for failure messages (Helm 4
/// throws the plugin's stderr away).
std::string PostLogTail();

/// "<chart>/values/<name>.yaml".
std::string Profile(std::string_view name);

}  // namespace dotk8s::testing

#endif  // DOTK8S_TESTS_CHART_WORKSPACE_H_
