#include <gtest/gtest.h>

#include <map>
#include <string>
#include <vector>

#include "../fuzz/outline_compare.h"
#include "core/yaml/outline.h"
#include "core/yaml/read.h"
#include "test_support.h"

namespace dotk8s {
namespace {

using testing::FixturePath;
using testing::ReadFile;

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
    EXPECT_EQ(fuzz::CompareOutlines(fast, reference, OutlineOptions{}), "")
        << "doc " << doc.index << " of " << GetParam().file;
  }
  std::string summary;
  for (const auto& [why, count] : reasons) summary += "\n  " + std::to_string(count) + "x " + why;
  EXPECT_LE(deferred, GetParam().max_deferred) << "deferred " << deferred << " of " << docs.size() << summary;
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
    // The outline and every scalar (all.all_scalars).
    EXPECT_EQ(fuzz::CompareOutlines(fast, reference, all), "") << "doc " << doc.index << " of " << GetParam().file;
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
    // The outline and every hit (needles.needles).
    EXPECT_EQ(fuzz::CompareOutlines(fast, reference, needles), "") << "doc " << doc.index << " of " << GetParam().file;
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
