// A table of bad inputs, each run through the real dotk8s-post as Helm runs
// it. A row either is refused (exit 1 for bad input, 2 for a usage error) with
// nothing on stdout, the specific message on stderr and, for exit 1, the same
// in a block of the log; or the input is actually fine and the row says what
// the output must be. Never partial output, never a crash.
#include <gtest/gtest.h>

#include <fmt/format.h>

#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "bad_input_util.h"
#include "core/yaml/write.h"
#include "test_support.h"

namespace dotk8s {
namespace {

using testing::ExpectRefused;
using testing::FixturePath;
using testing::PostRun;
using testing::ReadFile;
using testing::RunPostWithLog;
using testing::ScratchDir;

struct Row {
  std::string name;
  std::vector<std::string> args;
  std::string input;
  int exit_code = 1;
  /// Refused rows: what stderr and the log must say (what, where, hint).
  std::vector<std::string> fragments;
  /// Accepted rows: the exact output, or a check of it.
  std::optional<std::string> output;
  std::function<void(const std::string&)> check;
};

std::string Object(std::string_view kind, std::string_view name, std::string_view rest = "") {
  return fmt::format("apiVersion: v1\nkind: {}\nmetadata:\n  name: {}\n  namespace: dot-system\n{}", kind, name, rest);
}

std::string Settings(std::string_view apps, std::string_view release_namespace = "dot-system") {
  return fmt::format(
      "---\napiVersion: dotk8s.dev/v1alpha1\nkind: Settings\nmetadata:\n  name: dot-apps\n  annotations:\n"
      "    postrenderer.helm.sh/postrender-filename: dot-apps/templates/dotk8s-settings.yaml\n"
      "release:\n  name: dot-apps\n  namespace: {}\napps:\n{}",
      release_namespace, apps);
}

const std::string& EnvoyOnly() {
  static const std::string text = ReadFile(FixturePath("helm4-envoy-only.yaml"));
  return text;
}

std::vector<Row> Rows(const ScratchDir& dir) {
  const std::string hint_yaml = "hint: the input is not valid YAML there";
  const std::string config_map = Object("ConfigMap", "plain");
  std::vector<Row> rows;
  auto refused = [&](std::string name, std::string input, std::vector<std::string> fragments,
                     std::vector<std::string> args = {}) {
    Row row;
    row.name = std::move(name);
    row.input = std::move(input);
    row.fragments = std::move(fragments);
    row.args = std::move(args);
    rows.push_back(std::move(row));
  };
  auto accepted = [&](std::string name, std::string input, std::string output, std::vector<std::string> args = {}) {
    Row row;
    row.name = std::move(name);
    row.input = std::move(input);
    row.exit_code = 0;
    row.output = std::move(output);
    row.args = std::move(args);
    rows.push_back(std::move(row));
  };
  auto usage = [&](std::string name, std::vector<std::string> args, std::string fragment) {
    Row row;
    row.name = std::move(name);
    row.input = config_map;
    row.exit_code = 2;
    row.fragments = {std::move(fragment), "run `dotk8s-post --help` for usage"};
    row.args = std::move(args);
    rows.push_back(std::move(row));
  };

  // Malformed YAML, each with its line and column, after real documents.
  refused("unclosed flow mapping", EnvoyOnly() + "---\n" + Object("ConfigMap", "x", "  labels: {a: b\n"),
          {"error: doc 17: line 730 column 1: while parsing a flow mapping did not find expected ',' or '}'", hint_yaml});
  refused("tab indentation", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n\tname: x\n",
          {"error: doc 0: line 4 column 1: ", "found character that cannot start any token", hint_yaml});
  refused("unterminated double quote", Object("ConfigMap", "\"open"), {"error: doc 0: line 6 column 1: ", "while scanning a quoted scalar found unexpected end of stream"});
  refused("unterminated single quote", Object("ConfigMap", "'open", "data:\n  a: b\n"),
          {"error: doc 0: ", "while scanning a quoted scalar found unexpected end of stream"});
  refused("invalid UTF-8", Object("ConfigMap", "bad", "data:\n  a: \"\xff\xfe\"\n"),
          {"error: doc 0: line 7 column 7: invalid leading UTF-8 octet (byte 0xFF)", hint_yaml});
  refused("truncated UTF-8 sequence", Object("ConfigMap", "bad", "data:\n  a: caf\xc3\n"),
          {"error: doc 0: line 7 column 10: invalid trailing UTF-8 octet (byte 0x0A)", hint_yaml});
  refused("binary garbage", std::string("\x7f" "ELF\x02\x01\x01\0\0\0\0\x03\0>\0\x01\0\0\0\x90\x10", 20),
          {"error: doc 0: line 1 column 1: ", "control characters are not allowed", hint_yaml});
  refused("NUL byte in a value", Object("ConfigMap", std::string("a\0b", 3)),
          {"error: doc 0: line 4 column 10: control characters are not allowed (byte 0x00)", hint_yaml});
  refused("control character deep in a stream", EnvoyOnly() + "---\n" + Object("ConfigMap", "bell", "data:\n  a: x\x07\n"),
          {"error: doc 17: line 730 column 7: control characters are not allowed (byte 0x07)"});
  refused("CR-only line ends with two documents",
          "apiVersion: v1\rkind: ConfigMap\rmetadata:\r  name: a\r---\rapiVersion: v1\rkind: ConfigMap\rmetadata:\r  name: b\r",
          {"error: doc 0: line 5 column 1: a second YAML document inside one; documents are separated by a line holding only `---`"});
  refused("a BOM at the start of a later document", config_map + "---\n\xEF\xBB\xBF" + Object("ConfigMap", "b"),
          {"error: doc 1: line 8 column 1: did not find expected <document start>; hint: line 7 holds a byte order mark "
           "(U+FEFF), which YAML allows only at the start of the stream; save the template without it"});
  refused("a BOM in the middle of a line's indentation", Object("ConfigMap", "b", "\xEF\xBB\xBF  labels: {}\n"),
          {"error: doc 0: line 6 column 4: ", "hint: line 6 holds a byte order mark (U+FEFF)"});
  refused("YAML directive", "%YAML 1.1\n---\n" + config_map, {"error: doc 0: ", "did not find expected <document start>"});
  refused("10k-deep flow sequence", Object("ConfigMap", "deep", "data: " + std::string(10000, '[') + std::string(10000, ']') + "\n"),
          {"error: doc 0: line 6 column 206: nesting deeper than 200 levels", hint_yaml});
  refused("complex key", Object("ConfigMap", "x", "data:\n  ? [a, b]\n  : c\n"),
          {"error: doc 0: ", "a collection used as a mapping key; Kubernetes objects need string keys"});
  refused("alias as a key", Object("ConfigMap", "x", "data:\n  a: &k key\n  *k : c\n"),
          {"error: doc 0: ", "an alias used as a mapping key"});
  refused("unknown alias", Object("ConfigMap", "x", "data:\n  a: *nothing\n"),
          {"error: doc 0: line 7 column 6: alias *nothing refers to no anchor before it"});

  // Well-formed YAML that is not a Kubernetes object.
  refused("a document that is a list", EnvoyOnly() + "---\n- a\n- b\n",
          {"error: doc 17: the document is a list, not a Kubernetes object", "hint: each document must be one object"});
  refused("a document that is a scalar", "---\njust some text\n",
          {"error: doc 0: the document is a single value, not a Kubernetes object", "hint: check the template"});
  refused("huge single line without a newline", std::string(20 << 20, 'x'),
          {"error: doc 0: the document is a single value, not a Kubernetes object"});
  refused("map without apiVersion and kind", "metadata:\n  name: x\n",
          {"error: doc 0 object x: not a Kubernetes object: no apiVersion, kind; hint: every object needs apiVersion, kind and metadata.name"});
  refused("map without a name", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  labels: {}\n",
          {"error: doc 0 ConfigMap (no name): not a Kubernetes object: no metadata.name"});
  refused("metadata that is a list", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n- name: x\n",
          {"error: doc 0 ConfigMap (no name): not a Kubernetes object: no metadata.name"});
  refused("name that is a mapping", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {a: b}\n",
          {"error: doc 0 ConfigMap (no name): not a Kubernetes object: no metadata.name"});
  refused("duplicate keys", Object("ConfigMap", "a", "  name: b\n"),
          {"error: doc 0: line 6 column 3: duplicate key `name` in metadata", hint_yaml});
  refused("duplicate keys in a flow mapping", Object("ConfigMap", "a", "data: {x: 1, x: 2}\n"),
          {"error: doc 0: line 6 column 14: duplicate key `x` in data"});
  refused("duplicate objects", "---\n" + config_map + "---\n" + config_map,
          {"error: doc 1 ConfigMap dot-system/plain: duplicate object: ConfigMap dot-system/plain is also doc 0",
           "hint: two templates render the same object"});
  refused("Helm 3 and Helm 4 origins mixed",
          EnvoyOnly() + "---\n# Source: dot-apps/templates/x.yaml\n" + Object("ConfigMap", "helm3"),
          {"the stream mixes Helm 3 `# Source:` comments with Helm 4 filename annotations",
           "hint: pass the output of one helm run"});

  // Settings that contradict the flags, themselves or what was rendered.
  refused("--release-namespace contradicts the settings", EnvoyOnly() + Settings("  envoyGateway:\n    enabled: true\n"),
          {"error: --release-namespace other contradicts the settings, which say the release is in dot-system",
           "hint: drop the flag"},
          {"--release-namespace", "other"});
  refused("settings turn on what was not rendered", EnvoyOnly() + Settings("  prometheus:\n    enabled: true\n"),
          {"settings turn prometheus on (apps.prometheus.enabled: true), but the stream has no document of the kube-prometheus-stack chart",
           "hint: build the umbrella's dependencies"});
  refused("settings turn off what was rendered", EnvoyOnly() + Settings("  envoyGateway:\n    enabled: false\n"),
          {"settings turn envoyGateway off (apps.envoyGateway.enabled: false), but 17 documents of the gateway-helm chart were rendered",
           "hint: the dependency gateway-helm in Chart.yaml must have `condition: apps.envoyGateway.enabled`"});
  refused("a `*` route namespace", EnvoyOnly() + Settings("  keda:\n    httpAddon:\n      routeNamespaces: ['*']\n"),
          {"apps.keda.httpAddon.routeNamespaces[0]: `*` is not a namespace",
           "the Gateway API has no wildcard; hint: list every namespace whose HTTPRoutes send traffic"});
  refused("a wildcard inside a route namespace", EnvoyOnly() + Settings("  keda:\n    httpAddon:\n      routeNamespaces: [default, 'team-*']\n"),
          {"apps.keda.httpAddon.routeNamespaces[1]: `*` is not a namespace"});
  refused("an unknown setting", EnvoyOnly() + Settings("  envoyGatway:\n    enabled: true\n"),
          {"apps.envoyGatway: unknown setting `envoyGatway`; hint: did you mean `envoyGateway`?"});
  refused("an invalid namespace in the settings", EnvoyOnly() + Settings("  envoyGateway:\n    namespace: Envoy_GW\n"),
          {"apps.envoyGateway.namespace: `Envoy_GW` is not a valid namespace name", "hint: use lower-case letters"});
  refused("two settings documents that differ", EnvoyOnly() + Settings("  envoyGateway: {}\n") + Settings("  keda: {}\n"),
          {"error: doc 18 (dot-apps/templates/dotk8s-settings.yaml) Settings dot-apps: a second settings document that "
           "differs from the first (doc 17); hint: render the settings template once"});
  refused("an invalid --release-namespace", config_map, {"error: --release-namespace `Bad_NS` is not a valid namespace name"},
          {"--release-namespace", "Bad_NS"});
  {
    const std::string settings_dir = dir.File("settings.d");
    std::filesystem::create_directories(settings_dir);
    refused("--settings names a directory", EnvoyOnly(), {"error: cannot read --settings " + settings_dir},
            {"--settings", settings_dir});
    const std::string empty_settings = dir.File("empty-settings.yaml");
    testing::WriteFile(empty_settings, "");
    refused("an empty --settings file", EnvoyOnly(), {empty_settings, "settings must be a mapping with an `apps` key"},
            {"--settings", empty_settings});
  }

  // Usage errors: exit 2, nothing read, nothing logged.
  usage("unknown flag", {"--relase-namespace", "x"}, "unknown argument `--relase-namespace` (did you mean --release-namespace?)");
  usage("missing value", {"--settings"}, "--settings needs a value");
  usage("bad size", {"--max-input", "1X"}, "--max-input takes a size like 64M or 1G, not `1X`");
  usage("zero size", {"--max-document", "0"}, "--max-document takes a size like 64M or 1G, not `0`");
  usage("too many threads", {"--threads", "1000"}, "--threads takes a number from 0 to 64, not `1000`");
  usage("bad validate mode", {"--validate", "some"}, "--validate takes `injected` or `all`, not `some`");

  // Input that is actually fine: the exact output it must give.
  const std::string no_objects(kEmptyStreamComment);
  accepted("empty input", "", no_objects);
  // Not empty, so Helm 4 takes it as it is.
  accepted("only comments and separators", "# nothing here\n---\n---\n# still nothing\n",
           "# nothing here\n---\n---\n# still nothing\n");
  accepted("only a comment", "# nothing here\n", "# nothing here\n" + no_objects);
  accepted("a BOM at the start", "\xEF\xBB\xBF" + config_map, "\xEF\xBB\xBF" + config_map);
  accepted("a BOM inside a value", Object("ConfigMap", "bom", "data:\n  a: x\xEF\xBB\xBFy\n"),
           Object("ConfigMap", "bom", "data:\n  a: x\xEF\xBB\xBFy\n"));
  accepted("CRLF line ends", "apiVersion: v1\r\nkind: ConfigMap\r\nmetadata:\r\n  name: crlf\r\n  namespace: dot-system\r\n",
           "apiVersion: v1\r\nkind: ConfigMap\r\nmetadata:\r\n  name: crlf\r\n  namespace: dot-system\r\n");
  accepted("CR-only line ends", "apiVersion: v1\rkind: ConfigMap\rmetadata:\r  name: cr\r  namespace: dot-system\r",
           "apiVersion: v1\rkind: ConfigMap\rmetadata:\r  name: cr\r  namespace: dot-system\r");
  accepted("document end markers", "---\n" + config_map + "...\n---\n" + Object("Secret", "s") + "...\n",
           "---\n" + config_map + "...\n---\n" + Object("Secret", "s") + "...\n");
  accepted("a tab inside a value", Object("ConfigMap", "tab", "data:\n  a: \"x\ty\"\n  b: 'p\tq'\n"),
           Object("ConfigMap", "tab", "data:\n  a: \"x\ty\"\n  b: 'p\tq'\n"));
  accepted("tags and anchors", Object("ConfigMap", "tags", "data:\n  a: &v !!str 1\n  b: *v\n"),
           Object("ConfigMap", "tags", "data:\n  a: &v !!str 1\n  b: *v\n"));
  accepted("a kind: List without a name", "apiVersion: v1\nkind: List\nitems: []\n", "apiVersion: v1\nkind: List\nitems: []\n");
  {
    const std::string huge = Object("ConfigMap", "huge", "data:\n  blob: " + std::string(20 << 20, 'y') + "\n");
    accepted("a huge single line", huge, huge);
  }
  {
    // Helm may render the umbrella's settings template twice (hooks and the rest): the same text is fine.
    Row row;
    row.name = "the same settings document twice";
    row.input = EnvoyOnly() + Settings("  envoyGateway: {}\n") + Settings("  envoyGateway: {}\n");
    row.exit_code = 0;
    row.check = [](const std::string& out) {
      EXPECT_EQ(out.find("kind: Settings"), std::string::npos) << "the settings documents are consumed";
      EXPECT_NE(out.find("kind: GatewayClass"), std::string::npos);
    };
    rows.push_back(std::move(row));
  }
  {
    // Real documents with unknown ones around them: only the contract's objects are added.
    Row row;
    row.name = "real stream with unattributed documents around it";
    row.input = config_map + "---\n" + EnvoyOnly() + "---\n" + Object("Secret", "after");
    row.exit_code = 0;
    row.check = [](const std::string& out) {
      EXPECT_NE(out.find("---\n" + Object("ConfigMap", "plain") + "---\n"), std::string::npos)
          << "the first document keeps its bytes (after the injected Namespace)";
      EXPECT_NE(out.find("kind: GatewayClass"), std::string::npos);
      EXPECT_NE(out.find(Object("Secret", "after")), std::string::npos);
    };
    rows.push_back(std::move(row));
  }
  return rows;
}

TEST(BadInputTest, EveryRowIsRefusedClearlyOrGivesTheRightResult) {
  ScratchDir dir;
  for (const Row& row : Rows(dir)) {
    SCOPED_TRACE(row.name);
    std::filesystem::remove(dir.File("post.log"));
    const PostRun run = RunPostWithLog(dir, row.args, row.input);
    if (row.exit_code == 1) {
      ExpectRefused(run, row.fragments, row.name);
      continue;
    }
    if (row.exit_code == 2) {
      EXPECT_EQ(run.result.exit_code, 2) << run.result.err;
      EXPECT_EQ(run.result.out, "");
      for (const std::string& fragment : row.fragments) {
        EXPECT_NE(run.result.err.find(fragment), std::string::npos) << "stderr lacks \"" << fragment << "\": " << run.result.err;
      }
      EXPECT_TRUE(run.log.empty()) << "a usage error is not logged";
      continue;
    }
    EXPECT_EQ(run.result.exit_code, 0) << run.result.err;
    // Objects without any Helm origin marker pass unchanged, with one warning that nothing was placed.
    const bool marked = row.input.find("# Source:") != std::string::npos ||
                        row.input.find("postrenderer.helm.sh/postrender-filename") != std::string::npos;
    const bool objects = row.input.find("kind:") != std::string::npos;
    EXPECT_EQ(run.result.err,
              marked || !objects ? std::string()
                                 : "warning: no document carries a Helm origin marker (`# Source:` comment or "
                                   "postrender-filename annotation), so none belongs to a component and nothing is "
                                   "placed in a component namespace; hint: pipe what helm renders (helm template, or "
                                   "dotk8s-post as helm's --post-renderer), not an edited copy\n");
    EXPECT_TRUE(run.log.empty()) << run.log;
    if (row.output) {
      EXPECT_EQ(run.result.out.size(), row.output->size());
      EXPECT_TRUE(run.result.out == *row.output) << "output differs from the expected bytes";
    }
    if (row.check) row.check(run.result.out);
  }
}

}  // namespace
}  // namespace dotk8s
