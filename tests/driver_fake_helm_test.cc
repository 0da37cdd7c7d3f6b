// The driver end to end with fake helm and kubectl executables that record
// their argv: the exact commands, and their order, for Helm 3 and Helm 4.
#include <gtest/gtest.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <filesystem>
#include <set>

#include "fakes/driver_sandbox.h"
#include "fakes/release_documents.h"

namespace dotk8s::testing {
namespace {

using Call = std::vector<std::string>;

// What `helm template` prints in these tests: objects of three charts in
// their namespaces (as dotk8s-post leaves them) and KEDA's templated CRD.
constexpr std::string_view kEnvoyGatewayController = R"(# Source: dot-apps/charts/gateway-helm/templates/controller.yaml
apiVersion: apps/v1
kind: Deployment
metadata:
  name: envoy-gateway
  namespace: envoy-gateway-system
)";
constexpr std::string_view kPrometheus = R"(# Source: dot-apps/charts/kube-prometheus-stack/templates/prometheus.yaml
apiVersion: monitoring.coreos.com/v1
kind: Prometheus
metadata:
  name: kube-prometheus-stack-prometheus
  namespace: prometheus-system
)";
const std::string kRender = Stream({kEnvoyGatewayController, kKedaScaledObjectCrd, kKedaOperator, kPrometheus});

// The names of the CRDs in the shared fixture files of one chart, read here
// independently of the driver's own archive reading.
std::set<std::string> FixtureCrdNames(const std::vector<std::string>& directories) {
  std::set<std::string> names;
  for (const std::string& directory : directories) {
    for (const auto& entry : std::filesystem::recursive_directory_iterator(FixturePath("crds/" + directory))) {
      if (entry.path().extension() != ".yaml") continue;
      for (const YAML::Node& doc : YAML::LoadAllFromFile(entry.path().string())) {
        if (doc.IsMap() && doc["kind"] && doc["kind"].as<std::string>() == "CustomResourceDefinition") {
          names.insert(doc["metadata"]["name"].as<std::string>());
        }
      }
    }
  }
  return names;
}

std::set<std::string> NamesInStream(const std::string& stream) {
  std::set<std::string> names;
  for (const YAML::Node& doc : YAML::LoadAll(stream)) {
    if (doc.IsMap() && doc["metadata"]) names.insert(doc["metadata"]["name"].as<std::string>());
  }
  return names;
}

struct DriverFakeHelmTest : ::testing::Test {
  DriverSandbox sandbox;
  std::string render_file;

  std::string tmp;  // TMPDIR: where the plan notes file goes

  void SetUp() override {
    DOTK8S_REQUIRE_SANDBOX(sandbox);
    render_file = sandbox.root + "/render.yaml";
    WriteFile(render_file, kRender);
    tmp = sandbox.root + "/tmp";
    std::filesystem::create_directories(tmp);
  }

  std::vector<std::string> Env(const std::string& version) const {
    return {"FAKE_HELM_VERSION=" + version, "FAKE_HELM_TEMPLATE=" + render_file, "TMPDIR=" + tmp};
  }

  // What the driver passes the post-renderer: Envoy Gateway's archive first;
  // then `extra` (--notes=FILE, --gitops).
  std::vector<std::string> Wiring(const std::string& post_renderer, const std::string& ns,
                                  const std::vector<std::string>& extra = {}) const {
    std::vector<std::string> args = {"--post-renderer", post_renderer,
                                     "--post-renderer-args=--release-namespace=" + ns};
    std::vector<std::string> archives = sandbox.ArchivesInOrder();
    args.push_back("--post-renderer-args=--crds=" + archives[1]);  // gateway-helm
    for (std::size_t i : {0u, 2u, 3u, 4u}) args.push_back("--post-renderer-args=--crds=" + archives[i]);
    args.push_back("--post-renderer-args=--log=" + sandbox.LogPath());
    for (const std::string& arg : extra) args.push_back("--post-renderer-args=" + arg);
    return args;
  }

  // The notes file the planning render `call` passes dotk8s-post: a fresh file
  // in TMPDIR, gone once the driver has read it.
  std::string NotesArg(const Call& call) const {
    const std::string flag = "--post-renderer-args=--notes=";
    for (const std::string& arg : call) {
      if (arg.starts_with(flag)) {
        std::string path = arg.substr(flag.size());
        EXPECT_TRUE(path.starts_with(tmp + "/dotk8s-post-notes-")) << path;
        EXPECT_FALSE(std::filesystem::exists(path)) << path << " is left behind";
        return "--notes=" + path;
      }
    }
    ADD_FAILURE() << "no --notes in the planning render";
    return "--notes=?";
  }

  // The planning render: the release's flags, apps.createNamespaces=true, --notes.
  Call PlanningRender(const Call& recorded, const std::string& plugins, const std::string& post_renderer,
                      const std::string& ns, const std::vector<std::string>& values = {}) const {
    Call call = Helm(plugins, {"template", "dot-apps", sandbox.chart, "-n", ns});
    call.insert(call.end(), values.begin(), values.end());
    call.insert(call.end(), {"--set", "apps.createNamespaces=true"});
    std::vector<std::string> wiring = Wiring(post_renderer, ns, {NotesArg(recorded)});
    call.insert(call.end(), wiring.begin(), wiring.end());
    return call;
  }

  Call Helm(const std::string& plugins, std::vector<std::string> args) const {
    Call call = {"helm", "HELM_PLUGINS=" + plugins};
    call.insert(call.end(), args.begin(), args.end());
    return call;
  }

