#ifndef DOTK8S_DRIVER_CLUSTER_GATEWAY_API_BUNDLE_H_
#define DOTK8S_DRIVER_CLUSTER_GATEWAY_API_BUNDLE_H_

#include <yaml-cpp/yaml.h>

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "driver/cluster/live.h"

namespace dotk8s {

/// A live CustomResourceDefinition as far as the driver judges it: what it
/// serves, which Gateway API bundle it says it is from, and who owns it.
struct LiveCrd {
  std::string name;  ///< "httproutes.gateway.networking.k8s.io"
  std::string group;
  std::string kind;
  std::vector<std::string> served_versions;  ///< "v1", "v1beta1"
  std::string bundle_version;  ///< gateway.networking.k8s.io/bundle-version, if any
  std::string channel;         ///< gateway.networking.k8s.io/channel, if any
  /// Field managers owning any field under spec (metadata.managedFields; the
  /// API server's status entry owns none): who applied or edited it.
  std::vector<std::string> spec_managers;
  /// Helm's ownership marks, when app.kubernetes.io/managed-by=Helm:
  /// meta.helm.sh/release-name and meta.helm.sh/release-namespace.
  std::string helm_release;
  std::string helm_release_namespace;
  /// kAppliedDigestKey: the SHA-256 of the manifest dotk8s last applied, if any.
  std::string applied_digest;
  /// status.conditions has Established=True: the API server serves it.
  bool established = false;
  /// metadata.generation: 1 until its spec first changes after creation.
  std::int64_t generation = 0;
};

/// The annotation dotk8s applies with each CRD: the SHA-256 of the CRD's
/// manifest as the chart has it. With no other field manager on its spec, the
/// live CRD is what that manifest made, so an upgrade need not apply it again.
inline constexpr std::string_view kAppliedDigestKey = "dotk8s.io/applied-sha256";

/// Reads one live CRD (an item of a CRD list from the API server).
LiveCrd ReadLiveCrd(const YAML::Node& crd);

/// gateway.networking.k8s.io and gateway.networking.x-k8s.io (the experimental
/// channel's X kinds): one bundle, installed and versioned together.
bool IsGatewayApiGroup(std::string_view group);

/// One CRD the release needs, and the versions it must serve.
struct CrdNeed {
  std::string name;  ///< "gateways.gateway.networking.k8s.io"
  std::string kind;  ///< "Gateway"
  std::vector<std::string> versions;  ///< "v1"
};

/// What Envoy Gateway and the release need of the Gateway API CRDs.
struct GatewayApiNeeds {
  std::string shipped_by;           ///< "gateway-helm-1.7.0"
  std::string shipped_version;      ///< "v1.4.1": the bundle its chart ships
  std::string shipped_channel;      ///< "experimental"
  /// The oldest bundle accepted: the shipped one's minor, patch 0 ("v1.4.0").
  /// Envoy Gateway is built against that minor; an older bundle's schemas
  /// prune the fields the minor added, and patch releases only fix.
  std::string minimum_version;
  std::vector<CrdNeed> required;
};

/// The four CRDs Envoy Gateway's controller lists without probing for them
/// (internal/provider/kubernetes/controller.go: GatewayClass, Gateway,
/// HTTPRoute at v1, ReferenceGrant at v1beta1; GRPCRoute, TCPRoute, TLSRoute,
/// UDPRoute, BackendTLSPolicy and the X kinds are probed with crdExists and
/// their watches left off when absent), for the bundle Envoy Gateway 1.7.0 ships.
GatewayApiNeeds EnvoyGatewayNeeds();

/// Adds to `needs` the version of each Gateway API kind of `api_kinds` ("gateway.networking.k8s.io/v1 Gateway",
/// what the release renders); a kind not yet required is required with its
/// name from `crd_names_by_kind` (kind -> CRD name; unknown kinds are named "<kind>").
void AddRenderedNeeds(const std::vector<std::string>& api_kinds,
                      const std::vector<std::pair<std::string, std::string>>& crd_names_by_kind, GatewayApiNeeds* needs);

/// Whether the live Gateway API CRDs give Envoy Gateway and the release what
/// they need. Compatible: one bundle (all the same bundle-version and
/// channel), at least `minimum_version`, of any channel, and every required
/// CRD present and serving its versions. The CRDs it lacks beyond that (the
/// standard channel has no TCPRoute, TLSRoute, UDPRoute, X kinds) turn
/// features of Envoy Gateway off, they break nothing the release installs.
struct GatewayApiVerdict {
  bool compatible = true;
  std::string found;  ///< "v1.4.0 standard channel", "a mixed bundle: ..."
  std::vector<std::string> problems;  ///< why not compatible
  /// Present and serving: "GatewayClass v1", ...
  std::vector<std::string> served;
};
GatewayApiVerdict JudgeGatewayApiBundle(const std::vector<LiveCrd>& live, const GatewayApiNeeds& needs);

/// verify's line for the Gateway API CRDs (all live CRDs given): missing or
/// incompatible fails; a compatible bundle that is not Envoy Gateway's is ok
/// and says what it is.
ClusterCheck CheckGatewayApiBundle(const std::vector<YAML::Node>& live_crds);

/// -1, 0, 1 as "vA.B.C" compares with "vX.Y.Z"; false if either does not read.
bool CompareBundleVersions(std::string_view a, std::string_view b, int* order);

}  // namespace dotk8s

#endif  // DOTK8S_DRIVER_CLUSTER_GATEWAY_API_BUNDLE_H_
