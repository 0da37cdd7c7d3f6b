// The wiring between Envoy Gateway and KEDA's HTTP add-on (README "The
// contracts"): the ReferenceGrant the umbrella makes in KEDA's namespace, the
// namespaces it lists, and the HTTPRoutes of other teams that rely on a grant.
#include "driver/verify/component_checks.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>

namespace dotk8s::verify {
namespace {

constexpr std::string_view kGatewayApiGroup = "gateway.networking.k8s.io";

bool GrantCovers(const YAML::Node& grant, const std::string& from_namespace) {
  const YAML::Node spec = grant["spec"];
  if (!spec) return false;
  bool from = false;
  if (spec["from"] && spec["from"].IsSequence()) {
    for (const YAML::Node& entry : spec["from"]) {
      from = from || (Field(entry, {"group"}) == kGatewayApiGroup && Field(entry, {"kind"}) == "HTTPRoute" &&
                      Field(entry, {"namespace"}) == from_namespace);
    }
  }
  bool to = false;
  if (spec["to"] && spec["to"].IsSequence()) {
    for (const YAML::Node& entry : spec["to"]) {
      const std::string name = Field(entry, {"name"});
      to = to || (Field(entry, {"group"}).empty() && Field(entry, {"kind"}) == "Service" &&
                  (name.empty() || name == kInterceptorService));
    }
  }
  return from && to;
}

// ReferenceGrant keda-interceptor itself: HTTPRoutes from every namespace of
// apps.keda.httpAddon.routeNamespaces to the interceptor Service, which exists.
void CheckInterceptorGrant(const Reader& reader, Report* report) {
  const std::string& ns = reader.settings.keda.namespace_;
  const std::vector<std::string>& route_namespaces = reader.settings.keda.http_addon.route_namespaces;
  const std::string subject = fmt::format("ReferenceGrant {}/keda-interceptor", ns);
  const std::string expected = fmt::format("HTTPRoutes from {} to Service {} (which exists)",
                                           fmt::join(route_namespaces, ", "), kInterceptorService);
  YAML::Node grant = reader.Find(kReferenceGrants, ns, "keda-interceptor");
  if (!grant) {
    report->Fail(subject, "does not exist", expected, std::string(kUpgradeFix));
    return;
  }
  std::vector<std::string> from;
  std::vector<std::string> to;
  if (grant["spec"]["from"] && grant["spec"]["from"].IsSequence()) {
    for (const YAML::Node& entry : grant["spec"]["from"]) {
      if (Field(entry, {"kind"}) == "HTTPRoute") from.push_back(Field(entry, {"namespace"}));
    }
  }
  if (grant["spec"]["to"] && grant["spec"]["to"].IsSequence()) {
    for (const YAML::Node& entry : grant["spec"]["to"]) {
      if (Field(entry, {"kind"}) == "Service") to.push_back(Field(entry, {"name"}));
    }
  }
  std::vector<std::string> missing_from;
  for (const std::string& route_namespace : route_namespaces) {
    if (std::find(from.begin(), from.end(), route_namespace) == from.end()) missing_from.push_back(route_namespace);
  }
  std::vector<std::string> missing_services;
  for (const std::string& name : to) {
    if (!name.empty() && !reader.Find(kServices, ns, name)) missing_services.push_back(name);
  }
  const std::string found = fmt::format("HTTPRoutes from {} to Service {}", fmt::join(from, ", "),
                                        to.empty() ? std::string("none") : fmt::format("{}", fmt::join(to, ", ")));
  if (std::find(to.begin(), to.end(), kInterceptorService) == to.end() || !missing_from.empty()) {
    report->Fail(subject, found, expected, std::string(kUpgradeFix));
  } else if (!missing_services.empty()) {
    report->Fail(subject,
                 fmt::format("{}; Service {} does not exist in {}", found, fmt::join(missing_services, ", "), ns),
                 expected,
                 "the HTTP add-on's interceptor Service is gone: check the add-on (kubectl -n " + ns +
                     " get deployment,service), then `dotk8s upgrade`");
  } else {
    report->Ok(subject, found);
  }
}

// The namespaces apps.keda.httpAddon.routeNamespaces lists exist.
void CheckRouteNamespaces(const Reader& reader, Report* report) {
  const std::vector<std::string>& route_namespaces = reader.settings.keda.http_addon.route_namespaces;
  std::vector<std::string> absent;
  for (const std::string& route_namespace : route_namespaces) {
    if (!reader.Find(kNamespaces, "", route_namespace)) absent.push_back(route_namespace);
  }
  const std::string ns_subject = "apps.keda.httpAddon.routeNamespaces";
  if (absent.empty()) {
    report->Ok(ns_subject, fmt::format("namespaces {} exist", fmt::join(route_namespaces, ", ")));
  } else {
    // A grant for a namespace that does not exist opens nothing: harmless, but
    // likely a typo in the values.
    report->Warn(ns_subject, fmt::format("namespace {} does not exist", fmt::join(absent, ", ")),
                 "every namespace listed exists (HTTPRoutes there may reach the interceptor)",
                 "create the namespace, or correct apps.keda.httpAddon.routeNamespaces and `dotk8s upgrade`");
  }
}

// Whether `route` sends traffic to the interceptor Service in `ns`.
bool ReferencesInterceptor(const YAML::Node& route, const std::string& ns) {
  bool references = false;
  const YAML::Node rules = route["spec"] ? route["spec"]["rules"] : Missing();
  if (rules && rules.IsSequence()) {
    for (const YAML::Node& rule : rules) {
      if (!rule["backendRefs"] || !rule["backendRefs"].IsSequence()) continue;
      for (const YAML::Node& ref : rule["backendRefs"]) {
        const std::string kind = Field(ref, {"kind"});
        references = references || (Field(ref, {"name"}) == kInterceptorService && Field(ref, {"namespace"}) == ns &&
                                     (kind.empty() || kind == "Service"));
      }
    }
  }
  return references;
}

// HTTPRoutes of other teams that send traffic to the interceptor, each with
// whether a grant in KEDA's namespace lets it.
void CheckRoutesToInterceptor(const Reader& reader, Report* report) {
  const std::string& ns = reader.settings.keda.namespace_;
  const std::vector<YAML::Node> grants = reader.Items(kReferenceGrants, ns);
  int routes = 0;
  for (const YAML::Node& route : reader.Items(kHttpRoutes, "", true)) {
    const std::string route_namespace = NamespaceOf(route);
    if (route_namespace == ns) continue;  // same namespace: no grant needed
    if (!ReferencesInterceptor(route, ns)) continue;
    ++routes;
    const std::string route_subject = fmt::format("HTTPRoute {}/{} -> Service {}/{}", route_namespace, Name(route), ns,
                                                  kInterceptorService);
    std::string covering;
    for (const YAML::Node& candidate : grants) {
      if (covering.empty() && GrantCovers(candidate, route_namespace)) covering = Name(candidate);
    }
    if (!covering.empty()) {
      report->Ok(route_subject, fmt::format("allowed by ReferenceGrant {}/{}", ns, covering));
    } else {
      report->Warn(route_subject, fmt::format("no ReferenceGrant in {} allows HTTPRoutes from {}", ns, route_namespace),
                   "a ReferenceGrant covering it (Envoy Gateway otherwise refuses the backend: ResolvedRefs=False)",
                   fmt::format("add {} to apps.keda.httpAddon.routeNamespaces, then `dotk8s upgrade`", route_namespace));
    }
  }
  if (routes == 0) report->Ok(fmt::format("HTTPRoutes -> Service {}/{}", ns, kInterceptorService), "none outside " + ns);
}

}  // namespace

void CheckReferenceGrant(const Reader& reader, Report* report) {
  CheckInterceptorGrant(reader, report);
  CheckRouteNamespaces(reader, report);
  CheckRoutesToInterceptor(reader, report);
}

}  // namespace dotk8s::verify
