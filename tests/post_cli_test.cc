// The real dotk8s-post binary: exit codes, what reaches stdout, stderr and the
// log; and end-to-end runs under real Helm 4 (the plugin) and Helm 3 (the
// executable) on a small chart of our own (tests/testdata/mini).
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <string>
#include <vector>

#include "core/error_log.h"
#include "core/pipeline.h"
#include "core/post_options.h"
#include "post_test_util.h"
#include "test_support.h"
#include "version.h"

namespace dotk8s {
namespace {

namespace fs = std::filesystem;
using testing::Fixture;
using testing::ReadFile;
using testing::RunPost;
using testing::RunResult;
using testing::ScratchDir;

// Runs `argv` with environment changes through env(1), which replaces
// variables that are already set (posix_spawn with a duplicate would not).
RunResult RunWithEnv(const std::vector<std::string>& env_changes, const std::vector<std::string>& argv,
                     std::string_view input = {}) {
  std::vector<std::string> full{"/usr/bin/env"};
  full.insert(full.end(), env_changes.begin(), env_changes.end());
  full.insert(full.end(), argv.begin(), argv.end());
  return testing::Run(full, input);
}

TEST(PostCliTest, Version) {
  RunResult r = RunPost({"--version"}, "");
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_EQ(r.out, fmt::format("dotk8s-post {}\n", DOTK8S_VERSION));
  EXPECT_EQ(r.err, "");
}

TEST(PostCliTest, Help) {
  RunResult r = RunPost({"--help"}, "");
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_EQ(r.out, std::string(kPostUsage));
  EXPECT_EQ(r.err, "");
}

TEST(PostCliTest, UsageErrorsExit2AndLogNothing) {
  ScratchDir dir;
  const std::string log = dir.path + "/post.log";
  struct Case {
    std::vector<std::string> args;
    std::string message;
  };
  const std::vector<Case> cases = {
      {{"--bogus"}, "unknown argument `--bogus`"},
      {{"--explian"}, "unknown argument `--explian` (did you mean --explain?)"},
      {{"--settings"}, "--settings needs a value"},
      {{"--validate", "x"}, "--validate takes `injected` or `all`, not `x`"},
      {{"--threads", "many"}, "--threads takes a number from 0 to 64, not `many`"},
  };
  for (const Case& c : cases) {
    std::vector<std::string> args{"--log", log};
    args.insert(args.end(), c.args.begin(), c.args.end());
    RunResult r = RunPost(args, Fixture("helm4-envoy-only.yaml"));
    EXPECT_EQ(r.exit_code, 2) << c.message;
    EXPECT_EQ(r.out, "") << c.message;
    EXPECT_EQ(r.err, "dotk8s-post: " + c.message + "\nrun `dotk8s-post --help` for usage\n");
  }
  EXPECT_FALSE(fs::exists(log));
}

TEST(PostCliTest, SameOutputAsTheLibraryOnEveryFixture) {
  for (const std::string& name : testing::NonEmptyFixtures()) {
    if (name.rfind("helm3", 0) == 0) continue;  // Helm 3 needs settings; below
    const std::string input = Fixture(name);
    PostRenderResult expected = RunPostRenderer(input, {});
    ASSERT_TRUE(expected.ok) << name;
    RunResult r = RunPost({}, input);
    EXPECT_EQ(r.exit_code, 0) << name << "\n" << r.err;
    EXPECT_TRUE(r.out == expected.output.Join()) << name;
    EXPECT_EQ(r.err, "") << name;
  }
}

TEST(PostCliTest, Helm3FixtureWithSettingsAndReleaseNamespace) {
  ScratchDir dir;
  const std::string settings = dir.path + "/settings.yaml";
  testing::WriteFile(settings, "apps:\n  keda: {namespace: dot-system}\n  prometheus: {namespace: dot-system}\n");
  const std::string input = Fixture("helm3-all.yaml");
  // Envoy Gateway's namespace is the release namespace: Helm 3 keeps its hooks there.
  RunResult r = RunPost({"--settings", settings, "--release-namespace", "dot-system"}, input);
  EXPECT_EQ(r.exit_code, 1) << r.err;  // Envoy Gateway would move without its hooks
  EXPECT_EQ(r.out, "");
  testing::WriteFile(settings, "apps:\n  envoyGateway: {namespace: dot-system}\n  keda: {namespace: dot-system}\n"
                               "  prometheus: {namespace: dot-system}\n");
  r = RunPost({"--settings=" + settings, "--release-namespace=dot-system"}, input);
  EXPECT_EQ(r.exit_code, 0) << r.err;
  std::vector<Document> out = testing::ReadDocs(r.out);
  EXPECT_EQ(testing::FindDocs(out, "Gateway", "eg").size(), 1u);
  for (const Document* gateway : testing::FindDocs(out, "Gateway", "eg")) {
    EXPECT_EQ(gateway->source_path, "dot-apps/templates/dotk8s-post/gateway.yaml");
  }
}

TEST(PostCliTest, Explain) {
  const std::string input = Fixture("helm4-all.yaml");
  PostRenderResult expected = RunPostRenderer(input, {});
  RunResult r = RunPost({"--explain"}, input);
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_EQ(r.out, FormatPlan(expected.plan));
  EXPECT_EQ(r.out.rfind("release: dot-apps in namespace dot-system\n", 0), 0u) << r.out;
}

TEST(PostCliTest, EmptyInputGivesAComment) {
  RunResult r = RunPost({}, "");
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_EQ(r.out, std::string(kEmptyStreamComment));
}

// An error: exit 1, nothing on stdout, the messages on stderr and as the log's last block.
void ExpectFailure(const std::vector<std::string>& args, std::string_view input, const std::vector<std::string>& lines) {
  ScratchDir dir;
  const std::string log = dir.path + "/state/post.log";
  std::vector<std::string> all{"--log", log};
  all.insert(all.end(), args.begin(), args.end());
  RunResult r = RunPost(all, input);
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.out, "");
  std::string err;
  for (const std::string& line : lines) err += line + "\n";
  EXPECT_EQ(r.err, err + "dotk8s-post: the messages above are also in " + log + "\n");
  ASSERT_TRUE(fs::exists(log));
  EXPECT_EQ(LastLogBlock(ReadFile(log)), lines);
}

TEST(PostCliTest, MalformedYaml) {
  const std::string input = Fixture("helm4-envoy-only.yaml") +
                            "---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n  labels: {a: b\n";
  PostRenderResult expected = RunPostRenderer(input, {});
  ASSERT_EQ(expected.diagnostics.size(), 1u);
  ExpectFailure({}, input, {FormatDiagnostic(expected.diagnostics[0])});
  EXPECT_EQ(expected.diagnostics[0].doc_index, 17u);
}

TEST(PostCliTest, DuplicateObjects) {
  const std::string duplicate =
      "---\n# Source: dot-apps/templates/again.yaml\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: shop\n"
      "  namespace: shop\n";
  const std::string input = "---\n# Source: dot-apps/templates/shop.yaml\napiVersion: v1\nkind: ConfigMap\nmetadata:\n"
                            "  name: shop\n  namespace: shop\n" +
                            duplicate;
  ExpectFailure({}, input,
                {"error: doc 1 (dot-apps/templates/again.yaml) ConfigMap shop/shop: duplicate object: ConfigMap "
                 "shop/shop is also doc 0 (dot-apps/templates/shop.yaml); hint: two templates render the same object; "
                 "remove one, or give them different names (with two components in one namespace, check "
                 "apps.<component>.namespace)"});
}

TEST(PostCliTest, ContradictingSettings) {
  const std::string input = Fixture("helm4-envoy-only.yaml") + testing::SettingsDocument("  envoyGateway:\n    enabled: true\n");
  ExpectFailure({"--release-namespace", "other"}, input,
                {"error: --release-namespace other contradicts the settings, which say the release is in dot-system; "
                 "hint: drop the flag, or render with the same namespace (helm -n) that the flag names"});
}

TEST(PostCliTest, SettingsFileProblems) {
  ScratchDir dir;
  ExpectFailure({"--settings", dir.path + "/missing.yaml"}, "",
                {"error: cannot read --settings " + dir.path + "/missing.yaml: No such file or directory"});
  const std::string typo = dir.path + "/typo.yaml";
  testing::WriteFile(typo, "apps:\n  prometheus:\n    namepsace: monitoring\n");
  ExpectFailure({"--settings", typo}, Fixture("helm4-prometheus-only.yaml"),
                {"error: " + typo + " apps.prometheus.namepsace: unknown setting `namepsace`; hint: did you mean "
                                    "`namespace`?"});
  const std::string wildcard = dir.path + "/wildcard.yaml";
  testing::WriteFile(wildcard, "apps:\n  keda:\n    httpAddon:\n      routeNamespaces: ['*']\n");
  ExpectFailure({"--settings", wildcard}, Fixture("helm4-envoy-keda.yaml"),
                {"error: " + wildcard + " apps.keda.httpAddon.routeNamespaces[0]: `*` is not a namespace: a "
                                        "ReferenceGrant's spec.from[].namespace names one namespace, and the Gateway "
                                        "API has no wildcard; hint: list every namespace whose HTTPRoutes send traffic "
                                        "to the KEDA interceptor"});
}

TEST(PostCliTest, InputLargerThanTheLimit) {
  ExpectFailure({"--max-input", "1K"}, Fixture("helm4-envoy-only.yaml"),
                {"error: the input is larger than 1024 bytes; hint: raise the limit with --max-input if the input is "
                 "right"});
}

TEST(PostCliTest, DefaultLogLocation) {
  ScratchDir dir;
  const std::string post = DOTK8S_POST_BINARY;
  const std::string bad = "a: [\n";
  RunResult xdg = RunWithEnv({"XDG_STATE_HOME=" + dir.path + "/xdg", "HOME=" + dir.path + "/home"}, {post}, bad);
  EXPECT_EQ(xdg.exit_code, 1);
  EXPECT_EQ(xdg.out, "");
  EXPECT_TRUE(fs::exists(dir.path + "/xdg/dotk8s/dotk8s-post.log")) << xdg.err;
  RunResult home = RunWithEnv({"-u", "XDG_STATE_HOME", "HOME=" + dir.path + "/home"}, {post}, bad);
  EXPECT_EQ(home.exit_code, 1);
  EXPECT_TRUE(fs::exists(dir.path + "/home/.local/state/dotk8s/dotk8s-post.log")) << home.err;
  EXPECT_NE(home.err.find("dotk8s-post: the messages above are also in " + dir.path +
                          "/home/.local/state/dotk8s/dotk8s-post.log\n"),
            std::string::npos)
      << home.err;
  // No home at all (or only relative ones): no log, never a shared path under /tmp.
  const fs::path shared = "/tmp/dotk8s-post.log";
  std::error_code ec;
  const auto before = fs::exists(shared) ? fs::last_write_time(shared, ec) : fs::file_time_type::min();
  RunResult none = RunWithEnv({"-u", "XDG_STATE_HOME", "-u", "HOME"}, {post}, bad);
  EXPECT_EQ(none.exit_code, 1);
  EXPECT_EQ(none.out, "");
  EXPECT_NE(none.err.find("dotk8s-post: no log: neither HOME nor XDG_STATE_HOME is set (pass --log FILE for one; "
                          "Helm 4 does not show these messages)\n"),
            std::string::npos)
      << none.err;
  RunResult relative = RunWithEnv({"XDG_STATE_HOME=state", "HOME=home"}, {post}, bad);
  EXPECT_NE(relative.err.find("dotk8s-post: no log:"), std::string::npos) << relative.err;
  EXPECT_EQ(fs::exists(shared) ? fs::last_write_time(shared, ec) : fs::file_time_type::min(), before);
}

// --- real Helm ---

std::string Tool(const char* relative) {
  const std::string path = std::string(DOTK8S_SOURCE_DIR) + "/" + relative;
  if (!fs::exists(path)) {
    ADD_FAILURE() << path << " is missing: run scripts/install-tools.sh (make test does)";
  }
  return path;
}

std::string TestChart(const char* name) { return std::string(DOTK8S_SOURCE_DIR) + "/tests/testdata/" + name; }

// A sandbox for one Helm: its own config, cache and data; a plugin directory
// holding the dotk8s-post plugin (Helm 4) or nothing (Helm 3 refuses to start
// when a v1 plugin.yaml sits in its plugin directory).
struct HelmSandbox {
  ScratchDir dir;
  std::string plugins;

