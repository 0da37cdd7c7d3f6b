// dotk8s crds list|extract|apply on real .tgz archives built from the stand-in
// charts (their crds/ hold the upstream CRD files from the shared fixtures).
#include <gtest/gtest.h>
#include <yaml-cpp/yaml.h>

#include <fmt/ranges.h>

#include <algorithm>
#include <filesystem>
#include <set>

#include "fakes/driver_sandbox.h"
#include "fakes/release_documents.h"

namespace dotk8s::testing {
namespace {
namespace fs = std::filesystem;

std::set<std::string> CrdNamesIn(const std::string& path) {
  std::set<std::string> names;
  for (const YAML::Node& doc : YAML::LoadAllFromFile(path)) {
    if (doc.IsMap() && doc["kind"] && doc["kind"].as<std::string>() == "CustomResourceDefinition") {
      names.insert(doc["metadata"]["name"].as<std::string>());
    }
  }
  return names;
}

std::set<std::string> CrdNamesUnder(const std::string& directory) {
  std::set<std::string> names;
  for (const auto& entry : fs::recursive_directory_iterator(directory)) {
    if (entry.path().extension() == ".yaml") names.merge(CrdNamesIn(entry.path().string()));
  }
  return names;
}

struct DriverCrdsTest : ::testing::Test {
  DriverSandbox sandbox;
  std::set<std::string> envoy, traefik, prometheus;
  void SetUp() override {
    DOTK8S_REQUIRE_SANDBOX(sandbox);
    envoy = CrdNamesUnder(FixturePath("crds/gateway-helm-1.7.0"));
    traefik = CrdNamesIn(FixturePath("crds/traefik-39.0.0/gateway-standard-install.yaml"));
    prometheus = CrdNamesUnder(FixturePath("crds/kube-prometheus-stack-82.2.1"));
  }
  // What apply and extract use: every plain CRD, Traefik's Gateway API copies excepted.
  std::set<std::string> Applied() const {
    std::set<std::string> names = envoy;
    names.insert(prometheus.begin(), prometheus.end());
    for (const std::string& name : traefik) names.insert(name);  // Traefik-only ones stay
    return names;
  }
};

const std::string* FindRow(const std::vector<std::string>& lines, const std::string& name, const std::string& chart) {
  for (const std::string& line : lines) {
    if (line.starts_with(name + " ") && line.find(" " + chart + " ") != std::string::npos) return &line;
  }
  return nullptr;
}

TEST_F(DriverCrdsTest, ListNoticesBothGatewayApiBundlesAndUsesEnvoyGateways) {
  RunResult run = sandbox.Driver({"crds", "list", "--chart", sandbox.chart});
  ASSERT_EQ(run.exit_code, 0) << run.err;
  std::vector<std::string> lines = Lines(run.out);
  const std::string* envoy_row = FindRow(lines, "httproutes.gateway.networking.k8s.io", "gateway-helm-1.7.0");
  const std::string* traefik_row = FindRow(lines, "httproutes.gateway.networking.k8s.io", "traefik-39.0.0");
  ASSERT_NE(envoy_row, nullptr) << run.out;
  ASSERT_NE(traefik_row, nullptr) << run.out;
  EXPECT_NE(envoy_row->find("HTTPRoute"), std::string::npos);
  EXPECT_NE(envoy_row->find("v1*,v1beta1"), std::string::npos) << *envoy_row;
  EXPECT_NE(envoy_row->find("v1.4.1 experimental"), std::string::npos) << *envoy_row;
  EXPECT_TRUE(envoy_row->ends_with(" applied")) << *envoy_row;
  EXPECT_NE(traefik_row->find("v1.4.0 standard"), std::string::npos) << *traefik_row;
  EXPECT_TRUE(traefik_row->ends_with("not used: gateway-helm-1.7.0's copy is")) << *traefik_row;
  // ReferenceGrant: only v1beta1 in the bundle Envoy Gateway ships.
  const std::string* grant = FindRow(lines, "referencegrants.gateway.networking.k8s.io", "gateway-helm-1.7.0");
  ASSERT_NE(grant, nullptr);
  EXPECT_NE(grant->find(" v1beta1* "), std::string::npos) << *grant;
  // The HTTP add-on's CRD is a template (as upstream): listed, left to Helm.
  // (The KEDA stand-in builds its CRDs with `include`, which only rendering
  // reveals; upstream KEDA keeps them as static text under templates/crds/.)
  const std::string* http = FindRow(lines, "httpscaledobjects.http.keda.sh", "keda-add-ons-http-0.12.2");
  ASSERT_NE(http, nullptr) << run.out;
  EXPECT_NE(http->find("HTTPScaledObject"), std::string::npos) << *http;
  EXPECT_TRUE(http->ends_with("templated: in the release; `crds apply` applies it from a render")) << *http;
  // Prometheus' CRDs come from the crds subchart inside kube-prometheus-stack.
  const std::string* podmonitors = FindRow(lines, "podmonitors.monitoring.coreos.com", "kube-prometheus-stack-82.2.1");
  ASSERT_NE(podmonitors, nullptr) << run.out;

  std::set<std::string> shared;
  for (const std::string& name : traefik) shared.insert(envoy.count(name) ? name : "");
  shared.erase("");
  EXPECT_FALSE(shared.empty());
  EXPECT_NE(run.out.find(fmt::format("note: {} CRDs are in two charts: gateway-helm-1.7.0 ships the Gateway API "
                                     "bundle v1.4.1 (experimental channel); traefik-39.0.0 ships the Gateway API "
                                     "bundle v1.4.0 (standard channel). dotk8s uses gateway-helm-1.7.0's",
                                     shared.size())),
            std::string::npos)
      << run.out;
  EXPECT_NE(run.out.find(fmt::format("{} applied by `dotk8s crds apply`", Applied().size())), std::string::npos)
      << run.out;
  EXPECT_NE(run.out.find(fmt::format("{} superseded", shared.size())), std::string::npos) << run.out;
}

TEST_F(DriverCrdsTest, ExtractWritesOneFilePerCrdFromTheChartThatWins) {
  const std::string out = sandbox.root + "/extracted";
  RunResult run = sandbox.Driver({"crds", "extract", "-o", out, "--chart", sandbox.chart});
  ASSERT_EQ(run.exit_code, 0) << run.err;
  std::set<std::string> written;
  for (const auto& entry : fs::recursive_directory_iterator(out)) {
    if (!entry.is_regular_file()) continue;
    std::set<std::string> names = CrdNamesIn(entry.path().string());
    ASSERT_EQ(names.size(), 1u) << entry.path();
    EXPECT_EQ(entry.path().filename().string(), *names.begin() + ".yaml");
    written.insert(*names.begin());
  }
  EXPECT_EQ(written, Applied());
  YAML::Node route = YAML::LoadFile(out + "/gateway-helm-1.7.0/httproutes.gateway.networking.k8s.io.yaml");
  EXPECT_EQ(route["metadata"]["annotations"]["gateway.networking.k8s.io/bundle-version"].as<std::string>(), "v1.4.1");
  EXPECT_FALSE(fs::exists(out + "/traefik-39.0.0/httproutes.gateway.networking.k8s.io.yaml"));
}

std::set<std::string> NamesIn(const std::string& stream) {
  std::set<std::string> names;
  for (const YAML::Node& doc : YAML::LoadAll(stream)) {
    if (doc.IsMap()) names.insert(doc["metadata"]["name"].as<std::string>());
  }
  return names;
}

// What `helm template` prints here: objects of Envoy Gateway's and
// kube-prometheus-stack's charts (the components that are on; Traefik is off)
// and the Gateway the gateway profile renders.
constexpr std::string_view kEnvoyGatewayController = R"(# Source: dot-apps/charts/gateway-helm/templates/controller.yaml
apiVersion: apps/v1
kind: Deployment
metadata:
  name: envoy-gateway
  namespace: envoy-gateway-system
)";
constexpr std::string_view kGateway = R"(# Source: dot-apps/templates/dotk8s-post/gateway.yaml
apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata:
  name: eg
  namespace: envoy-gateway-system
)";
constexpr std::string_view kPrometheus = R"(# Source: dot-apps/charts/kube-prometheus-stack/templates/prometheus.yaml
apiVersion: monitoring.coreos.com/v1
kind: Prometheus
metadata:
  name: kube-prometheus-stack-prometheus
  namespace: prometheus-system
)";

