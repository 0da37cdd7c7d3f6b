#include "core/passes/resolve.h"

#include <gtest/gtest.h>

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
using testing::SettingsDocument;

struct Resolved {
  AttributedStream stream;
  Settings settings;
  Diagnostics diagnostics;
};

Resolved Resolve(std::string input, const ReleaseInputs& inputs = {}) {
  Resolved r;
  r.stream = ReadAndAttribute(std::move(input));
  EXPECT_FALSE(HasErrors(r.stream.diagnostics)) << FormatAll(r.stream.diagnostics);
  r.diagnostics = ResolveSettings(r.stream.docs, inputs, &r.settings, r.stream.plan);
  return r;
}

std::string ConfigMap(std::string_view name, std::string_view ns, std::string_view instance = "dot-apps") {
  return fmt::format("---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {}\n  namespace: {}\n  labels:\n"
                     "    app.kubernetes.io/instance: {}\n  annotations:\n"
                     "    postrenderer.helm.sh/postrender-filename: 'dot-apps/charts/keda/templates/{}.yaml'\n",
                     name, ns, instance, name);
}

TEST(ResolveSettingsTest, SettingsDocumentIsReadAndRemoved) {
  const std::string input =
      ConfigMap("a", "dot-system") + SettingsDocument("  keda:\n    enabled: true\n    namespace: autoscaling\n");
  Resolved r = Resolve(input);
  ASSERT_TRUE(r.diagnostics.empty()) << FormatAll(r.diagnostics);
  EXPECT_EQ(r.settings.keda.enabled, std::optional<bool>(true));
  EXPECT_EQ(r.settings.keda.namespace_, "autoscaling");
  EXPECT_EQ(r.settings.release_name, "dot-apps");
  EXPECT_EQ(r.settings.release_namespace, "dot-system");
  ASSERT_EQ(r.stream.docs.size(), 2u);
  EXPECT_FALSE(r.stream.docs[0].removed);
  EXPECT_TRUE(r.stream.docs[1].removed);
  EXPECT_EQ(r.stream.docs[1].removed_reason, "settings for dotk8s-post, not an object for the cluster");
  EXPECT_EQ(r.stream.plan.settings_source, "settings document (dot-apps/templates/dotk8s-settings.yaml)");
  EXPECT_EQ(r.stream.plan.release_name, "dot-apps");
  EXPECT_EQ(r.stream.plan.release_namespace, "dot-system");
  EXPECT_TRUE(r.stream.plan.notes.empty());
}

TEST(ResolveSettingsTest, SecondSettingsDocument) {
  // An identical copy (the chart may render one as a hook too) is consumed as well.
  Resolved same = Resolve(SettingsDocument("  keda: {}\n") + SettingsDocument("  keda: {}\n"));
  EXPECT_TRUE(same.diagnostics.empty()) << FormatAll(same.diagnostics);
  EXPECT_TRUE(same.stream.docs[0].removed);
  EXPECT_TRUE(same.stream.docs[1].removed);
  // Copies that disagree are an error.
  Resolved r = Resolve(SettingsDocument("  keda: {}\n") + SettingsDocument("  keda: {enabled: true}\n"));
  EXPECT_EQ(FormatAll(r.diagnostics),
            "error: doc 1 (dot-apps/templates/dotk8s-settings.yaml) Settings dot-apps: a second settings document "
            "that differs from the first (doc 0); hint: render the settings template once; only the umbrella chart "
            "should include it\n");
}

TEST(ResolveSettingsTest, UnknownKeyInTheDocumentNamesTheTemplate) {
  Resolved r = Resolve(SettingsDocument("  keda:\n    enable: true\n"));
  EXPECT_EQ(FormatAll(r.diagnostics),
            "error: dot-apps/templates/dotk8s-settings.yaml apps.keda.enable: unknown setting `enable`; hint: did you "
            "mean `enabled`?\n");
}

TEST(ResolveSettingsTest, SettingsFileOverlaysTheDocument) {
  ReleaseInputs inputs;
  inputs.settings_path = "overrides.yaml";
  inputs.settings_file = YAML::Load("apps:\n  keda:\n    namespace: autoscaling\n    httpAddon:\n      routeNamespaces: [shop]\n");
  Resolved r = Resolve(SettingsDocument("  keda:\n    enabled: true\n    namespace: keda\n"), inputs);
  ASSERT_TRUE(r.diagnostics.empty()) << FormatAll(r.diagnostics);
  EXPECT_EQ(r.settings.keda.enabled, std::optional<bool>(true));
  EXPECT_EQ(r.settings.keda.namespace_, "autoscaling");
  EXPECT_EQ(r.settings.keda.http_addon.route_namespaces, std::vector<std::string>{"shop"});
  EXPECT_EQ(r.stream.plan.settings_source,
            "settings document (dot-apps/templates/dotk8s-settings.yaml) overlaid with overrides.yaml");
}

TEST(ResolveSettingsTest, SettingsFileAlone) {
  ReleaseInputs inputs;
  inputs.settings_path = "s.yaml";
  inputs.settings_file = YAML::Load("release:\n  namespace: apps\napps:\n  prometheus:\n    enabled: false\n");
  Resolved r = Resolve(ConfigMap("a", "apps"), inputs);
  ASSERT_TRUE(r.diagnostics.empty()) << FormatAll(r.diagnostics);
  EXPECT_EQ(r.settings.prometheus.enabled, std::optional<bool>(false));
  EXPECT_EQ(r.settings.release_namespace, "apps");
  EXPECT_EQ(r.stream.plan.settings_source, "--settings s.yaml");
}

