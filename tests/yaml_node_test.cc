#include "core/yaml/yaml_node.h"

#include <gtest/gtest.h>

#include <string>

#include "post_test_util.h"
#include "test_support.h"

namespace dotk8s {
namespace {

YAML::Node Load(const std::string& text) {
  YAML::Node node;
  std::string error;
  EXPECT_TRUE(LoadYamlNode(text, &node, &error)) << error;
  return node;
}

std::string LoadError(const std::string& text) {
  YAML::Node node;
  std::string error;
  EXPECT_FALSE(LoadYamlNode(text, &node, &error)) << text;
  return error;
}

TEST(LoadYamlNodeTest, ScalarsStayStringsNullsAreNull) {
  YAML::Node node = Load("a: 1\nb: true\nc: ~\nd:\ne: null\nf: 'null'\ng: \"\"\nh: Null\ni: NULL\n");
  EXPECT_EQ(node["a"].Scalar(), "1");
  EXPECT_EQ(node["b"].Scalar(), "true");
  EXPECT_TRUE(node["c"].IsNull());
  EXPECT_TRUE(node["d"].IsNull());
  EXPECT_TRUE(node["e"].IsNull());
  EXPECT_TRUE(node["f"].IsScalar());
  EXPECT_EQ(node["f"].Scalar(), "null");
  EXPECT_TRUE(node["g"].IsScalar());
  EXPECT_EQ(node["g"].Scalar(), "");
  EXPECT_TRUE(node["h"].IsNull());
  EXPECT_TRUE(node["i"].IsNull());
}

TEST(LoadYamlNodeTest, Structure) {
  YAML::Node node = Load("---\nlist:\n- a\n- {b: c, d: [e, f]}\n- - g\nflow: {x: [1, 2]}\nblock: |\n  line one\n  line two\n");
  ASSERT_TRUE(node.IsMap());
  ASSERT_TRUE(node["list"].IsSequence());
  EXPECT_EQ(node["list"].size(), 3u);
  EXPECT_EQ(node["list"][0].Scalar(), "a");
  EXPECT_EQ(node["list"][1]["b"].Scalar(), "c");
  EXPECT_EQ(node["list"][1]["d"][1].Scalar(), "f");
  EXPECT_EQ(node["list"][2][0].Scalar(), "g");
  EXPECT_EQ(node["flow"]["x"][0].Scalar(), "1");
  EXPECT_EQ(node["block"].Scalar(), "line one\nline two\n");
  // Key order is kept.
  std::vector<std::string> keys;
  for (const auto& entry : node) keys.push_back(entry.first.Scalar());
  EXPECT_EQ(keys, (std::vector<std::string>{"list", "flow", "block"}));
}

TEST(LoadYamlNodeTest, AnchorsAndAliases) {
  YAML::Node node = Load("base: &b {x: 1, y: [2]}\nuse: *b\nscalar: &s hello\nagain: *s\nb2: &b {z: 3}\nlatest: *b\n");
  EXPECT_EQ(node["use"]["x"].Scalar(), "1");
  EXPECT_EQ(node["use"]["y"][0].Scalar(), "2");
  EXPECT_EQ(node["again"].Scalar(), "hello");
  // A later anchor of the same name replaces the earlier one.
  EXPECT_EQ(node["latest"]["z"].Scalar(), "3");
  EXPECT_FALSE(node["latest"]["x"]);
}

TEST(LoadYamlNodeTest, EmptyAndCommentOnlyAreNull) {
  EXPECT_TRUE(Load("").IsNull());
  EXPECT_TRUE(Load("# nothing\n").IsNull());
  EXPECT_TRUE(Load("---\n").IsNull());
}

TEST(LoadYamlNodeTest, Errors) {
  EXPECT_EQ(LoadError("a: [1, 2\n"), "line 2 column 1: did not find expected ',' or ']'");
  EXPECT_EQ(LoadError("a: b\n c: d\n"), "line 2 column 3: mapping values are not allowed in this context");
  EXPECT_EQ(LoadError("a: *missing\n"), "line 1 column 4: alias *missing refers to no complete anchor before it");
  // An alias inside the collection it names would make a cycle.
  EXPECT_EQ(LoadError("a: &x [1, *x]\n"), "line 1 column 11: alias *x refers to no complete anchor before it");
  // Later readers recurse: the depth is limited.
  EXPECT_EQ(LoadError(std::string(300, '[') + std::string(300, ']') + "\n"),
            "line 1 column 201: nesting deeper than 200 levels");
}

TEST(LoadCheckedYamlNodeTest, TheOutlineReaderChecksFirst) {
  YAML::Node node;
  std::string error;
  EXPECT_FALSE(LoadCheckedYamlNode("apps: {}\napps: {}\n", OutlineOptions{}, &node, &error));
  EXPECT_EQ(error, "line 2 column 1: duplicate key `apps` in the top-level mapping");
  OutlineOptions small;
  small.max_alias_expansion = 5;
  EXPECT_FALSE(LoadCheckedYamlNode("a: &a [1, 2, 3]\nb: [*a, *a]\n", small, &node, &error));
  EXPECT_EQ(error, "line 2 column 9: aliases expand this document beyond 5 extra nodes (a \"billion laughs\" document?)");
  ASSERT_TRUE(LoadCheckedYamlNode("apps:\n  keda: {enabled: true}\n", OutlineOptions{}, &node, &error)) << error;
  EXPECT_EQ(node["apps"]["keda"]["enabled"].Scalar(), "true");
}

// Structural equality: type, scalar text, keys in order, items.
bool SameTree(const YAML::Node& a, const YAML::Node& b, const std::string& path, std::string* where) {
  *where = path;
  if (a.Type() != b.Type()) return false;
  switch (a.Type()) {
    case YAML::NodeType::Scalar:
      return a.Scalar() == b.Scalar();
    case YAML::NodeType::Sequence:
      if (a.size() != b.size()) return false;
      for (std::size_t i = 0; i < a.size(); ++i) {
        if (!SameTree(a[i], b[i], path + "[" + std::to_string(i) + "]", where)) return false;
      }
      return true;
    case YAML::NodeType::Map: {
      if (a.size() != b.size()) return false;
      auto ia = a.begin();
      auto ib = b.begin();
      for (; ia != a.end(); ++ia, ++ib) {
        if (ia->first.Scalar() != ib->first.Scalar()) return false;
        if (!SameTree(ia->second, ib->second, path + "." + ia->first.Scalar(), where)) return false;
      }
      return true;
    }
    default:
      return true;
  }
}

TEST(LoadYamlNodeTest, AgreesWithYamlCppOnTheFixtures) {
  // The tree is the one yaml-cpp would build: compare on the documents the passes parse.
  const std::string input = testing::Fixture("helm4-all.yaml");
  std::vector<Document> docs = testing::ReadDocs(input);
  std::size_t compared = 0;
  for (const Document& doc : docs) {
    if (doc.Kind() != "Prometheus" && doc.Kind() != "ConfigMap" && doc.Kind() != "Service") continue;
    YAML::Node ours = Load(std::string(doc.raw));
    YAML::Node theirs = YAML::Load(std::string(doc.raw));
    std::string where;
    EXPECT_TRUE(SameTree(ours, theirs, "", &where)) << doc.Describe() << " differs at " << where;
    ++compared;
  }
  EXPECT_GT(compared, 40u);
}

}  // namespace
}  // namespace dotk8s
