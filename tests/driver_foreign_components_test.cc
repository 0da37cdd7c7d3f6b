// Whose a live object is, which components are on in an installed release,
// and the install's pre-check for another installation's KEDA: the pure
// functions on lists recorded from a real API server
// (tests/testdata/verify/foreign-keda: KEDA off in release dot-apps, another
// team's keda-operator and APIService v1beta1.external.metrics.k8s.io applied
// by field manager team-keda; tests/cluster/record-verify.sh), then the built
// driver with the fake helm and kubectl.
#include <gtest/gtest.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <filesystem>
#include <tuple>

#include "driver/cluster/ownership.h"
#include "driver/release/foreign_components.h"
#include "driver/release/rendered.h"
#include "driver/release/values.h"
#include "fakes/driver_sandbox.h"
#include "fakes/release_documents.h"

namespace dotk8s::testing {
namespace {

using Call = std::vector<std::string>;

std::string VerifyData(const std::string& relative) { return SourcePath("tests/testdata/verify/" + relative); }

std::vector<YAML::Node> RecordedItems(const std::string& relative) {
  std::vector<YAML::Node> items;
  for (const YAML::Node& item : YAML::LoadFile(VerifyData(relative))["items"]) items.push_back(item);
  return items;
}

YAML::Node RecordedItem(const std::string& relative, const std::string& name) {
  for (const YAML::Node& item : RecordedItems(relative)) {
    if (item["metadata"]["name"].as<std::string>() == name) return item;
  }
  ADD_FAILURE() << name << " is not in " << relative;
  return YAML::Node();
}

TEST(ReleaseOwnershipTest, TheReleasesDeploymentsCarryItsMarks) {
  const std::vector<YAML::Node> ours = RecordedItems("healthy/deployments.apps.keda.json");
  ASSERT_EQ(ours.size(), 6u);
  for (const YAML::Node& deployment : ours) {
    EXPECT_TRUE(CarriesReleaseMarks(deployment, "dot-apps", "dot-system")) << deployment["metadata"]["name"];
    EXPECT_TRUE(CarriesReleaseMarks(deployment, "dot-apps", "")) << deployment["metadata"]["name"];
    // Another release, or the same name in another namespace, is not this release.
    EXPECT_FALSE(CarriesReleaseMarks(deployment, "keda", "dot-system"));
    EXPECT_FALSE(CarriesReleaseMarks(deployment, "dot-apps", "keda"));
    // Helm's own writes are listed; the controller's status writes are not.
    EXPECT_EQ(DescribeOwner(deployment), "Helm release dot-apps in dot-system; field manager helm");
    // What marks them where Helm stores no release (applied from `dotk8s template`).
    EXPECT_TRUE(CarriesReleaseLabel(deployment, "dot-apps"));
    EXPECT_FALSE(CarriesReleaseLabel(deployment, "web"));
  }
}

// Traefik's chart labels what it renders "<release>-<namespace>" (its
// traefik.instance-name helper); applied from `dotk8s template` that is this
// release's too. Found by the cluster suite's gitops route (traefik-on).
TEST(ReleaseOwnershipTest, TraefiksInstanceNameIsTheRelease) {
  YAML::Node deployment = YAML::Clone(RecordedItems("healthy/deployments.apps.keda.json").front());
  deployment["metadata"]["labels"]["app.kubernetes.io/instance"] = "dot-apps-traefik";
  EXPECT_TRUE(CarriesReleaseLabel(deployment, "dot-apps"));
  deployment["metadata"]["labels"]["app.kubernetes.io/instance"] = "dot-appsx";
  EXPECT_FALSE(CarriesReleaseLabel(deployment, "dot-apps"));
  deployment["metadata"]["labels"]["app.kubernetes.io/instance"] = "dot-apps-";
  EXPECT_FALSE(CarriesReleaseLabel(deployment, "dot-apps"));
  deployment["metadata"]["labels"]["app.kubernetes.io/instance"] = "web-dot-apps";
  EXPECT_FALSE(CarriesReleaseLabel(deployment, "dot-apps"));
}

TEST(ReleaseOwnershipTest, AnotherTeamsKedaIsNamedByItsFieldManager) {
  const YAML::Node theirs = RecordedItem("foreign-keda/deployments.apps.keda.json", "keda-operator");
  EXPECT_FALSE(CarriesReleaseMarks(theirs, "dot-apps", "dot-system"));
  EXPECT_FALSE(CarriesReleaseLabel(theirs, "dot-apps"));
  EXPECT_EQ(DescribeOwner(theirs), "field manager team-keda");
  const YAML::Node api_service =
      RecordedItem("foreign-keda/apiservices.apiregistration.k8s.io.json", "v1beta1.external.metrics.k8s.io");
  EXPECT_FALSE(CarriesReleaseMarks(api_service, "dot-apps", "dot-system"));
  EXPECT_EQ(DescribeOwner(api_service), "field manager team-keda");
  // Read without --show-managed-fields (what kubectl prints by default), the same object says less.
  YAML::Node bare = YAML::Clone(theirs);
  bare["metadata"].remove("managedFields");
  EXPECT_EQ(DescribeOwner(bare), "no owner marks");
}

TEST(ReleaseOwnershipTest, OwnerMarksOfOtherToolsAreNamed) {
  // Inputs to the function, not recorded objects: the marks another Helm
  // release and Argo CD leave.
  EXPECT_EQ(DescribeOwner(YAML::Load("{metadata: {labels: {app.kubernetes.io/managed-by: Helm}, annotations: "
                                     "{meta.helm.sh/release-name: keda, meta.helm.sh/release-namespace: keda}}}")),
            "Helm release keda in keda");
  EXPECT_EQ(DescribeOwner(YAML::Load("{metadata: {labels: {app.kubernetes.io/managed-by: argocd}}}")),
            "managed-by argocd");
  EXPECT_FALSE(CarriesReleaseMarks(YAML::Load("{metadata: {annotations: {meta.helm.sh/release-name: dot-apps, "
                                              "meta.helm.sh/release-namespace: dot-system}}}"),
                                   "dot-apps", "dot-system"));  // without the label: not Helm's
  EXPECT_FALSE(CarriesReleaseMarks(YAML::Load("[]"), "dot-apps", "dot-system"));
  EXPECT_EQ(DescribeOwner(YAML::Load("[]")), "no owner marks");
}

TEST(ReleaseValuesTest, TheRecordedReleaseValuesSayWhatIsOn) {
  Settings settings;
  std::string error;
  ASSERT_TRUE(SettingsFromReleaseValues(ReadFile(VerifyData("values-keda-off.json")), "dot-apps", "dot-system",
                                        &settings, &error))
      << error;
  EXPECT_EQ(settings.release_name, "dot-apps");
  EXPECT_EQ(settings.release_namespace, "dot-system");
  EXPECT_EQ(DescribeComponents(settings),
            "envoyGateway, prometheus on (in envoy-gateway-system, prometheus-system); keda, keda.httpAddon, traefik "
            "off");
  Settings installed;
  ASSERT_TRUE(SettingsFromReleaseValues(ReadFile(VerifyData("values-default.json")), "dot-apps", "dot-system",
                                        &installed, &error))
      << error;
  EXPECT_EQ(DescribeComponents(installed),
            "envoyGateway, keda, keda.httpAddon, prometheus on (in envoy-gateway-system, keda, keda, "
            "prometheus-system); traefik off");
  EXPECT_EQ(SettingsDifferences(installed, settings),
            (std::vector<std::string>{"keda: on on the command line, off in the release",
                                      "keda.httpAddon: on on the command line, off in the release"}));
  EXPECT_TRUE(SettingsDifferences(installed, installed).empty());
  Settings moved = installed;
  moved.keda.namespace_ = "keda-dot";
  EXPECT_EQ(SettingsDifferences(moved, installed),
            (std::vector<std::string>{"keda: namespace keda-dot on the command line, keda in the release"}));
}

TEST(ReleaseValuesTest, ValuesThatDoNotReadAreErrors) {
  Settings settings;
  std::string error;
  EXPECT_FALSE(SettingsFromReleaseValues("{", "dot-apps", "dot-system", &settings, &error));
  EXPECT_TRUE(error.starts_with("not JSON: ")) << error;
  EXPECT_FALSE(SettingsFromReleaseValues(R"({"replicaCount": 1})", "web", "apps", &settings, &error));
  EXPECT_EQ(error, "no apps: mapping (is it a release of the dot-apps umbrella chart?)");
  EXPECT_FALSE(SettingsFromReleaseValues(R"({"apps": {"keda": {"enabled": "sometimes"}}})", "dot-apps", "dot-system",
                                         &settings, &error));
  EXPECT_NE(error.find("apps.keda.enabled"), std::string::npos) << error;
}

// KEDA as the stand-in chart renders it, through dotk8s-post: its operator and
// its cluster-wide APIService.
constexpr std::string_view kKedaMetricsApiService = R"(# Source: dot-apps/charts/keda/templates/metrics-apiserver.yaml
apiVersion: apiregistration.k8s.io/v1
kind: APIService
metadata:
  name: v1beta1.external.metrics.k8s.io
spec:
  service:
    name: keda-operator-metrics-apiserver
    namespace: keda
)";
constexpr std::string_view kEnvoyGatewayController = R"(# Source: dot-apps/charts/gateway-helm/templates/controller.yaml
apiVersion: apps/v1
kind: Deployment
metadata:
  name: envoy-gateway
  namespace: envoy-gateway-system
)";

