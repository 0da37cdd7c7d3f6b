// FindBytes must answer exactly what std::string_view::find answers: at every
// start position, for needles at the text's edges, across the sixteen-byte
// blocks, with candidates whose first and last bytes match but whose middle
// does not, and on the real fixture with the release namespace.
#include "core/yaml/byte_search.h"

#include <gtest/gtest.h>

#include <random>
#include <string>
#include <string_view>
#include <vector>

#include "test_support.h"

namespace dotk8s {
namespace {

// Every occurrence, from every start position, as find() gives them.
void ExpectSameAsFind(std::string_view text, std::string_view needle) {
  for (std::size_t from = 0; from <= text.size() + 1; ++from) {
    ASSERT_EQ(FindBytes(text, needle, from), text.find(needle, from))
        << "needle '" << needle << "' from " << from << " in '" << text << "'";
  }
}

TEST(FindBytesTest, EdgesAndBlocks) {
  const std::vector<std::string> needles = {"d", "do", "dot", "dot-system", "dot-system-and-more-than-sixteen"};
  for (const std::string& needle : needles) {
    SCOPED_TRACE(needle);
    ExpectSameAsFind("", needle);
    ExpectSameAsFind(needle, needle);
    ExpectSameAsFind(needle.substr(0, needle.size() - 1), needle);
    for (std::size_t pad = 0; pad < 40; ++pad) {
      const std::string filler(pad, 'x');
      ExpectSameAsFind(filler + needle, needle);                  // at the very end
      ExpectSameAsFind(needle + filler, needle);                  // at the start
      ExpectSameAsFind(filler + needle + filler + needle, needle);  // twice, across blocks
    }
  }
}

TEST(FindBytesTest, FirstAndLastBytesMatchButNotTheMiddle) {
  // Each "dXXXXXXXXm" is a candidate the block compare lets through.
  const std::string decoys = "dot-systxm dotxsystem d--------m ";
  std::string text;
  for (int i = 0; i < 10; ++i) text += decoys;
  ExpectSameAsFind(text, "dot-system");
  ExpectSameAsFind(text + "dot-system", "dot-system");
}

TEST(FindBytesTest, RandomTextOverASmallAlphabet) {
  std::mt19937 random(7);  // fixed: a failure reproduces
  std::uniform_int_distribution<int> letter(0, 2);
  for (int round = 0; round < 300; ++round) {
    std::string text(static_cast<std::size_t>(round % 97), ' ');
    for (char& c : text) c = static_cast<char>('a' + letter(random));
    std::string needle(static_cast<std::size_t>(1 + round % 5), ' ');
    for (char& c : needle) c = static_cast<char>('a' + letter(random));
    ExpectSameAsFind(text, needle);
  }
}

TEST(FindBytesTest, EveryReleaseNamespaceInTheFixture) {
  const std::string text = testing::ReadFile(testing::FixturePath("helm4-all.yaml"));
  std::size_t found = 0;
  std::size_t expected_at = text.find("dot-system");
  for (std::size_t at = FindBytes(text, "dot-system"); at != std::string_view::npos; at = FindBytes(text, "dot-system", at + 1)) {
    ASSERT_EQ(at, expected_at);
    expected_at = text.find("dot-system", at + 1);
    ++found;
  }
  EXPECT_EQ(expected_at, std::string::npos);
  EXPECT_GT(found, 100u);  // the fixture names its release namespace in many places
}

}  // namespace
}  // namespace dotk8s