  std::string Helm3Plugins() const { return sandbox.data + "/dotk8s/helm3-plugins"; }
  std::string Helm4Plugins() const { return sandbox.data + "/dotk8s/driver-helm4-plugins"; }
  Call Version() const { return Helm(Helm3Plugins(), {"version", "--template", "{{.Version}}"}); }
  // Before install and upgrade change anything: is the release's last revision pending?
  Call History(const std::string& plugins, const std::string& ns) const {
    return Helm(plugins, {"history", "dot-apps", "-n", ns, "-o", "json", "--max", "5"});
  }
  // Then: does another installation own a Deployment or APIService of the
  // render (kRender: Envoy Gateway's and KEDA's operators)? Read side by side
  // (in any order), checked at `at` and taken out, so the steps after keep
  // their places.
  void TakeForeignReads(std::vector<Call>* calls, std::size_t at) const {
    const std::vector<Call> reads = {
        {"kubectl", "get", "deployments.apps", "-n", "envoy-gateway-system", "--show-managed-fields", "-o", "json"},
        {"kubectl", "get", "deployments.apps", "-n", "keda", "--show-managed-fields", "-o", "json"},
        {"kubectl", "get", "apiservices.apiregistration.k8s.io", "--show-managed-fields", "-o", "json"}};
    ASSERT_GE(calls->size(), at + reads.size());
    const auto first = calls->begin() + static_cast<std::ptrdiff_t>(at);
    const auto last = first + static_cast<std::ptrdiff_t>(reads.size());
    EXPECT_EQ(std::set<Call>(first, last), std::set<Call>(reads.begin(), reads.end()));
    calls->erase(first, last);
  }
  // Then: the live CRDs (the API server's list in one request), with their
  // field managers (crd_ownership.h: another owner's are left alone or
  // refused). Checked at `at` and taken out.
  void TakeCrdOwnershipRead(std::vector<Call>* calls, std::size_t at) const {
    ASSERT_GT(calls->size(), at);
    EXPECT_EQ((*calls)[at], (Call{"kubectl", "get", "--raw", "/apis/apiextensions.k8s.io/v1/customresourcedefinitions"}));
    calls->erase(calls->begin() + static_cast<std::ptrdiff_t>(at));
  }
  // After the CRD apply: the same list read again, so that only the CRDs not
  // Established yet are waited for (the fakes' list has none of them).
  void TakeEstablishedRead(std::vector<Call>* calls, std::size_t at) const { TakeCrdOwnershipRead(calls, at); }
};

Call Concat(Call a, const std::vector<std::string>& b) {
  a.insert(a.end(), b.begin(), b.end());
  return a;
}

// With HOME unset dotk8s has no directory of the user's own: it refuses
// before running anything rather than falling back to /tmp (issue 14).
TEST_F(DriverFakeHelmTest, WithoutAHomeItRefusesBeforeRunningAnything) {
  RunResult run = sandbox.Driver({"template", "--chart", sandbox.chart},
                                 {"HOME=", "XDG_STATE_HOME=", "XDG_DATA_HOME=", "XDG_CACHE_HOME="});
  EXPECT_EQ(run.exit_code, 3) << run.err;
  EXPECT_EQ(run.out, "");
  EXPECT_EQ(run.err,
            "dotk8s: error: HOME is not set to an absolute path (nor XDG_DATA_HOME, XDG_CACHE_HOME, XDG_STATE_HOME): dotk8s keeps its Helm "
            "plugin directories, chart cache and dotk8s-post's log under it and never falls back to a shared path such "
            "as /tmp, which another local user could prepare (Helm runs the plugin a plugin directory names)\n"
            "  hint: set HOME to a directory of your own, or XDG_DATA_HOME, XDG_CACHE_HOME and XDG_STATE_HOME "
            "(absolute paths)\n");
  EXPECT_TRUE(sandbox.Recorded().empty());
  // The XDG directories alone are enough; --help needs none.
  RunResult xdg = sandbox.Driver({"template", "--chart", sandbox.chart, "--dry-run"}, {"HOME="});
  EXPECT_EQ(xdg.exit_code, 0) << xdg.err;
  RunResult help = sandbox.Driver({"template", "--help"}, {"HOME=", "XDG_DATA_HOME="});
  EXPECT_EQ(help.exit_code, 0) << help.err;
}

TEST_F(DriverFakeHelmTest, Helm4InstallRunsEveryStepInOrder) {
  RunResult run = sandbox.Driver({"install", "--chart", sandbox.chart}, Env("v4.1.4"));
  ASSERT_EQ(run.exit_code, 0) << run.err;
  const std::string& chart = sandbox.chart;
  auto calls = sandbox.Recorded();
  ASSERT_EQ(calls.size(), 12u);
  EXPECT_EQ(calls[0], Version());
  EXPECT_EQ(calls[1], PlanningRender(calls[1], Helm4Plugins(), "dotk8s-post", "dot-system"));
  EXPECT_EQ(calls[2], History(Helm4Plugins(), "dot-system"));  // not found: nothing pending
  calls.erase(calls.begin() + 2);
  TakeForeignReads(&calls, 2);  // none found
  TakeCrdOwnershipRead(&calls, 2);
  EXPECT_EQ(calls[2], (Call{"kubectl", "apply", "--server-side", "--field-manager=dotk8s", "-f", "-"}));
  EXPECT_EQ(NamesInStream(sandbox.RecordedInput(7)),
            (std::set<std::string>{"dot-system", "envoy-gateway-system", "keda", "prometheus-system"}));
  EXPECT_EQ(calls[3], (Call{"kubectl", "apply", "--server-side", "--force-conflicts", "--field-manager=dotk8s", "-f",
                            "-"}));
  TakeEstablishedRead(&calls, 4);
  // The CRDs of the charts that rendered something (Traefik is off): Envoy
  // Gateway's and kube-prometheus-stack's crds/; KEDA's templated one is Helm's.
  std::set<std::string> expected = FixtureCrdNames({"gateway-helm-1.7.0", "kube-prometheus-stack-82.2.1"});
  EXPECT_EQ(expected.size(), 30u);
  EXPECT_EQ(NamesInStream(sandbox.RecordedInput(8)), expected);
  ASSERT_GE(calls[4].size(), 4u);
  EXPECT_EQ(Call(calls[4].begin(), calls[4].begin() + 4),
            (Call{"kubectl", "wait", "--for=condition=Established", "--timeout=120s"}));
  std::set<std::string> waited;
  for (std::size_t i = 4; i < calls[4].size(); ++i) waited.insert(calls[4][i].substr(4));
  EXPECT_EQ(waited, expected);
  // As they ran: three kubectl wait, ten CRDs each (side by side; kubectl
  // looks at one CRD after another).
  std::size_t waits = 0;
  for (const Call& call : sandbox.RecordedAsRun()) {
    if (call[1] != "wait") continue;
    ++waits;
    EXPECT_EQ(call.size(), 4u + 10u);
  }
  EXPECT_EQ(waits, 3u);
  EXPECT_EQ(calls[5], Concat(Helm(Helm4Plugins(), {"install", "dot-apps", chart, "-n", "dot-system", "--set",
                                                   "apps.createNamespaces=false", "--skip-crds"}),
                             Wiring("dotk8s-post", "dot-system")));
  EXPECT_NE(run.out.find("STATUS: deployed"), std::string::npos) << run.out;
}

