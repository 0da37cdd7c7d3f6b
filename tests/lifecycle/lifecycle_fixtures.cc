#include "lifecycle/lifecycle_fixtures.h"

#include <fmt/format.h>

#include <algorithm>
#include <filesystem>

#include "post_test_util.h"
#include "test_support.h"

namespace dotk8s::lifecycle {

std::string TracePath(std::string_view name) {
  // FixturePath names ../shared/fixtures/upstream/<name>; the traces sit beside it.
  return testing::FixturePath("../traces/" + std::string(name));
}

std::string CrdsDirectory(std::string_view chart) { return testing::FixturePath("crds/" + std::string(chart)); }

namespace {

void AddFiles(const std::string& directory, std::vector<CrdFile>* files) {
  std::vector<std::string> paths;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(directory)) {
    if (entry.is_regular_file() && entry.path().extension() == ".yaml") paths.push_back(entry.path().string());
  }
  // Path order: gateway-helm's crds/gatewayapi-crds.yaml before crds/generated/*.
  std::sort(paths.begin(), paths.end());
  for (const std::string& path : paths) files->push_back({path, testing::ReadFile(path)});
}

std::string ReplaceAll(std::string text, std::string_view from, std::string_view to) {
  for (std::size_t at = text.find(from); at != std::string::npos; at = text.find(from, at + to.size())) {
    text.replace(at, from.size(), to);
  }
  return text;
}

// The settings document the umbrella chart renders, with the group/version/Kind
// entries of .Capabilities.APIVersions the design adds (`capabilities.apiVersions`).
std::string SettingsDoc(const Selection& on, bool helm3, std::string_view release_namespace, bool create_namespaces,
                        const std::vector<std::string>& capabilities, bool upgrade, const Cluster* lookup) {
  std::string text = "---\n";
  if (helm3) text += "# Source: dot-apps/templates/dotk8s-settings.yaml\n";
  text += "apiVersion: dotk8s.dev/v1alpha1\nkind: Settings\nmetadata:\n  name: dot-apps\n";
  if (!helm3) {
    text += "  annotations:\n    postrenderer.helm.sh/postrender-filename: 'dot-apps/templates/dotk8s-settings.yaml'\n";
  }
  text += fmt::format("release:\n  name: dot-apps\n  namespace: {}\n  upgrade: {}\napps:\n  createNamespaces: {}\n",
                      release_namespace, upgrade ? "true" : "false", create_namespaces ? "true" : "false");
  text += testing::AppsEnabled(on.envoy_gateway, on.keda, true, on.prometheus, on.traefik);
  text += "capabilities:\n  apiVersions:";
  if (capabilities.empty()) text += " []";
  text += "\n";
  for (const std::string& c : capabilities) text += "  - " + c + "\n";
  if (lookup != nullptr) text += ExistingNamespacesSettings(*lookup);
  return text;
}

// A YAML double-quoted scalar (what the chart's `quote` and `toJson` write for these values).
std::string Quoted(std::string_view value) {
  std::string out = "\"";
  for (char c : value) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out + "\"";
}

std::string Value(const StringMap& map, std::string_view key) {
  auto it = map.find(key);
  return it == map.end() ? std::string() : it->second;
}

// What the charts render for a selection: the fixture's documents of the
// components that are on. The HTTP add-on's condition is
// apps.keda.httpAddon.enabled first (charts/dot-apps/Chart.yaml), so it is
// rendered even with KEDA off, and dotk8s-post removes it.
std::vector<Component> Rendered(const Selection& on) {
  std::vector<Component> components = {Component::kKedaHttpAddon};
  if (on.envoy_gateway) components.push_back(Component::kEnvoyGateway);
  if (on.keda) components.push_back(Component::kKeda);
  if (on.prometheus) components.push_back(Component::kPrometheus);
  if (on.traefik) components.push_back(Component::kTraefik);
  return components;
}

// kube-prometheus-stack's admission webhook configurations and the hooks that
// make and patch their certificate (all named kube-prometheus-stack-admission*).
bool IsPrometheusAdmission(const Document& doc) { return doc.Name().rfind("kube-prometheus-stack-admission", 0) == 0; }

std::string FilterComponents(std::string_view stream, const Selection& on) {
  const std::vector<Component> components = Rendered(on);
  testing::AttributedStream read = testing::ReadAndAttribute(std::string(stream));
  std::string out;
  for (const Document& doc : read.docs) {
    if (!on.prometheus_admission && IsPrometheusAdmission(doc)) continue;
    if (std::find(components.begin(), components.end(), doc.component) != components.end()) out.append(doc.raw);
  }
  return out;
}

// The Helm 3 stream rendered into envoy-gateway-system with the helm3 profile,
// which turns kube-prometheus-stack's admission webhooks off (values/helm3.yaml).
std::string Helm3Stream(const Selection& on) {
  Selection helm3 = on;
  helm3.prometheus_admission = false;
  return FilterComponents(ReplaceAll(testing::Fixture("helm3-all.yaml"), "dot-system", "envoy-gateway-system"), helm3);
}

}  // namespace

