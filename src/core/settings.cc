#include "core/settings.h"

#include <fmt/format.h>

#include <algorithm>
#include <set>

namespace dotk8s {

namespace {

/// Reads one mapping of the settings, remembering where it is for messages.
class SettingsReader {
 public:
  SettingsReader(std::string_view where, Diagnostics* diagnostics) : where_(where), diagnostics_(diagnostics) {}

  void Error(const std::string& path, std::string message, std::string hint = {}) {
    Diagnostic d = MakeError(std::move(message), std::move(hint));
    d.source_path = std::string(where_);
    d.field_path = path;
    diagnostics_->push_back(std::move(d));
  }

  /// False (with an error) unless `node` is a mapping or absent; checks its keys.
  bool Mapping(const YAML::Node& node, const std::string& path, const std::vector<std::string>& keys) {
    if (!node || node.IsNull()) return false;
    if (!node.IsMap()) {
      Error(path, "must be a mapping");
      return false;
    }
    for (const auto& entry : node) {
      std::string key = entry.first.Scalar();
      if (std::find(keys.begin(), keys.end(), key) != keys.end()) continue;
      std::string hint;
      if (auto suggestion = Suggest(key, keys)) {
        hint = fmt::format("did you mean `{}`?", *suggestion);
      } else {
        hint = fmt::format("known keys: {}", fmt::join(keys, ", "));
      }
      Error(Join(path, key), fmt::format("unknown setting `{}`", key), std::move(hint));
    }
    return true;
  }

  /// False (with `message` as the error) unless `node` is a sequence or absent.
  bool Sequence(const YAML::Node& node, const std::string& path, std::string message) {
    if (!node || node.IsNull()) return false;
    if (!node.IsSequence()) {
      Error(path, std::move(message));
      return false;
    }
    return true;
  }

  std::optional<bool> Bool(const YAML::Node& node, const std::string& path) {
    if (!node || node.IsNull()) return std::nullopt;
    if (node.IsScalar()) {
      const std::string& v = node.Scalar();
      if (v == "true" || v == "True" || v == "TRUE") return true;
      if (v == "false" || v == "False" || v == "FALSE") return false;
    }
    Error(path, "must be true or false");
    return std::nullopt;
  }

  std::optional<std::string> String(const YAML::Node& node, const std::string& path) {
    if (!node || node.IsNull()) return std::nullopt;
    if (!node.IsScalar()) {
      Error(path, "must be a string");
      return std::nullopt;
    }
    return node.Scalar();
  }

  std::optional<int> Int(const YAML::Node& node, const std::string& path) {
    if (!node || node.IsNull()) return std::nullopt;
    if (node.IsScalar()) {
      try {
        std::size_t used = 0;
        int value = std::stoi(node.Scalar(), &used);
        if (used == node.Scalar().size()) return value;
      } catch (const std::exception&) {
      }
    }
    Error(path, "must be a whole number");
    return std::nullopt;
  }

  void Namespace(const YAML::Node& node, const std::string& path, std::string* out) {
    if (auto value = String(node, path)) {
      if (!IsValidNamespaceName(*value)) {
        Error(path, fmt::format("`{}` is not a valid namespace name", *value),
              "use lower-case letters, digits and '-', at most 63 characters, starting and ending "
              "with a letter or digit");
        return;
      }
      *out = *value;
    }
  }

  static std::string Join(const std::string& path, std::string_view key) {
    return path.empty() ? std::string(key) : fmt::format("{}.{}", path, key);
  }