TEST_F(DriverFakeHelmTest, Helm3InstallUsesTheExecutableAndAppliesTemplatedCrds) {
  RunResult run = sandbox.Driver({"install", "--chart", sandbox.chart, "--profile", "gateway"}, Env("v3.17.3"));
  ASSERT_EQ(run.exit_code, 0) << run.err;
  EXPECT_NE(run.err.find("v3.17.3 is Helm 3: release namespace envoy-gateway-system and profile helm3"),
            std::string::npos)
      << run.err;
  const std::string& chart = sandbox.chart;
  const std::string ns = "envoy-gateway-system";
  const std::vector<std::string> profiles = {"-f", chart + "/values/gateway.yaml", "-f", chart + "/values/helm3.yaml"};
  const std::vector<std::string> values = Concat(profiles, {"--set", "apps.createNamespaces=false"});
  auto calls = sandbox.Recorded();
  ASSERT_EQ(calls.size(), 14u);
  EXPECT_EQ(calls[0], Version());
  EXPECT_EQ(calls[1], PlanningRender(calls[1], Helm3Plugins(), DOTK8S_POST_BINARY, ns, profiles));
  EXPECT_EQ(calls[2], History(Helm3Plugins(), ns));
  calls.erase(calls.begin() + 2);
  TakeForeignReads(&calls, 2);
  TakeCrdOwnershipRead(&calls, 2);
  EXPECT_EQ(NamesInStream(sandbox.RecordedInput(7)),
            (std::set<std::string>{"envoy-gateway-system", "keda", "prometheus-system"}));
  std::set<std::string> expected = FixtureCrdNames({"gateway-helm-1.7.0", "kube-prometheus-stack-82.2.1"});
  expected.insert("scaledobjects.keda.sh");  // Helm 3: the templated CRD goes first too
  EXPECT_EQ(NamesInStream(sandbox.RecordedInput(8)), expected);
  TakeEstablishedRead(&calls, 4);
  EXPECT_EQ(calls[4][1], "wait");
  EXPECT_EQ(calls[5], (Call{"kubectl", "label", "crd", "scaledobjects.keda.sh", "app.kubernetes.io/managed-by=Helm",
                            "--overwrite"}));
  EXPECT_EQ(calls[6], (Call{"kubectl", "annotate", "crd", "scaledobjects.keda.sh", "meta.helm.sh/release-name=dot-apps",
                            "meta.helm.sh/release-namespace=envoy-gateway-system", "--overwrite"}));
  EXPECT_EQ(calls[7], Concat(Concat(Helm(Helm3Plugins(), {"install", "dot-apps", chart, "-n", ns}), values),
                             Concat({"--skip-crds"}, Wiring(DOTK8S_POST_BINARY, ns))));
}

TEST_F(DriverFakeHelmTest, Helm3RefusesAnotherNamespace) {
  RunResult run = sandbox.Driver({"install", "--chart", sandbox.chart, "-n", "dot-system"}, Env("v3.17.3"));
  EXPECT_EQ(run.exit_code, 2);
  EXPECT_NE(run.err.find("Helm 3 cannot install the umbrella into namespace dot-system"), std::string::npos) << run.err;
  EXPECT_NE(run.err.find("hint: under Helm 3 use -n envoy-gateway-system (the default), or run Helm 4"),
            std::string::npos)
      << run.err;
  EXPECT_EQ(sandbox.Recorded(), (std::vector<Call>{Version()}));
}

// The GitOps route: dotk8s-post --gitops (Namespaces, CRDs, the rest).
TEST_F(DriverFakeHelmTest, TemplateIsOneHelmCall) {
  RunResult run = sandbox.Driver({"template", "web", "--chart", sandbox.chart, "-n", "apps", "--set", "a=b", "-f",
                                  sandbox.chart + "/values/autoscaling.yaml"},
                                 Env("v4.1.4"));
  ASSERT_EQ(run.exit_code, 0) << run.err;
  EXPECT_EQ(run.out, kRender);
  EXPECT_EQ(run.err, "");  // quiet in a pipe
  auto calls = sandbox.Recorded();
  ASSERT_EQ(calls.size(), 2u);
  EXPECT_EQ(calls[1], Concat(Helm(Helm4Plugins(), {"template", "web", sandbox.chart, "-n", "apps", "-f",
                                                   sandbox.chart + "/values/autoscaling.yaml", "--set", "a=b"}),
                             Wiring("dotk8s-post", "apps", {"--gitops"})));
}

