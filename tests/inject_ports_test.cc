// The ReferenceGrant finds the KEDA HTTP add-on's interceptor Service by its
// port named proxy. Since issue 20 the port is read from an outline of
// spec.ports instead of a yaml-cpp tree of the Service; these cases hold it to
// what the tree said, for the YAML forms a chart may write the port in. The
// Service is renamed so that its name (which the search falls back on when it
// holds "proxy") cannot give the answer.
#include <gtest/gtest.h>

#include <string>

#include "core/passes/inject.h"
#include "post_test_util.h"
#include "test_support.h"

namespace dotk8s {
namespace {

using testing::Fixture;
using testing::FormatAll;
using testing::ReplaceOnce;
using testing::RunUpToInjection;

constexpr std::string_view kPorts = "  ports:\n  - name: proxy\n    port: 8080\n    targetPort: proxy\n";

// helm4-envoy-keda.yaml with the interceptor Service renamed and its ports
// written as `ports`.
std::string WithPorts(std::string_view ports) {
  std::string input = ReplaceOnce(Fixture("helm4-envoy-keda.yaml"), "name: \"keda-add-ons-http-interceptor-proxy\"",
                                  "name: \"keda-add-ons-http-interceptor-web\"");
  return ReplaceOnce(std::move(input), kPorts, ports);
}

// The Service the injected ReferenceGrant allows, or the run's messages.
std::string GrantedService(const std::string& input) {
  testing::InjectedStream s = RunUpToInjection(input);
  if (!s.ok) return FormatAll(s.diagnostics);
  for (const Document& doc : s.docs) {
    if (doc.origin != Origin::kGenerated || doc.Kind() != "ReferenceGrant") continue;
    return testing::Parsed(doc)["spec"]["to"][0]["name"].Scalar();
  }
  return "no ReferenceGrant";
}

TEST(InjectPortsTest, ThePortNamedProxyInEveryForm) {
  EXPECT_EQ(GrantedService(WithPorts(kPorts)), "keda-add-ons-http-interceptor-web");
  EXPECT_EQ(GrantedService(WithPorts("  ports:\n  - port: 8080\n    \"name\": 'proxy'\n")),
            "keda-add-ons-http-interceptor-web");
  EXPECT_EQ(GrantedService(WithPorts("  ports: [{port: 8080, name: \"proxy\"}]\n")),
            "keda-add-ons-http-interceptor-web");
  EXPECT_EQ(GrantedService(WithPorts("  ports:\n  - name: admin\n    port: 9090\n  - name: proxy\n    port: 8080\n")),
            "keda-add-ons-http-interceptor-web");
  // An alias: the outline does not expand it, yaml-cpp does.
  EXPECT_EQ(GrantedService(WithPorts("  ports:\n  - targetPort: &port proxy\n    name: *port\n    port: 8080\n")),
            "keda-add-ons-http-interceptor-web");
}

TEST(InjectPortsTest, ProxyAnywhereElseIsNoPortNamedProxy) {
  const std::string missing =
      "error: cannot find the KEDA HTTP add-on's interceptor Service (a Service labelled "
      "app.kubernetes.io/component=interceptor with a port named proxy) for the ReferenceGrant; hint: check the "
      "keda-add-ons-http version against the fixtures' facts; set apps.keda.httpAddon.routeNamespaces: [] to "
      "skip the ReferenceGrant\n";
  EXPECT_EQ(GrantedService(WithPorts("  ports:\n  - name: http\n    port: 8080\n    targetPort: proxy\n")), missing);
  EXPECT_EQ(GrantedService(WithPorts("  ports:\n  - name: http\n    port: 8080\n  proxy:\n    name: proxy\n")), missing);
  EXPECT_EQ(GrantedService(WithPorts("  ports:\n  - name: [proxy]\n    port: 8080\n")), missing);
  EXPECT_EQ(GrantedService(WithPorts("  ports:\n  - - name: proxy\n")), missing);
}

}  // namespace
}  // namespace dotk8s
