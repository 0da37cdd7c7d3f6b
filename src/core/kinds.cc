#include "core/kinds.h"

#include <algorithm>
#include <array>

namespace dotk8s {

namespace {

struct GroupKind {
  std::string_view group;
  std::string_view kind;
};

constexpr std::array<GroupKind, 28> kClusterScoped = {{
    {"", "Namespace"},
    {"", "Node"},
    {"", "PersistentVolume"},
    {"", "ComponentStatus"},
    {"rbac.authorization.k8s.io", "ClusterRole"},
    {"rbac.authorization.k8s.io", "ClusterRoleBinding"},
    {"apiextensions.k8s.io", "CustomResourceDefinition"},
    {"apiregistration.k8s.io", "APIService"},
    {"admissionregistration.k8s.io", "MutatingWebhookConfiguration"},
    {"admissionregistration.k8s.io", "ValidatingWebhookConfiguration"},
    {"admissionregistration.k8s.io", "ValidatingAdmissionPolicy"},
    {"admissionregistration.k8s.io", "ValidatingAdmissionPolicyBinding"},
    {"admissionregistration.k8s.io", "MutatingAdmissionPolicy"},
    {"admissionregistration.k8s.io", "MutatingAdmissionPolicyBinding"},
    {"storage.k8s.io", "StorageClass"},
    {"storage.k8s.io", "CSIDriver"},
    {"storage.k8s.io", "CSINode"},
    {"storage.k8s.io", "VolumeAttachment"},
    {"scheduling.k8s.io", "PriorityClass"},
    {"node.k8s.io", "RuntimeClass"},
    {"networking.k8s.io", "IngressClass"},
    {"policy", "PodSecurityPolicy"},
    {"certificates.k8s.io", "CertificateSigningRequest"},
    {"flowcontrol.apiserver.k8s.io", "FlowSchema"},
    {"flowcontrol.apiserver.k8s.io", "PriorityLevelConfiguration"},
    {"gateway.networking.k8s.io", "GatewayClass"},
    {"keda.sh", "ClusterTriggerAuthentication"},
    {"eventing.keda.sh", "ClusterCloudEventSource"},
}};

}  // namespace

bool IsBuiltinClusterScoped(std::string_view group, std::string_view kind) {
  return std::any_of(kClusterScoped.begin(), kClusterScoped.end(),
                     [&](const GroupKind& gk) { return gk.group == group && gk.kind == kind; });
}

bool IsBuiltinApiGroup(std::string_view group) {
  static constexpr std::array<std::string_view, 24> kGroups = {
      "",
      "admissionregistration.k8s.io",
      "apiextensions.k8s.io",
      "apiregistration.k8s.io",
      "apps",
      "authentication.k8s.io",
      "authorization.k8s.io",
      "autoscaling",
      "batch",
      "certificates.k8s.io",
      "coordination.k8s.io",
      "discovery.k8s.io",
      "events.k8s.io",
      "extensions",
      "flowcontrol.apiserver.k8s.io",
      "internal.apiserver.k8s.io",
      "networking.k8s.io",
      "node.k8s.io",
      "policy",
      "rbac.authorization.k8s.io",
      "resource.k8s.io",
      "scheduling.k8s.io",
      "storage.k8s.io",
      "storagemigration.k8s.io",
  };
  return std::find(kGroups.begin(), kGroups.end(), group) != kGroups.end();
}

bool IsCrd(const Document& doc) {
  return doc.Kind() == "CustomResourceDefinition" && doc.Group() == "apiextensions.k8s.io";
}

void KindScopes::AddDefinitions(const std::vector<Document>& docs) {
  for (const Document& doc : docs) {
    if (doc.removed || !IsCrd(doc) || doc.outline.spec_names_kind.empty()) continue;
    Add(doc.outline.spec_group, doc.outline.spec_names_kind, doc.outline.spec_scope == "Cluster");
  }
}

void KindScopes::Add(std::string_view group, std::string_view kind, bool cluster_scoped) {
  for (Entry& entry : custom_) {
    if (entry.group == group && entry.kind == kind) {
      entry.cluster_scoped = cluster_scoped;
      return;
    }
  }
  custom_.push_back(Entry{std::string(group), std::string(kind), cluster_scoped});
}

bool KindScopes::IsClusterScoped(std::string_view group, std::string_view kind) const {
  for (const Entry& entry : custom_) {
    if (entry.group == group && entry.kind == kind) return entry.cluster_scoped;
  }
  return IsBuiltinClusterScoped(group, kind);
}

}  // namespace dotk8s