TEST_F(DriverFakeHelmTest, UpgradeAndUninstallWithoutARelease) {
  RunResult upgrade = sandbox.Driver({"upgrade", "--chart", sandbox.chart}, Env("v4.1.4"));
  ASSERT_EQ(upgrade.exit_code, 0) << upgrade.err;
  auto calls = sandbox.Recorded();
  ASSERT_EQ(calls.size(), 13u);
  // No release yet: nothing pending, nothing to protect, nothing looked up.
  EXPECT_EQ(calls[2], History(Helm4Plugins(), "dot-system"));
  TakeForeignReads(&calls, 3);
  TakeCrdOwnershipRead(&calls, 3);
  EXPECT_EQ(calls[3], Helm(Helm4Plugins(), {"get", "manifest", "dot-apps", "-n", "dot-system"}));
  EXPECT_EQ(calls[4][1], "apply");
  EXPECT_EQ(calls[5][1], "apply");  // CRDs again: upgrades get new CRD versions
  TakeEstablishedRead(&calls, 6);
  EXPECT_EQ(calls[7][2], "upgrade");

  std::filesystem::remove(sandbox.record);
  RunResult uninstall = sandbox.Driver({"uninstall", "--chart", sandbox.chart}, Env("v4.1.4"));
  ASSERT_EQ(uninstall.exit_code, 0) << uninstall.err;
  EXPECT_EQ(sandbox.Recorded(),
            (std::vector<Call>{Version(), Helm(Helm4Plugins(), {"get", "manifest", "dot-apps", "-n", "dot-system"}),
                               Helm(Helm4Plugins(), {"uninstall", "dot-apps", "-n", "dot-system"})}));
  // Nothing of the release carried keep, so nothing is said about it.
  EXPECT_EQ(uninstall.err.find("kept the release's"), std::string::npos) << uninstall.err;
  EXPECT_NE(uninstall.err.find("dotk8s: not in the release, so also left: the CRDs of the charts' crds/ folders"),
            std::string::npos)
      << uninstall.err;
}

TEST_F(DriverFakeHelmTest, DryRunPrintsEveryCommandAndRunsOnlyProbes) {
  RunResult run = sandbox.Driver({"install", "--chart", sandbox.chart, "--dry-run"}, Env("v4.1.4"));
  ASSERT_EQ(run.exit_code, 0) << run.err;
  auto calls = sandbox.Recorded();
  ASSERT_EQ(calls.size(), 7u);  // version, the planning render, the revisions, another installation's, the CRDs
  EXPECT_EQ(calls[1][2], "template");
  EXPECT_EQ(calls[2][2], "history");
  TakeForeignReads(&calls, 3);
  TakeCrdOwnershipRead(&calls, 3);
  std::vector<std::string> lines = Lines(run.out);
  std::vector<std::string> commands;
  for (const std::string& line : lines) {
    if (!line.starts_with("#")) commands.push_back(line.substr(0, line.find(" -")));
  }
  ASSERT_EQ(commands.size(), 13u) << run.out;  // the CRDs waited for by three kubectl, ten each
  EXPECT_EQ(commands[0], "HELM_PLUGINS=" + Helm3Plugins() + " " + SourcePath("tests/fakes/helm") + " version");
  EXPECT_NE(lines[1].find("version --template '{{.Version}}'"), std::string::npos) << run.out;
  EXPECT_NE(run.out.find(SourcePath("tests/fakes/kubectl") + " apply --server-side --field-manager=dotk8s -f - < ("),
            std::string::npos)
      << run.out;
  EXPECT_NE(run.out.find(" install dot-apps " + sandbox.chart + " -n dot-system --set apps.createNamespaces=false "
                                                                "--skip-crds --post-renderer dotk8s-post"),
            std::string::npos)
      << run.out;
}

TEST_F(DriverFakeHelmTest, PostRendererFailureShowsItsOwnMessage) {
  std::vector<std::string> env = Env("v4.1.4");
  env.push_back(
      "FAKE_HELM_POST_ERROR=error: doc 3 (dot-apps/templates/dotk8s-settings.yaml) apps.keda: not a map; hint: fix it");
  RunResult run = sandbox.Driver({"install", "--chart", sandbox.chart}, env);
  EXPECT_EQ(run.exit_code, 1);
  EXPECT_NE(run.err.find("dotk8s: error: helm template failed: the post-renderer dotk8s-post refused the render:\n"
                         "  error: doc 3 (dot-apps/templates/dotk8s-settings.yaml) apps.keda: not a map; hint: fix it\n"),
            std::string::npos)
      << run.err;
  // Nothing was applied or installed.
  EXPECT_EQ(sandbox.Recorded().size(), 2u);
}

TEST_F(DriverFakeHelmTest, KubectlFailureStopsBeforeHelmInstalls) {
  std::vector<std::string> env = Env("v4.1.4");
  env.push_back("FAKE_KUBECTL_FAIL=apply");
  RunResult run = sandbox.Driver({"install", "--chart", sandbox.chart}, env);
  EXPECT_EQ(run.exit_code, 1);
  EXPECT_NE(run.err.find("error: fake kubectl: apply failed"), std::string::npos) << run.err;
  EXPECT_NE(run.err.find("dotk8s: error: creating namespaces dot-system, envoy-gateway-system, keda, "
                         "prometheus-system failed: exit 1"),
            std::string::npos)
      << run.err;
  auto calls = sandbox.Recorded();
  ASSERT_EQ(calls.size(), 8u);
  TakeForeignReads(&calls, 3);
  TakeCrdOwnershipRead(&calls, 3);
  EXPECT_EQ(calls[3][0], "kubectl");
}

TEST_F(DriverFakeHelmTest, MissingDependenciesAreReportedBeforeHelmRuns) {
  std::filesystem::remove(sandbox.chart + "/charts/keda-2.19.0.tgz");
  RunResult run = sandbox.Driver({"template", "--chart", sandbox.chart}, Env("v4.1.4"));
  EXPECT_EQ(run.exit_code, 3);
  EXPECT_NE(run.err.find("keda 2.19.0 is missing (charts/keda-2.19.0.tgz)"), std::string::npos) << run.err;
  EXPECT_NE(run.err.find("hint: run `dotk8s deps`"), std::string::npos) << run.err;
  EXPECT_TRUE(sandbox.Recorded().empty());
}

// A planning render holds Secrets (Grafana's admin password here): whatever
// fails later, none of it reaches stdout or stderr.
constexpr std::string_view kSecretData = "c3VwZXItc2VjcmV0LWFkbWluLXBhc3N3b3Jk";

