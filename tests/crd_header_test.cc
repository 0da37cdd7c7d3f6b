// Reading a CRD's header (group, kind, scope) without reading its schema.

#include <gtest/gtest.h>

#include <string>

#include "core/validation/crd_header.h"
#include "crd_test_util.h"
#include "test_support.h"

namespace dotk8s::testing {
namespace {

TEST(CrdHeaderTest, ReadsTheFieldsAndStopsBeforeTheSchema) {
  // The broken tail is never reached: the header is complete before it.
  std::string text =
      "apiVersion: apiextensions.k8s.io/v1\nkind: CustomResourceDefinition\nmetadata:\n  name: widgets.example.dev\n"
      "spec:\n  group: example.dev\n  names:\n    kind: Widget\n    plural: widgets\n  scope: Namespaced\n"
      "  versions: [ {name: v1, \n";
  CrdHeader header;
  YamlProblem problem;
  ASSERT_TRUE(ReadCrdHeader(text, &header, &problem)) << problem.message;
  EXPECT_TRUE(header.IsCrd());
  EXPECT_EQ(header.name, "widgets.example.dev");
  EXPECT_EQ(header.group, "example.dev");
  EXPECT_EQ(header.names_kind, "Widget");
  EXPECT_EQ(header.scope, "Namespaced");
}

TEST(CrdHeaderTest, FindsFieldsInAnyOrder) {
  std::string text =
      "spec:\n  versions:\n  - name: v1\n    schema: {openAPIV3Schema: {type: object, properties: {kind: {type: string}}}}\n"
      "  scope: Cluster\n  names: {plural: things, kind: Thing}\n  group: example.dev\n"
      "metadata: {name: things.example.dev, labels: {kind: x}}\nkind: CustomResourceDefinition\n"
      "apiVersion: apiextensions.k8s.io/v1\n";
  CrdHeader header;
  YamlProblem problem;
  ASSERT_TRUE(ReadCrdHeader(text, &header, &problem)) << problem.message;
  EXPECT_TRUE(header.IsCrd());
  EXPECT_EQ(header.names_kind, "Thing");
  EXPECT_EQ(header.scope, "Cluster");
  EXPECT_EQ(header.name, "things.example.dev");
}

TEST(CrdHeaderTest, AHeaderBeyondTheFirstLinesIsStillFound) {
  // Long annotations push spec past the first 4 KB; a quoted scalar spans the cut.
  std::string text = "apiVersion: apiextensions.k8s.io/v1\nkind: CustomResourceDefinition\nmetadata:\n  name: w.example.dev\n"
                     "  annotations:\n    long: \"";
  for (int i = 0; i < 300; ++i) text += "word word word\n      ";
  text += "end\"\nspec:\n  group: example.dev\n  names: {kind: W}\n  scope: Cluster\n  versions: []\n";
  text += std::string(10000, '#') + "\n";
  CrdHeader header;
  YamlProblem problem;
  ASSERT_TRUE(ReadCrdHeader(text, &header, &problem)) << problem.message;
  EXPECT_EQ(header.group, "example.dev");
  EXPECT_EQ(header.names_kind, "W");
  EXPECT_EQ(header.scope, "Cluster");
}

TEST(CrdHeaderTest, OtherKindsAndBrokenYaml) {
  CrdHeader header;
  YamlProblem problem;
  ASSERT_TRUE(ReadCrdHeader("apiVersion: v1\nkind: ConfigMap\ndata: {a: CustomResourceDefinition}\n", &header, &problem));
  EXPECT_FALSE(header.IsCrd());
  EXPECT_FALSE(ReadCrdHeader("kind: CustomResourceDefinition\nspec: [\n", &header, &problem));
  EXPECT_EQ(problem.line, 2u);
}

TEST(CrdHeaderTest, AgreesWithTheFullReaderOnEveryFixtureCrd) {
  for (const char* file : {"gateway-helm-1.7.0/generated/gateway.envoyproxy.io_envoyproxies.yaml",
                           "kube-prometheus-stack-82.2.1/crd-prometheuses.yaml"}) {
    std::string text = ReadFile(FixtureCrds(file));
    CrdHeader header;
    YamlProblem problem;
    ASSERT_TRUE(ReadCrdHeader(text, &header, &problem)) << file << ": " << problem.message;
    Outline outline;
    ASSERT_TRUE(BuildOutline(text, 0, OutlineOptions{}, &outline, &problem)) << problem.message;
    EXPECT_EQ(header.group, outline.spec_group);
    EXPECT_EQ(header.names_kind, outline.spec_names_kind);
    EXPECT_EQ(header.scope, outline.spec_scope);
    EXPECT_EQ(header.name, outline.name->value);
  }
}

}  // namespace
}  // namespace dotk8s::testing