// `crds apply` reads the live CRDs it would apply first (crd_ownership.h):
// the API server's list in one request.
void ExpectCrdRead(const std::vector<std::string>& call) {
  EXPECT_EQ(call, (std::vector<std::string>{"kubectl", "get", "--raw",
                                            "/apis/apiextensions.k8s.io/v1/customresourcedefinitions"}));
}

// After the CRD apply the list is read again, so that only the CRDs not
// Established yet are waited for (the fakes' list has none of those): checked
// and taken out, so the steps after keep their places.
void TakeEstablishedRead(std::vector<std::vector<std::string>>* calls) {
  const auto apply = std::find_if(calls->begin(), calls->end(), [](const std::vector<std::string>& call) {
    return call.size() > 3 && call[1] == "apply" && call[3] == "--force-conflicts";
  });
  ASSERT_NE(apply, calls->end());
  ASSERT_NE(apply + 1, calls->end());
  ExpectCrdRead(*(apply + 1));
  calls->erase(apply + 1);
}

TEST_F(DriverCrdsTest, ApplyRendersThenAppliesServerSideThenWaits) {
  const std::string render = sandbox.root + "/render.yaml";
  WriteFile(render, Stream({kEnvoyGatewayController, kGateway, kPrometheus}));
  RunResult run = sandbox.Driver({"crds", "apply", "--chart", sandbox.chart}, {"FAKE_HELM_TEMPLATE=" + render});
  ASSERT_EQ(run.exit_code, 0) << run.err;
  auto calls = sandbox.Recorded();
  TakeEstablishedRead(&calls);
  ASSERT_EQ(calls.size(), 5u);
  EXPECT_EQ(calls[0][2], "version");
  EXPECT_EQ(calls[1][2], "template");  // no templated CRDs in this render
  ExpectCrdRead(calls[2]);  // nothing there yet (the fake's empty list)
  EXPECT_EQ(calls[3], (std::vector<std::string>{"kubectl", "apply", "--server-side", "--force-conflicts",
                                                "--field-manager=dotk8s", "-f", "-"}));
  EXPECT_EQ(NamesIn(sandbox.RecordedInput(3)), Applied());
  // The Gateway API CRDs sent are Envoy Gateway's experimental ones.
  for (const YAML::Node& doc : YAML::LoadAll(sandbox.RecordedInput(3))) {
    if (doc.IsMap() && doc["spec"]["group"].as<std::string>() == "gateway.networking.k8s.io") {
      EXPECT_EQ(doc["metadata"]["annotations"]["gateway.networking.k8s.io/channel"].as<std::string>(), "experimental");
    }
  }
  EXPECT_EQ(calls[4][1], "wait");
  EXPECT_EQ(calls[4].size(), 4 + Applied().size());
}

