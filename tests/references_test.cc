#include "core/passes/references.h"

#include <gtest/gtest.h>

#include <map>
#include <string>
#include <vector>

namespace dotk8s {
namespace {

FieldPath Path(std::initializer_list<PathElement> elements) { return FieldPath(elements); }
PathElement K(const char* key) { return PathElement::Key(key); }
PathElement I(std::size_t index) { return PathElement::Index(index); }

// Classifies `value` at `path`, with `siblings` (formatted path -> value) as
// the rest of the document.
std::vector<NamespaceReference> Classify(const FieldPath& path, std::string_view value, std::string_view ns,
                                         const std::map<std::string, std::string>& siblings = {}) {
  ScalarContext context;
  context.path = &path;
  context.value = value;
  context.scalar_at = [&siblings](const FieldPath& p) -> const std::string* {
    auto it = siblings.find(FormatPath(p));
    return it == siblings.end() ? nullptr : &it->second;
  };
  return FindNamespaceReferences(context, ns);
}

std::vector<std::pair<std::size_t, ReferenceShape>> Shapes(const std::vector<NamespaceReference>& references) {
  std::vector<std::pair<std::size_t, ReferenceShape>> shapes;
  for (const NamespaceReference& reference : references) shapes.emplace_back(reference.position, reference.shape);
  return shapes;
}

using Shape = ReferenceShape;
using Found = std::vector<std::pair<std::size_t, ReferenceShape>>;

TEST(StandaloneOccurrences, OnlyWholeLabels) {
  EXPECT_EQ(StandaloneOccurrences("kube-prometheus-stack-prometheus.prometheus:9090", "prometheus"),
            std::vector<std::size_t>({33}));
  EXPECT_EQ(StandaloneOccurrences("dot-system", "dot-system"), std::vector<std::size_t>({0}));
  EXPECT_TRUE(StandaloneOccurrences("dot-apps-dot-system", "dot-system").empty());
  EXPECT_EQ(StandaloneOccurrences("a/keda/b keda", "keda"), std::vector<std::size_t>({2, 9}));
}

TEST(WordOccurrences, NotPartOfAnIdentifier) {
  EXPECT_EQ(WordOccurrences("max(prometheus_config{namespace=\"prometheus\"})", "prometheus"),
            std::vector<std::size_t>({33}));
  EXPECT_EQ(WordOccurrences("x_ns ns_y ns", "ns"), std::vector<std::size_t>({10}));
}

TEST(InClusterDomain, OnlyTheDomainItself) {
  // A namespace called `local` or `cluster` meets the cluster domain everywhere.
  EXPECT_TRUE(InClusterDomain("cluster.local", 8, 5));
  EXPECT_TRUE(InClusterDomain("--k8s-cluster-domain=cluster.local", 21, 7));
  EXPECT_TRUE(InClusterDomain("x.local.svc.cluster.local:80", 20, 5));
  // `x.local` is not the domain (a Service x in namespace local), nor is a longer name.
  EXPECT_FALSE(InClusterDomain("x.local.svc.cluster.local:80", 2, 5));
  EXPECT_FALSE(InClusterDomain("cluster.local.example", 8, 5));
  EXPECT_FALSE(InClusterDomain("cluster.locals", 8, 5));
  EXPECT_FALSE(InClusterDomain("mycluster.local", 10, 5));  // Service mycluster in namespace local
  EXPECT_FALSE(InClusterDomain("http://foo-cluster.local:80", 19, 5));
}

TEST(FindNamespaceReferences, NamespaceFieldsHoldTheWholeValue) {
  // subjects[0].namespace, with the ServiceAccount it goes with.
  auto subject = Classify(Path({K("subjects"), I(0), K("namespace")}), "dot-system", "dot-system",
                          {{"subjects[0].name", "keda-operator"}, {"subjects[0].kind", "ServiceAccount"}});
  ASSERT_EQ(subject.size(), 1u);
  EXPECT_EQ(subject[0].shape, Shape::kNamespaceField);
  EXPECT_EQ(subject[0].object_name, "keda-operator");
  EXPECT_EQ(subject[0].object_kind, "ServiceAccount");
  // A webhook's service.
  auto webhook = Classify(Path({K("webhooks"), I(2), K("clientConfig"), K("service"), K("namespace")}), "dot-system",
                          "dot-system", {{"webhooks[2].clientConfig.service.name", "keda-admission-webhooks"}});
  ASSERT_EQ(webhook.size(), 1u);
  EXPECT_EQ(webhook[0].object_name, "keda-admission-webhooks");
  // matchNames, kubernetes.io/metadata.name expressions, *_NAMESPACE env values.
  EXPECT_EQ(Shapes(Classify(Path({K("spec"), K("namespaceSelector"), K("matchNames"), I(0)}), "ns", "ns")),
            Found({{0, Shape::kNamespaceField}}));
  EXPECT_EQ(Shapes(Classify(Path({K("webhooks"), I(0), K("namespaceSelector"), K("matchExpressions"), I(0), K("values"), I(0)}),
                            "ns", "ns", {{"webhooks[0].namespaceSelector.matchExpressions[0].key", "kubernetes.io/metadata.name"}})),
            Found({{0, Shape::kNamespaceField}}));
  EXPECT_EQ(Shapes(Classify(Path({K("env"), I(2), K("value")}), "ns", "ns", {{"env[2].name", "KEDA_HTTP_OPERATOR_NAMESPACE"}})),
            Found({{0, Shape::kNamespaceField}}));
}

TEST(FindNamespaceReferences, TheWholeValueElsewhereIsNoReference) {
  // The namespace's name as a label, a container name, an env var named otherwise.
  EXPECT_TRUE(Classify(Path({K("metadata"), K("labels"), K("app.kubernetes.io/part-of")}), "keda", "keda").empty());
  EXPECT_TRUE(Classify(Path({K("spec"), K("containers"), I(0), K("name")}), "prometheus", "prometheus").empty());
  EXPECT_TRUE(Classify(Path({K("env"), I(0), K("value")}), "keda", "keda", {{"env[0].name", "APP"}}).empty());
  // A selector expression on another key.
  EXPECT_TRUE(Classify(Path({K("matchExpressions"), I(0), K("values"), I(0)}), "keda", "keda",
                       {{"matchExpressions[0].key", "app"}})
                  .empty());
}

TEST(FindNamespaceReferences, ServiceDnsNames) {
  auto url = Classify(Path({K("spec"), K("externalUrl")}), "http://kube-prometheus-stack-prometheus.dot-system:9090",
                      "dot-system");
  ASSERT_EQ(url.size(), 1u);
  EXPECT_EQ(url[0].shape, Shape::kServiceDns);
  EXPECT_EQ(url[0].position, 40u);
  EXPECT_EQ(url[0].object_name, "kube-prometheus-stack-prometheus");
  EXPECT_EQ(url[0].object_kind, "Service");
  EXPECT_EQ(Shapes(Classify(Path({K("args"), I(5)}), "--metrics-service-address=keda-operator.dot-system.svc.cluster.local:9666",
                            "dot-system")),
            Found({{40, Shape::kServiceDns}}));
  // --host=a,a.ns.svc: the host list.
  EXPECT_EQ(Shapes(Classify(Path({K("args"), I(1)}), "--host=op,op.ns.svc", "ns")), Found({{13, Shape::kServiceDns}}));
  // A webhook named after its namespace.
  EXPECT_EQ(Shapes(Classify(Path({K("metadata"), K("name")}), "envoy-gateway-topology-injector.dot-system", "dot-system")),
            Found({{32, Shape::kServiceDns}}));
  // A pod of a headless Service: `<pod>.<service>.R.svc...`, the Service is named.
  auto pod = Classify(Path({K("x")}), "x-0.web.ns.svc.cluster.local", "ns");
  ASSERT_EQ(pod.size(), 1u);
  EXPECT_EQ(pod[0].position, 8u);
  EXPECT_EQ(pod[0].object_name, "web");
  // Two labels before R only with `.svc` after it.
  EXPECT_TRUE(Classify(Path({K("x")}), "x-0.web.ns:80", "ns").empty());
  // `cluster.local` has the shape; whether a Service `cluster` exists decides (place.cc).
  EXPECT_EQ(Classify(Path({K("x")}), "cluster.local", "local")[0].object_name, "cluster");
  // Not a service name: the namespace is followed by more labels, or preceded by two.
  EXPECT_TRUE(Classify(Path({K("x")}), "foo.svc.cluster.local", "local").empty());
  EXPECT_TRUE(Classify(Path({K("x")}), "a.b.local", "local").empty());
  EXPECT_TRUE(Classify(Path({K("x")}), "quay.io/prometheus/prometheus:v3.5.0", "prometheus").empty());
}

TEST(FindNamespaceReferences, NamespaceSlashName) {
  auto published = Classify(Path({K("args"), I(12)}),
                            "--providers.kubernetesingress.ingressendpoint.publishedservice=dot-system/dot-apps-traefik",
                            "dot-system");
  ASSERT_EQ(published.size(), 1u);
  EXPECT_EQ(published[0].shape, Shape::kNamespacedName);
  EXPECT_EQ(published[0].object_name, "dot-apps-traefik");
  // apiVersion `apps/v1` is a group, not a namespace.
  EXPECT_TRUE(Classify(Path({K("apiVersion")}), "apps/v1", "apps").empty());
  EXPECT_TRUE(Classify(Path({K("image")}), "keda/keda:2.19.0", "keda").empty());
}

TEST(FindNamespaceReferences, NamespaceSettings) {
  EXPECT_EQ(Shapes(Classify(Path({K("args"), I(2)}), "--namespace=dot-system", "dot-system")),
            Found({{12, Shape::kNamespaceSetting}}));
  const std::string promql =
      "up{job=\"kube-prometheus-stack-alertmanager\",container=\"alertmanager\",namespace=\"dot-system\"} == 0";
  EXPECT_EQ(Shapes(Classify(Path({K("spec"), K("groups"), I(0), K("rules"), I(3), K("expr")}), promql, "dot-system")),
            Found({{promql.find("dot-system"), Shape::kNamespaceSetting}}));
  const std::string two = "x{namespace=~'ns'} and y{exported_namespace!=\"ns\"}";
  EXPECT_EQ(Shapes(Classify(Path({K("expr")}), two, "ns")),
            Found({{14, Shape::kNamespaceSetting}, {two.rfind("ns"), Shape::kNamespaceSetting}}));
  // Embedded YAML and JSON.
  EXPECT_EQ(Shapes(Classify(Path({K("data"), K("config.yaml")}), "a: 1\nnamespace: ns\n", "ns")),
            Found({{16, Shape::kNamespaceSetting}}));
  EXPECT_EQ(Shapes(Classify(Path({K("data"), K("c.json")}), "{\"namespace\": \"ns\"}", "ns")),
            Found({{15, Shape::kNamespaceSetting}}));
  // A flag and its value as two words.
  EXPECT_EQ(Shapes(Classify(Path({K("data"), K("run.sh")}), "kubectl -n ns get pods", "ns")),
            Found({{11, Shape::kNamespaceSetting}}));
  EXPECT_EQ(Shapes(Classify(Path({K("args"), I(0)}), "--watch-namespace ns", "ns")),
            Found({{18, Shape::kNamespaceSetting}}));
  EXPECT_TRUE(Classify(Path({K("args"), I(0)}), "--watch ns", "ns").empty());
  // The value as the item after its flag: `args: [--namespace, ns]`; not after another flag.
  EXPECT_EQ(Shapes(Classify(Path({K("args"), I(3)}), "ns", "ns", {{"args[2]", "--namespace"}})),
            Found({{0, Shape::kNamespaceField}}));
  EXPECT_EQ(Shapes(Classify(Path({K("command"), I(1)}), "ns", "ns", {{"command[0]", "-n"}})),
            Found({{0, Shape::kNamespaceField}}));
  EXPECT_TRUE(Classify(Path({K("args"), I(3)}), "ns", "ns", {{"args[2]", "--name"}}).empty());
  EXPECT_TRUE(Classify(Path({K("args"), I(0)}), "ns", "ns", {{"args[1]", "--namespace"}}).empty());
  // Each alternative of a regular-expression matcher, not of an exact one.
  const std::string regex = "x{namespace=~\"kube-system|ns\"} and y{namespace=~\"ns|a\"}";
  EXPECT_EQ(Shapes(Classify(Path({K("expr")}), regex, "ns")),
            Found({{26, Shape::kNamespaceSetting}, {regex.rfind("ns|"), Shape::kNamespaceSetting}}));
  EXPECT_TRUE(Classify(Path({K("expr")}), "x{job=~\"a|ns\"}", "ns").empty());
  EXPECT_TRUE(Classify(Path({K("expr")}), "x{namespace=\"a|ns\"}", "ns").empty());
  // Each item of a list of namespaces; not of another list.
  EXPECT_EQ(Shapes(Classify(Path({K("data"), K("env")}), "NAMESPACES=a,ns,b", "ns")),
            Found({{13, Shape::kNamespaceSetting}}));
  EXPECT_EQ(Shapes(Classify(Path({K("data"), K("env")}), "WATCH_NAMESPACES=ns,b", "ns")),
            Found({{17, Shape::kNamespaceSetting}}));
  EXPECT_TRUE(Classify(Path({K("data"), K("env")}), "HOSTS=a,ns", "ns").empty());
  // Another key: not a namespace. `job="prometheus"` when the namespace is prometheus.
  EXPECT_TRUE(Classify(Path({K("expr")}), "up{job=\"prometheus\"}", "prometheus").empty());
}

}  // namespace
}  // namespace dotk8s