  explicit HelmSandbox(bool with_plugin) {
    plugins = dir.path + "/plugins";
    fs::create_directories(plugins);
    if (with_plugin) {
      fs::create_directories(plugins + "/dotk8s-post/bin");
      fs::copy_file(std::string(DOTK8S_SOURCE_DIR) + "/helm-plugin/dotk8s-post/plugin.yaml",
                    plugins + "/dotk8s-post/plugin.yaml");
      fs::copy_file(std::string(DOTK8S_SOURCE_DIR) + "/helm-plugin/dotk8s-post/dotk8s-post.sh",
                    plugins + "/dotk8s-post/dotk8s-post.sh");
      fs::copy_file(DOTK8S_POST_BINARY, plugins + "/dotk8s-post/bin/dotk8s-post");
    }
  }

  // A Helm 4 plugin `silent-post` that answers with nothing: what Helm 4 does then.
  void AddSilentPlugin() const {
    const std::string plugin = plugins + "/silent-post";
    fs::create_directories(plugin + "/bin");
    testing::WriteFile(plugin + "/plugin.yaml",
                       "apiVersion: v1\nname: silent-post\ntype: postrenderer/v1\nversion: 0.1.0\nruntime: subprocess\n"
                       "runtimeConfig:\n  platformCommand:\n    - command: ${HELM_PLUGIN_DIR}/bin/silent.sh\n");
    testing::WriteFile(plugin + "/bin/silent.sh", "#!/bin/sh\ncat > /dev/null\n");
    fs::permissions(plugin + "/bin/silent.sh", fs::perms::owner_all | fs::perms::group_read | fs::perms::group_exec);
  }

