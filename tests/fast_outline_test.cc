#include <gtest/gtest.h>

#include <map>
#include <string>
#include <vector>

#include "core/outline.h"
#include "core/read.h"
#include "test_support.h"

namespace dotk8s {
namespace {

using testing::FixturePath;
using testing::ReadFile;

// What both readers must agree on.
void ExpectSameScalar(const Scalar& fast, const Scalar& reference, const std::string& what) {
  EXPECT_EQ(fast.value, reference.value) << what;
  EXPECT_EQ(fast.offset, reference.offset) << what;
  EXPECT_EQ(fast.line, reference.line) << what;
  EXPECT_EQ(fast.column, reference.column) << what;
  EXPECT_EQ(fast.style, reference.style) << what;
  EXPECT_EQ(FormatPath(fast.path), FormatPath(reference.path)) << what;
  if (fast.style != ScalarStyle::kLiteral && fast.style != ScalarStyle::kFolded) {
    EXPECT_EQ(fast.length, reference.length) << what;
  }
}

void ExpectSameScalar(const std::optional<Scalar>& fast, const std::optional<Scalar>& reference,
                      const std::string& what) {
  ASSERT_EQ(fast.has_value(), reference.has_value()) << what;
  if (!fast) return;
  EXPECT_EQ(fast->value, reference->value) << what;
  EXPECT_EQ(fast->offset, reference->offset) << what;
  EXPECT_EQ(fast->line, reference->line) << what;
  EXPECT_EQ(fast->column, reference->column) << what;
  EXPECT_EQ(fast->style, reference->style) << what;
  EXPECT_EQ(FormatPath(fast->path), FormatPath(reference->path)) << what;
  if (fast->style != ScalarStyle::kLiteral && fast->style != ScalarStyle::kFolded) {
    EXPECT_EQ(fast->length, reference->length) << what;
  }
}

void ExpectSameSpan(const MappingSpan& fast, const MappingSpan& reference, const std::string& what) {
  EXPECT_EQ(fast.present, reference.present) << what;
  EXPECT_EQ(fast.flow, reference.flow) << what;
  EXPECT_EQ(fast.empty, reference.empty) << what;
  EXPECT_EQ(fast.offset, reference.offset) << what;
  EXPECT_EQ(fast.column, reference.column) << what;
}

void ExpectSameOutline(const Outline& fast, const Outline& reference, const std::string& what) {
  EXPECT_EQ(fast.shape, reference.shape) << what;
  ExpectSameScalar(fast.api_version, reference.api_version, what + " apiVersion");
  ExpectSameScalar(fast.kind, reference.kind, what + " kind");
  ExpectSameScalar(fast.name, reference.name, what + " metadata.name");
  ExpectSameScalar(fast.namespace_, reference.namespace_, what + " metadata.namespace");
  EXPECT_EQ(fast.labels, reference.labels) << what;
  EXPECT_EQ(fast.annotations, reference.annotations) << what;
  ExpectSameSpan(fast.metadata, reference.metadata, what + " metadata span");
  ExpectSameSpan(fast.labels_span, reference.labels_span, what + " labels span");
  ExpectSameSpan(fast.annotations_span, reference.annotations_span, what + " annotations span");
  EXPECT_EQ(fast.spec_group, reference.spec_group) << what;
  EXPECT_EQ(fast.spec_names_kind, reference.spec_names_kind) << what;
  EXPECT_EQ(fast.spec_scope, reference.spec_scope) << what;
  EXPECT_EQ(fast.max_depth, reference.max_depth) << what;
}

struct FixtureCase {
  const char* file;
  std::size_t max_deferred;  // documents the fast scanner may hand to libyaml
};

class FastOutlineFixtureTest : public ::testing::TestWithParam<FixtureCase> {};

// On every real document the fast scanner either gives libyaml's outline
// exactly or steps aside; and it steps aside rarely, or it is not fast.
TEST_P(FastOutlineFixtureTest, AgreesWithLibyamlOnEveryDocument) {
  const std::string input = ReadFile(FixturePath(GetParam().file));
  std::vector<Document> docs = SplitStream(input);
  std::size_t deferred = 0;
  std::map<std::string, int> reasons;
  for (const Document& doc : docs) {
    Outline reference;
    YamlProblem problem;
    ASSERT_TRUE(BuildOutlineWithLibyaml(doc.raw, doc.body_offset, OutlineOptions{}, &reference, &problem))
        << problem.message;
    Outline fast;
    std::string why;
    if (!TryFastOutline(doc.raw, doc.body_offset, OutlineOptions{}, &fast, &why)) {
      ++deferred;
      ++reasons[why];
      continue;
    }
    ExpectSameOutline(fast, reference, "doc " + std::to_string(doc.index) + " of " + GetParam().file);
  }
  std::string summary;
  for (const auto& [why, count] : reasons) summary += "\n  " + std::to_string(count) + "x " + why;
  EXPECT_LE(deferred, GetParam().max_deferred) << "deferred " << deferred << " of " << docs.size() << summary;
}

void ExpectSameScalars(const std::vector<Scalar>& fast, const std::vector<Scalar>& reference, const std::string& what) {
  ASSERT_EQ(fast.size(), reference.size()) << what;
  for (std::size_t i = 0; i < fast.size(); ++i) {
    const std::string where = what + " scalar " + std::to_string(i) + " at " + FormatPath(reference[i].path);
    EXPECT_EQ(fast[i].is_key, reference[i].is_key) << where;
    ExpectSameScalar(fast[i], reference[i], where);
  }
}

// The namespace placement reads every scalar of the documents that mention
// the release namespace: the fast scanner must list them exactly as libyaml.
TEST_P(FastOutlineFixtureTest, ListsEveryScalarAsLibyamlDoes) {
  const std::string input = ReadFile(FixturePath(GetParam().file));
  std::vector<Document> docs = SplitStream(input);
  OutlineOptions all;
  all.all_scalars = true;
  std::size_t compared = 0;
  std::size_t scalars = 0;
  for (const Document& doc : docs) {
    Outline reference;
    YamlProblem problem;
    ASSERT_TRUE(BuildOutlineWithLibyaml(doc.raw, doc.body_offset, all, &reference, &problem)) << problem.message;
    Outline fast;
    std::string why;
    if (!TryFastOutline(doc.raw, doc.body_offset, all, &fast, &why)) continue;
    ++compared;
    scalars += reference.scalars.size();
    ExpectSameOutline(fast, reference, "doc " + std::to_string(doc.index) + " of " + GetParam().file);
    ExpectSameScalars(fast.scalars, reference.scalars, "doc " + std::to_string(doc.index) + " of " + GetParam().file);
  }
  // Most documents must stay on the fast path in this mode too.
  EXPECT_GE(compared * 100, docs.size() * 85) << compared << " of " << docs.size();
  EXPECT_GT(scalars, 10000u);
}

// Placement looks for the release namespace: the scalars holding it (hits)
// must be the ones libyaml finds, with the same paths and bytes.
TEST_P(FastOutlineFixtureTest, FindsTheSameHitsAsLibyaml) {
  const std::string input = ReadFile(FixturePath(GetParam().file));
  std::vector<Document> docs = SplitStream(input);
  OutlineOptions needles;
  needles.needles = {"dot-system"};
  std::size_t hits = 0;
  for (const Document& doc : docs) {
    Outline reference;
    YamlProblem problem;
    ASSERT_TRUE(BuildOutlineWithLibyaml(doc.raw, doc.body_offset, needles, &reference, &problem)) << problem.message;
    Outline fast;
    std::string why;
    if (!TryFastOutline(doc.raw, doc.body_offset, needles, &fast, &why)) continue;
    hits += reference.hits.size();
    ExpectSameScalars(fast.hits, reference.hits, "doc " + std::to_string(doc.index) + " of " + GetParam().file);
  }
  EXPECT_GT(hits, 100u);
}

INSTANTIATE_TEST_SUITE_P(Fixtures, FastOutlineFixtureTest,
                         ::testing::Values(FixtureCase{"helm4-all.yaml", 2}, FixtureCase{"helm4-all-plus-traefik.yaml", 2},
                                           FixtureCase{"helm3-all.yaml", 3}),
                         [](const ::testing::TestParamInfo<FixtureCase>& param) {
                           std::string name = param.param.file;
                           for (char& c : name) {
                             if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
                           }
                           return name;
                         });

}  // namespace
}  // namespace dotk8s
