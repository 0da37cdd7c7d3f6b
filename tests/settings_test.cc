#include "core/settings.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "post_test_util.h"

namespace dotk8s {
namespace {

using testing::FormatAll;

Diagnostics Parse(std::string_view yaml, Settings* settings) {
  return ParseSettings(YAML::Load(std::string(yaml)), "settings.yaml", settings);
}

Settings MustParse(std::string_view yaml) {
  Settings settings;
  Diagnostics diagnostics = Parse(yaml, &settings);
  EXPECT_TRUE(diagnostics.empty()) << FormatAll(diagnostics);
  return settings;
}

// The one error `yaml` gives, formatted.
std::string OneError(std::string_view yaml) {
  Settings settings;
  Diagnostics diagnostics = Parse(yaml, &settings);
  EXPECT_EQ(diagnostics.size(), 1u) << FormatAll(diagnostics);
  return diagnostics.empty() ? std::string() : FormatDiagnostic(diagnostics[0]);
}

TEST(SettingsTest, Defaults) {
  Settings settings = MustParse("apps: {}\n");
  EXPECT_TRUE(settings.create_namespaces);
  EXPECT_FALSE(settings.envoy_gateway.enabled.has_value());
  EXPECT_EQ(settings.envoy_gateway.namespace_, "envoy-gateway-system");
  EXPECT_TRUE(settings.envoy_gateway.extra_listeners.empty());
  EXPECT_TRUE(settings.envoy_gateway.pod_monitor);
  EXPECT_FALSE(settings.keda.enabled.has_value());
  EXPECT_EQ(settings.keda.namespace_, "keda");
  EXPECT_FALSE(settings.keda.http_addon.enabled.has_value());
  EXPECT_EQ(settings.keda.http_addon.route_namespaces, std::vector<std::string>{"default"});
  EXPECT_EQ(settings.prometheus.namespace_, "prometheus-system");
  EXPECT_EQ(settings.traefik.namespace_, "traefik");
  EXPECT_TRUE(settings.allowed_references.empty());
  EXPECT_EQ(settings.release_name, "");
  EXPECT_EQ(settings.release_namespace, "");
}

TEST(SettingsTest, EveryKey) {
  Settings settings = MustParse(R"(apiVersion: dotk8s.dev/v1alpha1
kind: Settings
metadata:
  name: dot-apps
release:
  name: shop
  namespace: shop-system
apps:
  createNamespaces: false
  envoyGateway:
    enabled: true
    namespace: edge
    gateway:
      extraListeners:
      - name: https
        protocol: HTTPS
        port: 443
        hostname: shop.example.com
        tls:
          mode: Terminate
          certificateRefs:
          - name: shop-cert
            namespace: certs
            kind: Secret
            group: ""
        allowedRoutes:
          namespaces:
            from: Same
      - name: tls
        protocol: TLS
        port: 8443
        tls:
          mode: Passthrough
    podMonitor:
      enabled: false
  keda:
    enabled: false
    namespace: autoscaling
    httpAddon:
      enabled: true
      routeNamespaces: [shop, web, shop]
  prometheus:
    enabled: true
    namespace: monitoring
  traefik:
    enabled: false
    namespace: ingress
  allowReleaseNamespaceReferences:
  - kind: Deployment
    name: x
    path: spec.template.spec.containers[0].args[3]
)");
  EXPECT_EQ(settings.release_name, "shop");
  EXPECT_EQ(settings.release_namespace, "shop-system");
  EXPECT_FALSE(settings.create_namespaces);
  EXPECT_EQ(settings.envoy_gateway.enabled, std::optional<bool>(true));
  EXPECT_EQ(settings.envoy_gateway.namespace_, "edge");
  ASSERT_EQ(settings.envoy_gateway.extra_listeners.size(), 2u);
  const ListenerSettings& https = settings.envoy_gateway.extra_listeners[0];
  EXPECT_EQ(https.name, "https");
  EXPECT_EQ(https.protocol, "HTTPS");
  EXPECT_EQ(https.port, 443);
  EXPECT_EQ(https.hostname, "shop.example.com");
  EXPECT_EQ(https.tls_mode, "Terminate");
  ASSERT_EQ(https.certificate_refs.size(), 1u);
  EXPECT_EQ(https.certificate_refs[0].name, "shop-cert");
  EXPECT_EQ(https.certificate_refs[0].namespace_, "certs");
  EXPECT_EQ(https.certificate_refs[0].kind, "Secret");
  EXPECT_EQ(https.certificate_refs[0].group, "");
  EXPECT_EQ(https.allowed_routes_from, "Same");
  const ListenerSettings& tls = settings.envoy_gateway.extra_listeners[1];
  EXPECT_EQ(tls.tls_mode, "Passthrough");
  EXPECT_TRUE(tls.certificate_refs.empty());
  EXPECT_EQ(tls.allowed_routes_from, "All");
  EXPECT_FALSE(settings.envoy_gateway.pod_monitor);
  EXPECT_EQ(settings.keda.enabled, std::optional<bool>(false));
  EXPECT_EQ(settings.keda.namespace_, "autoscaling");
  EXPECT_EQ(settings.keda.http_addon.enabled, std::optional<bool>(true));
  EXPECT_EQ(settings.keda.http_addon.route_namespaces, (std::vector<std::string>{"shop", "web"}));
  EXPECT_EQ(settings.prometheus.enabled, std::optional<bool>(true));
  EXPECT_EQ(settings.prometheus.namespace_, "monitoring");
  EXPECT_EQ(settings.traefik.enabled, std::optional<bool>(false));
  EXPECT_EQ(settings.traefik.namespace_, "ingress");
  ASSERT_EQ(settings.allowed_references.size(), 1u);
  EXPECT_EQ(settings.allowed_references[0].path, "spec.template.spec.containers[0].args[3]");

  EXPECT_EQ(EnabledSetting(settings, Component::kKedaHttpAddon), std::optional<bool>(true));
  EXPECT_EQ(EnabledSetting(settings, Component::kUmbrella), std::nullopt);
  EXPECT_EQ(TargetNamespace(settings, Component::kKedaHttpAddon), "autoscaling");
  EXPECT_EQ(TargetNamespace(settings, Component::kPrometheus), "monitoring");
  EXPECT_EQ(TargetNamespace(settings, Component::kUmbrella), "shop-system");
}

TEST(SettingsTest, UnknownKeysWithHints) {
  EXPECT_EQ(OneError("apps:\n  envoyGatway:\n    enabled: true\n"),
            "error: settings.yaml apps.envoyGatway: unknown setting `envoyGatway`; hint: did you mean `envoyGateway`?");
  EXPECT_EQ(OneError("apps:\n  keda:\n    httpAdon: {}\n"),
            "error: settings.yaml apps.keda.httpAdon: unknown setting `httpAdon`; hint: did you mean `httpAddon`?");
  EXPECT_EQ(OneError("apps:\n  prometheus:\n    Enabled: true\n"),
            "error: settings.yaml apps.prometheus.Enabled: unknown setting `Enabled`; hint: did you mean `enabled`?");
  EXPECT_EQ(OneError("apps:\n  grafana: {}\n"),
            "error: settings.yaml apps.grafana: unknown setting `grafana`; hint: known keys: createNamespaces, "
            "envoyGateway, keda, prometheus, traefik, allowReleaseNamespaceReferences");
  EXPECT_EQ(OneError("apps: {}\nrelase: {}\n"),
            "error: settings.yaml relase: unknown setting `relase`; hint: did you mean `release`?");
  EXPECT_EQ(OneError("apps:\n  envoyGateway:\n    gateway:\n      extraListeners:\n      - name: a\n        protocol: HTTP\n"
                     "        port: 8080\n        hostnme: x\n"),
            "error: settings.yaml apps.envoyGateway.gateway.extraListeners[0].hostnme: unknown setting `hostnme`; "
            "hint: did you mean `hostname`?");
}

TEST(SettingsTest, EveryProblemIsReported) {
  Settings settings;
  Diagnostics diagnostics = Parse("apps:\n  envoyGatway: {}\n  kdea: {}\n  traefik:\n    enabled: maybe\n", &settings);
  EXPECT_EQ(diagnostics.size(), 3u) << FormatAll(diagnostics);
}

TEST(SettingsTest, WrongTypes) {
  EXPECT_EQ(OneError("apps:\n  keda:\n    enabled: yes\n"),
            "error: settings.yaml apps.keda.enabled: must be true or false");
  EXPECT_EQ(OneError("apps:\n  keda: true\n"), "error: settings.yaml apps.keda: must be a mapping");
  EXPECT_EQ(OneError("apps: [a]\n"), "error: settings.yaml apps: must be a mapping");
  EXPECT_EQ(OneError("apps:\n  keda:\n    namespace: [a]\n"), "error: settings.yaml apps.keda.namespace: must be a string");
  EXPECT_EQ(OneError("apps:\n  keda:\n    httpAddon:\n      routeNamespaces: default\n"),
            "error: settings.yaml apps.keda.httpAddon.routeNamespaces: must be a list of namespace names");
  EXPECT_EQ(OneError("apps:\n  envoyGateway:\n    gateway:\n      extraListeners: {}\n"),
            "error: settings.yaml apps.envoyGateway.gateway.extraListeners: must be a list of listeners");
  EXPECT_EQ(OneError("apps:\n  envoyGateway:\n    gateway:\n      extraListeners:\n      - name: a\n        protocol: HTTP\n"
                     "        port: eighty\n        hostname: a.example.com\n"),
            "error: settings.yaml apps.envoyGateway.gateway.extraListeners[0].port: must be a whole number");
  EXPECT_EQ(OneError("apps:\n  allowReleaseNamespaceReferences: {}\n"),
            "error: settings.yaml apps.allowReleaseNamespaceReferences: must be a list of {kind, name, path}");
  EXPECT_EQ(OneError("apps:\n  allowReleaseNamespaceReferences:\n  - kind: Deployment\n"),
            "error: settings.yaml apps.allowReleaseNamespaceReferences[0]: an allowed reference needs kind, name and "
            "path");
  EXPECT_EQ(OneError("[a]\n"), "error: settings.yaml: settings must be a mapping with an `apps` key");
  EXPECT_EQ(OneError("release:\n  name: x\n"), "error: settings.yaml apps: settings need an `apps` mapping");
  EXPECT_EQ(OneError("apiVersion: dotk8s.dev/v2\napps: {}\n"),
            "error: settings.yaml apiVersion: settings are `dotk8s.dev/v1alpha1`, not `dotk8s.dev/v2`");
  EXPECT_EQ(OneError("kind: Config\napps: {}\n"), "error: settings.yaml kind: settings are kind `Settings`, not `Config`");
}

TEST(SettingsTest, WildcardRouteNamespace) {
  EXPECT_EQ(OneError("apps:\n  keda:\n    httpAddon:\n      routeNamespaces: ['*']\n"),
            "error: settings.yaml apps.keda.httpAddon.routeNamespaces[0]: `*` is not a namespace: a ReferenceGrant's "
            "spec.from[].namespace names one namespace, and the Gateway API has no wildcard; hint: list every "
            "namespace whose HTTPRoutes send traffic to the KEDA interceptor");
  EXPECT_EQ(OneError("apps:\n  keda:\n    httpAddon:\n      routeNamespaces: [default, 'team-*']\n"),
            "error: settings.yaml apps.keda.httpAddon.routeNamespaces[1]: `*` is not a namespace: a ReferenceGrant's "
            "spec.from[].namespace names one namespace, and the Gateway API has no wildcard; hint: list every "
            "namespace whose HTTPRoutes send traffic to the KEDA interceptor");
}

TEST(SettingsTest, InvalidNamespaceNames) {
  EXPECT_EQ(OneError("apps:\n  prometheus:\n    namespace: Monitoring\n"),
            "error: settings.yaml apps.prometheus.namespace: `Monitoring` is not a valid namespace name; hint: use "
            "lower-case letters, digits and '-', at most 63 characters, starting and ending with a letter or digit");
  EXPECT_EQ(OneError("apps:\n  keda:\n    httpAddon:\n      routeNamespaces: [my_ns]\n"),
            "error: settings.yaml apps.keda.httpAddon.routeNamespaces[0]: `my_ns` is not a valid namespace name");
  EXPECT_EQ(OneError("release:\n  namespace: -x\napps: {}\n"),
            "error: settings.yaml release.namespace: `-x` is not a valid namespace name; hint: use lower-case "
            "letters, digits and '-', at most 63 characters, starting and ending with a letter or digit");
  EXPECT_TRUE(IsValidNamespaceName("a"));
  EXPECT_TRUE(IsValidNamespaceName("envoy-gateway-system"));
  EXPECT_TRUE(IsValidNamespaceName("0abc9"));
  EXPECT_TRUE(IsValidNamespaceName(std::string(63, 'a')));
  EXPECT_FALSE(IsValidNamespaceName(std::string(64, 'a')));
  EXPECT_FALSE(IsValidNamespaceName(""));
  EXPECT_FALSE(IsValidNamespaceName("a-"));
  EXPECT_FALSE(IsValidNamespaceName("a.b"));
  EXPECT_FALSE(IsValidNamespaceName("aB"));
}

std::string Listeners(std::string_view items) {
  return fmt::format("apps:\n  envoyGateway:\n    gateway:\n      extraListeners:\n{}", items);
}

TEST(SettingsTest, ListenerValidation) {
  EXPECT_EQ(OneError(Listeners("      - name: https\n        protocol: HTTPS\n        port: 443\n")),
            "error: settings.yaml apps.envoyGateway.gateway.extraListeners[0].tls.certificateRefs: a HTTPS listener "
            "that terminates TLS needs at least one certificate reference; hint: add tls.certificateRefs: [{name: "
            "<secret>}]");
  EXPECT_EQ(OneError(Listeners("      - name: tls\n        protocol: TLS\n        port: 8443\n        tls:\n"
                               "          mode: Terminate\n")),
            "error: settings.yaml apps.envoyGateway.gateway.extraListeners[0].tls.certificateRefs: a TLS listener "
            "that terminates TLS needs at least one certificate reference; hint: add tls.certificateRefs: [{name: "
            "<secret>}]");
  EXPECT_EQ(OneError(Listeners("      - name: a\n        protocol: HTTP\n        port: 8080\n"
                               "      - name: a\n        protocol: HTTP\n        port: 8081\n")),
            "error: settings.yaml apps.envoyGateway.gateway.extraListeners[1].name: listener name `a` is already used; "
            "hint: listener names must be unique");
  EXPECT_EQ(OneError(Listeners("      - name: http\n        protocol: HTTP\n        port: 8080\n")),
            "error: settings.yaml apps.envoyGateway.gateway.extraListeners[0].name: listener name `http` is already "
            "used; hint: `http` is the contract's listener on port 80; pick another name");
  EXPECT_EQ(OneError(Listeners("      - name: web\n        protocol: HTTP\n        port: 80\n")),
            "error: settings.yaml apps.envoyGateway.gateway.extraListeners[0].port: port 80 without a hostname "
            "clashes with the contract's `http` listener; hint: set a hostname or use another port");
  EXPECT_EQ(OneError(Listeners("      - name: web\n        protocol: HTTP\n        port: 80\n        hostname: a.example.com\n"
                               "        tls:\n          certificateRefs: [{name: c}]\n")),
            "error: settings.yaml apps.envoyGateway.gateway.extraListeners[0].tls: a HTTP listener takes no tls "
            "settings");
  EXPECT_EQ(OneError(Listeners("      - name: q\n        protocol: QUIC\n        port: 443\n")),
            "error: settings.yaml apps.envoyGateway.gateway.extraListeners[0].protocol: unknown protocol `QUIC`; "
            "hint: use one of HTTP, HTTPS, TLS, TCP, UDP");
  EXPECT_EQ(OneError(Listeners("      - name: big\n        protocol: TCP\n        port: 70000\n")),
            "error: settings.yaml apps.envoyGateway.gateway.extraListeners[0].port: must be a port number from 1 to "
            "65535");
  EXPECT_EQ(OneError(Listeners("      - protocol: TCP\n        port: 9000\n")),
            "error: settings.yaml apps.envoyGateway.gateway.extraListeners[0].name: a listener needs a name");
  EXPECT_EQ(OneError(Listeners("      - name: t\n        port: 9000\n")),
            "error: settings.yaml apps.envoyGateway.gateway.extraListeners[0].protocol: a listener needs a protocol; "
            "hint: use one of HTTP, HTTPS, TLS, TCP, UDP");
  EXPECT_EQ(OneError(Listeners("      - name: t\n        protocol: TCP\n")),
            "error: settings.yaml apps.envoyGateway.gateway.extraListeners[0].port: must be a port number from 1 to "
            "65535");
  EXPECT_EQ(OneError(Listeners("      - name: t\n        protocol: TCP\n        port: 9000\n        allowedRoutes:\n"
                               "          namespaces:\n            from: Selector\n")),
            "error: settings.yaml apps.envoyGateway.gateway.extraListeners[0].allowedRoutes.namespaces.from: must be "
            "All or Same");
  EXPECT_EQ(OneError(Listeners("      - name: s\n        protocol: HTTPS\n        port: 443\n        tls:\n"
                               "          mode: Terminate\n          certificateRefs:\n          - namespace: certs\n")),
            "error: settings.yaml apps.envoyGateway.gateway.extraListeners[0].tls.certificateRefs[0].name: a "
            "certificate reference needs a name");
  EXPECT_EQ(OneError(Listeners("      - name: s\n        protocol: HTTPS\n        port: 443\n        tls:\n"
                               "          mode: Reencrypt\n          certificateRefs: [{name: c}]\n")),
            "error: settings.yaml apps.envoyGateway.gateway.extraListeners[0].tls.mode: must be Terminate or "
            "Passthrough");
  EXPECT_EQ(OneError(Listeners("      - ~\n")),
            "error: settings.yaml apps.envoyGateway.gateway.extraListeners[0]: must be a listener mapping");
  // HTTPS with a certificate: fine.
  Settings ok = MustParse(Listeners("      - name: s\n        protocol: HTTPS\n        port: 443\n        tls:\n"
                                    "          certificateRefs: [{name: c}]\n"));
  ASSERT_EQ(ok.envoy_gateway.extra_listeners.size(), 1u);
  EXPECT_EQ(ok.envoy_gateway.extra_listeners[0].tls_mode, "Terminate");
  EXPECT_EQ(ok.envoy_gateway.extra_listeners[0].certificate_refs[0].kind, "Secret");
}

TEST(SettingsTest, EmptyRouteNamespaceListIsKept) {
  Settings settings = MustParse("apps:\n  keda:\n    httpAddon:\n      routeNamespaces: []\n");
  EXPECT_TRUE(settings.keda.http_addon.route_namespaces.empty());
}

TEST(MergeSettingsNodesTest, OverlayMergesMappingsAndReplacesTheRest) {
  YAML::Node base = YAML::Load(
      "release: {name: r, namespace: dot-system}\napps:\n  keda:\n    enabled: true\n    namespace: keda\n"
      "    httpAddon:\n      routeNamespaces: [default, web]\n  prometheus:\n    enabled: true\n");
  YAML::Node overlay = YAML::Load("apps:\n  keda:\n    namespace: autoscaling\n    httpAddon:\n      routeNamespaces: [shop]\n"
                                  "  traefik:\n    enabled: false\n");
  YAML::Node merged = MergeSettingsNodes(base, overlay);
  Settings settings;
  ASSERT_TRUE(ParseSettings(merged, "merged", &settings).empty());
  EXPECT_EQ(settings.release_name, "r");
  EXPECT_EQ(settings.keda.enabled, std::optional<bool>(true));
  EXPECT_EQ(settings.keda.namespace_, "autoscaling");
  EXPECT_EQ(settings.keda.http_addon.route_namespaces, std::vector<std::string>{"shop"});
  EXPECT_EQ(settings.prometheus.enabled, std::optional<bool>(true));
  EXPECT_EQ(settings.traefik.enabled, std::optional<bool>(false));
  // The inputs are left as they were.
  EXPECT_EQ(base["apps"]["keda"]["namespace"].Scalar(), "keda");
  EXPECT_FALSE(base["apps"]["traefik"]);
  // A null overlay gives the base.
  EXPECT_EQ(MergeSettingsNodes(base, YAML::Node())["apps"]["keda"]["namespace"].Scalar(), "keda");
}

TEST(SuggestTest, ClosestCandidate) {
  const std::vector<std::string> keys{"envoyGateway", "keda", "prometheus", "traefik"};
  EXPECT_EQ(Suggest("envoygateway", keys), std::optional<std::string>("envoyGateway"));
  EXPECT_EQ(Suggest("promethues", keys), std::optional<std::string>("prometheus"));
  EXPECT_EQ(Suggest("kdea", keys), std::optional<std::string>("keda"));
  EXPECT_EQ(Suggest("grafana", keys), std::nullopt);
  EXPECT_EQ(Suggest("", keys), std::nullopt);
}

}  // namespace
}  // namespace dotk8s