 private:
  std::string_view where_;
  Diagnostics* diagnostics_;
};

void ReadListener(SettingsReader& r, const YAML::Node& node, const std::string& path, ListenerSettings* listener) {
  if (!r.Mapping(node, path, {"name", "protocol", "port", "hostname", "tls", "allowedRoutes"})) {
    if (!node || node.IsNull()) r.Error(path, "must be a listener mapping");
    return;
  }
  listener->name = r.String(node["name"], path + ".name").value_or("");
  listener->protocol = r.String(node["protocol"], path + ".protocol").value_or("");
  const std::optional<int> port = r.Int(node["port"], path + ".port");
  listener->port = port.value_or(0);
  listener->hostname = r.String(node["hostname"], path + ".hostname").value_or("");
  if (listener->name.empty()) r.Error(path + ".name", "a listener needs a name");
  static const std::vector<std::string> kProtocols = {"HTTP", "HTTPS", "TLS", "TCP", "UDP"};
  if (listener->protocol.empty()) {
    r.Error(path + ".protocol", "a listener needs a protocol", fmt::format("use one of {}", fmt::join(kProtocols, ", ")));
  } else if (std::find(kProtocols.begin(), kProtocols.end(), listener->protocol) == kProtocols.end()) {
    r.Error(path + ".protocol", fmt::format("unknown protocol `{}`", listener->protocol),
            fmt::format("use one of {}", fmt::join(kProtocols, ", ")));
  }
  // A port that is not a number has had its error already.
  const bool port_given = node["port"] && !node["port"].IsNull();
  if (!port_given || (port && (*port < 1 || *port > 65535))) {
    r.Error(path + ".port", "must be a port number from 1 to 65535");
  }
  const YAML::Node tls = node["tls"];
  if (r.Mapping(tls, path + ".tls", {"mode", "certificateRefs"})) {
    listener->tls_mode = r.String(tls["mode"], path + ".tls.mode").value_or("Terminate");
    if (listener->tls_mode != "Terminate" && listener->tls_mode != "Passthrough") {
      r.Error(path + ".tls.mode", "must be Terminate or Passthrough");
    }
    const YAML::Node refs = tls["certificateRefs"];
    if (refs && !refs.IsNull()) {
      if (!refs.IsSequence()) {
        r.Error(path + ".tls.certificateRefs", "must be a list");
      } else {
        for (std::size_t i = 0; i < refs.size(); ++i) {
          std::string ref_path = fmt::format("{}.tls.certificateRefs[{}]", path, i);
          CertificateRef ref;
          if (!r.Mapping(refs[i], ref_path, {"name", "namespace", "kind", "group"})) continue;
          ref.name = r.String(refs[i]["name"], ref_path + ".name").value_or("");
          r.Namespace(refs[i]["namespace"], ref_path + ".namespace", &ref.namespace_);
          ref.kind = r.String(refs[i]["kind"], ref_path + ".kind").value_or("Secret");
          ref.group = r.String(refs[i]["group"], ref_path + ".group").value_or("");
          if (ref.name.empty()) r.Error(ref_path + ".name", "a certificate reference needs a name");
          listener->certificate_refs.push_back(std::move(ref));
        }
      }
    }
  }
  const bool terminates = listener->protocol == "HTTPS" ||
                          (listener->protocol == "TLS" && listener->tls_mode != "Passthrough");
  if (terminates && listener->certificate_refs.empty()) {
    r.Error(path + ".tls.certificateRefs",
            fmt::format("a {} listener that terminates TLS needs at least one certificate reference",
                        listener->protocol),
            "add tls.certificateRefs: [{name: <secret>}]");
  }
  if ((listener->protocol == "HTTP" || listener->protocol == "TCP" || listener->protocol == "UDP") &&
      tls && !tls.IsNull()) {
    r.Error(path + ".tls", fmt::format("a {} listener takes no tls settings", listener->protocol));
  }
  const YAML::Node allowed = node["allowedRoutes"];
  if (r.Mapping(allowed, path + ".allowedRoutes", {"namespaces"})) {
    const YAML::Node namespaces = allowed["namespaces"];
    if (r.Mapping(namespaces, path + ".allowedRoutes.namespaces", {"from"})) {
      listener->allowed_routes_from =
          r.String(namespaces["from"], path + ".allowedRoutes.namespaces.from").value_or("All");
      if (listener->allowed_routes_from != "All" && listener->allowed_routes_from != "Same") {
        r.Error(path + ".allowedRoutes.namespaces.from", "must be All or Same");
      }
    }
  }
}

// capabilities.apiVersions: the `group/version/Kind` entries Helm saw served.
void ReadServedKinds(SettingsReader& r, const YAML::Node& versions, Settings* settings) {
  if (!r.Sequence(versions, "capabilities.apiVersions", "must be a list of `group/version/Kind` strings")) return;
  std::set<std::string> served;
  for (const YAML::Node& entry : versions) {
    if (entry.IsScalar()) served.insert(entry.Scalar());
  }
  // `helm template` knows no cluster: no custom kinds at all means "not known".
  if (!served.empty()) settings->served_kinds = std::move(served);
}

// capabilities.existingNamespaces: component namespaces that exist already.
void ReadExistingNamespaces(SettingsReader& r, const YAML::Node& existing, Settings* settings) {
  if (!r.Sequence(existing, "capabilities.existingNamespaces",
                  "must be a list of {name, instance, partOf, releaseName, labels}")) {
    return;
  }
  for (std::size_t i = 0; i < existing.size(); ++i) {
    const std::string path = fmt::format("capabilities.existingNamespaces[{}]", i);
    if (!r.Mapping(existing[i], path, {"name", "instance", "partOf", "releaseName", "labels"})) continue;
    ExistingNamespace ns;
    ns.name = r.String(existing[i]["name"], path + ".name").value_or("");
    ns.instance = r.String(existing[i]["instance"], path + ".instance").value_or("");
    ns.part_of = r.String(existing[i]["partOf"], path + ".partOf").value_or("");
    ns.release_name = r.String(existing[i]["releaseName"], path + ".releaseName").value_or("");
    const YAML::Node labels = existing[i]["labels"];
    if (labels && !labels.IsNull()) {
      if (!labels.IsMap()) {
        r.Error(path + ".labels", "must be a mapping of label names to values");
      } else {
        std::map<std::string, std::string> live;
        for (const auto& label : labels) {
          if (label.first.IsScalar() && label.second.IsScalar()) live[label.first.Scalar()] = label.second.Scalar();
        }
        ns.labels = std::move(live);
      }
    }
    if (!ns.name.empty()) settings->existing_namespaces.push_back(std::move(ns));
  }
}

void ReadCapabilities(SettingsReader& r, const YAML::Node& capabilities, Settings* settings) {
  if (!r.Mapping(capabilities, "capabilities", {"apiVersions", "helmVersion", "existingNamespaces"})) return;
  settings->helm_version = r.String(capabilities["helmVersion"], "capabilities.helmVersion").value_or("");
  ReadServedKinds(r, capabilities["apiVersions"], settings);
  ReadExistingNamespaces(r, capabilities["existingNamespaces"], settings);
}

// apps.envoyGateway.gateway.extraListeners: each listener, its name unique.
void ReadExtraListeners(SettingsReader& r, const YAML::Node& listeners, EnvoyGatewaySettings* envoy_gateway) {
  if (!r.Sequence(listeners, "apps.envoyGateway.gateway.extraListeners", "must be a list of listeners")) return;
  std::set<std::string> names{"http"};
  for (std::size_t i = 0; i < listeners.size(); ++i) {
    std::string path = fmt::format("apps.envoyGateway.gateway.extraListeners[{}]", i);
    ListenerSettings listener;
    ReadListener(r, listeners[i], path, &listener);
    if (!listener.name.empty() && !names.insert(listener.name).second) {
      r.Error(path + ".name",
              fmt::format("listener name `{}` is already used", listener.name),
              listener.name == "http" ? "`http` is the contract's listener on port 80; pick another name"
                                      : "listener names must be unique");
    }
    if (listener.port == 80 && listener.hostname.empty()) {
      r.Error(path + ".port", "port 80 without a hostname clashes with the contract's `http` listener",
              "set a hostname or use another port");
    }
    envoy_gateway->extra_listeners.push_back(std::move(listener));
  }
}

void ReadEnvoyGateway(SettingsReader& r, const YAML::Node& eg, EnvoyGatewaySettings* envoy_gateway) {
  if (!r.Mapping(eg, "apps.envoyGateway", {"enabled", "namespace", "gateway", "podMonitor"})) return;
  envoy_gateway->enabled = r.Bool(eg["enabled"], "apps.envoyGateway.enabled");
  r.Namespace(eg["namespace"], "apps.envoyGateway.namespace", &envoy_gateway->namespace_);
  const YAML::Node gateway = eg["gateway"];
  if (r.Mapping(gateway, "apps.envoyGateway.gateway", {"extraListeners"})) {
    ReadExtraListeners(r, gateway["extraListeners"], envoy_gateway);
  }
  const YAML::Node pod_monitor = eg["podMonitor"];
  if (r.Mapping(pod_monitor, "apps.envoyGateway.podMonitor", {"enabled"})) {
    envoy_gateway->pod_monitor = r.Bool(pod_monitor["enabled"], "apps.envoyGateway.podMonitor.enabled").value_or(true);
  }
}

// apps.keda.httpAddon.routeNamespaces: namespace names, no wildcard, each once.
void ReadRouteNamespaces(SettingsReader& r, const YAML::Node& routes, HttpAddonSettings* http_addon) {
  if (routes && !routes.IsNull()) {
    http_addon->route_namespaces.clear();
    if (!routes.IsSequence()) {
      r.Error("apps.keda.httpAddon.routeNamespaces", "must be a list of namespace names");
    } else {
      std::set<std::string> seen;
      for (std::size_t i = 0; i < routes.size(); ++i) {
        std::string path = fmt::format("apps.keda.httpAddon.routeNamespaces[{}]", i);
        auto value = r.String(routes[i], path);
        if (!value) continue;
        if (*value == "*" || value->find('*') != std::string::npos) {
          r.Error(path, "`*` is not a namespace: a ReferenceGrant's spec.from[].namespace names one namespace, and the Gateway API has no wildcard",
                  "list every namespace whose HTTPRoutes send traffic to the KEDA interceptor");
          continue;
        }
        if (!IsValidNamespaceName(*value)) {
          r.Error(path, fmt::format("`{}` is not a valid namespace name", *value));
          continue;
        }
        if (seen.insert(*value).second) http_addon->route_namespaces.push_back(*value);
      }
    }
  }
}

void ReadKeda(SettingsReader& r, const YAML::Node& keda, KedaSettings* keda_settings) {
  if (!r.Mapping(keda, "apps.keda", {"enabled", "namespace", "httpAddon"})) return;
  keda_settings->enabled = r.Bool(keda["enabled"], "apps.keda.enabled");
  r.Namespace(keda["namespace"], "apps.keda.namespace", &keda_settings->namespace_);
  const YAML::Node addon = keda["httpAddon"];
  if (r.Mapping(addon, "apps.keda.httpAddon", {"enabled", "routeNamespaces"})) {
    keda_settings->http_addon.enabled = r.Bool(addon["enabled"], "apps.keda.httpAddon.enabled");
    ReadRouteNamespaces(r, addon["routeNamespaces"], &keda_settings->http_addon);
  }
}

void ReadAllowedReferences(SettingsReader& r, const YAML::Node& allowed, Settings* settings) {
  if (!r.Sequence(allowed, "apps.allowReleaseNamespaceReferences", "must be a list of {kind, name, path}")) return;
  for (std::size_t i = 0; i < allowed.size(); ++i) {
    std::string path = fmt::format("apps.allowReleaseNamespaceReferences[{}]", i);
    if (!r.Mapping(allowed[i], path, {"kind", "name", "path"})) continue;
    AllowedReference ref;
    ref.kind = r.String(allowed[i]["kind"], path + ".kind").value_or("");
    ref.name = r.String(allowed[i]["name"], path + ".name").value_or("");
    ref.path = r.String(allowed[i]["path"], path + ".path").value_or("");
    if (ref.kind.empty() || ref.name.empty() || ref.path.empty()) {
      r.Error(path, "an allowed reference needs kind, name and path");
      continue;
    }
    settings->allowed_references.push_back(std::move(ref));
  }
}

}  // namespace

Diagnostics ParseSettings(const YAML::Node& root, std::string_view where, Settings* settings) {
  Diagnostics diagnostics;
  SettingsReader r(where, &diagnostics);
  if (!root || !root.IsMap()) {
    r.Error("", "settings must be a mapping with an `apps` key");
    return diagnostics;
  }
  r.Mapping(root, "", {"apiVersion", "kind", "metadata", "release", "capabilities", "apps"});
  if (root["apiVersion"] && root["apiVersion"].Scalar() != kSettingsApiVersion) {
    r.Error("apiVersion", fmt::format("settings are `{}`, not `{}`", kSettingsApiVersion, root["apiVersion"].Scalar()));
  }
  if (root["kind"] && root["kind"].Scalar() != kSettingsKind) {
    r.Error("kind", fmt::format("settings are kind `{}`, not `{}`", kSettingsKind, root["kind"].Scalar()));
  }
  const YAML::Node release = root["release"];
  if (r.Mapping(release, "release", {"name", "namespace", "upgrade"})) {
    settings->release_name = r.String(release["name"], "release.name").value_or("");
    settings->is_upgrade = r.Bool(release["upgrade"], "release.upgrade");
    r.Namespace(release["namespace"], "release.namespace", &settings->release_namespace);
  }
  ReadCapabilities(r, root["capabilities"], settings);
  const YAML::Node apps = root["apps"];
  if (!apps) {
    r.Error("apps", "settings need an `apps` mapping");
    return diagnostics;
  }
  if (!r.Mapping(apps, "apps",
                 {"createNamespaces", "envoyGateway", "keda", "prometheus", "traefik", "allowReleaseNamespaceReferences"})) {
    return diagnostics;
  }
  settings->create_namespaces = r.Bool(apps["createNamespaces"], "apps.createNamespaces").value_or(true);

  ReadEnvoyGateway(r, apps["envoyGateway"], &settings->envoy_gateway);
  ReadKeda(r, apps["keda"], &settings->keda);

  const YAML::Node prometheus = apps["prometheus"];
  if (r.Mapping(prometheus, "apps.prometheus", {"enabled", "namespace"})) {
    settings->prometheus.enabled = r.Bool(prometheus["enabled"], "apps.prometheus.enabled");
    r.Namespace(prometheus["namespace"], "apps.prometheus.namespace", &settings->prometheus.namespace_);
  }
  const YAML::Node traefik = apps["traefik"];
  if (r.Mapping(traefik, "apps.traefik", {"enabled", "namespace"})) {
    settings->traefik.enabled = r.Bool(traefik["enabled"], "apps.traefik.enabled");
    r.Namespace(traefik["namespace"], "apps.traefik.namespace", &settings->traefik.namespace_);
  }

  ReadAllowedReferences(r, apps["allowReleaseNamespaceReferences"], settings);
  return diagnostics;
}

YAML::Node MergeSettingsNodes(const YAML::Node& base, const YAML::Node& overlay) {
  if (!overlay || overlay.IsNull()) return YAML::Clone(base);
  if (!base || !base.IsMap() || !overlay.IsMap()) return YAML::Clone(overlay);
  YAML::Node merged = YAML::Clone(base);
  for (const auto& entry : overlay) {
    const std::string key = entry.first.Scalar();
    merged[key] = MergeSettingsNodes(base[key], entry.second);
  }
  return merged;
}

std::optional<bool> EnabledSetting(const Settings& settings, Component component) {
  switch (component) {
    case Component::kEnvoyGateway:
      return settings.envoy_gateway.enabled;
    case Component::kKeda:
      return settings.keda.enabled;
    case Component::kKedaHttpAddon:
      return settings.keda.http_addon.enabled;
    case Component::kPrometheus:
      return settings.prometheus.enabled;
    case Component::kTraefik:
      return settings.traefik.enabled;
    default:
      return std::nullopt;
  }
}

std::string TargetNamespace(const Settings& settings, Component component) {
  switch (NamespaceOwner(component)) {
    case Component::kEnvoyGateway:
      return settings.envoy_gateway.namespace_;
    case Component::kKeda:
      return settings.keda.namespace_;
    case Component::kPrometheus:
      return settings.prometheus.namespace_;
    case Component::kTraefik:
      return settings.traefik.namespace_;
    default:
      return settings.release_namespace;
  }
}

bool IsBuiltinNamespace(std::string_view ns, bool with_default) {
  return ns == "kube-system" || ns == "kube-public" || ns == "kube-node-lease" || (with_default && ns == "default");
}

bool IsValidNamespaceName(std::string_view name) {
  if (name.empty() || name.size() > 63) return false;
  auto alnum = [](char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); };
  if (!alnum(name.front()) || !alnum(name.back())) return false;
  return std::all_of(name.begin(), name.end(), [&](char c) { return alnum(c) || c == '-'; });
}

std::optional<std::string> Suggest(std::string_view word, const std::vector<std::string>& candidates) {
  // Edit distance, case-insensitive: `envoyGatway` and `EnvoyGateway` both find `envoyGateway`.
  auto lower = [](char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; };
  std::optional<std::string> best;
  std::size_t best_distance = std::max<std::size_t>(2, word.size() / 4) + 1;
  for (const std::string& candidate : candidates) {
    std::vector<std::size_t> row(candidate.size() + 1);
    for (std::size_t j = 0; j <= candidate.size(); ++j) row[j] = j;
    for (std::size_t i = 1; i <= word.size(); ++i) {
      std::size_t diagonal = row[0];
      row[0] = i;
      for (std::size_t j = 1; j <= candidate.size(); ++j) {
        std::size_t above = row[j];
        std::size_t cost = lower(word[i - 1]) == lower(candidate[j - 1]) ? 0 : 1;
        row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + cost});
        diagonal = above;
      }
    }
    if (row[candidate.size()] < best_distance) {
      best_distance = row[candidate.size()];
      best = candidate;
    }
  }
  return best;
}

}  // namespace dotk8s
