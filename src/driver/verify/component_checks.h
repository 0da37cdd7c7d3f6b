#ifndef DOTK8S_DRIVER_VERIFY_COMPONENT_CHECKS_H_
#define DOTK8S_DRIVER_VERIFY_COMPONENT_CHECKS_H_

// The checks of each component and of the wiring between them, which
// CheckCluster (checks.cc) runs for the components that are on; each group is
// defined in the file named above it. Each adds its lines to `report`.

#include <string>
#include <string_view>
#include <vector>

#include "driver/verify/check_context.h"

namespace dotk8s::verify {

// envoy_gateway_checks.cc
/// The Gateway API CRDs: one bundle, new enough, serving what Envoy Gateway's controller lists.
void CheckGatewayApiCrds(const Reader& reader, Report* report);
/// GatewayClass eg names Envoy Gateway's controller; one of another owner is left alone.
void CheckGatewayClass(const Reader& reader, Report* report);
/// Gateway eg: its class and listener, then whether the controller accepted and programmed it.
void CheckGateway(const Reader& reader, Report* report);

// keda_checks.cc
/// KEDA's CRDs (and the HTTP add-on's, when `http_addon`) are served.
void CheckKedaCrds(const Reader& reader, bool http_addon, Report* report);
/// The HTTP add-on's interceptor Service exists with port 8080.
void CheckInterceptorService(const Reader& reader, Report* report);

// pod_monitor_checks.cc: Envoy Gateway and kube-prometheus-stack.
/// PodMonitor envoy-gateway-proxy selects the proxy pods and scrapes their
/// metrics port, and every Prometheus selects it and watches its namespace.
void CheckPodMonitor(const Reader& reader, Report* report);

// reference_grant_checks.cc: Envoy Gateway and KEDA's HTTP add-on.
/// ReferenceGrant keda-interceptor lets the HTTPRoutes of
/// apps.keda.httpAddon.routeNamespaces (which exist) reach the interceptor
/// Service, and every HTTPRoute of another namespace that sends traffic there
/// is covered by a grant.
void CheckReferenceGrant(const Reader& reader, Report* report);

// deployment_checks.cc: every component's, from one table.
/// The Deployments of `component` (a component that is on) in `ns` are this
/// release's, present and Available.
void CheckDeploymentsOn(const Reader& reader, std::string_view component, const std::string& ns, Report* report);
/// The Deployments of `components` (all off, all in `ns`) are gone;
/// `namespace_shared`: a component that is on uses `ns` too.
void CheckDeploymentsOff(const Reader& reader, const std::vector<std::string_view>& components, const std::string& ns,
                         bool namespace_shared, Report* report);

}  // namespace dotk8s::verify

#endif  // DOTK8S_DRIVER_VERIFY_COMPONENT_CHECKS_H_