RenderedRelease Render(std::initializer_list<std::string_view> documents) {
  RenderedRelease rendered;
  std::string error;
  EXPECT_TRUE(ReadRenderedRelease(Stream(documents), "dot-system", &rendered, &error)) << error;
  return rendered;
}

LiveCluster ForeignKedaCluster() {
  LiveCluster live;
  for (const auto& [resource, ns, file] :
       std::vector<std::tuple<std::string, std::string, std::string>>{
           {"deployments.apps", "keda", "foreign-keda/deployments.apps.keda.json"},
           {"deployments.apps", "envoy-gateway-system", "foreign-keda/deployments.apps.envoy-gateway-system.json"},
           {"apiservices.apiregistration.k8s.io", "", "foreign-keda/apiservices.apiregistration.k8s.io.json"}}) {
    live[ClusterRead{resource, ns, false}.Key()].items = RecordedItems(file);
  }
  return live;
}

TEST(ForeignComponentsTest, ReadsTheNamespacesTheReleaseRendersDeploymentsIntoAndTheApiServices) {
  const RenderedRelease rendered = Render({kEnvoyGatewayController, kKedaOperator, kKedaMetricsApiService});
  std::vector<std::string> keys;
  for (const ClusterRead& read : ForeignReads(rendered, "dot-system")) {
    keys.push_back(read.Key());
    EXPECT_TRUE(read.managed_fields) << read.Key();
  }
  EXPECT_EQ(keys, (std::vector<std::string>{"deployments.apps -n envoy-gateway-system", "deployments.apps -n keda",
                                            "apiservices.apiregistration.k8s.io"}));
}