// Only the CRDs of the charts that are on: with Envoy Gateway (and Traefik)
// off, no Gateway API bundle at all (it used to apply Traefik's standard one).
TEST_F(DriverCrdsTest, ApplyLeavesOutTheCrdsOfChartsThatAreOff) {
  const std::string render = sandbox.root + "/render.yaml";
  WriteFile(render, Stream({kPrometheus}));
  RunResult run = sandbox.Driver({"crds", "apply", "--chart", sandbox.chart}, {"FAKE_HELM_TEMPLATE=" + render});
  ASSERT_EQ(run.exit_code, 0) << run.err;
  auto calls = sandbox.Recorded();
  TakeEstablishedRead(&calls);
  ASSERT_EQ(calls.size(), 5u);
  EXPECT_EQ(NamesIn(sandbox.RecordedInput(3)), prometheus);
}

std::string Recorded(const std::string& name) { return SourcePath("tests/testdata/crd-ownership/" + name); }

// Another team's Gateway API bundle (Traefik's standard channel, applied
// server-side by field manager another-team, recorded from a real API
// server): it serves what Envoy Gateway and the release need, so it is left
// alone and said; Envoy Gateway's own CRDs and Prometheus' are applied.
TEST_F(DriverCrdsTest, ApplyLeavesAnotherTeamsCompatibleBundleAlone) {
  const std::string render = sandbox.root + "/render.yaml";
  WriteFile(render, Stream({kEnvoyGatewayController, kGateway, kPrometheus}));
  RunResult run = sandbox.Driver({"crds", "apply", "--chart", sandbox.chart},
                                 {"FAKE_HELM_TEMPLATE=" + render,
                                  "FAKE_KUBECTL_CLUSTER=" + Recorded("standard-another-team")});
  ASSERT_EQ(run.exit_code, 0) << run.err;
  EXPECT_NE(run.err.find("dotk8s: Gateway API CRDs v1.4.0 standard channel, managed by field manager another-team: "
                         "left alone; gateway-helm-1.7.0 ships v1.4.1 experimental channel."),
            std::string::npos)
      << run.err;
  auto calls = sandbox.Recorded();
  TakeEstablishedRead(&calls);
  ASSERT_EQ(calls.size(), 5u);
  // `crds apply` applies every CRD it may, also what is on the cluster as
  // dotk8s applied it (Envoy Gateway's own, here): it is how a CRD is put back.
  std::set<std::string> expected = Applied();
  std::erase_if(expected, [](const std::string& name) { return name.find(".gateway.networking.") != std::string::npos; });
  EXPECT_EQ(NamesIn(sandbox.RecordedInput(3)), expected);
  // Waited for: only those the cluster did not serve yet (an update keeps a
  // CRD Established). The recorded cluster has Envoy Gateway's own CRDs
  // (dotk8s installed over the other team's bundle there), not Prometheus'.
  std::set<std::string> waited;
  for (std::size_t i = 4; i < calls[4].size(); ++i) waited.insert(calls[4][i].substr(4));
  std::set<std::string> new_ones;
  std::copy_if(expected.begin(), expected.end(), std::inserter(new_ones, new_ones.end()),
               [](const std::string& name) { return name.ends_with(".monitoring.coreos.com"); });
  EXPECT_EQ(waited, new_ones);
  EXPECT_EQ(new_ones.size(), 10u);

  // --take-over-crds: Envoy Gateway's whole bundle, over theirs.
  std::filesystem::remove(sandbox.record);
  run = sandbox.Driver({"crds", "apply", "--chart", sandbox.chart, "--take-over-crds"},
                       {"FAKE_HELM_TEMPLATE=" + render, "FAKE_KUBECTL_CLUSTER=" + Recorded("standard-another-team")});
  ASSERT_EQ(run.exit_code, 0) << run.err;
  EXPECT_NE(run.err.find("dotk8s: --take-over-crds: applying gateway-helm-1.7.0's Gateway API bundle v1.4.1 "
                         "experimental channel over 6 CRDs managed by field manager another-team (v1.4.0 standard "
                         "channel)\n"),
            std::string::npos)
      << run.err;
  EXPECT_EQ(NamesIn(sandbox.RecordedInput(3)), Applied());
}

