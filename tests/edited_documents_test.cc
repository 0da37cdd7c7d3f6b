// Edited documents are never copied whole (issue 20): WriteStream writes them
// as the input's bytes between the edits plus the edits' texts, and the CRD
// catalog applies a stream CRD's edits only when it parses the CRD. These
// tests hold the output to what applying the edits gives (Document::Text) and
// the output's own storage to the inserted bytes.
#include <gtest/gtest.h>

#include <algorithm>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "core/pipeline.h"
#include "core/validation/crd_catalog.h"
#include "core/yaml/document_edit.h"
#include "core/yaml/outline.h"
#include "core/yaml/write.h"
#include "post_test_util.h"
#include "test_support.h"

namespace dotk8s {
namespace {

using testing::Fixture;

// The stream as Text() of each document gives it, the way WriteStream wrote
// it before it stopped copying: the reference the pieces must match.
std::string ByTexts(const std::vector<Document>& docs) {
  std::string out;
  for (const Document& doc : docs) {
    if (doc.removed) continue;
    std::string text = doc.Text();
    if (!out.empty()) {
      text.erase(0, doc.body_offset);
      if (out.back() != '\n') out += '\n';
      const bool separator = text.rfind("---", 0) == 0 && (text.size() == 3 || std::string_view(" \t\r\n").find(text[3]) != std::string_view::npos);
      if (!separator) out += "---\n";
    }
    out += text;
  }
  return out;
}

std::size_t StoredBytes(const OutputStream& out) {
  std::size_t bytes = 0;
  for (const auto& text : out.storage) bytes += text->size();
  return bytes;
}

TEST(EditedDocumentsTest, PiecesGiveTheEditedTextAndStoreOnlyTheInsertedBytes) {
  const std::string input =
      "a: 1\n---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  namespace: dot-system # keep me\n  name: x\n"
      "data:\n  k: dot-system\n---\nc: 3\n";
  std::vector<Document> docs = testing::ReadDocs(input);
  ASSERT_EQ(docs.size(), 3u);
  ASSERT_TRUE(SetNamespace(docs[1], "keda"));
  ASSERT_TRUE(AddAnnotations(docs[1], {{"helm.sh/resource-policy", "keep"}}));
  const std::size_t value = docs[1].raw.rfind("dot-system");
  ASSERT_TRUE(AddEdit(docs[1], Edit{value, 10, "keda"}));
  ASSERT_EQ(docs[1].edits.size(), 3u);

  const OutputStream out = WriteStream(docs);
  const std::string written = out.Join();
  EXPECT_EQ(written,
            "a: 1\n---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  annotations:\n    helm.sh/resource-policy: keep\n"
            "  namespace: keda # keep me\n  name: x\ndata:\n  k: keda\n---\nc: 3\n");
  EXPECT_EQ(written, ByTexts(docs));
  EXPECT_EQ(out.size, written.size());
  // The output keeps the three edits' texts, not a second copy of the document.
  std::size_t inserted = 0;
  for (const Edit& edit : docs[1].edits) inserted += edit.text.size();
  EXPECT_EQ(StoredBytes(out), inserted);
  for (std::string_view piece : out.pieces) EXPECT_FALSE(piece.empty());
}

TEST(EditedDocumentsTest, EditsAtTheEdgesAndAByteOrderMarkInTheMiddle) {
  // A BOM is dropped where a document no longer comes first, also when an
  // edit starts right after it; edits at the very start and the very end.
  const std::string input = "\xEF\xBB\xBF" "a: 1\nb: 2";
  std::vector<Document> docs = testing::ReadDocs(input);
  ASSERT_EQ(docs.size(), 1u);
  ASSERT_EQ(docs[0].body_offset, 3u);
  ASSERT_TRUE(AddEdit(docs[0], Edit{3, 1, "z"}));
  ASSERT_TRUE(AddEdit(docs[0], Edit{docs[0].raw.size(), 0, "\nc: 3"}));
  docs.insert(docs.begin(), MakeGeneratedDocument("---\nns: 1\n", 1));
  EXPECT_EQ(WriteStream(docs).Join(), "---\nns: 1\n---\nz: 1\nb: 2\nc: 3");
  EXPECT_EQ(WriteStream(docs).Join(), ByTexts(docs));

  // Edits replace the separator byte by byte: the separator check reads the
  // edited bytes across pieces, and tells a separator from a longer line.
  std::vector<Document> two = testing::ReadDocs("a: 1\n---\nb: 2\n");
  ASSERT_EQ(two.size(), 2u);
  ASSERT_TRUE(AddEdit(two[1], Edit{0, 1, "-"}));
  ASSERT_TRUE(AddEdit(two[1], Edit{1, 1, "-"}));
  ASSERT_TRUE(AddEdit(two[1], Edit{2, 1, "-"}));
  EXPECT_EQ(WriteStream(two).Join(), "a: 1\n---\nb: 2\n");
  ASSERT_TRUE(AddEdit(two[1], Edit{3, 0, "-"}));
  EXPECT_EQ(WriteStream(two).Join(), "a: 1\n---\n----\nb: 2\n");
  EXPECT_EQ(WriteStream(two).Join(), ByTexts(two));
}

TEST(EditedDocumentsTest, AnEditedGeneratedDocumentOutlivesItsVector) {
  OutputStream out;
  {
    std::vector<Document> docs;
    docs.push_back(MakeGeneratedDocument("---\napiVersion: v1\nkind: Namespace\nmetadata:\n  name: keda\n", 0));
    YamlProblem problem;
    ASSERT_TRUE(BuildOutline(docs[0].raw, 0, OutlineOptions{}, &docs[0].outline, &problem)) << problem.message;
    ASSERT_TRUE(AddLabels(docs[0], {{"app.kubernetes.io/managed-by", "Helm"}}));
    out = WriteStream(docs);
  }
  EXPECT_EQ(out.Join(),
            "---\napiVersion: v1\nkind: Namespace\nmetadata:\n  labels:\n    app.kubernetes.io/managed-by: Helm\n"
            "  name: keda\n");
}

TEST(EditedDocumentsTest, TheFixturesOutputEqualsTheEditedTexts) {
  // The charts' Helm 4 streams through the whole pipeline:
  // most documents are edited (moved, marked), and the pieces give exactly
  // what their texts give.
  for (const char* name : {"helm4-all.yaml", "helm4-all-plus-traefik.yaml"}) {
    const std::string input = Fixture(name);
    PostRenderResult result = RunPostRenderer(input, PostRenderOptions{});
    ASSERT_TRUE(result.ok) << name;
    std::size_t edited = 0;
    for (const Document& doc : result.documents) {
      if (doc.Edited() && !doc.removed) ++edited;
    }
    EXPECT_GT(edited, result.documents.size() / 2) << name;
    EXPECT_TRUE(result.output.Join() == ByTexts(result.documents)) << name;
    EXPECT_LT(StoredBytes(result.output), input.size() / 10) << name;
  }
}

TEST(EditedDocumentsTest, RandomEditsOfEveryDocumentGiveTheirTexts) {
  // Seeded: up to six non-overlapping edits per document of three fixtures,
  // inserts, replacements and deletions, at the first and last byte too,
  // some documents removed, generated ones between; the pieces must give
  // exactly what applying the edits gives.
  std::mt19937 random(20);
  for (const char* name : {"helm4-all.yaml", "helm3-all.yaml", "helm4-none.yaml"}) {
    const std::string input = Fixture(name);
    for (int round = 0; round < 20; ++round) {
      std::vector<Document> docs = testing::ReadDocs(input);
      for (Document& doc : docs) {
        const std::size_t size = doc.raw.size();
        const int edits = static_cast<int>(random() % 7);
        for (int e = 0; e < edits && size > 0; ++e) {
          const std::size_t offset = random() % 4 == 0 ? (random() % 2 == 0 ? 0 : size) : random() % size;
          const std::size_t length = std::min<std::size_t>(random() % 4, size - offset);
          const std::string text = std::string(random() % 3, static_cast<char>('a' + random() % 26));
          AddEdit(doc, Edit{offset, length, text});  // an overlapping one is refused, as it should be
        }
        if (random() % 10 == 0) doc.removed = true;
      }
      docs.push_back(MakeGeneratedDocument("---\nkind: Generated\n", docs.size()));
      const OutputStream out = WriteStream(docs);
      const std::string written = out.Join();
      ASSERT_EQ(out.size, written.size());
      ASSERT_TRUE(written == ByTexts(docs)) << name << " round " << round;
    }
  }
}

TEST(EditedDocumentsTest, AnEditedStreamCrdIsParsedWithItsEdits) {
  std::string stream = testing::ReadFile(testing::FixturePath("helm4-all.yaml"));
  std::vector<Document> docs = testing::ReadDocs(stream);
  Document* crd = nullptr;
  for (Document& doc : docs) {
    if (doc.Kind() == "CustomResourceDefinition" && doc.outline.spec_names_kind == "ScaledObject") crd = &doc;
  }
  ASSERT_NE(crd, nullptr);
  // An edit the schema shows: v1 is no longer served.
  const std::size_t served = crd->raw.find("served: true");
  ASSERT_NE(served, std::string_view::npos);
  ASSERT_TRUE(AddEdit(*crd, Edit{served, 12, "served: false"}));
  CrdCatalog catalog;
  catalog.AddStream(docs);
  const CrdDefinition* definition = catalog.Find("keda.sh", "ScaledObject");
  ASSERT_NE(definition, nullptr);
  EXPECT_EQ(definition->edited_document, crd);
  std::string error;
  const ParsedCrd* parsed = catalog.Parse(*definition, &error);
  ASSERT_NE(parsed, nullptr) << error;
  EXPECT_EQ(parsed->VersionList(), "v1alpha1 (not served)");
}

}  // namespace
}  // namespace dotk8s
