#ifndef DOTK8S_KINDS_H_
#define DOTK8S_KINDS_H_

#include <string>
#include <string_view>
#include <vector>

#include "core/yaml/document.h"

namespace dotk8s {

/// Which kinds are cluster-scoped: the built-in ones, plus custom resources
/// whose CustomResourceDefinition (in the stream or loaded) says so.
class KindScopes {
 public:
  /// Adds the scope declared by every CRD among `docs`.
  void AddDefinitions(const std::vector<Document>& docs);
  void Add(std::string_view group, std::string_view kind, bool cluster_scoped);

  bool IsClusterScoped(std::string_view group, std::string_view kind) const;

 private:
  struct Entry {
    std::string group;
    std::string kind;
    bool cluster_scoped = false;
  };
  std::vector<Entry> custom_;
};

/// True if the kind is a built-in cluster-scoped kind (Namespace, ClusterRole, ...)
/// or one of the well-known cluster-scoped custom resources (GatewayClass, ...).
bool IsBuiltinClusterScoped(std::string_view group, std::string_view kind);

/// True for the API groups the Kubernetes API server itself serves ("",
/// "apps", "rbac.authorization.k8s.io", ...): never a custom resource.
bool IsBuiltinApiGroup(std::string_view group);

/// True for a CustomResourceDefinition.
bool IsCrd(const Document& doc);

}  // namespace dotk8s

#endif  // DOTK8S_KINDS_H_