// A bundle that lacks a kind Envoy Gateway's controller needs: refused after
// the read, before any apply or mark.
TEST_F(DriverCrdsTest, ApplyRefusesAnIncompatibleBundleBeforeChangingAnything) {
  const std::string render = sandbox.root + "/render.yaml";
  WriteFile(render, Stream({kEnvoyGatewayController, kGateway, kPrometheus}));
  RunResult run = sandbox.Driver({"crds", "apply", "--chart", sandbox.chart},
                                 {"FAKE_HELM_TEMPLATE=" + render,
                                  "FAKE_KUBECTL_CLUSTER=" + Recorded("standard-without-referencegrants")});
  EXPECT_EQ(run.exit_code, 2) << run.err;
  EXPECT_NE(run.err.find("dotk8s: error: not changing CRDs another owner manages: the Gateway API CRDs "
                         "backendtlspolicies.gateway.networking.k8s.io, gatewayclasses.gateway.networking.k8s.io, "
                         "gateways.gateway.networking.k8s.io, grpcroutes.gateway.networking.k8s.io, "
                         "httproutes.gateway.networking.k8s.io are managed by field manager another-team and hold "
                         "v1.4.0 standard channel: referencegrants.gateway.networking.k8s.io (ReferenceGrant) is "
                         "missing."),
            std::string::npos)
      << run.err;
  EXPECT_NE(run.err.find("  hint: have the owner install what the release needs, or, if dot-apps is to manage them "
                         "from now on, add --take-over-crds"),
            std::string::npos)
      << run.err;
  auto calls = sandbox.Recorded();
  ASSERT_EQ(calls.size(), 3u);
  EXPECT_EQ(calls[2][1], "get");
}