std::string RenderWithSecret() {
  return fmt::format(
      "{}---\n# Source: dot-apps/charts/kube-prometheus-stack/charts/grafana/templates/secret.yaml\n"
      "apiVersion: v1\nkind: Secret\nmetadata:\n  name: kube-prometheus-stack-grafana\n"
      "  namespace: prometheus-system\ntype: Opaque\ndata:\n  admin-password: {}\n",
      kRender, kSecretData);
}

TEST_F(DriverFakeHelmTest, AFailedInstallOrUpgradeNeverPrintsThePlanningRender) {
  WriteFile(render_file, RenderWithSecret());
  for (std::string verb : {"install", "upgrade"}) {
    for (std::string version : {"v4.1.4", "v3.17.3"}) {
      SCOPED_TRACE(verb + " with " + version);
      std::filesystem::remove(sandbox.record);
      std::vector<std::string> env = Env(version);
      env.push_back("FAKE_HELM_FAIL=" + verb);
      RunResult run = sandbox.Driver({verb, "--chart", sandbox.chart}, env);
      EXPECT_EQ(run.exit_code, 1) << run.err;
      // The planning render ran (and printed the Secret to the driver), then helm failed.
      auto calls = sandbox.Recorded();
      ASSERT_FALSE(calls.empty());
      EXPECT_EQ(calls[1][2], "template");
      EXPECT_EQ(calls.back()[2], verb);
      EXPECT_EQ(run.out, "");
      EXPECT_NE(run.err.find("Error: fake helm: " + verb + " failed\ndotk8s: error: helm " + verb +
                             " failed (exit 1)\n"),
                std::string::npos)
          << run.err;
      for (const std::string& text : {run.out, run.err}) {
        EXPECT_EQ(text.find(kSecretData), std::string::npos) << text;
        EXPECT_EQ(text.find("kind: Secret"), std::string::npos) << text;
        EXPECT_EQ(text.find("name: envoy-gateway"), std::string::npos) << text;
      }
    }
  }
}

TEST_F(DriverFakeHelmTest, PlanNotesReachTheUserOnStderr) {
  for (std::string version : {"v4.1.4", "v3.17.3"}) {
    SCOPED_TRACE(version);
    std::vector<std::string> env = Env(version);
    env.push_back(
        "FAKE_HELM_NOTES=note: Namespace default not injected: every cluster has it\n"
        "note: Namespace keda is not labelled team=a: the Prometheus podMonitorNamespaceSelector excludes it");
    RunResult run = sandbox.Driver({"install", "--chart", sandbox.chart}, env);
    ASSERT_EQ(run.exit_code, 0) << run.err;
    EXPECT_NE(run.err.find("dotk8s-post: Namespace default not injected: every cluster has it\n"
                           "dotk8s-post: Namespace keda is not labelled team=a: the Prometheus "
                           "podMonitorNamespaceSelector excludes it\n"),
              std::string::npos)
        << run.err;
    EXPECT_EQ(run.out.find("dotk8s-post:"), std::string::npos) << run.out;
    // The notes file was the planning render's, and it is gone.
    auto calls = sandbox.Recorded();
    NotesArg(calls[1]);
    EXPECT_TRUE(std::filesystem::is_empty(tmp));
    std::filesystem::remove(sandbox.record);
  }
  // No notes (dotk8s-post wrote none, or an older one ignored the file): nothing said.
  RunResult quiet = sandbox.Driver({"install", "--chart", sandbox.chart}, Env("v4.1.4"));
  ASSERT_EQ(quiet.exit_code, 0) << quiet.err;
  EXPECT_EQ(quiet.err.find("dotk8s-post:"), std::string::npos) << quiet.err;
}

// What dotk8s-post injects with apps.createNamespaces=true (Helm 4 style:
// hooks), and a Namespace a chart renders itself.
constexpr std::string_view kInjectedNamespaces = R"(---
# Source: dot-apps/templates/dotk8s-post/namespaces.yaml
apiVersion: v1
kind: Namespace
metadata:
  name: keda
  labels:
    app.kubernetes.io/part-of: dot-apps
    team: "1.0"
  annotations:
    helm.sh/hook: pre-install,pre-upgrade
    helm.sh/hook-weight: "-1000"
    helm.sh/hook-delete-policy: hook-failed
    helm.sh/resource-policy: keep
---
# Source: dot-apps/templates/dotk8s-post/namespaces.yaml
apiVersion: v1
kind: Namespace
metadata:
  name: prometheus-system
  labels:
    monitoring: enabled
  annotations:
    helm.sh/resource-policy: keep
---
# Source: dot-apps/charts/gateway-helm/templates/namespace.yaml
apiVersion: v1
kind: Namespace
metadata:
  name: gateway-extras
---
# Source: dot-apps/charts/gateway-helm/templates/extras.yaml
apiVersion: v1
kind: ConfigMap
metadata:
  name: extras
  namespace: gateway-extras
)";