  RunResult Run(const std::string& helm, std::vector<std::string> args) const {
    std::vector<std::string> argv{helm};
    argv.insert(argv.end(), args.begin(), args.end());
    return RunWithEnv({"HELM_PLUGINS=" + plugins, "HELM_CONFIG_HOME=" + dir.path + "/config",
                       "HELM_CACHE_HOME=" + dir.path + "/cache", "HELM_DATA_HOME=" + dir.path + "/data",
                       "HOME=" + dir.path},
                      argv);
  }

  std::string Log() const { return dir.path + "/post.log"; }
};

std::vector<std::string> Described(const std::vector<Document>& docs) {
  std::vector<std::string> out;
  for (const Document& doc : docs) {
    if (doc.IsObject()) out.push_back(doc.Describe());
  }
  std::sort(out.begin(), out.end());
  return out;
}

// What the mini chart becomes, with Envoy Gateway in `eg_ns` and the release in `release_ns`.
std::vector<std::string> ExpectedMini(const std::string& release_ns) {
  std::vector<std::string> expected = {
      "ConfigMap " + release_ns + "/rel-mini",
      "ConfigMap envoy-gateway-system/envoy-gateway-config",
      "Gateway envoy-gateway-system/eg",
      "GatewayClass eg",
      "Namespace keda",
      "Namespace prometheus-system",
      "PodMonitor envoy-gateway-system/envoy-gateway-proxy",
      "Prometheus prometheus-system/kube-prometheus-stack-prometheus",
      "ReferenceGrant keda/keda-interceptor",
      "Service envoy-gateway-system/envoy-gateway",
      "Service keda/keda-add-ons-http-interceptor-proxy",
      "Service keda/keda-operator",
      "ServiceAccount envoy-gateway-system/envoy-gateway",
      "ServiceAccount keda/keda-operator",
  };
  if (release_ns != "envoy-gateway-system") expected.push_back("Namespace envoy-gateway-system");
  std::sort(expected.begin(), expected.end());
  return expected;
}

void ExpectMiniWired(const std::string& output, const std::string& release_ns) {
  std::vector<Document> docs = testing::ReadDocs(output);
  EXPECT_EQ(Described(docs), ExpectedMini(release_ns)) << output;
  for (const Document* pm : testing::FindDocs(docs, "PodMonitor")) {
    EXPECT_EQ(testing::Parsed(*pm)["metadata"]["labels"]["release"].Scalar(), "rel");
  }
  EXPECT_EQ(output.find("dotk8s.dev/v1alpha1"), std::string::npos);
  // Helm strips the filename annotation; what it prints names our injected files.
  EXPECT_EQ(output.find("postrenderer.helm.sh/postrender-filename"), std::string::npos);
  EXPECT_NE(output.find("# Source: mini/templates/dotk8s-post/gateway.yaml\n"), std::string::npos);
}

TEST(HelmEndToEndTest, Helm4Plugin) {
  const std::string helm = Tool(".tools/helm4/helm");
  HelmSandbox sandbox(/*with_plugin=*/true);
  RunResult r = sandbox.Run(helm, {"template", "rel", TestChart("mini"), "-n", "dot-system", "--post-renderer",
                                   "dotk8s-post", "--post-renderer-args", "--log=" + sandbox.Log()});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  ExpectMiniWired(r.out, "dot-system");
  EXPECT_FALSE(fs::exists(sandbox.Log()));
}

TEST(HelmEndToEndTest, Helm4ShowOnlyFindsTheInjectedFile) {
  const std::string helm = Tool(".tools/helm4/helm");
  HelmSandbox sandbox(true);
  RunResult r = sandbox.Run(helm, {"template", "rel", TestChart("mini"), "-n", "dot-system", "--post-renderer",
                                   "dotk8s-post", "-s", "templates/dotk8s-post/gateway.yaml"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(Described(testing::ReadDocs(r.out)),
            (std::vector<std::string>{"Gateway envoy-gateway-system/eg", "GatewayClass eg"}));
}

TEST(HelmEndToEndTest, Helm4AcceptsTheOutputForAnEmptyRender) {
  const std::string helm = Tool(".tools/helm4/helm");
  HelmSandbox sandbox(true);
  RunResult r = sandbox.Run(helm, {"template", "rel", TestChart("empty"), "-n", "dot-system", "--post-renderer",
                                   "dotk8s-post", "--post-renderer-args", "--log=" + sandbox.Log()});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.err.find("produced empty output"), std::string::npos) << r.err;
  EXPECT_TRUE(Described(testing::ReadDocs(r.out)).empty()) << r.out;
  // What an empty answer would have done.
  sandbox.AddSilentPlugin();
  RunResult silent = sandbox.Run(helm, {"template", "rel", TestChart("empty"), "--post-renderer", "silent-post"});
  EXPECT_NE(silent.exit_code, 0);
  EXPECT_NE(silent.err.find("produced empty output"), std::string::npos) << silent.err;
}

TEST(HelmEndToEndTest, Helm4ErrorGoesToTheLog) {
  const std::string helm = Tool(".tools/helm4/helm");
  HelmSandbox sandbox(true);
  RunResult r = sandbox.Run(helm, {"template", "rel", TestChart("mini"), "-n", "dot-system", "--post-renderer",
                                   "dotk8s-post", "--post-renderer-args", "--log=" + sandbox.Log(), "--set",
                                   "apps.keda.httpAddon.routeNamespaces[0]=*"});
  EXPECT_NE(r.exit_code, 0);
  EXPECT_EQ(r.out, "");
  ASSERT_TRUE(fs::exists(sandbox.Log())) << r.err;
  EXPECT_EQ(LastLogBlock(ReadFile(sandbox.Log())),
            std::vector<std::string>{
                "error: mini/templates/dotk8s-settings.yaml apps.keda.httpAddon.routeNamespaces[0]: `*` is not a "
                "namespace: a ReferenceGrant's spec.from[].namespace names one namespace, and the Gateway API has no "
                "wildcard; hint: list every namespace whose HTTPRoutes send traffic to the KEDA interceptor"});
}

TEST(HelmEndToEndTest, Helm3Executable) {
  const std::string helm = Tool(".tools/helm3/helm");
  HelmSandbox sandbox(/*with_plugin=*/false);
  // Helm 3 hides hooks from post-renderers: the release goes into Envoy Gateway's namespace.
  RunResult r = sandbox.Run(helm, {"template", "rel", TestChart("mini"), "-n", "envoy-gateway-system",
                                   "--post-renderer", DOTK8S_POST_BINARY, "--post-renderer-args",
                                   "--log=" + sandbox.Log()});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  ExpectMiniWired(r.out, "envoy-gateway-system");
  // Under Helm 3 the output order is the apply order: the namespaces come first.
  std::vector<Document> docs = testing::ReadDocs(r.out);
  ASSERT_GE(docs.size(), 2u);
  EXPECT_EQ(docs[0].Kind(), "Namespace");
  EXPECT_EQ(docs[1].Kind(), "Namespace");
}

TEST(HelmEndToEndTest, Helm3ShowOnlyFindsTheInjectedFile) {
  const std::string helm = Tool(".tools/helm3/helm");
  HelmSandbox sandbox(false);
  RunResult r = sandbox.Run(helm, {"template", "rel", TestChart("mini"), "-n", "envoy-gateway-system",
                                   "--post-renderer", DOTK8S_POST_BINARY, "-s", "templates/dotk8s-post/gateway.yaml"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(Described(testing::ReadDocs(r.out)),
            (std::vector<std::string>{"Gateway envoy-gateway-system/eg", "GatewayClass eg"}));
}

TEST(HelmEndToEndTest, Helm3ShowsTheErrorOnStderr) {
  const std::string helm = Tool(".tools/helm3/helm");
  HelmSandbox sandbox(false);
  RunResult r = sandbox.Run(helm, {"template", "rel", TestChart("mini"), "-n", "envoy-gateway-system",
                                   "--post-renderer", DOTK8S_POST_BINARY, "--post-renderer-args",
                                   "--log=" + sandbox.Log(), "--set", "apps.keda.namespace=Bad_Name"});
  EXPECT_NE(r.exit_code, 0);
  EXPECT_EQ(r.out, "");
  EXPECT_NE(r.err.find("error: mini/templates/dotk8s-settings.yaml apps.keda.namespace: `Bad_Name` is not a valid "
                       "namespace name"),
            std::string::npos)
      << r.err;
  EXPECT_TRUE(fs::exists(sandbox.Log()));
}

TEST(HelmEndToEndTest, Helm3RefusesAPluginDirectoryWithTheHelm4Plugin) {
  // Why the Helm 4 plugin must never be installed where Helm 3 looks.
  const std::string helm = Tool(".tools/helm3/helm");
  HelmSandbox sandbox(/*with_plugin=*/true);
  RunResult r = sandbox.Run(helm, {"template", "rel", TestChart("empty")});
  EXPECT_NE(r.err.find("failed to load plugin"), std::string::npos) << r.err;
}

}  // namespace
}  // namespace dotk8s
