#include "core/passes/attribute.h"

#include <gtest/gtest.h>

#include <map>
#include <string>
#include <vector>

#include "post_test_util.h"
#include "test_support.h"

namespace dotk8s {
namespace {

using testing::AttributedStream;
using testing::Fixture;
using testing::FormatAll;
using testing::ReadAndAttribute;

TEST(ParseTemplatePathTest, Parts) {
  TemplatePath umbrella = ParseTemplatePath("dot-apps/templates/settings.yaml");
  EXPECT_EQ(umbrella.umbrella, "dot-apps");
  EXPECT_EQ(umbrella.subchart, "");
  EXPECT_EQ(umbrella.top_level_subchart, "");

  TemplatePath keda = ParseTemplatePath("dot-apps/charts/keda/templates/crds/crd-scaledobjects.yaml");
  EXPECT_EQ(keda.umbrella, "dot-apps");
  EXPECT_EQ(keda.subchart, "keda");
  EXPECT_EQ(keda.top_level_subchart, "keda");

  TemplatePath grafana = ParseTemplatePath("dot-apps/charts/kube-prometheus-stack/charts/grafana/templates/secret.yaml");
  EXPECT_EQ(grafana.subchart, "kube-prometheus-stack/charts/grafana");
  EXPECT_EQ(grafana.top_level_subchart, "kube-prometheus-stack");

  TemplatePath deep = ParseTemplatePath("u/charts/a/charts/b/charts/c/templates/x.yaml");
  EXPECT_EQ(deep.subchart, "a/charts/b/charts/c");
  EXPECT_EQ(deep.top_level_subchart, "a");

  // A directory called `charts` inside templates is not a subchart.
  TemplatePath inner = ParseTemplatePath("u/charts/a/templates/charts/x.yaml");
  EXPECT_EQ(inner.subchart, "a");

  TemplatePath bare = ParseTemplatePath("nothing");
  EXPECT_EQ(bare.umbrella, "");
  EXPECT_EQ(bare.top_level_subchart, "");
}

std::string Helm4Doc(std::string_view name, std::string_view path, bool hook = false) {
  return fmt::format(
      "---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {}\n  namespace: dot-system\n  annotations:\n{}"
      "    postrenderer.helm.sh/postrender-filename: '{}'\n",
      name, hook ? "    helm.sh/hook: pre-install\n" : "", path);
}

std::string Helm3Doc(std::string_view name, std::string_view path) {
  return fmt::format("---\n# Source: {}\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {}\n  namespace: dot-system\n",
                     path, name);
}

TEST(AttributeComponentsTest, Helm4Paths) {
  AttributedStream s = ReadAndAttribute(
      Helm4Doc("eg", "dot-apps/charts/gateway-helm/templates/a.yaml") +
      Helm4Doc("keda", "dot-apps/charts/keda/templates/a.yaml") +
      Helm4Doc("http", "dot-apps/charts/keda-add-ons-http/templates/a.yaml") +
      Helm4Doc("kps", "dot-apps/charts/kube-prometheus-stack/templates/a.yaml") +
      Helm4Doc("grafana", "dot-apps/charts/kube-prometheus-stack/charts/grafana/templates/a.yaml") +
      Helm4Doc("ksm", "dot-apps/charts/kube-prometheus-stack/charts/kube-state-metrics/templates/a.yaml") +
      Helm4Doc("traefik", "dot-apps/charts/traefik/templates/a.yaml") +
      Helm4Doc("mine", "dot-apps/templates/a.yaml") +
      Helm4Doc("redis", "dot-apps/charts/redis/templates/a.yaml") +
      "---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: nomarker\n");
  ASSERT_FALSE(HasErrors(s.diagnostics)) << FormatAll(s.diagnostics);
  const std::vector<std::pair<Component, std::string>> expected = {
      {Component::kEnvoyGateway, "gateway-helm"},
      {Component::kKeda, "keda"},
      {Component::kKedaHttpAddon, "keda-add-ons-http"},
      {Component::kPrometheus, "kube-prometheus-stack"},
      {Component::kPrometheus, "kube-prometheus-stack/charts/grafana"},
      {Component::kPrometheus, "kube-prometheus-stack/charts/kube-state-metrics"},
      {Component::kTraefik, "traefik"},
      {Component::kUmbrella, ""},
      {Component::kOtherSubchart, "redis"},
      {Component::kUnknown, ""},
  };
  ASSERT_EQ(s.docs.size(), expected.size());
  for (std::size_t i = 0; i < expected.size(); ++i) {
    EXPECT_EQ(ComponentName(s.docs[i].component), ComponentName(expected[i].first)) << s.docs[i].Name();
    EXPECT_EQ(s.docs[i].subchart, expected[i].second) << s.docs[i].Name();
  }
  EXPECT_EQ(s.plan.style, StreamStyle::kHelm4);
  EXPECT_EQ(s.plan.umbrella_chart, "dot-apps");
  EXPECT_EQ(s.plan.Find(Component::kPrometheus)->documents, 3u);
  EXPECT_EQ(s.plan.Find(Component::kEnvoyGateway)->documents, 1u);
  EXPECT_TRUE(s.plan.Find(Component::kTraefik)->rendered);
  EXPECT_FALSE(s.plan.hooks_only);
}

TEST(AttributeComponentsTest, Helm3Paths) {
  AttributedStream s = ReadAndAttribute(Helm3Doc("a", "my-umbrella/charts/kube-prometheus-stack/charts/grafana/templates/x.yaml") +
                                        Helm3Doc("b", "my-umbrella/templates/x.yaml"));
  ASSERT_FALSE(HasErrors(s.diagnostics)) << FormatAll(s.diagnostics);
  EXPECT_EQ(s.docs[0].component, Component::kPrometheus);
  EXPECT_EQ(s.docs[1].component, Component::kUmbrella);
  EXPECT_EQ(s.plan.style, StreamStyle::kHelm3);
  EXPECT_EQ(s.plan.umbrella_chart, "my-umbrella");
  // Not rendered: an entry, but off.
  const ComponentPlan* keda = s.plan.Find(Component::kKeda);
  ASSERT_NE(keda, nullptr);
  EXPECT_FALSE(keda->rendered);
  EXPECT_EQ(keda->documents, 0u);
}

TEST(AttributeComponentsTest, HooksOnly) {
  AttributedStream s = ReadAndAttribute(Helm4Doc("a", "dot-apps/charts/gateway-helm/templates/a.yaml", true) +
                                        Helm4Doc("b", "dot-apps/charts/kube-prometheus-stack/templates/b.yaml", true));
  EXPECT_TRUE(s.plan.hooks_only);
  EXPECT_EQ(s.plan.Find(Component::kEnvoyGateway)->hooks, 1u);
  AttributedStream mixed = ReadAndAttribute(Helm4Doc("a", "dot-apps/charts/gateway-helm/templates/a.yaml", true) +
                                            Helm4Doc("b", "dot-apps/charts/gateway-helm/templates/b.yaml"));
  EXPECT_FALSE(mixed.plan.hooks_only);
  EXPECT_FALSE(ReadAndAttribute("").plan.hooks_only);
}

TEST(AttributeComponentsTest, MixedHelmVersionsIsAnError) {
  AttributedStream s = ReadAndAttribute(Helm4Doc("a", "dot-apps/charts/keda/templates/a.yaml") +
                                        Helm3Doc("b", "dot-apps/charts/keda/templates/b.yaml"));
  EXPECT_EQ(FormatAll(s.diagnostics),
            "error: doc 1 (dot-apps/charts/keda/templates/b.yaml) ConfigMap dot-system/b: the stream mixes Helm 3 "
            "`# Source:` comments with Helm 4 filename annotations (first at doc 0); hint: pass the output of one "
            "helm run; do not concatenate renders of two Helm versions\n");
}

struct ExpectedCounts {
  std::map<Component, std::size_t> documents;
  std::map<Component, std::size_t> hooks;
};

// The fixtures README's table: docs and hook docs per chart.
std::map<std::string, ExpectedCounts> ReadmeTable() {
  using C = Component;
  return {
      {"helm4-all.yaml",
       {{{C::kEnvoyGateway, 17}, {C::kKeda, 29}, {C::kKedaHttpAddon, 23}, {C::kPrometheus, 123}},
        {{C::kEnvoyGateway, 7}, {C::kPrometheus, 7}}}},
      {"helm4-all-plus-traefik.yaml",
       {{{C::kEnvoyGateway, 17}, {C::kKeda, 29}, {C::kKedaHttpAddon, 23}, {C::kPrometheus, 123}, {C::kTraefik, 6}},
        {{C::kEnvoyGateway, 7}, {C::kPrometheus, 7}}}},
      {"helm4-envoy-only.yaml", {{{C::kEnvoyGateway, 17}}, {{C::kEnvoyGateway, 7}}}},
      {"helm4-keda-only.yaml", {{{C::kKeda, 29}, {C::kKedaHttpAddon, 23}}, {}}},
      {"helm4-prometheus-only.yaml", {{{C::kPrometheus, 123}}, {{C::kPrometheus, 7}}}},
      {"helm4-envoy-prometheus.yaml",
       {{{C::kEnvoyGateway, 17}, {C::kPrometheus, 123}}, {{C::kEnvoyGateway, 7}, {C::kPrometheus, 7}}}},
      {"helm4-envoy-keda.yaml",
       {{{C::kEnvoyGateway, 17}, {C::kKeda, 29}, {C::kKedaHttpAddon, 23}}, {{C::kEnvoyGateway, 7}}}},
      {"helm3-all.yaml", {{{C::kEnvoyGateway, 10}, {C::kKeda, 29}, {C::kKedaHttpAddon, 23}, {C::kPrometheus, 116}}, {}}},
      {"helm4-none.yaml", {{}, {}}},
  };
}

TEST(AttributeComponentsTest, CountsOfEveryFixtureMatchTheReadme) {
  for (const auto& [name, expected] : ReadmeTable()) {
    AttributedStream s = ReadAndAttribute(Fixture(name));
    ASSERT_FALSE(HasErrors(s.diagnostics)) << name << "\n" << FormatAll(s.diagnostics);
    for (const ComponentInfo& info : ManagedComponents()) {
      const ComponentPlan* entry = s.plan.Find(info.component);
      ASSERT_NE(entry, nullptr) << name << " " << info.chart;
      auto docs = expected.documents.find(info.component);
      auto hooks = expected.hooks.find(info.component);
      EXPECT_EQ(entry->documents, docs == expected.documents.end() ? 0 : docs->second) << name << " " << info.chart;
      EXPECT_EQ(entry->hooks, hooks == expected.hooks.end() ? 0 : hooks->second) << name << " " << info.chart;
      EXPECT_EQ(entry->rendered, docs != expected.documents.end()) << name << " " << info.chart;
    }
    std::size_t unattributed = 0;
    for (const Document& doc : s.docs) {
      if (doc.component == Component::kUnknown || doc.component == Component::kUmbrella ||
          doc.component == Component::kOtherSubchart) {
        ++unattributed;
      }
    }
    EXPECT_EQ(unattributed, 0u) << name;
    const bool helm3 = name.rfind("helm3", 0) == 0;
    EXPECT_EQ(s.plan.style, s.docs.empty() ? StreamStyle::kUnknown : (helm3 ? StreamStyle::kHelm3 : StreamStyle::kHelm4))
        << name;
    if (!s.docs.empty()) {
      EXPECT_EQ(s.plan.umbrella_chart, "dot-apps") << name;
    }
    EXPECT_FALSE(s.plan.hooks_only) << name;
  }
}

TEST(AttributeComponentsTest, KubePrometheusStackSubchartsOfTheFixture) {
  // README: parent 102, grafana 11, kube-state-metrics 6, node-exporter 4.
  AttributedStream s = ReadAndAttribute(Fixture("helm4-all.yaml"));
  std::map<std::string, std::size_t> per_subchart;
  for (const Document& doc : s.docs) {
    if (doc.component == Component::kPrometheus) ++per_subchart[doc.subchart];
  }
  EXPECT_EQ(per_subchart, (std::map<std::string, std::size_t>{
                              {"kube-prometheus-stack", 102},
                              {"kube-prometheus-stack/charts/grafana", 11},
                              {"kube-prometheus-stack/charts/kube-state-metrics", 6},
                              {"kube-prometheus-stack/charts/prometheus-node-exporter", 4},
                          }));
}

TEST(AttributeComponentsTest, HooksOnlyPartOfAFixture) {
  AttributedStream s = ReadAndAttribute(testing::FilterHooks(Fixture("helm4-all.yaml"), true));
  EXPECT_EQ(s.docs.size(), 14u);
  EXPECT_TRUE(s.plan.hooks_only);
}

TEST(CheckObjectShapesTest, Messages) {
  std::vector<Document> docs = testing::ReadDocs(
      "---\n# Source: u/templates/list.yaml\n- a\n---\n# Source: u/templates/text.yaml\nhello\n---\n"
      "apiVersion: v1\nmetadata:\n  name: x\n---\nkind: ConfigMap\n---\napiVersion: v1\nkind: List\nitems: []\n"
      "---\n# only a comment\n");
  Diagnostics diagnostics = CheckObjectShapes(docs);
  ASSERT_EQ(diagnostics.size(), 4u) << FormatAll(diagnostics);
  EXPECT_EQ(FormatDiagnostic(diagnostics[0]),
            "error: doc 0 (u/templates/list.yaml): the document is a list, not a Kubernetes object; hint: each "
            "document must be one object (a mapping with apiVersion, kind and metadata); for many objects use "
            "`kind: List` or separate documents with `---`");
  EXPECT_EQ(FormatDiagnostic(diagnostics[1]),
            "error: doc 1 (u/templates/text.yaml): the document is a single value, not a Kubernetes object; hint: "
            "check the template for stray text outside YAML");
  EXPECT_EQ(FormatDiagnostic(diagnostics[2]),
            "error: doc 2 object x: not a Kubernetes object: no kind; hint: every object needs apiVersion, kind and "
            "metadata.name");
  EXPECT_EQ(FormatDiagnostic(diagnostics[3]),
            "error: doc 3 ConfigMap (no name): not a Kubernetes object: no apiVersion, metadata.name; hint: every "
            "object needs apiVersion, kind and metadata.name");
}

}  // namespace
}  // namespace dotk8s
