// The limits that end in a clear error, never a crash: nesting depth (yaml-cpp
// and our tree walkers recurse, so nothing deeper than OutlineOptions::max_depth
// may reach them), alias expansion ("billion laughs"), one document's size
// (--max-document) and the whole input's (--max-input), for the stream, the
// --settings file and YAML nested inside a value.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "bad_input_util.h"
#include "core/post_options.h"
#include "core/yaml/outline.h"
#include "core/yaml/read.h"
#include "core/yaml/yaml_node.h"
#include "test_support.h"

namespace dotk8s {
namespace {

using testing::ExpectRefused;
using testing::FixturePath;
using testing::PostRun;
using testing::ReadFile;
using testing::RunPostWithLog;
using testing::ScratchDir;

constexpr std::size_t kDeep = 10000;

std::string Header(std::string_view name = "deep") {
  return "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: " + std::string(name) + "\n  namespace: dot-system\n";
}

std::string DeepFlowSequence() { return std::string(kDeep, '[') + std::string(kDeep, ']'); }

std::string DeepFlowMapping() {
  std::string text;
  for (std::size_t i = 0; i < kDeep; ++i) text += "{a: ";
  text += "1";
  text += std::string(kDeep, '}');
  return text;
}

// `- - - ... x`: block sequences nested on one line.
std::string DeepBlockSequenceLine() {
  std::string text;
  for (std::size_t i = 0; i < kDeep; ++i) text += "- ";
  return text + "x\n";
}

// A block mapping `levels` deep, one more space of indentation per level.
std::string DeepBlockMapping(std::size_t levels) {
  std::string text;
  for (std::size_t i = 0; i < levels; ++i) text += std::string(i, ' ') + "k:\n";
  return text + std::string(levels, ' ') + "leaf: 1\n";
}

// Nine levels of ten aliases each: 10^9 nodes once expanded.
std::string BillionLaughs() {
  std::string text = "a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]\n";
  for (int level = 1; level <= 8; ++level) {
    std::string alias = "*a" + std::to_string(level - 1);
    text += "a" + std::to_string(level) + ": &a" + std::to_string(level) + " [";
    for (int i = 0; i < 10; ++i) text += (i > 0 ? ", " : "") + alias;
    text += "]\n";
  }
  return text;
}

// Both outline readers refuse `raw` with `message`; the fast one steps aside
// and libyaml gives the error, and LoadYamlNode refuses it too.
void ExpectBothReadersRefuse(const std::string& raw, const std::string& message) {
  Outline fast;
  std::string why;
  EXPECT_FALSE(TryFastOutline(raw, 0, OutlineOptions{}, &fast, &why));
  for (bool allow_fast : {true, false}) {
    OutlineOptions options;
    options.allow_fast_path = allow_fast;
    Outline outline;
    YamlProblem problem;
    EXPECT_FALSE(BuildOutline(raw, 0, options, &outline, &problem));
    EXPECT_EQ(problem.message, message);
  }
  YAML::Node node;
  std::string error;
  EXPECT_FALSE(LoadCheckedYamlNode(raw, OutlineOptions{}, &node, &error));
  EXPECT_NE(error.find(message), std::string::npos) << error;
}

TEST(LimitsTest, DeepFlowSequenceIsRefusedBeforeAnythingRecurses) {
  const std::string raw = Header() + "data:\n  deep: " + DeepFlowSequence() + "\n";
  ExpectBothReadersRefuse(raw, "nesting deeper than 200 levels");
  // LoadYamlNode keeps its own stack and its own limit.
  YAML::Node node;
  std::string error;
  EXPECT_FALSE(LoadYamlNode(raw, &node, &error));
  EXPECT_EQ(error, "line 7 column 207: nesting deeper than 200 levels");

  ScratchDir dir;
  const PostRun run = RunPostWithLog(dir, {}, raw);
  ExpectRefused(run, {"error: doc 0: line 7 column 207: nesting deeper than 200 levels"}, "deep flow sequence");
}

TEST(LimitsTest, DeepFlowMappingIsRefused) {
  const std::string raw = Header() + "data:\n  deep: " + DeepFlowMapping() + "\n";
  ExpectBothReadersRefuse(raw, "nesting deeper than 200 levels");
  ScratchDir dir;
  ExpectRefused(RunPostWithLog(dir, {}, raw), {"nesting deeper than 200 levels"}, "deep flow mapping");
}

TEST(LimitsTest, DeepBlockNestingIsRefused) {
  const std::string sequence = "---\n" + DeepBlockSequenceLine();
  ExpectBothReadersRefuse(sequence, "nesting deeper than 200 levels");
  const std::string mapping = Header() + "data:\n" + DeepBlockMapping(2000);
  ExpectBothReadersRefuse(mapping, "nesting deeper than 200 levels");
  ScratchDir dir;
  ExpectRefused(RunPostWithLog(dir, {}, sequence), {"doc 0: line 2 column 401: nesting deeper than 200 levels"},
                "deep block sequence");
  ExpectRefused(RunPostWithLog(dir, {}, mapping), {"nesting deeper than 200 levels"}, "deep block mapping");
}

TEST(LimitsTest, DepthJustInsideTheLimitIsRead) {
  // 200 levels: the document's root mapping, data, and 198 sequences.
  const std::string raw = Header() + "data:\n  deep: " + std::string(198, '[') + std::string(198, ']') + "\n";
  for (bool allow_fast : {true, false}) {
    OutlineOptions options;
    options.allow_fast_path = allow_fast;
    Outline outline;
    YamlProblem problem;
    ASSERT_TRUE(BuildOutline(raw, 0, options, &outline, &problem)) << problem.message;
    EXPECT_EQ(outline.max_depth, 200u);
  }
  YAML::Node node;
  std::string error;
  EXPECT_TRUE(LoadYamlNode(raw, &node, &error)) << error;
}

TEST(LimitsTest, DeepDocumentsReadInParallelThreads) {
  // Reader threads have smaller stacks than the main thread on some systems:
  // nothing they run may recurse with the input's depth.
  std::string stream;
  for (int i = 0; i < 8; ++i) {
    stream += "---\n" + Header("deep-" + std::to_string(i)) + "data:\n  deep: " + DeepFlowSequence() + "\n";
    stream += "  filler: '" + std::string(600000, 'x') + "'\n";  // past the size where reading goes parallel
  }
  ScratchDir dir;
  const PostRun run = RunPostWithLog(dir, {"--threads", "4"}, stream);
  ExpectRefused(run, {"doc 0: ", "doc 7: ", "nesting deeper than 200 levels"}, "deep documents, 4 threads");
}

TEST(LimitsTest, BillionLaughsIsRefused) {
  const std::string raw = Header() + "data:\n  laughs: ok\nbomb:\n" + [] {
    std::string indented;
    const std::string bomb = BillionLaughs();
    std::size_t pos = 0;
    while (pos < bomb.size()) {
      std::size_t eol = bomb.find('\n', pos);
      indented += "  " + bomb.substr(pos, eol - pos + 1);
      pos = eol + 1;
    }
    return indented;
  }();
  Outline outline;
  YamlProblem problem;
  EXPECT_FALSE(BuildOutline(raw, 0, OutlineOptions{}, &outline, &problem));
  EXPECT_EQ(problem.message,
            "aliases expand this document beyond 1000000 extra nodes (a \"billion laughs\" document?)");
  YAML::Node node;
  std::string error;
  EXPECT_FALSE(LoadCheckedYamlNode(raw, OutlineOptions{}, &node, &error));
  ScratchDir dir;
  ExpectRefused(RunPostWithLog(dir, {}, raw), {"doc 0: line 14 column ", "\"billion laughs\""}, "billion laughs");
}

TEST(LimitsTest, ModestAliasesAreFine) {
  // Three levels of ten: a thousand nodes, well inside the limit.
  const std::string raw = "a0: &a0 [x, x, x, x, x, x, x, x, x, x]\na1: &a1 [*a0, *a0, *a0, *a0, *a0, *a0, *a0, *a0, *a0, *a0]\n"
                          "a2: [*a1, *a1, *a1, *a1, *a1, *a1, *a1, *a1, *a1, *a1]\n";
  Outline outline;
  YamlProblem problem;
  EXPECT_TRUE(BuildOutline(raw, 0, OutlineOptions{}, &outline, &problem)) << problem.message;
  YAML::Node node;
  std::string error;
  ASSERT_TRUE(LoadCheckedYamlNode(raw, OutlineOptions{}, &node, &error)) << error;
  EXPECT_EQ(node["a2"][9][9][9].Scalar(), "x");
}

TEST(LimitsTest, AliasInsideItsOwnAnchorIsRefused) {
  // A cycle: any recursive walk of the tree would never end.
  const std::string raw = "a: &a\n  b: *a\n";
  Outline outline;
  YamlProblem problem;
  EXPECT_FALSE(BuildOutline(raw, 0, OutlineOptions{}, &outline, &problem));
  EXPECT_EQ(problem.message, "alias *a refers to no anchor before it");
  YAML::Node node;
  std::string error;
  EXPECT_FALSE(LoadYamlNode(raw, &node, &error));
  EXPECT_EQ(error, "line 2 column 6: alias *a refers to no complete anchor before it");
}

TEST(LimitsTest, DefaultLimits) {
  PostArgs args;
  std::string error;
  ASSERT_TRUE(ParsePostArgs({}, &args, &error));
  EXPECT_EQ(args.max_input_bytes, std::size_t{1} << 30);
  EXPECT_EQ(args.max_document_bytes, std::size_t{256} << 20);
  EXPECT_EQ(ReadOptions{}.max_document_bytes, std::size_t{256} << 20);
  EXPECT_EQ(OutlineOptions{}.max_depth, 200u);
  EXPECT_EQ(OutlineOptions{}.max_alias_expansion, 1000000u);
}

TEST(LimitsTest, OneDocumentLargerThanMaxDocument) {
  const std::string small = "---\n" + Header("small");
  const std::string big = "---\n" + Header("big") + "data:\n  blob: " + std::string(3000, 'x') + "\n";
  ScratchDir dir;
  const PostRun run = RunPostWithLog(dir, {"--max-document", "2K"}, small + big);
  ExpectRefused(run,
                {"error: doc 1: document is " + std::to_string(big.size()) + " bytes, more than the limit of 2048",
                 "hint: split the manifest, or raise the limit with --max-document"},
                "--max-document");
  // The same stream passes with room, and the limit counts the document's own bytes.
  const PostRun fits = RunPostWithLog(dir, {"--max-document", std::to_string(big.size())}, small + big);
  EXPECT_EQ(fits.result.exit_code, 0) << fits.result.err;
  EXPECT_EQ(fits.result.out, small + big);
}

TEST(LimitsTest, InputLargerThanMaxInputStopsReading) {
  // An endless producer: dotk8s-post must stop at the limit, not read to the end.
  ScratchDir dir;
  const std::string log = dir.File("post.log");
  testing::RunResult r = testing::Run(
      {"/bin/sh", "-c", "yes 'a: b' | \"$0\" --max-input 1M --log \"$1\"", DOTK8S_POST_BINARY, log}, "");
  EXPECT_EQ(r.exit_code, 1) << r.err;
  EXPECT_EQ(r.out, "");
  EXPECT_NE(r.err.find("error: the input is larger than 1048576 bytes; hint: raise the limit with --max-input"),
            std::string::npos)
      << r.err;
  EXPECT_NE(ReadFile(log).find("the input is larger than 1048576 bytes"), std::string::npos);
  // Exactly at the limit is fine.
  const std::string stream = ReadFile(FixturePath("helm4-envoy-only.yaml"));
  const PostRun at_limit = RunPostWithLog(dir, {"--max-input", std::to_string(stream.size())}, stream);
  EXPECT_EQ(at_limit.result.exit_code, 0) << at_limit.result.err;
}

struct SettingsCase {
  const char* name;
  std::string text;
  std::string fragment;
};

TEST(LimitsTest, SettingsFileIsReadWithTheStreamsLimits) {
  // --settings is user input too: before, yaml-cpp's recursive parser read it.
  const std::vector<SettingsCase> cases = {
      {"deep", "apps:\n  keda: " + DeepFlowSequence() + "\n", "not valid YAML: line 2 column 207: nesting deeper than 200 levels"},
      {"deep-block", "apps:\n" + DeepBlockMapping(1000), "nesting deeper than 200 levels"},
      {"cycle", "apps: &a\n  keda: *a\n", "not valid YAML: line 2 column 9: alias *a refers to no anchor before it"},
      {"laughs", BillionLaughs() + "apps: {}\n", "\"billion laughs\""},
      {"duplicate", "apps:\n  keda:\n    enabled: true\n  keda:\n    enabled: false\n",
       "not valid YAML: line 4 column 3: duplicate key `keda` in apps"},
      {"two-documents", "apps: {}\n---\napps: {}\n", "a second YAML document inside one"},
  };
  const std::string stream = ReadFile(FixturePath("helm4-envoy-only.yaml"));
  ScratchDir dir;
  for (const SettingsCase& c : cases) {
    const std::string path = dir.File(std::string(c.name) + ".yaml");
    testing::WriteFile(path, c.text);
    ExpectRefused(RunPostWithLog(dir, {"--settings", path}, stream), {"error: " + path + ": ", c.fragment}, c.name);
  }
}

TEST(LimitsTest, NestedYamlInAValueIsReadWithLimits) {
  // The GatewayClass takes its controllerName from the YAML inside Envoy
  // Gateway's ConfigMap; too deep a config there is Envoy Gateway's problem:
  // dotk8s-post keeps the default controller and does not crash.
  const std::string stream = ReadFile(FixturePath("helm4-envoy-only.yaml"));
  const std::string controller = "controllerName: gateway.envoyproxy.io/gatewayclass-controller";
  ASSERT_NE(stream.find("    extensionApis: {}\n"), std::string::npos);
  ASSERT_NE(stream.find(controller), std::string::npos);
  std::string custom = stream;
  custom.replace(custom.find(controller), controller.size(), "controllerName: example.com/custom");
  ScratchDir dir;
  const PostRun read = RunPostWithLog(dir, {}, custom);
  ASSERT_EQ(read.result.exit_code, 0) << read.result.err;
  // The GatewayClass's spec (the ConfigMap's own text holds the name too, indented deeper).
  EXPECT_NE(read.result.out.find("\nspec:\n  controllerName: example.com/custom\n"), std::string::npos);

  std::string deep = custom;
  deep.replace(deep.find("    extensionApis: {}\n"), 22, "    extensionApis: " + DeepFlowSequence() + "\n");
  const PostRun fallback = RunPostWithLog(dir, {}, deep);
  ASSERT_EQ(fallback.result.exit_code, 0) << fallback.result.err;
  EXPECT_EQ(fallback.result.out.find("\nspec:\n  controllerName: example.com/custom\n"), std::string::npos);
  EXPECT_NE(fallback.result.out.find("\nspec:\n  controllerName: gateway.envoyproxy.io/gatewayclass-controller\n"),
            std::string::npos);
}

}  // namespace
}  // namespace dotk8s