TEST(ResolveSettingsTest, SettingsFileErrorsNameTheFile) {
  ReleaseInputs inputs;
  inputs.settings_path = "s.yaml";
  inputs.settings_file = YAML::Load("apps:\n  keda:\n    namspace: x\n");
  Resolved r = Resolve(SettingsDocument("  keda: {}\n"), inputs);
  EXPECT_EQ(FormatAll(r.diagnostics),
            "error: s.yaml apps.keda.namspace: unknown setting `namspace`; hint: did you mean `namespace`?\n");

  inputs.settings_file = YAML::Load("keda:\n  enabled: true\n");
  r = Resolve(SettingsDocument("  keda: {}\n"), inputs);
  EXPECT_EQ(FormatAll(r.diagnostics),
            "error: s.yaml: settings need an `apps` mapping; hint: write the file in the shape of the chart's "
            "values: apps: {envoyGateway: {...}, ...}\n");
}

TEST(ResolveSettingsTest, ReleaseNamespaceFlag) {
  ReleaseInputs inputs;
  inputs.release_namespace = "dot-system";
  Resolved agree = Resolve(SettingsDocument("  keda: {}\n"), inputs);
  EXPECT_TRUE(agree.diagnostics.empty()) << FormatAll(agree.diagnostics);
  EXPECT_EQ(agree.settings.release_namespace, "dot-system");

  inputs.release_namespace = "other";
  Resolved contradict = Resolve(SettingsDocument("  keda: {}\n"), inputs);
  EXPECT_EQ(FormatAll(contradict.diagnostics),
            "error: --release-namespace other contradicts the settings, which say the release is in dot-system; "
            "hint: drop the flag, or render with the same namespace (helm -n) that the flag names\n");

  inputs.release_namespace = "Bad_NS";
  Resolved invalid = Resolve(ConfigMap("a", "x"), inputs);
  EXPECT_EQ(FormatAll(invalid.diagnostics), "error: --release-namespace `Bad_NS` is not a valid namespace name\n");

  // Without settings the flag wins over what the objects say.
  inputs.release_namespace = "given";
  Resolved flag_only = Resolve(ConfigMap("a", "dot-system"), inputs);
  EXPECT_TRUE(flag_only.diagnostics.empty());
  EXPECT_EQ(flag_only.settings.release_namespace, "given");
  EXPECT_EQ(flag_only.stream.plan.settings_source, "none given: components as rendered, contract namespaces");
}

TEST(ResolveSettingsTest, ReleaseNamespaceInferredFromTheObjects) {
  Resolved r = Resolve(ConfigMap("a", "dot-system") + ConfigMap("b", "dot-system") + ConfigMap("c", "kube-system") +
                       ConfigMap("d", "kube-system") + ConfigMap("e", "kube-system") + ConfigMap("f", "other"));
  ASSERT_TRUE(r.diagnostics.empty()) << FormatAll(r.diagnostics);
  EXPECT_EQ(r.settings.release_namespace, "dot-system");
  EXPECT_EQ(r.stream.plan.notes, std::vector<std::string>{"release namespace dot-system inferred from the rendered objects"});
  EXPECT_EQ(r.settings.release_name, "dot-apps");
}

TEST(ResolveSettingsTest, ReleaseNamespaceTie) {
  Resolved r = Resolve(ConfigMap("a", "one") + ConfigMap("b", "two") + ConfigMap("c", "kube-system"));
  EXPECT_EQ(FormatAll(r.diagnostics),
            "error: cannot tell the release namespace: objects are spread over one (1), two (1); hint: pass "
            "--release-namespace, or render with the dot-apps chart, whose settings document names it\n");
}

TEST(ResolveSettingsTest, FixturesInferTheReleaseWithoutSettings) {
  for (const std::string& name : testing::NonEmptyFixtures()) {
    const std::string input = Fixture(name);
    Resolved r = Resolve(input);
    ASSERT_TRUE(r.diagnostics.empty()) << name << "\n" << FormatAll(r.diagnostics);
    EXPECT_EQ(r.settings.release_namespace, "dot-system") << name;
    EXPECT_EQ(r.settings.release_name, "dot-apps") << name;
    EXPECT_EQ(r.settings.source, "none given: components as rendered, contract namespaces") << name;
  }
}

TEST(ResolveSettingsTest, ReleaseNameFromTheInstanceLabel) {
  Resolved r = Resolve(ConfigMap("a", "ns", "shop") + ConfigMap("b", "ns", "shop") + ConfigMap("c", "ns", "shop-ns"));
  EXPECT_EQ(r.settings.release_name, "shop");
}

TEST(ResolveSettingsTest, IsSettingsDocument) {
  const std::string input =
      SettingsDocument("  keda: {}\n") + "---\napiVersion: dotk8s.dev/v1alpha1\nkind: Other\nmetadata:\n  name: x\n";
  std::vector<Document> docs = testing::ReadDocs(input);
  EXPECT_TRUE(IsSettingsDocument(docs[0]));
  EXPECT_FALSE(IsSettingsDocument(docs[1]));
}

}  // namespace
}  // namespace dotk8s