// install refuses at the same point: after the reads, before the namespaces.
TEST_F(DriverCrdsTest, InstallRefusesAnIncompatibleBundleBeforeChangingAnything) {
  const std::string render = sandbox.root + "/render.yaml";
  WriteFile(render, Stream({kEnvoyGatewayController, kGateway, kPrometheus}));
  RunResult run = sandbox.Driver({"install", "--chart", sandbox.chart},
                                 {"FAKE_HELM_TEMPLATE=" + render,
                                  "FAKE_KUBECTL_CLUSTER=" + Recorded("standard-without-referencegrants")});
  EXPECT_EQ(run.exit_code, 2) << run.err;
  EXPECT_NE(run.err.find("dotk8s: error: not changing CRDs another owner manages: the Gateway API CRDs"),
            std::string::npos)
      << run.err;
  for (const auto& call : sandbox.Recorded()) {
    EXPECT_TRUE(call[0] == "helm" ? call[2] != "install" : call[1] == "get") << fmt::format("{}", fmt::join(call, " "));
  }
}

// What a render of the release has that the archives' crds/ folders do not:
// KEDA's templated CRD (the stand-in builds it with `include`).
const std::string kRenderWithTemplatedCrd =
    Stream({kEnvoyGatewayController, kGateway, kPrometheus, kKedaScaledObjectCrd, kKedaOperator});

