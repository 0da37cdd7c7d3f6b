// Envoy Gateway's part of README "The contracts": the Gateway API CRDs, the
// GatewayClass and the Gateway the umbrella makes.
#include "driver/verify/component_checks.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "driver/cluster/gateway_api_bundle.h"
#include "driver/cluster/ownership.h"

namespace dotk8s::verify {
namespace {

constexpr std::string_view kGatewayController = "gateway.envoyproxy.io/gatewayclass-controller";

}  // namespace

// One bundle, new enough, serving what Envoy Gateway's controller lists,
// whoever installed it (gateway_api_bundle.h).
void CheckGatewayApiCrds(const Reader& reader, Report* report) {
  report->checks.push_back(CheckGatewayApiBundle(reader.Items(kCrds)));
}

void CheckGatewayClass(const Reader& reader, Report* report) {
  const std::string subject = "GatewayClass eg";
  const std::string expected = fmt::format("controllerName {}", kGatewayController);
  YAML::Node gateway_class = reader.Find(kGatewayClasses, "", "eg");
  if (!gateway_class) {
    report->Fail(subject, "does not exist", expected, std::string(kUpgradeFix));
    return;
  }
  const std::string controller = Field(gateway_class, {"spec", "controllerName"});
  if (controller != kGatewayController) {
    const std::string found = fmt::format("controllerName {}", controller.empty() ? "unset" : controller);
    if (!reader.Owned(gateway_class)) {
      // Someone else's class of the same name: not ours to delete.
      report->Fail(subject, fmt::format("{}; not this release's (owner: {}), left alone", found,
                                        DescribeOwner(gateway_class)),
                   expected,
                   "another installation owns GatewayClass eg: have its owner remove or rename it, or switch Envoy "
                   "Gateway off (--set apps.envoyGateway.enabled=false) and use theirs");
      return;
    }
    report->Fail(subject, found, expected,
                 "controllerName cannot be changed in place: kubectl delete gatewayclass eg, then `dotk8s upgrade`");
    return;
  }
  report->Ok(subject, fmt::format("controllerName {}", controller));
}

void CheckGateway(const Reader& reader, Report* report) {
  const std::string& ns = reader.settings.envoy_gateway.namespace_;
  const std::string subject = fmt::format("Gateway {}/eg", ns);
  const std::string expected = "class eg, listener http HTTP/80, routes from All";
  YAML::Node gateway = reader.Find(kGateways, ns, "eg");
  if (!gateway) {
    report->Fail(subject, "does not exist", expected, std::string(kUpgradeFix));
    return;
  }
  YAML::Node http = Missing();
  const YAML::Node listeners = gateway["spec"] ? gateway["spec"]["listeners"] : Missing();
  if (listeners && listeners.IsSequence()) {
    for (const YAML::Node& listener : listeners) {
      if (Field(listener, {"name"}) == "http") http.reset(listener);
    }
  }
  const std::string class_name = Field(gateway, {"spec", "gatewayClassName"});
  const std::string found =
      http ? fmt::format("class {}, listener http {}/{}, routes from {}", class_name, Field(http, {"protocol"}),
                         Field(http, {"port"}),
                         Field(http, {"allowedRoutes", "namespaces", "from"}).empty()
                             ? "Same (unset)"
                             : Field(http, {"allowedRoutes", "namespaces", "from"}))
           : fmt::format("class {}, no listener http", class_name);
  if (found != expected) {
    report->Fail(subject, found, expected, std::string(kUpgradeFix));
  } else {
    report->Ok(subject, found);
  }

  // Conditions say whether a controller took the Gateway; their absence is a
  // controller that is not running, not broken wiring.
  std::vector<std::string> states;
  std::vector<std::string> not_true;
  for (std::string_view type : {"Accepted", "Programmed"}) {
    YAML::Node condition = ConditionOf(gateway, type);
    const std::string status = condition ? Field(condition, {"status"}) : "";
    if (status == "True") {
      states.push_back(fmt::format("{}=True", type));
    } else if (condition) {
      not_true.push_back(fmt::format("{}={} ({}: {})", type, status, Field(condition, {"reason"}),
                                     Field(condition, {"message"})));
    } else {
      not_true.push_back(fmt::format("{} not reported", type));
    }
  }
  const std::string conditions_subject = subject + " conditions";
  if (not_true.empty()) {
    report->Ok(conditions_subject, fmt::format("{}", fmt::join(states, ", ")));
  } else {
    states.insert(states.end(), not_true.begin(), not_true.end());
    report->Warn(conditions_subject, fmt::format("{}", fmt::join(states, ", ")),
                 "Accepted=True and Programmed=True, reported by the Envoy Gateway controller",
                 fmt::format("the controller is not running or rejects the Gateway: kubectl -n {} get deployment "
                             "envoy-gateway; kubectl -n {} logs deployment/envoy-gateway",
                             ns, ns));
  }
}

}  // namespace dotk8s::verify
