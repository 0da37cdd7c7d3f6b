#ifndef DOTK8S_DRIVER_CLUSTER_LIVE_OBJECTS_H_
#define DOTK8S_DRIVER_CLUSTER_LIVE_OBJECTS_H_

#include <yaml-cpp/yaml.h>

#include <string>
#include <string_view>
#include <vector>

namespace dotk8s {

/// Which parts of each listed object to keep.
struct KeptFields {
  /// Dotted paths below the object ("spec.listeners", "status.conditions");
  /// an array's elements are passed through, so "spec.versions.served" keeps
  /// `served` of each version. apiVersion, kind and metadata's name,
  /// namespace, labels and annotations are always kept ("metadata" keeps all
  /// of it). Empty: the whole object.
  std::vector<std::string> paths;
  /// metadata.managedFields: their manager, operation and subresource, and
  /// the top-level keys of fieldsV1 ("f:spec": whether the entry owns spec
  /// fields), which is all ownership.h and gateway_api_bundle.h read.
  /// false: dropped, as `kubectl get -o json` drops them unless asked.
  bool managed_fields = false;
};

/// Parses a Kubernetes list in JSON (what `kubectl get -o json` prints, or
/// the API server's own answer through `kubectl get --raw`) into one node per
/// item, with only `kept` of each. A scalar keeps its JSON text ("8080",
/// "true"); null is a null node; yaml-cpp's reading of the same JSON gives the
/// same nodes, less what is not kept. Streams the text (nlohmann's SAX
/// parser): a CRD's schema is skipped, never held. Returns false with
/// `error` set when the text is not JSON.
bool ParseListItems(std::string_view json, const KeptFields& kept, std::vector<YAML::Node>* items, std::string* error);

}  // namespace dotk8s

#endif  // DOTK8S_DRIVER_CLUSTER_LIVE_OBJECTS_H_
