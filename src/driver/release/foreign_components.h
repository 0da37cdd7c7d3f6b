#ifndef DOTK8S_DRIVER_RELEASE_FOREIGN_COMPONENTS_H_
#define DOTK8S_DRIVER_RELEASE_FOREIGN_COMPONENTS_H_

#include <string>
#include <string_view>
#include <vector>

#include "driver/cluster/live.h"
#include "driver/context.h"
#include "driver/release/rendered.h"
#include "driver/release/setup.h"

namespace dotk8s {

/// The cluster-wide APIService KEDA's metrics server registers: one per
/// cluster, whoever installed it.
inline constexpr std::string_view kKedaMetricsApiService = "v1beta1.external.metrics.k8s.io";

/// A live object another installation owns where the release would put its own.
struct ForeignObject {
  std::string component;   ///< settings key: "keda", "keda.httpAddon", "prometheus"; empty: not the release's chart
  std::string kind;        ///< "Deployment", "APIService"
  std::string namespace_;  ///< empty: cluster-scoped
  std::string name;
  std::string owner;       ///< DescribeOwner: "field manager team-keda", "Helm release keda in keda"
  bool rendered = true;    ///< false: the release does not render it (its component is off): left alone

  /// "Deployment keda/keda-operator", "APIService v1beta1.external.metrics.k8s.io".
  std::string Subject() const;
};

/// The reads the pre-check makes: Deployments (with their field managers) in
/// each namespace the release renders one into, and the APIServices.
std::vector<ClusterRead> ForeignReads(const RenderedRelease& rendered, const std::string& release_namespace);

/// The rendered Deployments and APIServices that exist on the cluster without
/// the release's ownership marks (rendered true), and KEDA's metrics
/// APIService when the release does not render it but another installation
/// has it (rendered false). Pure: `live` holds ForeignReads' answers.
std::vector<ForeignObject> FindForeignObjects(const RenderedRelease& rendered, const std::string& release,
                                              const std::string& release_namespace, const LiveCluster& live);

/// The refusal for `found` (those with rendered true): what, whose, and why
/// nothing was changed; `hint` gets what resolves it.
std::string ForeignRefusal(const std::string& release, const std::vector<ForeignObject>& found, std::string* hint);

/// Before install and upgrade change anything on the cluster (namespaces, CRDs,
/// the keep marks): the reads of ForeignReads (probes, also under --dry-run),
/// then a refusal (kExitUsage) when another installation owns what the release
/// would install; what it leaves alone is said on stderr. Returns an exit code.
int RefuseForeignComponents(DriverContext& context, const PreparedRelease& prepared, const RenderedRelease& rendered,
                            const std::string& kubectl);

}  // namespace dotk8s

#endif  // DOTK8S_DRIVER_RELEASE_FOREIGN_COMPONENTS_H_
