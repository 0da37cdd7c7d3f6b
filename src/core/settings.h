#ifndef DOTK8S_SETTINGS_H_
#define DOTK8S_SETTINGS_H_

#include <yaml-cpp/yaml.h>

#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "core/component.h"
#include "core/diagnostic.h"

namespace dotk8s {

/// The settings document the umbrella chart renders into the stream. Helm 4
/// gives a post-renderer neither the release name nor its namespace, so the
/// chart writes them here along with its `apps:` values.
inline constexpr std::string_view kSettingsApiVersion = "dotk8s.dev/v1alpha1";
inline constexpr std::string_view kSettingsKind = "Settings";

struct CertificateRef {
  std::string name;
  std::string namespace_;  ///< empty: the Gateway's namespace
  std::string kind = "Secret";
  std::string group;
};

/// A Gateway listener beyond the contract's `http` one (HTTPS with certificateRefs, ...).
struct ListenerSettings {
  std::string name;
  std::string protocol;
  int port = 0;
  std::string hostname;
  std::string tls_mode;  ///< "Terminate" or "Passthrough"; empty for HTTP
  std::vector<CertificateRef> certificate_refs;
  std::string allowed_routes_from = "All";
};

struct EnvoyGatewaySettings {
  std::optional<bool> enabled;
  std::string namespace_ = "envoy-gateway-system";
  std::vector<ListenerSettings> extra_listeners;
  bool pod_monitor = true;
};

struct HttpAddonSettings {
  std::optional<bool> enabled;
  std::vector<std::string> route_namespaces{"default"};
};

struct KedaSettings {
  std::optional<bool> enabled;
  std::string namespace_ = "keda";
  HttpAddonSettings http_addon;
};

struct PrometheusSettings {
  std::optional<bool> enabled;
  std::string namespace_ = "prometheus-system";
};

struct TraefikSettings {
  std::optional<bool> enabled;
  std::string namespace_ = "traefik";
};

/// A reference to the release namespace the final check should let through.
struct AllowedReference {
  std::string kind;
  std::string name;
  std::string path;  ///< field path as the error printed it: `spec.args[3]`
};

/// A component namespace that exists in the cluster already, as Helm's
/// `lookup` saw it: who made it decides whether the release may touch it.
struct ExistingNamespace {
  std::string name;
  std::string instance;      ///< label app.kubernetes.io/instance
  std::string part_of;       ///< label app.kubernetes.io/part-of
  std::string release_name;  ///< annotation meta.helm.sh/release-name
  /// Every label it carries; unset when the chart did not say (older charts).
  std::optional<std::map<std::string, std::string>> labels;
};

/// The shape of the chart's `apps:` values, plus the release it renders.
/// `enabled` left unset means "whatever was rendered".
struct Settings {
  std::string release_name;
  std::string release_namespace;
  bool create_namespaces = true;
  EnvoyGatewaySettings envoy_gateway;
  KedaSettings keda;
  PrometheusSettings prometheus;
  TraefikSettings traefik;
  std::vector<AllowedReference> allowed_references;
  /// What the cluster serves, as Helm saw it (`.Capabilities.APIVersions`, the
  /// `group/version/Kind` entries): whether a custom resource's CRD already
  /// exists decides how a fresh install can create it. Unset: not known.
  std::optional<std::set<std::string>> served_kinds;
  /// `.Release.IsUpgrade`: Helm installs a chart's crds/ before it reads what
  /// the cluster serves on an install, never on an upgrade. Unset: not known.
  std::optional<bool> is_upgrade;
  /// Component namespaces that exist already (empty under `helm template`).
  std::vector<ExistingNamespace> existing_namespaces;
  /// `.Capabilities.HelmVersion.Version` ("v4.1.4"); empty: not known.
  std::string helm_version;
  /// Where they came from, for the plan: "settings document (dot-apps/templates/...)".
  std::string source = "contract defaults";
};

/// Reads settings from a settings document or a `--settings` file: a mapping
/// with `apps` and optionally `release` (and, for the document, `apiVersion`,
/// `kind`, `metadata`). Every unknown key is an error, with a suggestion.
/// `where` names the input in messages.
Diagnostics ParseSettings(const YAML::Node& root, std::string_view where, Settings* settings);

/// `overlay` (a --settings file) laid over `base` (the settings document):
/// mappings merge key by key, anything else in `overlay` replaces.
YAML::Node MergeSettingsNodes(const YAML::Node& base, const YAML::Node& overlay);

/// The `enabled` value of a component in the settings, if set.
std::optional<bool> EnabledSetting(const Settings& settings, Component component);

/// The namespace the settings give a component (the add-on: KEDA's).
std::string TargetNamespace(const Settings& settings, Component component);

/// True if `name` is a valid Kubernetes namespace name (an RFC 1123 label).
bool IsValidNamespaceName(std::string_view name);

/// The namespaces Kubernetes itself creates and keeps: kube-system,
/// kube-public, kube-node-lease, and `default` when `with_default`.
bool IsBuiltinNamespace(std::string_view ns, bool with_default);

/// The closest of `candidates` to `word`, if it is close enough to be a typo.
std::optional<std::string> Suggest(std::string_view word, const std::vector<std::string>& candidates);

}  // namespace dotk8s

#endif  // DOTK8S_SETTINGS_H_