TEST(ForeignComponentsTest, AnotherTeamsKedaIsFoundAndRefusedWithWhatResolvesIt) {
  const RenderedRelease rendered = Render({kEnvoyGatewayController, kKedaOperator, kKedaMetricsApiService});
  const std::vector<ForeignObject> found = FindForeignObjects(rendered, "dot-apps", "dot-system", ForeignKedaCluster());
  ASSERT_EQ(found.size(), 2u);
  EXPECT_EQ(found[0].Subject(), "Deployment keda/keda-operator");
  EXPECT_EQ(found[0].component, "keda");
  EXPECT_EQ(found[0].owner, "field manager team-keda");
  EXPECT_TRUE(found[0].rendered);
  EXPECT_EQ(found[1].Subject(), "APIService v1beta1.external.metrics.k8s.io");
  EXPECT_TRUE(found[1].rendered);
  std::string hint;
  EXPECT_EQ(ForeignRefusal("dot-apps", found, &hint),
            "another installation owns what release dot-apps would install: Deployment keda/keda-operator (owner: "
            "field manager team-keda), APIService v1beta1.external.metrics.k8s.io (owner: field manager team-keda). "
            "Helm would refuse them (they lack the release's marks: label app.kubernetes.io/managed-by=Helm, "
            "annotations meta.helm.sh/release-name=dot-apps and meta.helm.sh/release-namespace) only after the "
            "namespaces and CRDs were applied over theirs; nothing was changed on the cluster");
  EXPECT_EQ(hint,
            "to keep using theirs, switch ours off: --set apps.keda.enabled=false; or have their owner remove them "
            "first (dotk8s never deletes another installation's objects); moving ours to another namespace "
            "(apps.keda.namespace) does not help: KEDA registers the cluster-wide APIService "
            "v1beta1.external.metrics.k8s.io (one per cluster) and cluster-scoped objects of fixed names");
}

TEST(ForeignComponentsTest, WithKedaOffTheirsIsLeftAloneAndOursIsNotForeign) {
  // KEDA off: nothing of it rendered; their APIService is named as left alone.
  const std::vector<ForeignObject> found =
      FindForeignObjects(Render({kEnvoyGatewayController}), "dot-apps", "dot-system", ForeignKedaCluster());
  ASSERT_EQ(found.size(), 1u);
  EXPECT_EQ(found[0].Subject(), "APIService v1beta1.external.metrics.k8s.io");
  EXPECT_FALSE(found[0].rendered);
  std::string hint;
  // The release's own Deployments (healthy/: Helm's marks of dot-apps) are not foreign.
  LiveCluster ours;
  ours[ClusterRead{"deployments.apps", "keda", false}.Key()].items = RecordedItems("healthy/deployments.apps.keda.json");
  EXPECT_TRUE(FindForeignObjects(Render({kKedaOperator}), "dot-apps", "dot-system", ours).empty());
  // The same Deployments are another release's to a release of another name.
  EXPECT_EQ(FindForeignObjects(Render({kKedaOperator}), "web", "dot-system", ours).at(0).owner,
            "Helm release dot-apps in dot-system; field manager helm");
}

