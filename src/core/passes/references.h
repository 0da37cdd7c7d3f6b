#ifndef DOTK8S_REFERENCES_H_
#define DOTK8S_REFERENCES_H_

#include <cstddef>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "core/yaml/field_path.h"

namespace dotk8s {

/// How a namespace reference looks. Each class is a shape, not a list of
/// fields: the rewrite follows from the shape wherever it occurs.
enum class ReferenceShape {
  kNamespaceField,   ///< a field that holds a namespace: `namespace: R`, `matchNames: [R]`,
                     ///< `kubernetes.io/metadata.name In [R]`, `*_NAMESPACE` env values
  kServiceDns,       ///< `<service>.R`, `<service>.R.svc...`, in URLs, host lists, webhook names
  kNamespacedName,   ///< `R/<name>`, as in `--publishedservice=R/traefik`
  kNamespaceSetting, ///< `--namespace=R`, PromQL `namespace="R"`, embedded `namespace: R`
  kDerivedName,      ///< a name built from another name and R: `certgen:R`, `traefik-R`
};

std::string_view ReferenceShapeName(ReferenceShape shape);

/// One place in a scalar value where the namespace is referred to.
struct NamespaceReference {
  std::size_t position = 0;  ///< of the namespace in the (decoded) value
  ReferenceShape shape = ReferenceShape::kNamespaceField;
  /// The object the reference points at, when the shape names it: the
  /// Service of `<service>.R`, the `name` beside a `namespace` field, the
  /// `<name>` of `R/<name>`. Empty when it is the document's own component.
  std::string object_name;
  std::string object_kind;  ///< "Service", "ServiceAccount", or "" (any kind)
};

/// What the classifier may look at around a scalar: its own path and value,
/// and the scalar values next to it (siblings in the same mapping, by path).
struct ScalarContext {
  const FieldPath* path = nullptr;
  std::string_view value;
  /// The value of the scalar at `path`, or nullptr.
  std::function<const std::string*(const FieldPath&)> scalar_at;
};

/// The positions of `ns` in `value` that stand alone as a DNS label: not part
/// of a longer run of letters, digits and '-'.
std::vector<std::size_t> StandaloneOccurrences(std::string_view value, std::string_view ns);

/// The occurrences of `ns` that are a word of their own: standalone as a DNS
/// label and not part of an identifier (`prometheus_config` when the namespace
/// is `prometheus`; a namespace never holds `_`). What the final check reports.
std::vector<std::size_t> WordOccurrences(std::string_view value, std::string_view ns);

/// True if the `size` bytes at `position` of `value` are part of the cluster
/// domain `cluster.local` standing as a DNS name or its end: a namespace called
/// `local` or `cluster` meets it in every `svc.cluster.local` and
/// `--cluster-domain=cluster.local`, and it never means the namespace.
bool InClusterDomain(std::string_view value, std::size_t position, std::size_t size);

/// The references to namespace `ns` in one scalar value, by their shape.
/// Occurrences that are part of another word (`kube-prometheus-stack` when the
/// namespace is `prometheus`), image paths, label values and the like are not
/// references and are not returned.
std::vector<NamespaceReference> FindNamespaceReferences(const ScalarContext& context, std::string_view ns);

}  // namespace dotk8s

#endif  // DOTK8S_REFERENCES_H_
