#include "core/passes/conditions.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "post_test_util.h"
#include "test_support.h"

namespace dotk8s {
namespace {

using testing::AppsEnabled;
using testing::Fixture;
using testing::FilterStream;
using testing::FormatAll;
using testing::SettingsDocument;

struct Decided {
  std::shared_ptr<const std::string> input;  // the documents point into it
  std::vector<Document> docs;
  Plan plan;
  Settings settings;
  Diagnostics diagnostics;  // of EnforceConditions only
};

Decided Decide(std::string input, const ReleaseInputs& inputs = {}) {
  Decided d;
  d.input = std::make_shared<const std::string>(std::move(input));
  Diagnostics before;
  Append(before, ReadStream(*d.input, ReadOptions{}, &d.docs));
  Append(before, AttributeComponents(d.docs, d.plan));
  Append(before, ResolveSettings(d.docs, inputs, &d.settings, d.plan));
  EXPECT_FALSE(HasErrors(before)) << FormatAll(before);
  d.diagnostics = EnforceConditions(d.docs, d.settings, d.plan);
  return d;
}

std::size_t RemovedOf(const Decided& d, Component component) {
  std::size_t n = 0;
  for (const Document& doc : d.docs) n += doc.removed && doc.component == component ? 1 : 0;
  return n;
}

TEST(EnforceConditionsTest, WithoutSettingsWhatWasRenderedIsOn) {
  Decided d = Decide(Fixture("helm4-all.yaml"));
  ASSERT_TRUE(d.diagnostics.empty()) << FormatAll(d.diagnostics);
  EXPECT_TRUE(d.plan.IsOn(Component::kEnvoyGateway));
  EXPECT_TRUE(d.plan.IsOn(Component::kKeda));
  EXPECT_TRUE(d.plan.IsOn(Component::kKedaHttpAddon));
  EXPECT_TRUE(d.plan.IsOn(Component::kPrometheus));
  EXPECT_FALSE(d.plan.IsOn(Component::kTraefik));
  EXPECT_EQ(d.plan.Find(Component::kEnvoyGateway)->namespace_, "envoy-gateway-system");
  EXPECT_EQ(d.plan.Find(Component::kKedaHttpAddon)->namespace_, "keda");
  EXPECT_EQ(d.plan.Find(Component::kPrometheus)->namespace_, "prometheus-system");
  EXPECT_TRUE(d.plan.removed.empty());
}

TEST(EnforceConditionsTest, HttpAddonRemovedWhenKedaIsOff) {
  // keda-add-ons-http rendered (its own condition was true) but not KEDA.
  const std::string all = Fixture("helm4-all.yaml");
  const std::string input = FilterStream(all, {Component::kEnvoyGateway, Component::kKedaHttpAddon});
  Decided d = Decide(input);
  ASSERT_TRUE(d.diagnostics.empty()) << FormatAll(d.diagnostics);
  EXPECT_FALSE(d.plan.IsOn(Component::kKedaHttpAddon));
  EXPECT_EQ(RemovedOf(d, Component::kKedaHttpAddon), 23u);
  EXPECT_EQ(d.plan.removed,
            std::vector<std::string>{"23 documents of keda-add-ons-http: the KEDA HTTP add-on follows KEDA, and KEDA "
                                     "is off (its ScaledObject and CRD need KEDA)"});
  for (const Document& doc : d.docs) {
    if (doc.component == Component::kEnvoyGateway) {
      EXPECT_FALSE(doc.removed);
    }
  }
  std::string plan = FormatPlan(d.plan);
  EXPECT_NE(plan.find("  keda.httpAddon: removed, 23 documents (0 hooks)\n"), std::string::npos) << plan;
}

TEST(EnforceConditionsTest, HttpAddonRemovedWhenSettingsTurnKedaOff) {
  const std::string all = Fixture("helm4-all.yaml");
  const std::string input = FilterStream(all, {Component::kKedaHttpAddon}) +
                            SettingsDocument(AppsEnabled(false, false, true, false, false));
  Decided d = Decide(input);
  ASSERT_TRUE(d.diagnostics.empty()) << FormatAll(d.diagnostics);
  EXPECT_EQ(RemovedOf(d, Component::kKedaHttpAddon), 23u);
  EXPECT_EQ(d.plan.removed.size(), 1u);
}

TEST(EnforceConditionsTest, SettingsOnButNotRendered) {
  const std::string all = Fixture("helm4-all.yaml");
  const std::string input =
      FilterStream(all, {Component::kEnvoyGateway}) + SettingsDocument(AppsEnabled(true, false, false, true, false));
  Decided d = Decide(input);
  EXPECT_EQ(FormatAll(d.diagnostics),
            "error: settings turn prometheus on (apps.prometheus.enabled: true), but the stream has no document of the "
            "kube-prometheus-stack chart; hint: build the umbrella's dependencies (helm dependency build "
            "charts/dot-apps) and check that Chart.yaml gives kube-prometheus-stack the condition "
            "apps.prometheus.enabled\n");
}

TEST(EnforceConditionsTest, SettingsOffButRendered) {
  const std::string all = Fixture("helm4-all.yaml");
  const std::string input = FilterStream(all, {Component::kEnvoyGateway, Component::kKeda}) +
                            SettingsDocument(AppsEnabled(false, true, false, false, false));
  Decided d = Decide(input);
  EXPECT_EQ(FormatAll(d.diagnostics),
            "error: settings turn envoyGateway off (apps.envoyGateway.enabled: false), but 17 documents of the "
            "gateway-helm chart were rendered; hint: the dependency gateway-helm in Chart.yaml must have `condition: "
            "apps.envoyGateway.enabled`\n");
}

TEST(EnforceConditionsTest, HttpAddonSettingsAgainstTheStream) {
  const std::string all = Fixture("helm4-all.yaml");
  {
    // On in the settings, not rendered, KEDA on.
    Decided d = Decide(FilterStream(all, {Component::kKeda}) + SettingsDocument(AppsEnabled(false, true, true, false, false)));
    EXPECT_EQ(FormatAll(d.diagnostics),
              "error: settings turn the KEDA HTTP add-on on (apps.keda.httpAddon.enabled: true), but the stream has "
              "no document of the keda-add-ons-http chart; hint: build the umbrella's dependencies and check that "
              "Chart.yaml gives keda-add-ons-http the condition apps.keda.httpAddon.enabled\n");
  }
  {
    // Off in the settings, rendered.
    Decided d = Decide(FilterStream(all, {Component::kKeda, Component::kKedaHttpAddon}) +
                       SettingsDocument(AppsEnabled(false, true, false, false, false)));
    EXPECT_EQ(FormatAll(d.diagnostics),
              "error: settings turn the KEDA HTTP add-on off (apps.keda.httpAddon.enabled: false), but 23 documents "
              "of keda-add-ons-http were rendered; hint: the dependency keda-add-ons-http in Chart.yaml must have "
              "`condition: apps.keda.httpAddon.enabled`\n");
  }
  {
    // Agreeing settings: no error, both on.
    Decided d = Decide(FilterStream(all, {Component::kKeda, Component::kKedaHttpAddon}) +
                       SettingsDocument(AppsEnabled(false, true, true, false, false)));
    EXPECT_TRUE(d.diagnostics.empty()) << FormatAll(d.diagnostics);
    EXPECT_TRUE(d.plan.IsOn(Component::kKedaHttpAddon));
  }
}

TEST(EnforceConditionsTest, EveryDisagreementIsReported) {
  const std::string all = Fixture("helm4-all.yaml");
  Decided d = Decide(FilterStream(all, {Component::kPrometheus}) + SettingsDocument(AppsEnabled(true, true, false, false, true)));
  // Envoy Gateway, KEDA and Traefik on but absent; Prometheus off but present.
  EXPECT_EQ(d.diagnostics.size(), 4u) << FormatAll(d.diagnostics);
}

TEST(EnforceConditionsTest, SettingsMatchingEveryFixture) {
  for (const testing::FixtureComponents& c : testing::FixtureMatrix()) {
    const bool helm3 = std::string_view(c.file).rfind("helm3", 0) == 0;
    Decided d = Decide(Fixture(c.file) + SettingsDocument(AppsEnabled(c.eg, c.keda, c.http, c.prometheus, c.traefik), helm3));
    EXPECT_TRUE(d.diagnostics.empty()) << c.file << "\n" << FormatAll(d.diagnostics);
    EXPECT_EQ(d.plan.IsOn(Component::kEnvoyGateway), c.eg) << c.file;
    EXPECT_EQ(d.plan.IsOn(Component::kKeda), c.keda) << c.file;
    EXPECT_EQ(d.plan.IsOn(Component::kKedaHttpAddon), c.http) << c.file;
    EXPECT_EQ(d.plan.IsOn(Component::kPrometheus), c.prometheus) << c.file;
    EXPECT_EQ(d.plan.IsOn(Component::kTraefik), c.traefik) << c.file;
  }
}

TEST(EnforceConditionsTest, HooksOnlyInputProvesNothingAbsent) {
  // Helm 4.2 may send the hooks in a call of their own: settings that turn
  // KEDA on are no error when the call holds only Envoy Gateway's hooks.
  const std::string hooks = testing::FilterHooks(Fixture("helm4-all.yaml"), true);
  ReleaseInputs inputs;
  inputs.settings_path = "settings.yaml";
  inputs.settings_file = YAML::Load("release: {name: dot-apps, namespace: dot-system}\napps:\n" +
                                    AppsEnabled(true, true, true, true, false));
  Decided d = Decide(hooks, inputs);
  EXPECT_TRUE(d.plan.hooks_only);
  EXPECT_TRUE(d.diagnostics.empty()) << FormatAll(d.diagnostics);
  EXPECT_TRUE(d.plan.removed.empty());
  EXPECT_FALSE(d.plan.IsOn(Component::kKeda));
}

}  // namespace
}  // namespace dotk8s