// The driver: install and upgrade refuse before their first write.
struct DriverForeignTest : ::testing::Test {
  DriverSandbox sandbox;
  std::string render_file;
  std::string cluster;

  void SetUp() override {
    DOTK8S_REQUIRE_SANDBOX(sandbox);
    render_file = sandbox.root + "/render.yaml";
    cluster = sandbox.root + "/cluster";
    std::filesystem::create_directories(cluster);
    for (const auto& entry : std::filesystem::directory_iterator(VerifyData("foreign-keda"))) {
      std::filesystem::copy_file(entry.path(), cluster + "/" + entry.path().filename().string());
    }
  }

  RunResult Driver(std::vector<std::string> args, std::string_view render) const {
    WriteFile(render_file, std::string(render));
    std::vector<std::string> argv = {args[0], "--chart", sandbox.chart};
    argv.insert(argv.end(), args.begin() + 1, args.end());
    return sandbox.Driver(argv, {"FAKE_HELM_TEMPLATE=" + render_file, "FAKE_KUBECTL_CLUSTER=" + cluster,
                                 "TMPDIR=" + sandbox.root});
  }

  // Every call that writes: kubectl apply/annotate/label, helm install/upgrade.
  std::vector<Call> Writes() const {
    std::vector<Call> writes;
    for (const Call& call : sandbox.Recorded()) {
      const std::string verb = call.size() > 2 ? (call[0] == "helm" ? call[2] : call[1]) : "";
      if (verb == "apply" || verb == "annotate" || verb == "label" || verb == "install" || verb == "upgrade") {
        writes.push_back(call);
      }
    }
    return writes;
  }
};

TEST_F(DriverForeignTest, InstallRefusesAnotherTeamsKedaBeforeChangingAnything) {
  for (const std::vector<std::string>& command :
       {std::vector<std::string>{"install"}, {"upgrade"}, {"install", "--dry-run"}}) {
    std::filesystem::remove(sandbox.record);
    RunResult run = Driver(command, Stream({kEnvoyGatewayController, kKedaOperator, kKedaMetricsApiService}));
    EXPECT_EQ(run.exit_code, 2) << command[0] << run.err;
    EXPECT_NE(run.err.find("dotk8s: error: another installation owns what release dot-apps would install: Deployment "
                           "keda/keda-operator (owner: field manager team-keda), APIService "
                           "v1beta1.external.metrics.k8s.io (owner: field manager team-keda)."),
              std::string::npos)
        << run.err;
    EXPECT_NE(run.err.find("  hint: to keep using theirs, switch ours off: --set apps.keda.enabled=false;"),
              std::string::npos)
        << run.err;
    EXPECT_TRUE(Writes().empty()) << command[0];
    // It looked where the release would put its Deployments, and at the APIServices.
    const std::vector<Call> calls = sandbox.Recorded();
    EXPECT_NE(std::find(calls.begin(), calls.end(),
                        Call{"kubectl", "get", "deployments.apps", "-n", "keda", "--show-managed-fields", "-o", "json"}),
              calls.end());
    EXPECT_NE(std::find(calls.begin(), calls.end(),
                        Call{"kubectl", "get", "apiservices.apiregistration.k8s.io", "--show-managed-fields", "-o",
                             "json"}),
              calls.end());
  }
}

TEST_F(DriverForeignTest, WithKedaOffItInstallsAndSaysTheirsIsLeftAlone) {
  RunResult run = Driver({"install"}, Stream({kEnvoyGatewayController}));
  EXPECT_EQ(run.exit_code, 0) << run.err;
  EXPECT_NE(run.err.find("dotk8s: APIService v1beta1.external.metrics.k8s.io is another installation's (owner: field "
                         "manager team-keda); release dot-apps does not install it (keda off): left alone\n"),
            std::string::npos)
      << run.err;
  ASSERT_FALSE(Writes().empty());
  EXPECT_EQ(Writes().back()[2], "install");
  // The reads come before the first write.
  const std::vector<Call> calls = sandbox.Recorded();
  std::size_t last_read = 0;
  std::size_t first_write = calls.size();
  for (std::size_t i = 0; i < calls.size(); ++i) {
    if (calls[i][0] == "kubectl" && calls[i][1] == "get") last_read = i;
    if (calls[i][0] == "kubectl" && calls[i][1] == "apply" && first_write == calls.size()) first_write = i;
  }
  EXPECT_LT(last_read, first_write);
}

}  // namespace
}  // namespace dotk8s::testing