TEST_F(DriverFakeHelmTest, InjectedNamespacesAreAppliedWithTheirLabelsAndWithoutHookAnnotations) {
  WriteFile(render_file, std::string(kRender) + std::string(kInjectedNamespaces));
  RunResult run = sandbox.Driver({"install", "--chart", sandbox.chart}, Env("v4.1.4"));
  ASSERT_EQ(run.exit_code, 0) << run.err;
  auto calls = sandbox.Recorded();
  ASSERT_EQ(calls.size(), 12u);
  EXPECT_EQ(calls[2][2], "history");
  calls.erase(calls.begin() + 2);
  TakeForeignReads(&calls, 2);
  TakeCrdOwnershipRead(&calls, 2);
  EXPECT_EQ(calls[2], (Call{"kubectl", "apply", "--server-side", "--field-manager=dotk8s", "-f", "-"}));
  const std::string applied = sandbox.RecordedInput(7);
  std::vector<YAML::Node> docs = YAML::LoadAll(applied);
  std::vector<std::string> names;
  for (const YAML::Node& doc : docs) names.push_back(doc["metadata"]["name"].as<std::string>());
  // gateway-extras is the release's own Namespace: helm creates it.
  EXPECT_EQ(names, (std::vector<std::string>{"dot-system", "envoy-gateway-system", "keda", "prometheus-system"}));
  for (const YAML::Node& doc : docs) {
    EXPECT_EQ(doc["apiVersion"].as<std::string>(), "v1");
    EXPECT_EQ(doc["kind"].as<std::string>(), "Namespace");
  }
  // Not injected: bare.
  EXPECT_FALSE(docs[0]["metadata"]["labels"]) << applied;
  EXPECT_FALSE(docs[1]["metadata"]["labels"]) << applied;
  // Injected: labels as rendered, keep, no hook annotations.
  const YAML::Node keda = docs[2]["metadata"];
  EXPECT_EQ(keda["labels"].size(), 2u) << applied;
  EXPECT_EQ(keda["labels"]["app.kubernetes.io/part-of"].as<std::string>(), "dot-apps");
  EXPECT_EQ(keda["labels"]["team"].as<std::string>(), "1.0");
  EXPECT_TRUE(applied.find("team: \"1.0\"") != std::string::npos || applied.find("team: '1.0'") != std::string::npos)
      << "a label value that reads as a number must stay a string:\n" << applied;
  EXPECT_EQ(keda["annotations"].size(), 1u) << applied;
  EXPECT_EQ(keda["annotations"]["helm.sh/resource-policy"].as<std::string>(), "keep");
  EXPECT_EQ(applied.find("helm.sh/hook"), std::string::npos) << applied;
  EXPECT_EQ(docs[3]["metadata"]["labels"]["monitoring"].as<std::string>(), "enabled");
  // The install itself does not create them.
  TakeEstablishedRead(&calls, 4);
  EXPECT_EQ(calls[5][2], "install");
  EXPECT_NE(std::find(calls[5].begin(), calls[5].end(), "apps.createNamespaces=false"), calls[5].end());
}

const std::string kRefusal =
    "dotk8s: error: Helm v3.18.0 renders `{{ if 0 }}` as true (helm/helm#30880, fixed in 3.18.1): "
    "kube-prometheus-stack's Prometheus would get maximumStartupDurationSeconds: 0 and the HTTP add-on's "
    "PodDisruptionBudget minAvailable: 0 beside maxUnavailable, which the API server rejects\n"
    "  hint: use Helm 3.17.x, Helm 3.18.1 or later, or Helm 4 (--helm PATH)\n";

TEST_F(DriverFakeHelmTest, Helm3180IsRefusedBeforeAnythingRuns) {
  for (const std::vector<std::string>& args :
       std::vector<std::vector<std::string>>{{"template"}, {"install"}, {"upgrade"}, {"uninstall"}, {"crds", "apply"}}) {
    SCOPED_TRACE(args[0]);
    std::filesystem::remove(sandbox.record);
    RunResult run = sandbox.Driver(Concat(args, {"--chart", sandbox.chart}), Env("v3.18.0"));
    EXPECT_EQ(run.exit_code, 2);
    EXPECT_EQ(run.err, kRefusal);
    EXPECT_EQ(run.out, "");
    EXPECT_EQ(sandbox.Recorded(), (std::vector<Call>{Version()}));
  }
  // Its neighbours are fine.
  for (const char* version : {"v3.17.3", "v3.18.1"}) {
    std::filesystem::remove(sandbox.record);
    EXPECT_EQ(sandbox.Driver({"template", "--chart", sandbox.chart}, Env(version)).exit_code, 0) << version;
  }

  RunResult doctor = sandbox.Driver({"doctor", "--chart", sandbox.chart}, Env("v3.18.0"));
  EXPECT_EQ(doctor.exit_code, 1);
  EXPECT_NE(doctor.out.find("FAIL  helm         v3.18.0 (" + SourcePath("tests/fakes/helm") +
                            "): Helm v3.18.0 renders `{{ if 0 }}` as true (helm/helm#30880, fixed in 3.18.1)"),
            std::string::npos)
      << doctor.out;
  EXPECT_NE(doctor.out.find("fix: use Helm 3.17.x, Helm 3.18.1 or later, or Helm 4 (--helm PATH)\n"),
            std::string::npos)
      << doctor.out;
}

// The live release of an older version: its CRDs and Namespaces without keep,
// one CRD and one Namespace already gone from the cluster, and a Secret.
constexpr std::string_view kOldManifestScaledJobCrd = R"(# Source: dot-apps/charts/keda/templates/crds.yaml
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: scaledjobs.keda.sh
spec:
  group: keda.sh
  names:
    kind: ScaledJob
    plural: scaledjobs
  scope: Namespaced
)";
constexpr std::string_view kOldManifestRest = R"(---
# Source: dot-apps/templates/dotk8s-post/namespaces.yaml
apiVersion: v1
kind: Namespace
metadata:
  name: gone
---
# Source: dot-apps/charts/keda/templates/secret.yaml
apiVersion: v1
kind: Secret
metadata:
  name: keda-token
  namespace: keda
data:
  token: c3VwZXItc2VjcmV0LWFkbWluLXBhc3N3b3Jk
)";
const std::string kOldManifest =
    Stream({kKedaScaledObjectCrd, kOldManifestScaledJobCrd, kKedaNamespace}) + std::string(kOldManifestRest);

// kOldManifest as this version stores it: CRDs and Namespaces marked keep.
std::string MarkedManifest() {
  std::string text(kOldManifest);
  for (const std::string kind : {"CustomResourceDefinition", "Namespace"}) {
    const std::string from = "kind: " + kind + "\nmetadata:\n";
    const std::string to = from + "  annotations:\n    helm.sh/resource-policy: keep\n";
    for (std::size_t at = text.find(from); at != std::string::npos; at = text.find(from, at + to.size())) {
      text.replace(at, from.size(), to);
    }
  }
  return text;
}

