#ifndef DOTK8S_DRIVER_RELEASE_CRD_INVENTORY_H_
#define DOTK8S_DRIVER_RELEASE_CRD_INVENTORY_H_

#include <string>
#include <string_view>
#include <vector>

namespace dotk8s {

/// One CustomResourceDefinition found inside a dependency archive.
struct CrdRecord {
  std::string name;   ///< "httproutes.gateway.networking.k8s.io"
  std::string group;
  std::string kind;
  std::string scope;  ///< Namespaced or Cluster
  std::vector<std::string> versions;  ///< served versions, storage marked "*": "v1*"
  std::string bundle_version;  ///< gateway.networking.k8s.io/bundle-version, if any
  std::string channel;         ///< gateway.networking.k8s.io/channel, if any
  std::string chart;           ///< "gateway-helm-1.7.0"
  std::string chart_name;      ///< "gateway-helm"
  std::string archive;         ///< the .tgz it came from
  std::string file;            ///< its path inside the archive
  /// From templates/ (KEDA): Helm renders and installs it with the release; the
  /// text is a template, not a manifest.
  bool templated = false;
  std::string text;            ///< the document as stored
  /// Another chart's copy of the same CRD is used instead.
  std::string superseded_by;
};

/// Every CRD of a set of dependency archives, and what the driver noticed.
struct CrdInventory {
  std::vector<CrdRecord> crds;
  /// e.g. the two Gateway API bundles and which one is used.
  std::vector<std::string> notes;

  /// The CRDs to apply: plain (not templated) ones not superseded.
  std::vector<const CrdRecord*> Applicable() const;
};

/// Appends one YAML document to a stream for `kubectl apply -f -`, with its
/// `---` separator and a final newline; `wait_names` gets "crd/<name>".
void AppendCrd(std::string_view name, std::string_view document, std::string* stream,
               std::vector<std::string>* wait_names);

/// Reads the CRDs of each archive: `<chart>/crds/**`, the crds/ of its own
/// subcharts (kube-prometheus-stack's `charts/crds/crds/`), and CRDs in
/// templates/ (marked templated). Then settles duplicates: when two charts ship
/// the same CRD, Envoy Gateway's (gateway-helm) copy wins over any other, else
/// the first; the Gateway API bundles are named with version and channel.
bool ReadCrdInventory(const std::vector<std::string>& archives, CrdInventory* inventory, std::string* error);

/// Settles duplicates in `inventory` (done by ReadCrdInventory).
void ResolveDuplicateCrds(CrdInventory* inventory);

/// The CRDs of one YAML text (a file of one or more documents). Template
/// actions are blanked first (BlankTemplateActions) when `templated`, so KEDA's
/// templated CRDs can still be listed.
std::vector<CrdRecord> ParseCrds(std::string_view text, bool templated);

}  // namespace dotk8s

#endif  // DOTK8S_DRIVER_RELEASE_CRD_INVENTORY_H_
