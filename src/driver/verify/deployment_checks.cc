// Every component's Deployments, from one table: those of a component that is
// on run and are the release's; those of a component that is off are gone.
// Traefik has no checks beyond these.
#include "driver/verify/component_checks.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <map>
#include <set>

#include "driver/cluster/ownership.h"

namespace dotk8s {
namespace {

// The Deployments each component's chart makes (pinned chart versions,
// kube-prometheus-stack with the umbrella's fullnameOverride); "{}" is the
// release name. The cluster suite's component_info lists the same.
struct ComponentDeployments {
  std::string_view component;
  std::vector<std::string_view> names;
};
const std::vector<ComponentDeployments>& DeploymentTable() {
  static const std::vector<ComponentDeployments> table = {
      {"envoyGateway", {"envoy-gateway"}},
      {"keda", {"keda-operator", "keda-operator-metrics-apiserver", "keda-admission-webhooks"}},
      {"keda.httpAddon",
       {"keda-add-ons-http-controller-manager", "keda-add-ons-http-external-scaler", "keda-add-ons-http-interceptor"}},
      {"prometheus", {"kube-prometheus-stack-operator", "{}-grafana", "{}-kube-state-metrics"}},
      {"traefik", {"{}-traefik"}},
  };
  return table;
}

}  // namespace

std::vector<std::string> ComponentDeploymentNames(std::string_view component, const std::string& release) {
  std::vector<std::string> names;
  for (const ComponentDeployments& entry : DeploymentTable()) {
    if (entry.component != component) continue;
    for (std::string_view name : entry.names) names.push_back(fmt::format(fmt::runtime(name), release));
  }
  return names;
}

}  // namespace dotk8s

namespace dotk8s::verify {

void CheckDeploymentsOn(const Reader& reader, std::string_view component, const std::string& ns, Report* report) {
  const std::string subject = fmt::format("{} Deployments in {}", component, ns);
  const std::vector<std::string> names = ComponentDeploymentNames(component, reader.release);
  std::vector<std::string> missing;
  std::vector<std::string> unavailable;
  std::vector<std::string> foreign;
  for (const std::string& name : names) {
    YAML::Node deployment = reader.Find(kDeployments, ns, name);
    if (!deployment) {
      missing.push_back(name);
      continue;
    }
    if (!reader.Owned(deployment)) {
      foreign.push_back(fmt::format("{} (owner: {})", name, DescribeOwner(deployment)));
      continue;
    }
    YAML::Node available = ConditionOf(deployment, "Available");
    if (!available || Field(available, {"status"}) != "True") {
      unavailable.push_back(available ? fmt::format("{} ({})", name, Field(available, {"reason"})) : name);
    }
  }
  const std::string expected = fmt::format("{} present and Available", fmt::join(names, ", "));
  if (!foreign.empty()) {
    // Another installation's run where this release's should: Helm neither
    // adopts nor replaces them, so nothing of this release runs there.
    report->Fail(subject,
                 fmt::format("not this release's: {}{}", fmt::join(foreign, ", "),
                             missing.empty() ? "" : fmt::format("; missing: {}", fmt::join(missing, ", "))),
                 expected + fmt::format(", of release {}", reader.release),
                 fmt::format("another installation runs {} in {}: switch it off here (--set apps.{}.enabled=false) "
                             "and use theirs, or have its owner remove it, then `dotk8s upgrade`",
                             component, ns, component));
  } else if (!missing.empty()) {
    report->Fail(subject, fmt::format("missing: {}", fmt::join(missing, ", ")), expected, std::string(kUpgradeFix));
  } else if (!unavailable.empty()) {
    report->Warn(subject, fmt::format("not Available: {}", fmt::join(unavailable, ", ")), expected,
                 fmt::format("pods not ready: kubectl -n {} get pods; kubectl -n {} describe deployment NAME", ns, ns));
  } else {
    report->Ok(subject, fmt::format("{} present and Available", fmt::join(names, ", ")));
  }
}

// Components that are off leave nothing behind ("not installed when
// disabled"): neither the Deployments their charts make nor, in a namespace no
// component that is on uses, any other Deployment the release still owns.
// Only what carries the release's marks is its leftover; a Deployment of a
// known name without them is another installation's (another team's KEDA in
// an existing namespace keda): named with its owner, never to be deleted.
void CheckDeploymentsOff(const Reader& reader, const std::vector<std::string_view>& components, const std::string& ns,
                         bool namespace_shared, Report* report) {
  const std::string subject = fmt::format("{} (off) Deployments in {}", fmt::join(components, ", "), ns);
  std::vector<std::string> names;
  for (std::string_view component : components) {
    for (const std::string& name : ComponentDeploymentNames(component, reader.release)) names.push_back(name);
  }
  std::set<std::string> left;
  std::map<std::string, std::string> foreign;
  for (const YAML::Node& deployment : reader.Items(kDeployments, ns)) {
    const std::string name = Name(deployment);
    const bool known = std::find(names.begin(), names.end(), name) != names.end();
    const bool owned = reader.Owned(deployment);
    if (owned && (known || !namespace_shared)) left.insert(name);
    if (known && !owned) foreign[name] = DescribeOwner(deployment);
  }
  if (left.empty()) {
    report->Ok(subject, "none left");
  } else {
    report->Fail(subject, fmt::format("still there: {}", fmt::join(left, ", ")),
                 fmt::format("no Deployment of {} (off)", fmt::join(components, ", ")),
                 fmt::format("left behind by an earlier revision of release {}: kubectl -n {} delete deployment {}",
                             reader.release, ns, fmt::join(left, " ")));
  }
  if (!foreign.empty()) {
    std::vector<std::string> named;
    for (const auto& [name, owner] : foreign) {
      named.push_back(fmt::format("{}: not this release's (owner: {}), left alone", name, owner));
    }
    report->Ok(fmt::format("Deployments in {} of another installation", ns), fmt::format("{}", fmt::join(named, "; ")));
  }
}

}  // namespace dotk8s::verify
