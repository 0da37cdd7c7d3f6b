// "Secret data never appears in messages, the log or --explain": a Secret whose
// data and stringData hold marker values goes through error paths (a malformed
// Secret, a duplicate one, one moved to its component's namespace and then
// refused, bad bytes in its values) and through --explain; the markers must
// never reach stderr, the log or the plan.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <string>
#include <vector>

#include "bad_input_util.h"
#include "test_support.h"

namespace dotk8s {
namespace {

using testing::FixturePath;
using testing::PostRun;
using testing::ReadFile;
using testing::RunPostWithLog;
using testing::ScratchDir;

// base64 of "SECRET-MARKER-12345", and a plain stringData value.
constexpr std::string_view kDataMarker = "U0VDUkVULU1BUktFUi0xMjM0NQ==";
constexpr std::string_view kPlainMarker = "plain-marker-6789";

// A Secret of Envoy Gateway's chart: placement moves it to envoy-gateway-system
// and rewrites the release namespace inside its values.
std::string SecretDocument(std::string_view name = "eg-token", std::string_view extra = "") {
  return fmt::format(
      "---\napiVersion: v1\nkind: Secret\nmetadata:\n  name: {}\n  namespace: dot-system\n  annotations:\n"
      "    postrenderer.helm.sh/postrender-filename: dot-apps/charts/gateway-helm/templates/token.yaml\n"
      "type: Opaque\ndata:\n  password: {}\nstringData:\n"
      "  url: http://envoy-gateway.dot-system.svc:18000/?token={}\n"
      "  dns: {}.dot-system.svc.cluster.local\n"
      "  config: |\n    endpoint: {}.dot-system:9090\n    token: {}\n{}",
      name, kDataMarker, kPlainMarker, kPlainMarker, kPlainMarker, kDataMarker, extra);
}

const std::string& EnvoyOnly() {
  static const std::string text = ReadFile(FixturePath("helm4-envoy-only.yaml"));
  return text;
}

void ExpectNoMarker(const std::string& text, const std::string& where) {
  for (std::string_view marker : {kDataMarker, kPlainMarker, std::string_view("SECRET-MARKER")}) {
    EXPECT_EQ(text.find(marker), std::string::npos) << where << " shows secret data (" << marker << "):\n" << text;
  }
}

struct Case {
  std::string name;
  std::string input;
  std::vector<std::string> args;
  int exit_code;
};

TEST(SecretRedactionTest, ErrorPathsAndExplainNeverShowSecretData) {
  const std::string secret = SecretDocument();
  const std::vector<Case> cases = {
      {"malformed Secret", EnvoyOnly() + SecretDocument("eg-token", "  broken: [unclosed\n"), {}, 1},
      {"malformed right after the data",
       EnvoyOnly() + "---\napiVersion: v1\nkind: Secret\nmetadata:\n  name: s\ndata:\n  password: " + std::string(kDataMarker) +
           " trailing: x\n",
       {}, 1},
      {"unterminated quote in the data",
       EnvoyOnly() + "---\napiVersion: v1\nkind: Secret\nmetadata:\n  name: s\ndata:\n  password: \"" + std::string(kDataMarker) + "\n",
       {}, 1},
      {"invalid UTF-8 in the data",
       EnvoyOnly() + "---\napiVersion: v1\nkind: Secret\nmetadata:\n  name: s\nstringData:\n  password: " +
           std::string(kPlainMarker) + "\xff\n",
       {}, 1},
      {"duplicate key in the data",
       EnvoyOnly() + "---\napiVersion: v1\nkind: Secret\nmetadata:\n  name: s\ndata:\n  password: " + std::string(kDataMarker) +
           "\n  password: " + std::string(kDataMarker) + "\n",
       {}, 1},
      {"duplicate Secret", EnvoyOnly() + secret + secret, {}, 1},
      {"moved Secret, then refused",
       // `ns` holds the release namespace where nothing knows it as a reference: the final check refuses the move.
       EnvoyOnly() + SecretDocument("eg-token", "  ns: dot-system\n"), {}, 1},
      {"moved Secret, explained", EnvoyOnly() + secret, {"--explain"}, 0},
      {"moved Secret, refused, explained", EnvoyOnly() + SecretDocument("eg-token", "  ns: dot-system\n"), {"--explain"}, 1},
      {"Secret in a stream with another error", secret + "---\n- not an object\n", {}, 1},
      // Validation messages show offending values; the Secret goes through
      // validation of every object beside the CRD-backed ones and must pass untouched.
      {"Secret with every object validated",
       EnvoyOnly() + secret,
       {"--validate", "all", "--crds", FixturePath("crds/gateway-helm-1.7.0")},
       0},
      {"Secret with settings that contradict the stream",
       EnvoyOnly() + secret +
           "---\napiVersion: dotk8s.dev/v1alpha1\nkind: Settings\nmetadata:\n  name: dot-apps\nrelease:\n  namespace: dot-system\n"
           "apps:\n  prometheus:\n    enabled: true\n",
       {}, 1},
  };
  ScratchDir dir;
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    std::filesystem::remove(dir.File("post.log"));
    const PostRun run = RunPostWithLog(dir, c.args, c.input);
    EXPECT_EQ(run.result.exit_code, c.exit_code) << run.result.err;
    ExpectNoMarker(run.result.err, "stderr");
    // A refused run writes its messages to the log; without one the check below would pass vacuously.
    if (c.exit_code != 0) {
      ASSERT_FALSE(run.log.empty()) << "no log written to " << run.log_path;
    }
    ExpectNoMarker(run.log, "the log");
    const bool explain = std::find(c.args.begin(), c.args.end(), "--explain") != c.args.end();
    if (explain) {
      // A failed run's plan goes to stderr (nothing reaches stdout unless the run succeeded).
      const std::string& plan = c.exit_code == 0 ? run.result.out : run.result.err;
      EXPECT_NE(plan.find("envoyGateway: on"), std::string::npos) << plan;
      ExpectNoMarker(plan, "--explain");
      if (c.exit_code != 0) {
        EXPECT_EQ(run.result.out, "");
      }
    } else if (c.exit_code != 0) {
      EXPECT_EQ(run.result.out, "");
    }
  }
}

TEST(SecretRedactionTest, TheSecretItselfStillReachesHelm) {
  // The markers are in the output Helm gets (the Secret is moved, its data kept):
  // the test above would pass vacuously if they were lost on the way.
  ScratchDir dir;
  const PostRun run = RunPostWithLog(dir, {}, EnvoyOnly() + SecretDocument());
  ASSERT_EQ(run.result.exit_code, 0) << run.result.err;
  EXPECT_NE(run.result.out.find(std::string("  password: ") + std::string(kDataMarker) + "\n"), std::string::npos);
  EXPECT_NE(run.result.out.find("http://envoy-gateway.envoy-gateway-system.svc:18000/?token=" + std::string(kPlainMarker)),
            std::string::npos);
  EXPECT_NE(run.result.out.find("  namespace: envoy-gateway-system\n"), std::string::npos);
}

}  // namespace
}  // namespace dotk8s