// The plain Helm 3 route: `dotk8s crds apply` renders the release with the
// flags install would get, applies the templated CRDs too and marks them as
// the release's, exactly as install does under Helm 3.
TEST_F(DriverCrdsTest, ApplyAlsoAppliesTheTemplatedCrdsMarkedForTheRelease) {
  const std::string render = sandbox.root + "/render.yaml";
  WriteFile(render, kRenderWithTemplatedCrd);
  const std::string values = sandbox.root + "/mine.yaml";
  WriteFile(values, "apps:\n  traefik:\n    enabled: false\n");
  const std::string tmp = sandbox.root + "/tmp";
  fs::create_directories(tmp);
  RunResult run = sandbox.Driver({"crds", "apply", "web", "--chart", sandbox.chart, "--profile", "autoscaling", "-f",
                                  values, "--set", "a=b"},
                                 {"FAKE_HELM_VERSION=v3.17.3", "FAKE_HELM_TEMPLATE=" + render, "TMPDIR=" + tmp});
  ASSERT_EQ(run.exit_code, 0) << run.err;
  const std::string& chart = sandbox.chart;
  const std::string ns = "envoy-gateway-system";
  auto calls = sandbox.Recorded();
  TakeEstablishedRead(&calls);
  ASSERT_EQ(calls.size(), 7u);
  EXPECT_EQ(calls[0], (std::vector<std::string>{"helm", "HELM_PLUGINS=" + sandbox.data + "/dotk8s/helm3-plugins",
                                                "version", "--template", "{{.Version}}"}));
  // install's planning render, word for word (the notes file is a fresh temporary one).
  std::vector<std::string> render_call = {"helm", "HELM_PLUGINS=" + sandbox.data + "/dotk8s/helm3-plugins",
                                          "template", "web", chart, "-n", ns, "-f",
                                          chart + "/values/autoscaling.yaml", "-f", chart + "/values/helm3.yaml",
                                          "-f", values, "--set", "a=b", "--set", "apps.createNamespaces=true",
                                          "--post-renderer", DOTK8S_POST_BINARY,
                                          "--post-renderer-args=--release-namespace=" + ns};
  std::vector<std::string> archives = sandbox.ArchivesInOrder();
  render_call.push_back("--post-renderer-args=--crds=" + archives[1]);
  for (std::size_t i : {0u, 2u, 3u, 4u}) render_call.push_back("--post-renderer-args=--crds=" + archives[i]);
  render_call.push_back("--post-renderer-args=--log=" + sandbox.LogPath());
  ASSERT_EQ(calls[1].size(), render_call.size() + 1) << fmt::format("{}", fmt::join(calls[1], " "));
  EXPECT_EQ(std::vector<std::string>(calls[1].begin(), calls[1].end() - 1), render_call);
  EXPECT_TRUE(calls[1].back().starts_with("--post-renderer-args=--notes=" + tmp + "/dotk8s-post-notes-"))
      << calls[1].back();

  ExpectCrdRead(calls[2]);
  EXPECT_EQ(calls[3], (std::vector<std::string>{"kubectl", "apply", "--server-side", "--force-conflicts",
                                                "--field-manager=dotk8s", "-f", "-"}));
  std::set<std::string> expected = Applied();
  expected.insert("scaledobjects.keda.sh");
  EXPECT_EQ(NamesIn(sandbox.RecordedInput(3)), expected);
  EXPECT_EQ(calls[4][1], "wait");
  EXPECT_NE(std::find(calls[4].begin(), calls[4].end(), "crd/scaledobjects.keda.sh"), calls[4].end());
  EXPECT_EQ(calls[5], (std::vector<std::string>{"kubectl", "label", "crd", "scaledobjects.keda.sh",
                                                "app.kubernetes.io/managed-by=Helm", "--overwrite"}));
  EXPECT_EQ(calls[6], (std::vector<std::string>{"kubectl", "annotate", "crd", "scaledobjects.keda.sh",
                                                "meta.helm.sh/release-name=web",
                                                "meta.helm.sh/release-namespace=envoy-gateway-system",
                                                "--overwrite"}));
  // kubectl's own output is the command's output; the render is not.
  EXPECT_EQ(run.out, "fake kubectl: apply ok\n");
}

TEST_F(DriverCrdsTest, UsageErrors) {
  EXPECT_EQ(sandbox.Driver({"crds", "--chart", sandbox.chart}).exit_code, 2);
  RunResult run = sandbox.Driver({"crds", "show", "--chart", sandbox.chart});
  EXPECT_EQ(run.exit_code, 2);
  EXPECT_NE(run.err.find("unknown crds action show"), std::string::npos);
  EXPECT_EQ(sandbox.Driver({"crds", "extract", "--chart", sandbox.chart}).exit_code, 2);
}

}  // namespace
}  // namespace dotk8s::testing