struct DriverProtectionTest : DriverFakeHelmTest {
  std::vector<std::string> Env(const std::string& version, const std::string& stored = MarkedManifest()) const {
    const std::string manifest = sandbox.root + "/manifest.yaml";
    WriteFile(manifest, stored);
    std::vector<std::string> env = DriverFakeHelmTest::Env(version);
    env.push_back("FAKE_HELM_MANIFEST=" + manifest);
    env.push_back("FAKE_KUBECTL_EXISTING=crd/scaledobjects.keda.sh namespace/keda");
    return env;
  }
  // The lookup reads each object's resource policy: only what lacks keep is annotated.
  static Call Lookup(const std::string& resource, const std::vector<std::string>& names) {
    Call call = {"kubectl", "get", resource};
    call.insert(call.end(), names.begin(), names.end());
    call.insert(call.end(), {"--ignore-not-found", "--no-headers", "-o",
                             "custom-columns=NAME:.metadata.name,KEEP:.metadata.annotations.helm\\.sh/resource-policy"});
    return call;
  }
  std::vector<Call> Protection() const {
    return {Lookup("crd", {"scaledjobs.keda.sh", "scaledobjects.keda.sh"}),
            Call{"kubectl", "annotate", "--overwrite", "crd", "scaledobjects.keda.sh", "helm.sh/resource-policy=keep"},
            Lookup("namespace", {"gone", "keda"}),
            Call{"kubectl", "annotate", "--overwrite", "namespace", "keda", "helm.sh/resource-policy=keep"}};
  }
};

TEST_F(DriverProtectionTest, UpgradeMarksTheLiveReleasesCrdsAndNamespacesKeepFirst) {
  RunResult run = sandbox.Driver({"upgrade", "--chart", sandbox.chart}, Env("v4.1.4"));
  ASSERT_EQ(run.exit_code, 0) << run.err;
  auto calls = sandbox.Recorded();
  ASSERT_EQ(calls.size(), 17u);
  EXPECT_EQ(calls[0], Version());
  EXPECT_EQ(calls[1], PlanningRender(calls[1], Helm4Plugins(), "dotk8s-post", "dot-system"));
  EXPECT_EQ(calls[2], History(Helm4Plugins(), "dot-system"));  // one deployed revision
  calls.erase(calls.begin() + 2);
  TakeForeignReads(&calls, 2);
  TakeCrdOwnershipRead(&calls, 2);
  EXPECT_EQ(calls[2], Helm(Helm4Plugins(), {"get", "manifest", "dot-apps", "-n", "dot-system"}));
  std::vector<Call> protection = Protection();
  for (std::size_t i = 0; i < protection.size(); ++i) EXPECT_EQ(calls[3 + i], protection[i]) << i;
  EXPECT_EQ(calls[7], (Call{"kubectl", "apply", "--server-side", "--field-manager=dotk8s", "-f", "-"}));
  EXPECT_EQ(calls[8][1], "apply");
  TakeEstablishedRead(&calls, 9);
  EXPECT_EQ(calls[9][1], "wait");
  EXPECT_EQ(calls[10], Concat(Helm(Helm4Plugins(), {"upgrade", "dot-apps", sandbox.chart, "-n", "dot-system", "--set",
                                                    "apps.createNamespaces=false", "--skip-crds"}),
                              Wiring("dotk8s-post", "dot-system")));
  for (const std::string& text : {run.out, run.err}) EXPECT_EQ(text.find(kSecretData), std::string::npos) << text;
}

TEST_F(DriverProtectionTest, UninstallProtectsThenSaysWhatItKeptAndWhy) {
  for (std::string version : {"v4.1.4", "v3.17.3"}) {
    SCOPED_TRACE(version);
    std::filesystem::remove(sandbox.record);
    RunResult run = sandbox.Driver({"uninstall", "--chart", sandbox.chart}, Env(version));
    ASSERT_EQ(run.exit_code, 0) << run.err;
    const bool helm3 = version.starts_with("v3");
    const std::string plugins = helm3 ? Helm3Plugins() : Helm4Plugins();
    const std::string ns = helm3 ? "envoy-gateway-system" : "dot-system";
    std::vector<Call> expected = {Version(), Helm(plugins, {"get", "manifest", "dot-apps", "-n", ns})};
    for (const Call& call : Protection()) expected.push_back(call);
    expected.push_back(Helm(plugins, {"uninstall", "dot-apps", "-n", ns}));
    EXPECT_EQ(sandbox.Recorded(), expected);
    EXPECT_EQ(run.out, "release \"dot-apps\" uninstalled\n");
    EXPECT_NE(run.err.find(
                  "dotk8s: kept the release's CRDs scaledobjects.keda.sh and namespaces keda: they carry "
                  "helm.sh/resource-policy: keep (deleting a CRD deletes every resource of its kind in the cluster; "
                  "deleting a namespace, everything in it)\n"
                  "dotk8s: not in the release, so also left: the CRDs of the charts' crds/ folders (applied by "
                  "dotk8s; Helm never deletes crds/ either) and the namespaces dotk8s created outside the release\n"
                  "dotk8s: delete them by hand if you mean to (kubectl delete crd NAME, kubectl delete namespace "
                  "NAME)\n"),
              std::string::npos)
        << run.err;
    // Gone before: not named as kept.
    EXPECT_EQ(run.err.find("scaledjobs"), std::string::npos) << run.err;
    EXPECT_EQ(run.err.find("gone"), std::string::npos) << run.err;
    EXPECT_EQ(run.err.find(kSecretData), std::string::npos) << run.err;
  }
}