std::string ExistingNamespacesSettings(const Cluster& cluster) {
  std::string text = "  existingNamespaces:\n";
  for (const char* name : {"envoy-gateway-system", "keda", "prometheus-system", "traefik"}) {
    const LiveObject* live = FindLive(cluster, {"", "Namespace", "", name});
    if (live == nullptr) continue;
    std::string labels;
    for (const auto& [key, value] : live->spec.labels) {
      labels += fmt::format("{}{}: {}", labels.empty() ? "" : ", ", Quoted(key), Quoted(value));
    }
    text += fmt::format("    - name: {}\n      instance: {}\n      partOf: {}\n      releaseName: {}\n      labels: {{{}}}\n",
                        Quoted(name), Quoted(Value(live->spec.labels, "app.kubernetes.io/instance")),
                        Quoted(Value(live->spec.labels, "app.kubernetes.io/part-of")),
                        Quoted(Value(live->spec.annotations, "meta.helm.sh/release-name")), labels);
  }
  return text;
}

std::string Helm3Hooks(const Selection& on, std::string_view release_namespace) {
  if (!on.envoy_gateway) return {};
  std::string hooks = testing::FilterHooks(
      testing::FilterStream(testing::Fixture("helm4-all.yaml"), {Component::kEnvoyGateway}), true);
  return ReplaceAll(hooks, "dot-system", release_namespace);
}

Render RenderWithPost(Style style, const Selection& on, std::string_view release_namespace, bool create_namespaces,
                      const std::vector<std::string>& capabilities, bool upgrade, const Cluster* lookup) {
  std::string input;
  std::vector<std::string> args = {"--release-namespace", std::string(release_namespace)};
  if (style == Style::kHelm3) {
    input = SettingsDoc(on, true, release_namespace, create_namespaces, capabilities, upgrade, lookup) + Helm3Stream(on);
  } else {
    // The fixture was rendered with -n dot-system.
    const std::string rendered =
        ReplaceAll(testing::Fixture("helm4-all-plus-traefik.yaml"), "dot-system", release_namespace);
    input = FilterComponents(rendered, on) +
            SettingsDoc(on, false, release_namespace, create_namespaces, capabilities, upgrade, lookup);
  }
  // The README's commands pass the charts' CRDs (--post-renderer-args --crds=charts/dot-apps/charts; the
  // driver and the Argo CD plugin pass the archives): an upgrade that turns a component on brings its crds/.
  if (style == Style::kGitOps) args.push_back("--gitops");
  if (on.traefik) args.insert(args.end(), {"--crds", CrdsDirectory("traefik-39.0.0")});
  if (on.envoy_gateway) args.insert(args.end(), {"--crds", CrdsDirectory("gateway-helm-1.7.0")});
  if (on.prometheus) args.insert(args.end(), {"--crds", CrdsDirectory("kube-prometheus-stack-82.2.1")});
  testing::RunResult run = testing::RunPost(args, input);
  return {run.exit_code == 0, run.out, run.err};
}

std::vector<std::string> TemplatedKedaKinds(const Selection& on, int helm) {
  if (helm != 3 || !on.keda) return {};
  return {"keda.sh/v1alpha1/ScaledObject",           "keda.sh/v1alpha1/ScaledJob",
          "keda.sh/v1alpha1/TriggerAuthentication",  "keda.sh/v1alpha1/ClusterTriggerAuthentication",
          "eventing.keda.sh/v1alpha1/CloudEventSource", "eventing.keda.sh/v1alpha1/ClusterCloudEventSource",
          "http.keda.sh/v1alpha1/HTTPScaledObject"};
}

std::vector<std::string> Capabilities(const Cluster& cluster, const std::vector<CrdFile>& installing) {
  std::vector<std::string> kinds = ServedCustomKinds(cluster);
  for (const CrdFile& file : installing) {
    std::vector<ObjectSpec> objects;
    std::string error;
    if (!ReadManifest(file.text, &objects, &error)) continue;
    for (const ObjectSpec& spec : objects) {
      if (!spec.crd) continue;
      for (const std::string& v : spec.crd->served_versions) {
        kinds.push_back(fmt::format("{}/{}/{}", spec.crd->group, v, spec.crd->kind));
      }
    }
  }
  std::sort(kinds.begin(), kinds.end());
  kinds.erase(std::unique(kinds.begin(), kinds.end()), kinds.end());
  return kinds;
}

std::vector<CrdFile> CrdsFolders(bool traefik, bool envoy_gateway, bool prometheus) {
  std::vector<CrdFile> files;
  if (traefik) AddFiles(CrdsDirectory("traefik-39.0.0"), &files);
  if (envoy_gateway) AddFiles(CrdsDirectory("gateway-helm-1.7.0"), &files);
  if (prometheus) AddFiles(CrdsDirectory("kube-prometheus-stack-82.2.1"), &files);
  return files;
}

}  // namespace dotk8s::lifecycle
