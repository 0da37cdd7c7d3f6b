// The property of issue 12: the release namespace is a name, nothing more.
// Rendering a stream into namespace N gives exactly what rendering it into
// dot-system gives, with dot-system replaced by N; or a clear refusal. The
// names are chosen to collide with what the streams hold for other reasons:
// DNS labels, API groups and versions, image and path parts, words of the
// charts, prefixes and suffixes of those words, the components' own
// namespaces and the built-in ones.
#include <gtest/gtest.h>

#include <map>
#include <set>
#include <string>
#include <vector>

#include "core/pipeline.h"
#include "core/yaml/read.h"
#include "post_test_util.h"
#include "test_support.h"

namespace dotk8s {
namespace {

using testing::Fixture;
using testing::FormatAll;

constexpr std::string_view kFixtureNamespace = "dot-system";

std::string ReplaceAll(std::string text, std::string_view from, std::string_view to) {
  for (std::size_t at = text.find(from); at != std::string::npos; at = text.find(from, at + to.size())) {
    text.replace(at, from.size(), to);
  }
  return text;
}

struct Outcome {
  bool ok = false;
  std::string output;
  std::string messages;
};

Outcome Render(const std::string& input, const std::string& release_ns) {
  PostRenderOptions options;
  options.release.release_namespace = release_ns;
  PostRenderResult result = RunPostRenderer(input, options);
  return Outcome{result.ok, result.output.Join(), FormatAll(result.diagnostics)};
}

// The documents of a stream, as text, without the one Namespace object that
// is not made when the release namespace is that component's namespace (the
// release namespace is Helm's to create).
std::vector<std::string> DocumentTexts(const std::string& stream, std::string_view skip_namespace = {}) {
  std::vector<std::string> texts;
  for (const Document& doc : testing::ReadDocs(stream)) {
    if (!skip_namespace.empty() && doc.Kind() == "Namespace" && doc.Name() == skip_namespace) continue;
    // The first document of a stream may come without its `---`.
    std::string text = doc.Text();
    if (text.rfind("---\n", 0) == 0) text.erase(0, 4);
    texts.push_back(std::move(text));
  }
  return texts;
}

// The first line where `got` and `want` differ, with its number.
std::string FirstDifference(const std::string& got, const std::string& want) {
  std::size_t line = 1, start = 0;
  for (std::size_t i = 0; i < std::min(got.size(), want.size()); ++i) {
    if (got[i] != want[i]) {
      auto line_of = [start](const std::string& text) { return text.substr(start, text.find('\n', start) - start); };
      return "line " + std::to_string(line) + ":\n  got:  " + line_of(got) + "\n  want: " + line_of(want);
    }
    if (got[i] == '\n') {
      ++line;
      start = i + 1;
    }
  }
  return "one is a prefix of the other";
}

// The namespaces the components move to by default: with one of them as the
// release namespace, that component stays and its Namespace object is not made.
const std::set<std::string>& ComponentNamespaces() {
  static const std::set<std::string> names = {"envoy-gateway-system", "keda", "prometheus-system", "traefik"};
  return names;
}

// Names dotk8s-post refuses as the release namespace (README, "place").
bool RefusedByDesign(std::string_view ns) {
  return ns == "kube-system" || ns == "kube-public" || ns == "kube-node-lease";
}

// True if every error in `messages` is the refusal of a value that is exactly
// the release namespace in a field dotk8s-post does not know, with its hint.
bool OnlyUnknownReferenceErrors(const std::string& messages, const std::string& ns) {
  const std::string refusal = "still refers to the release namespace " + ns +
                              " in a field dotk8s-post does not know as a namespace reference";
  std::size_t errors = 0;
  for (std::size_t start = 0; start < messages.size();) {
    std::size_t end = messages.find('\n', start);
    if (end == std::string::npos) end = messages.size();
    const std::string line = messages.substr(start, end - start);
    start = end + 1;
    if (line.rfind("error: ", 0) != 0) continue;
    ++errors;
    if (line.find(refusal) == std::string::npos || line.find("apps.allowReleaseNamespaceReferences") == std::string::npos) {
      return false;
    }
  }
  return errors > 0;
}

class ReleaseNamespacePropertyTest : public ::testing::TestWithParam<const char*> {
 protected:
  static void SetUpTestSuite() {
    baselines_ = new std::map<std::string, std::pair<std::string, Outcome>>();
    for (const std::string& fixture : testing::NonEmptyFixtures()) {
      std::string input = Fixture(fixture);
      Outcome outcome = Render(input, std::string(kFixtureNamespace));
      (*baselines_)[fixture] = {std::move(input), std::move(outcome)};
    }
  }
  static void TearDownTestSuite() {
    delete baselines_;
    baselines_ = nullptr;
  }
  static std::map<std::string, std::pair<std::string, Outcome>>* baselines_;
};

std::map<std::string, std::pair<std::string, Outcome>>* ReleaseNamespacePropertyTest::baselines_ = nullptr;

TEST_P(ReleaseNamespacePropertyTest, OutputIsTheDotSystemOutputWithTheNameSubstitutedOrARefusal) {
  const std::string ns = GetParam();
  for (const auto& [fixture, baseline] : *baselines_) {
    SCOPED_TRACE(fixture + " rendered into " + ns);
    const auto& [input, expected] = baseline;
    // Helm writes the release namespace exactly where the fixture has dot-system.
    Outcome got = Render(ReplaceAll(input, kFixtureNamespace, ns), ns);
    if (RefusedByDesign(ns)) {
      EXPECT_FALSE(got.ok);
      EXPECT_NE(got.messages.find("error: the release namespace " + ns + " is built into Kubernetes"),
                std::string::npos)
          << got.messages;
      continue;
    }
    if (!expected.ok) {
      // What cannot work in dot-system cannot work in N either, and says so.
      EXPECT_FALSE(got.ok) << "dot-system refused:\n" << expected.messages;
      EXPECT_NE(got.messages.find("error: "), std::string::npos) << got.messages;
      continue;
    }
    if (!got.ok) {
      // The one refusal a name may cause: a value in free-form configuration
      // that is exactly the name, which dotk8s-post cannot read as a word or
      // a namespace (the Job argument `certgen` in a release `certgen`). It
      // names the field and how to allow it.
      EXPECT_TRUE(OnlyUnknownReferenceErrors(got.messages, ns)) << got.messages;
      continue;
    }
    const std::string skip = ComponentNamespaces().count(ns) != 0 ? ns : std::string();
    const std::vector<std::string> want =
        DocumentTexts(ReplaceAll(expected.output, kFixtureNamespace, ns), skip);
    const std::vector<std::string> have = DocumentTexts(got.output);
    ASSERT_EQ(have.size(), want.size());
    std::size_t differing = 0;
    for (std::size_t i = 0; i < have.size(); ++i) {
      if (have[i] == want[i]) continue;
      // A few documents with their first difference, then a count.
      if (++differing <= 3) ADD_FAILURE() << "document " << i << ": " << FirstDifference(have[i], want[i]);
    }
    EXPECT_EQ(differing, 0u);
  }
}

// At least 40 names, each a reason the rewrite could mistake a word for the namespace.
INSTANTIATE_TEST_SUITE_P(
    Names, ReleaseNamespacePropertyTest,
    ::testing::Values(
        // DNS labels and host parts.
        "local", "svc", "cluster", "io", "k8s", "com", "docker",
        // API groups and versions.
        "apps", "v1", "v1beta1", "v1alpha1", "batch", "policy", "monitoring", "networking", "rbac", "admissionregistration",
        "apiextensions", "coordination", "storage", "autoscaling",
        // Built-in and component namespaces.
        "default", "kube-system", "kube-public", "kube-node-lease", "keda", "traefik", "prometheus-system",
        "envoy-gateway-system",
        // One letter.
        "a", "x",
        // Words of the charts.
        "prometheus", "grafana", "alertmanager", "operator", "metrics", "http", "https", "system", "gateway", "envoy",
        "kube-prometheus-stack", "webhook", "node-exporter", "certgen", "admission", "kube", "stack", "dot", "apps-v1",
        "interceptor", "scaler", "config", "web", "api", "name", "namespace",
        // Prefixes and suffixes of words in the streams.
        "prom", "etheus", "ope", "rator", "kub", "ube", "ga", "eda", "sys", "tem", "dot-sys"),
    [](const ::testing::TestParamInfo<const char*>& param) {
      std::string name = param.param;
      for (char& c : name) {
        if (c == '-') c = '_';
      }
      return name;
    });

}  // namespace
}  // namespace dotk8s