// What an earlier upgrade marked is not written again (the lookup says so):
// an upgrade of a protected release makes no annotate call, and uninstall
// still names what it keeps.
TEST_F(DriverProtectionTest, WhatIsMarkedAlreadyIsNotMarkedAgain) {
  std::vector<std::string> env = Env("v4.1.4");
  env.back() = "FAKE_KUBECTL_EXISTING=crd/scaledobjects.keda.sh=keep namespace/keda=keep";
  RunResult run = sandbox.Driver({"uninstall", "--chart", sandbox.chart}, env);
  ASSERT_EQ(run.exit_code, 0) << run.err;
  EXPECT_EQ(sandbox.Recorded(),
            (std::vector<Call>{Version(), Helm(Helm4Plugins(), {"get", "manifest", "dot-apps", "-n", "dot-system"}),
                               Lookup("crd", {"scaledjobs.keda.sh", "scaledobjects.keda.sh"}),
                               Lookup("namespace", {"gone", "keda"}),
                               Helm(Helm4Plugins(), {"uninstall", "dot-apps", "-n", "dot-system"})}));
  EXPECT_NE(run.err.find("dotk8s: kept the release's CRDs scaledobjects.keda.sh and namespaces keda: they carry "
                         "helm.sh/resource-policy: keep"),
            std::string::npos)
      << run.err;

  // An empty policy, or another word than keep, is no mark: annotated (read
  // by lines, so the empty column shifts nothing).
  std::filesystem::remove(sandbox.record);
  env.back() = "FAKE_KUBECTL_EXISTING=crd/scaledobjects.keda.sh= crd/scaledjobs.keda.sh=keep namespace/keda=Keep";
  run = sandbox.Driver({"uninstall", "--chart", sandbox.chart}, env);
  ASSERT_EQ(run.exit_code, 0) << run.err;
  std::vector<Call> annotated;
  for (const Call& call : sandbox.Recorded()) {
    if (call[1] == "annotate") annotated.push_back(call);
  }
  EXPECT_EQ(annotated, (std::vector<Call>{
                           {"kubectl", "annotate", "--overwrite", "crd", "scaledobjects.keda.sh",
                            "helm.sh/resource-policy=keep"},
                           {"kubectl", "annotate", "--overwrite", "namespace", "keda", "helm.sh/resource-policy=keep"}}));

  // One of them marked, the other not: only the other is annotated.
  std::filesystem::remove(sandbox.record);
  env.back() = "FAKE_KUBECTL_EXISTING=crd/scaledobjects.keda.sh=keep crd/scaledjobs.keda.sh namespace/keda=keep";
  run = sandbox.Driver({"uninstall", "--chart", sandbox.chart}, env);
  ASSERT_EQ(run.exit_code, 0) << run.err;
  const auto calls = sandbox.Recorded();
  ASSERT_EQ(calls.size(), 6u);
  EXPECT_EQ(calls[3], (Call{"kubectl", "annotate", "--overwrite", "crd", "scaledjobs.keda.sh",
                            "helm.sh/resource-policy=keep"}));
}

TEST_F(DriverProtectionTest, UninstallRefusesAReleaseStoredWithoutKeepMarks) {
  // helm uninstall reads helm.sh/resource-policy from the stored manifest, not
  // the live object: marking the cluster's copies cannot save them.
  RunResult run = sandbox.Driver({"uninstall", "--chart", sandbox.chart}, Env("v4.1.4", std::string(kOldManifest)));
  EXPECT_EQ(run.exit_code, 1);
  EXPECT_NE(run.err.find("dotk8s: error: release dot-apps was stored without helm.sh/resource-policy: keep on CRD "
                         "scaledobjects.keda.sh, CRD scaledjobs.keda.sh, Namespace keda, Namespace gone"),
            std::string::npos)
      << run.err;
  EXPECT_NE(run.err.find("run `dotk8s upgrade` with the release's values first"), std::string::npos) << run.err;
  for (const Call& call : sandbox.Recorded()) EXPECT_NE(call[1], "uninstall") << "helm uninstall ran";
}

TEST_F(DriverProtectionTest, AFailedProtectionStopsBeforeHelmChangesAnything) {
  std::vector<std::string> env = Env("v4.1.4");
  env.push_back("FAKE_KUBECTL_FAIL=annotate");
  RunResult run = sandbox.Driver({"uninstall", "--chart", sandbox.chart}, env);
  EXPECT_EQ(run.exit_code, 1);
  EXPECT_NE(run.err.find("dotk8s: error: protecting the CRDs scaledobjects.keda.sh of release dot-apps from deletion "
                         "(helm.sh/resource-policy=keep) failed: exit 1\n"),
            std::string::npos)
      << run.err;
  auto calls = sandbox.Recorded();
  ASSERT_EQ(calls.size(), 4u);
  EXPECT_EQ(calls[3][1], "annotate");

  // helm get manifest failing for another reason than a missing release.
  std::filesystem::remove(sandbox.record);
  env = Env("v4.1.4");
  env.push_back("FAKE_HELM_FAIL=get");
  run = sandbox.Driver({"upgrade", "--chart", sandbox.chart}, env);
  EXPECT_EQ(run.exit_code, 1);
  EXPECT_NE(run.err.find("Error: fake helm: get failed\n"
                         "dotk8s: error: reading the manifest of release dot-apps failed: exit 1\n"),
            std::string::npos)
      << run.err;
  calls = sandbox.Recorded();
  ASSERT_EQ(calls.size(), 8u);
  EXPECT_EQ(calls[2][2], "history");
  TakeForeignReads(&calls, 3);
  TakeCrdOwnershipRead(&calls, 3);
  EXPECT_EQ(calls[3][2], "get");
}

TEST_F(DriverFakeHelmTest, EveryCommandHasHelp) {
  for (const char* command : {"template", "install", "upgrade", "uninstall", "deps", "crds", "bundle", "doctor",
                              "explain", "verify"}) {
    RunResult run = sandbox.Driver({command, "--help"});
    EXPECT_EQ(run.exit_code, 0) << command;
    EXPECT_NE(run.out.find("Usage: dotk8s " + std::string(command)), std::string::npos) << run.out;
    EXPECT_NE(run.out.find("Exit codes:"), std::string::npos) << run.out;
  }
  RunResult unknown = sandbox.Driver({"instal"});
  EXPECT_EQ(unknown.exit_code, 2);
  EXPECT_NE(unknown.err.find("unknown command instal; did you mean install?"), std::string::npos) << unknown.err;
}

}  // namespace
}  // namespace dotk8s::testing
