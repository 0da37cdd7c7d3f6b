// Another team's KEDA (or Prometheus Operator, or Envoy Gateway) where the
// release would install its own. Helm refuses to adopt an object without the
// release's marks, but only when it installs, after dotk8s has created the
// namespaces and applied the CRDs server-side over the other installation's:
// so the driver looks first, and refuses before anything changes.
#include "driver/release/foreign_components.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>

#include "core/component.h"
#include "driver/cluster/ownership.h"
#include "driver/cluster/reads.h"

namespace dotk8s {
namespace {

constexpr std::string_view kDeployments = "deployments.apps";
constexpr std::string_view kApiServices = "apiservices.apiregistration.k8s.io";

std::string NamespaceOf(const RenderedObject& object, const std::string& release_namespace) {
  // A namespaced template without metadata.namespace lands in the release's.
  return object.namespace_.empty() && object.kind == "Deployment" ? release_namespace : object.namespace_;
}

std::string Name(const YAML::Node& item) {
  return item["metadata"] && item["metadata"]["name"] ? item["metadata"]["name"].Scalar() : std::string();
}

const YAML::Node* FindLive(const LiveCluster& live, const ClusterRead& read, const std::string& name) {
  auto list = live.find(read.Key());
  if (list == live.end()) return nullptr;
  for (const YAML::Node& item : list->second.items) {
    if (Name(item) == name) return &item;
  }
  return nullptr;
}

std::string ComponentOfChart(const std::string& chart) {
  const ComponentInfo* info = FindComponentByChart(chart);
  return info == nullptr ? std::string() : std::string(info->settings_key);
}

// Why moving the component to another namespace does not resolve it.
std::string WhyNotAnotherNamespace(const std::string& component, bool api_service) {
  if (component == "keda" || component == "keda.httpAddon" || api_service) {
    return fmt::format("moving ours to another namespace (apps.keda.namespace) does not help: KEDA registers the "
                       "cluster-wide APIService {} (one per cluster) and cluster-scoped objects of fixed names",
                       kKedaMetricsApiService);
  }
  if (component == "prometheus") {
    return "moving ours to another namespace (apps.prometheus.namespace) does not help: two Prometheus Operators "
           "both act on every Prometheus and PodMonitor they see, and its cluster-scoped objects have fixed names";
  }
  if (component == "envoyGateway") {
    return "moving ours to another namespace (apps.envoyGateway.namespace) does not help: both controllers would "
           "take GatewayClass eg's controllerName";
  }
  return fmt::format("or move ours: --set apps.{}.namespace=NS", component);
}

}  // namespace

std::string ForeignObject::Subject() const {
  return namespace_.empty() ? fmt::format("{} {}", kind, name) : fmt::format("{} {}/{}", kind, namespace_, name);
}

std::vector<ClusterRead> ForeignReads(const RenderedRelease& rendered, const std::string& release_namespace) {
  std::vector<ClusterRead> reads;
  for (const RenderedObject& object : rendered.deployments_and_api_services) {
    if (object.kind != "Deployment") continue;
    ClusterRead read{std::string(kDeployments), NamespaceOf(object, release_namespace), false, false, true};
    if (std::none_of(reads.begin(), reads.end(), [&](const ClusterRead& r) { return r.Key() == read.Key(); })) {
      reads.push_back(read);
    }
  }
  // Always: KEDA's APIService is looked at also when KEDA is off (left alone, said so).
  reads.push_back({std::string(kApiServices), "", false, false, true});
  return reads;
}

std::vector<ForeignObject> FindForeignObjects(const RenderedRelease& rendered, const std::string& release,
                                              const std::string& release_namespace, const LiveCluster& live) {
  std::vector<ForeignObject> found;
  bool renders_keda_api_service = false;
  for (const RenderedObject& object : rendered.deployments_and_api_services) {
    const bool deployment = object.kind == "Deployment";
    const std::string ns = NamespaceOf(object, release_namespace);
    if (!deployment && object.name == kKedaMetricsApiService) renders_keda_api_service = true;
    const ClusterRead read{std::string(deployment ? kDeployments : kApiServices), deployment ? ns : "", false};
    const YAML::Node* live_object = FindLive(live, read, object.name);
    if (live_object == nullptr || CarriesReleaseMarks(*live_object, release, release_namespace)) continue;
    found.push_back({ComponentOfChart(object.chart), object.kind, deployment ? ns : "", object.name,
                     DescribeOwner(*live_object), true});
  }
  if (!renders_keda_api_service) {
    const ClusterRead read{std::string(kApiServices), "", false};
    const YAML::Node* live_object = FindLive(live, read, std::string(kKedaMetricsApiService));
    if (live_object != nullptr && !CarriesReleaseMarks(*live_object, release, release_namespace)) {
      found.push_back({"keda", "APIService", "", std::string(kKedaMetricsApiService), DescribeOwner(*live_object),
                       false});
    }
  }
  return found;
}

std::string ForeignRefusal(const std::string& release, const std::vector<ForeignObject>& found, std::string* hint) {
  std::vector<std::string> named;
  std::vector<std::string> components;
  bool api_service = false;
  for (const ForeignObject& object : found) {
    if (!object.rendered) continue;
    named.push_back(fmt::format("{} (owner: {})", object.Subject(), object.owner));
    // The add-on follows KEDA: switching KEDA off switches both.
    const std::string component = object.component == "keda.httpAddon" ? "keda" : object.component;
    if (!component.empty() && std::find(components.begin(), components.end(), component) == components.end()) {
      components.push_back(component);
    }
    api_service = api_service || object.kind == "APIService";
  }
  std::vector<std::string> switches;
  std::vector<std::string> not_moves;
  for (const std::string& component : components) {
    switches.push_back(fmt::format("--set apps.{}.enabled=false", component));
    not_moves.push_back(WhyNotAnotherNamespace(component, api_service && component == "keda"));
  }
  *hint = fmt::format("to keep using theirs, switch ours off: {}; or have their owner remove them first (dotk8s "
                      "never deletes another installation's objects){}{}",
                      switches.empty() ? std::string("switch the component off") : fmt::format("{}", fmt::join(switches, " ")),
                      not_moves.empty() ? "" : "; ", fmt::join(not_moves, "; "));
  return fmt::format("another installation owns what release {} would install: {}. Helm would refuse them (they lack "
                     "the release's marks: label {}=Helm, annotations {}={} and {}) only after the namespaces and "
                     "CRDs were applied over theirs; nothing was changed on the cluster",
                     release, fmt::join(named, ", "), kManagedByLabel, kReleaseNameAnnotation, release,
                     kReleaseNamespaceAnnotation);
}

int RefuseForeignComponents(DriverContext& context, const PreparedRelease& prepared, const RenderedRelease& rendered,
                            const std::string& kubectl) {
  std::vector<ClusterRead> reads = ForeignReads(rendered, prepared.release_namespace);
  // A cluster that does not let us list them cannot be checked; Helm still
  // refuses to adopt what it finds, later.
  for (ClusterRead& read : reads) read.optional = true;
  // Side by side, as verify reads (ReadCluster): each kubectl is a tenth of a second.
  LiveCluster live;
  int code = ReadCluster(context, kubectl, reads, &live);
  if (code != kExitOk) return code;
  for (const ClusterRead& read : reads) {
    const LiveList& list = live[read.Key()];
    if (!list.unreadable.empty()) {
      context.Say(fmt::format("cannot look for another installation's {}{}: {}", read.resource,
                              read.namespace_.empty() ? "" : " in " + read.namespace_, list.unreadable));
    }
  }
  const std::vector<ForeignObject> found =
      FindForeignObjects(rendered, prepared.release, prepared.release_namespace, live);
  bool refuse = false;
  for (const ForeignObject& object : found) {
    if (object.rendered) {
      refuse = true;
    } else {
      context.Say(fmt::format("{} is another installation's (owner: {}); release {} does not install it ({} off): "
                              "left alone",
                              object.Subject(), object.owner, prepared.release, object.component));
    }
  }
  if (!refuse) return kExitOk;
  std::string hint;
  const std::string message = ForeignRefusal(prepared.release, found, &hint);
  context.Error(message, hint);
  return kExitUsage;
}

}  // namespace dotk8s
