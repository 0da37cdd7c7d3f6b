// Findings of the differential fuzzer (fuzz/outline_diff_fuzzer.cc), kept: the
// fast outline scanner accepted a document and disagreed with libyaml, or
// accepted one libyaml rejects. Each case is the minimized input; the check is
// the fuzzer's own (fuzz/outline_compare.h) under every option set the passes
// use, plus what the right answer is.
#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <vector>

#include "../fuzz/outline_compare.h"
#include "core/yaml/outline.h"

namespace dotk8s {
namespace {

std::vector<OutlineOptions> OptionSets() {
  std::vector<OutlineOptions> sets(4);
  sets[1].needles = {"dot-system"};
  sets[2].all_scalars = true;
  sets[3].max_depth = 3;
  return sets;
}

void ExpectReadersAgree(const std::string& raw) {
  for (const OutlineOptions& options : OptionSets()) {
    EXPECT_EQ(fuzz::CheckFastAgainstLibyaml(raw, 0, options), "")
        << "all_scalars=" << options.all_scalars << " needles=" << options.needles.size()
        << " max_depth=" << options.max_depth;
  }
}

// Finding 1: a block scalar on the input's last line, with no line break after
// it, got a final "\n" from the fast scanner ("abc\n"; libyaml: "abc"). Only the
// last document of a stream without a final newline can end so, but then a
// `name: |` header field was read wrong.
TEST(RegressionFastOutlineTest, BlockScalarAtTheEndWithoutALineBreak) {
  ExpectReadersAgree("data:\n  x: |\n    abc");
  ExpectReadersAgree("data:\n  x: |+\n    abc\n\n  ");
  ExpectReadersAgree("data:\n  x: |-\n    abc");
  ExpectReadersAgree("data:\n  x: |\n    abc\n");
  const std::string raw = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: |\n    literal";
  Outline outline;
  YamlProblem problem;
  ASSERT_TRUE(BuildOutline(raw, 0, OutlineOptions{}, &outline, &problem)) << problem.message;
  ASSERT_TRUE(outline.name.has_value());
  EXPECT_EQ(outline.name->value, "literal");
  ExpectReadersAgree(raw);
}

// Finding 4: an unknown escape in a double-quoted scalar (`\X`): libyaml
// rejects the document ("found unknown escape character"), the fast scanner
// accepted it when nothing wanted the value. The fuzzer's input was a mutated
// Alertmanager Secret; both block and flow values had the gap.
TEST(RegressionFastOutlineTest, UnknownEscapeInADoubleQuotedScalar) {
  ExpectReadersAgree("data:\n  a: \"Z2xvYm\\XM6Ci0g\"\n");
  ExpectReadersAgree("data:\n  a: [\"x\\Xy\"]\n");
  ExpectReadersAgree("data:\n  a: {k: \"x\\qy\"}\n");
  // Escapes libyaml takes, with and without digits, still agree.
  ExpectReadersAgree("data:\n  a: \"tab\\tnl\\nq\\\"bs\\\\sp\\ x\\x41u\\u00e9U\\U0001F600/\\/\"\n");
  ExpectReadersAgree("data:\n  a: [\"\\x4\", \"\\u12\"]\n");
  Outline outline;
  YamlProblem problem;
  EXPECT_FALSE(BuildOutline("apiVersion: v1\nkind: Secret\ndata:\n  a: \"x\\Xy\"\n", 0, OutlineOptions{}, &outline, &problem));
  EXPECT_NE(problem.message.find("unknown escape"), std::string::npos) << problem.message;
}

// Finding 2: YAML limits an implicit key to 1024 characters. libyaml rejects a
// longer one ("mapping values are not allowed in this context"); the fast
// scanner accepted it. The fuzzer's input was a Grafana dashboard line with
// `kind: ` at its end.
TEST(RegressionFastOutlineTest, KeyOf1024CharactersOrMore) {
  const std::string long_key = "apiVersion: v1\n" + std::string(1030, 'k') + ": value\n";
  ExpectReadersAgree(long_key);
  Outline outline;
  YamlProblem problem;
  EXPECT_FALSE(BuildOutline(long_key, 0, OutlineOptions{}, &outline, &problem));
  EXPECT_EQ(problem.message, "while scanning a simple key could not find expected ':'");

  const std::string fits = "apiVersion: v1\n" + std::string(1000, 'k') + ": value\n";
  ExpectReadersAgree(fits);
  EXPECT_TRUE(BuildOutline(fits, 0, OutlineOptions{}, &outline, &problem)) << problem.message;
  ExpectReadersAgree("apiVersion: v1\n- " + std::string(1030, 'k') + ": value\n");
  ExpectReadersAgree("a:\n  '" + std::string(1030, 'q') + "': value\n");
}

// Finding 3 (found by hand while bounding the fuzzers' timeouts): each blank
// line inside a multi-line plain scalar looked ahead to the next non-blank
// line, so a run of blank lines before a continuation line was quadratic: an
// 80 KB document of 80,000 blank lines took two minutes, a megabyte hours.
TEST(RegressionFastOutlineTest, BlankLinesInAPlainScalarAreLinear) {
  const std::string head = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\ndata:\n  a: b\n";
  ExpectReadersAgree(head + std::string(50, '\n') + "    c\n");
  ExpectReadersAgree(head + std::string(50, '\n') + "  c: d\n");
  const std::string raw = head + std::string(1000000, '\n') + "    c\n";
  const auto start = std::chrono::steady_clock::now();
  Outline outline;
  std::string why;
  EXPECT_TRUE(TryFastOutline(raw, 0, OutlineOptions{}, &outline, &why)) << why;
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  // Linear: well under a second. Quadratic: hours.
  EXPECT_LT(seconds, 10.0);
  ASSERT_TRUE(outline.name.has_value());
  EXPECT_EQ(outline.name->value, "x");
}

// Issue 12: in a flow collection libyaml takes `?` and `:` at the start of a
// scalar as indicators (a key, a value), whatever follows them; the fast
// scanner read them as plain scalars. So it accepted `[:a]` and `[?:x]`, which
// libyaml rejects, and read `[?x]` as the scalar `?x` where libyaml reads the
// single-pair mapping `{x: null}`; a pass that rewrote such a value wrote a
// document no YAML reader takes. The scanner now hands them to libyaml.
TEST(RegressionFastOutlineTest, QuestionMarkAndColonInFlowCollections) {
  ExpectReadersAgree("a: [:a]\n");
  ExpectReadersAgree("b: [?:x]\n");
  ExpectReadersAgree("c: [?x]\n");
  ExpectReadersAgree("c: [a, ?x]\n");
  ExpectReadersAgree("c: {?x: y}\n");
  ExpectReadersAgree("c: {k: :x}\n");
  ExpectReadersAgree("c: [a:?b]\n");

  Outline outline;
  YamlProblem problem;
  EXPECT_FALSE(BuildOutline("a: [:a]\n", 0, OutlineOptions{}, &outline, &problem));
  EXPECT_FALSE(BuildOutline("b: [?:x]\n", 0, OutlineOptions{}, &outline, &problem));

  OutlineOptions all;
  all.all_scalars = true;
  ASSERT_TRUE(BuildOutline("c: [?x]\n", 0, all, &outline, &problem)) << problem.message;
  EXPECT_FALSE(outline.fast_path);
  std::vector<std::string> values;
  for (const Scalar& scalar : outline.scalars) values.push_back(FormatPath(scalar.path) + "=" + scalar.value);
  EXPECT_EQ(values, (std::vector<std::string>{"c=c", "c[0].x=x", "c[0].x="}));
}

}  // namespace
}  // namespace dotk8s
