#include "core/yaml/write.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "post_test_util.h"
#include "test_support.h"

namespace dotk8s {
namespace {

using testing::Fixture;

std::string Write(const std::vector<Document>& docs) {
  OutputStream out = WriteStream(docs);
  std::string joined = out.Join();
  EXPECT_EQ(out.size, joined.size());
  return joined;
}

Document Generated(std::string text, std::size_t index) { return MakeGeneratedDocument(std::move(text), index); }

TEST(WriteStreamTest, UntouchedFixturesComeBackByteForByte) {
  for (const std::string& name : testing::NonEmptyFixtures()) {
    const std::string input = Fixture(name);
    std::vector<Document> docs = testing::ReadDocs(input);
    EXPECT_TRUE(Write(docs) == input) << name;
  }
}

TEST(WriteStreamTest, UntouchedOddStreamsComeBackByteForByte) {
  const std::vector<std::string> inputs = {
      "a: 1\n--- # two\nb: 2\n",
      "---\r\na: 1\r\n---\r\nb: 2\r\n",
      "\xEF\xBB\xBF---\na: 1\n---\nb: 2\n",
      "\xEF\xBB\xBF" "a: 1\n---\nb: 2",
      "a: 1\n---\n# comment only\n---\n\n---\nb: 2\n",
      "a: 1\n...\n---\nb: 2\n",
  };
  for (const std::string& input : inputs) {
    std::vector<Document> docs = testing::ReadDocs(input);
    EXPECT_EQ(Write(docs), input);
  }
}

TEST(WriteStreamTest, BareDocumentAfterAnEndMarkerGetsASeparator) {
  // YAML allows a bare document after `...`, but Helm 3 splits manifests on
  // `---` only: the separator keeps the two documents apart for it.
  std::vector<Document> docs = testing::ReadDocs("a: 1\n...\nb: 2\n...\n");
  ASSERT_EQ(docs.size(), 2u);
  EXPECT_EQ(Write(docs), "a: 1\n...\n---\nb: 2\n...\n");
}

TEST(WriteStreamTest, RemovedDocumentsLeaveNoTrace) {
  const std::string input = "a: 1\n---\nb: 2\n---\nc: 3\n";
  std::vector<Document> docs = testing::ReadDocs(input);
  docs[1].removed = true;
  EXPECT_EQ(Write(docs), "a: 1\n---\nc: 3\n");
  docs[1].removed = false;
  docs[0].removed = true;
  EXPECT_EQ(Write(docs), "---\nb: 2\n---\nc: 3\n");
}

TEST(WriteStreamTest, SeparatorWhereAFirstDocumentNoLongerComesFirst) {
  const std::string input = "a: 1\n---\nb: 2\n";
  std::vector<Document> docs = testing::ReadDocs(input);
  docs.insert(docs.begin(), Generated("---\nns: 1\n", 2));
  EXPECT_EQ(Write(docs), "---\nns: 1\n---\na: 1\n---\nb: 2\n");
}

TEST(WriteStreamTest, ByteOrderMarkOnlyAtTheStart) {
  const std::string input = "\xEF\xBB\xBF" "a: 1\n---\nb: 2\n";
  std::vector<Document> docs = testing::ReadDocs(input);
  docs.insert(docs.begin(), Generated("---\nns: 1\n", 2));
  EXPECT_EQ(Write(docs), "---\nns: 1\n---\na: 1\n---\nb: 2\n");
}

TEST(WriteStreamTest, MissingFinalNewlineBeforeAnAppendedDocument) {
  std::vector<Document> docs = testing::ReadDocs("a: 1\n---\nb: 2");
  docs.push_back(Generated("---\nc: 3\n", 2));
  EXPECT_EQ(Write(docs), "a: 1\n---\nb: 2\n---\nc: 3\n");
}

TEST(WriteStreamTest, EditsAreAppliedAndNothingElseChanges) {
  const std::string input = "a: 1\n---\nmetadata:\n  namespace: dot-system # keep me\n  name: x\n---\nc: 3\n";
  std::vector<Document> docs = testing::ReadDocs(input);
  std::size_t at = docs[1].raw.find("dot-system");
  ASSERT_TRUE(AddEdit(docs[1], Edit{at, 10, "keda"}));
  EXPECT_EQ(Write(docs), "a: 1\n---\nmetadata:\n  namespace: keda # keep me\n  name: x\n---\nc: 3\n");
  // Overlapping edits are refused.
  EXPECT_FALSE(AddEdit(docs[1], Edit{at + 2, 3, "x"}));
  EXPECT_FALSE(AddEdit(docs[1], Edit{docs[1].raw.size(), 1, "x"}));
}

TEST(WriteStreamTest, EmptyOutputGetsAComment) {
  EXPECT_EQ(Write({}), std::string(kEmptyStreamComment));
  // Whitespace only: Helm 4 trims it to nothing and refuses it.
  EXPECT_EQ(Write(testing::ReadDocs("\n\n")), "\n\n" + std::string(kEmptyStreamComment));
  // Everything removed.
  std::vector<Document> docs = testing::ReadDocs("apiVersion: v1\nkind: Namespace\nmetadata:\n  name: x\n");
  docs[0].removed = true;
  EXPECT_EQ(Write(docs), std::string(kEmptyStreamComment));
  // Comments only.
  EXPECT_EQ(Write(testing::ReadDocs("# a")), "# a\n" + std::string(kEmptyStreamComment));
  // Separators are text Helm 4 does not trim away: no comment needed.
  EXPECT_EQ(Write(testing::ReadDocs("---\n# a\n---\n")), "---\n# a\n---\n");
  // The comment is a valid stream with no documents.
  std::vector<Document> back = testing::ReadDocs(kEmptyStreamComment);
  ASSERT_EQ(back.size(), 1u);
  EXPECT_EQ(back[0].outline.shape, DocumentShape::kEmpty);
}

TEST(WriteStreamTest, ObjectsNeedNoComment) {
  const std::string input = "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: x\n";
  EXPECT_EQ(Write(testing::ReadDocs(input)), input);
}

TEST(WriteStreamTest, GeneratedDocumentsOutliveTheirVector) {
  OutputStream out;
  {
    std::vector<Document> docs;
    docs.push_back(Generated("---\na: 1\n", 0));
    out = WriteStream(docs);
  }
  EXPECT_EQ(out.Join(), "---\na: 1\n");
}

}  // namespace
}  // namespace dotk8s
