#include "core/yaml/outline.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace dotk8s {
namespace {

Outline MustOutline(std::string_view raw, const OutlineOptions& options = {}, std::size_t body_offset = 0) {
  Outline outline;
  YamlProblem problem;
  EXPECT_TRUE(BuildOutlineWithLibyaml(raw, body_offset, options, &outline, &problem)) << problem.message;
  return outline;
}

YamlProblem MustFail(std::string_view raw, const OutlineOptions& options = {}) {
  Outline outline;
  YamlProblem problem;
  EXPECT_FALSE(BuildOutlineWithLibyaml(raw, 0, options, &outline, &problem)) << raw;
  return problem;
}

// What a scalar's offset and length point at in the raw text.
std::string_view RawOf(std::string_view raw, const Scalar& scalar) { return raw.substr(scalar.offset, scalar.length); }

const Scalar* FindScalar(const std::vector<Scalar>& scalars, std::string_view path, bool is_key = false) {
  for (const Scalar& s : scalars) {
    if (FormatPath(s.path) == path && s.is_key == is_key) return &s;
  }
  return nullptr;
}

constexpr std::string_view kConfigMap =
    "---\n"
    "# Source: dot-apps/templates/cm.yaml (dot-system in a comment is no hit)\n"
    "apiVersion: v1\n"
    "kind: ConfigMap\n"
    "metadata:\n"
    "  name: 'cm'\n"
    "  namespace: \"dot-system\"\n"
    "  labels:\n"
    "    app: demo\n"
    "    tier: \"web\"\n"
    "  annotations: {}\n"
    "data:\n"
    "  datasource.yaml: |\n"
    "    url: http://prometheus.dot-system:9090\n"
    "  plain: value\n";

TEST(OutlineTest, HeaderFieldsWithTheirBytes) {
  const std::string_view raw = kConfigMap;
  Outline outline = MustOutline(raw);
  EXPECT_EQ(outline.shape, DocumentShape::kMapping);
  ASSERT_TRUE(outline.api_version && outline.kind && outline.name && outline.namespace_);

  EXPECT_EQ(outline.api_version->value, "v1");
  EXPECT_EQ(outline.api_version->offset, raw.find("v1\n"));
  EXPECT_EQ(outline.api_version->line, 2u);
  EXPECT_EQ(outline.api_version->column, 12u);
  EXPECT_EQ(outline.api_version->style, ScalarStyle::kPlain);
  EXPECT_EQ(FormatPath(outline.api_version->path), "apiVersion");

  EXPECT_EQ(outline.kind->value, "ConfigMap");
  EXPECT_EQ(RawOf(raw, *outline.kind), "ConfigMap");

  EXPECT_EQ(outline.name->value, "cm");
  EXPECT_EQ(RawOf(raw, *outline.name), "'cm'");
  EXPECT_EQ(outline.name->line, 5u);
  EXPECT_EQ(outline.name->column, 8u);
  EXPECT_EQ(outline.name->style, ScalarStyle::kSingleQuoted);
  EXPECT_EQ(FormatPath(outline.name->path), "metadata.name");
  EXPECT_FALSE(outline.name->is_key);

  EXPECT_EQ(outline.namespace_->value, "dot-system");
  EXPECT_EQ(RawOf(raw, *outline.namespace_), "\"dot-system\"");
  EXPECT_EQ(outline.namespace_->line, 6u);
  EXPECT_EQ(outline.namespace_->column, 13u);
  EXPECT_EQ(outline.namespace_->style, ScalarStyle::kDoubleQuoted);

  EXPECT_EQ(outline.labels, (std::vector<std::pair<std::string, std::string>>{{"app", "demo"}, {"tier", "web"}}));
  ASSERT_NE(outline.Label("tier"), nullptr);
  EXPECT_EQ(*outline.Label("tier"), "web");
  EXPECT_EQ(outline.Label("missing"), nullptr);
  EXPECT_TRUE(outline.annotations.empty());
  EXPECT_EQ(outline.Annotation("x"), nullptr);
  EXPECT_EQ(outline.max_depth, 3u);  // the document, metadata, labels
  EXPECT_TRUE(outline.hits.empty());
  EXPECT_TRUE(outline.scalars.empty());
}

TEST(OutlineTest, Spans) {
  const std::string_view raw = kConfigMap;
  Outline outline = MustOutline(raw);
  EXPECT_TRUE(outline.metadata.present);
  EXPECT_FALSE(outline.metadata.flow);
  EXPECT_FALSE(outline.metadata.empty);
  EXPECT_EQ(outline.metadata.offset, raw.find("name: 'cm'"));
  EXPECT_EQ(outline.metadata.column, 2u);

  EXPECT_TRUE(outline.labels_span.present);
  EXPECT_FALSE(outline.labels_span.flow);
  EXPECT_EQ(outline.labels_span.offset, raw.find("app: demo"));
  EXPECT_EQ(outline.labels_span.column, 4u);

  EXPECT_TRUE(outline.annotations_span.present);
  EXPECT_TRUE(outline.annotations_span.flow);
  EXPECT_TRUE(outline.annotations_span.empty);
  EXPECT_EQ(outline.annotations_span.offset, raw.find("{}"));

  Outline bare = MustOutline("apiVersion: v1\nkind: Namespace\nmetadata:\n  name: x\n");
  EXPECT_TRUE(bare.metadata.present);
  EXPECT_FALSE(bare.labels_span.present);
  EXPECT_FALSE(bare.annotations_span.present);
}

TEST(OutlineTest, FlowLabelsAndAnnotations) {
  Outline outline = MustOutline(
      "apiVersion: v1\nkind: Service\nmetadata: {name: s, labels: {a: b, c: 'd'}, annotations: {x: \"y\"}}\n");
  EXPECT_EQ(outline.name->value, "s");
  EXPECT_TRUE(outline.metadata.flow);
  EXPECT_EQ(outline.labels, (std::vector<std::pair<std::string, std::string>>{{"a", "b"}, {"c", "d"}}));
  EXPECT_EQ(outline.annotations, (std::vector<std::pair<std::string, std::string>>{{"x", "y"}}));
  EXPECT_TRUE(outline.labels_span.flow);
  EXPECT_FALSE(outline.labels_span.empty);
}

TEST(OutlineTest, CustomResourceDefinitionFields) {
  Outline outline = MustOutline(
      "apiVersion: apiextensions.k8s.io/v1\nkind: CustomResourceDefinition\nmetadata:\n  name: scaledobjects.keda.sh\n"
      "spec:\n  versions:\n  - name: v1alpha1\n    names:\n      kind: NotThis\n  group: keda.sh\n  names:\n"
      "    kind: ScaledObject\n    plural: scaledobjects\n  scope: Namespaced\n");
  EXPECT_EQ(outline.spec_group, "keda.sh");
  EXPECT_EQ(outline.spec_names_kind, "ScaledObject");
  EXPECT_EQ(outline.spec_scope, "Namespaced");
}

TEST(OutlineTest, NeedleHitsAreScalarsHoldingTheNeedle) {
  const std::string_view raw = kConfigMap;
  OutlineOptions options;
  options.needles = {"dot-system"};
  Outline outline = MustOutline(raw, options);
  ASSERT_EQ(outline.hits.size(), 2u);
  EXPECT_EQ(FormatPath(outline.hits[0].path), "metadata.namespace");
  EXPECT_EQ(RawOf(raw, outline.hits[0]), "\"dot-system\"");
  EXPECT_EQ(FormatPath(outline.hits[1].path), "data[\"datasource.yaml\"]");
  EXPECT_EQ(outline.hits[1].style, ScalarStyle::kLiteral);
  EXPECT_EQ(outline.hits[1].value, "url: http://prometheus.dot-system:9090\n");
  EXPECT_EQ(outline.hits[1].offset, raw.find("|\n"));
  EXPECT_TRUE(RawOf(raw, outline.hits[1]).find("dot-system") != std::string_view::npos);
}

TEST(OutlineTest, NeedleInAKey) {
  const std::string_view raw = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\ndata:\n  dot-system.conf: a\n";
  OutlineOptions options;
  options.needles = {"dot-system"};
  Outline outline = MustOutline(raw, options);
  ASSERT_EQ(outline.hits.size(), 1u);
  EXPECT_TRUE(outline.hits[0].is_key);
  EXPECT_EQ(FormatPath(outline.hits[0].path), "data[\"dot-system.conf\"]");
  EXPECT_EQ(RawOf(raw, outline.hits[0]), "dot-system.conf");
}

TEST(OutlineTest, AllScalarsWithTheirPaths) {
  const std::string_view raw =
      "apiVersion: gateway.networking.k8s.io/v1beta1\nkind: ReferenceGrant\nmetadata:\n  name: g\n"
      "spec:\n  from:\n  - group: gateway.networking.k8s.io\n    kind: HTTPRoute\n    namespace: default\n"
      "  - {group: g, kind: HTTPRoute, namespace: \"apps\"}\n  to:\n  - kind: Service\n    name: s\n"
      "data:\n  datasource.yaml: x\n  \"a b\": y\n  list:\n  - - nested\n";
  OutlineOptions options;
  options.all_scalars = true;
  Outline outline = MustOutline(raw, options);
  const Scalar* ns0 = FindScalar(outline.scalars, "spec.from[0].namespace");
  ASSERT_NE(ns0, nullptr);
  EXPECT_EQ(ns0->value, "default");
  EXPECT_EQ(RawOf(raw, *ns0), "default");
  const Scalar* ns1 = FindScalar(outline.scalars, "spec.from[1].namespace");
  ASSERT_NE(ns1, nullptr);
  EXPECT_EQ(RawOf(raw, *ns1), "\"apps\"");
  const Scalar* key = FindScalar(outline.scalars, "spec.from[0].namespace", /*is_key=*/true);
  ASSERT_NE(key, nullptr);
  EXPECT_EQ(RawOf(raw, *key), "namespace");
  EXPECT_NE(FindScalar(outline.scalars, "spec.to[0].name"), nullptr);
  EXPECT_NE(FindScalar(outline.scalars, "data[\"datasource.yaml\"]"), nullptr);
  EXPECT_NE(FindScalar(outline.scalars, "data[\"a b\"]"), nullptr);
  const Scalar* nested = FindScalar(outline.scalars, "data.list[0][0]");
  ASSERT_NE(nested, nullptr);
  EXPECT_EQ(nested->value, "nested");
  // Every scalar's bytes are where the outline says, keys included.
  for (const Scalar& s : outline.scalars) {
    if (s.style == ScalarStyle::kPlain) {
      EXPECT_EQ(RawOf(raw, s), s.value) << FormatPath(s.path);
    }
  }
}

TEST(OutlineTest, FormatPath) {
  EXPECT_EQ(FormatPath({PathElement::Key("spec"), PathElement::Key("from"), PathElement::Index(0),
                        PathElement::Key("namespace")}),
            "spec.from[0].namespace");
  EXPECT_EQ(FormatPath({PathElement::Key("data"), PathElement::Key("datasource.yaml")}), "data[\"datasource.yaml\"]");
  EXPECT_EQ(FormatPath({PathElement::Key("metadata"), PathElement::Key("labels"),
                        PathElement::Key("app.kubernetes.io/name")}),
            "metadata.labels[\"app.kubernetes.io/name\"]");
  EXPECT_EQ(FormatPath({PathElement::Index(2), PathElement::Key("a_b-c")}), "[2].a_b-c");
  EXPECT_EQ(FormatPath({}), "");
}

TEST(OutlineTest, NonAsciiTextGivesByteOffsets) {
  // libyaml's marks count characters; the outline must count bytes.
  const std::string raw =
      "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  annotations:\n    note: \"h\xC3\xA9llo \xE2\x80\x94 w\xC3\xB6rld \xF0\x9F\x9A\x80\"\n"
      "  name: after\n  namespace: dot-system\ndata:\n  k: {\xC3\xA9: \xC3\xA9, v: dot-system}\n";
  OutlineOptions options;
  options.needles = {"dot-system"};
  Outline outline = MustOutline(raw, options);
  EXPECT_EQ(outline.name->offset, raw.find("after"));
  EXPECT_EQ(RawOf(raw, *outline.name), "after");
  EXPECT_EQ(RawOf(raw, *outline.namespace_), "dot-system");
  ASSERT_EQ(outline.hits.size(), 2u);
  EXPECT_EQ(outline.hits[1].offset, raw.rfind("dot-system"));
  EXPECT_EQ(FormatPath(outline.hits[1].path), "data.k.v");
  ASSERT_EQ(outline.annotations.size(), 1u);
  EXPECT_EQ(outline.annotations[0].second, "h\xC3\xA9llo \xE2\x80\x94 w\xC3\xB6rld \xF0\x9F\x9A\x80");

  OutlineOptions all;
  all.all_scalars = true;
  Outline every = MustOutline(raw, all);
  for (const Scalar& s : every.scalars) {
    if (s.style == ScalarStyle::kPlain) {
      EXPECT_EQ(RawOf(raw, s), s.value) << FormatPath(s.path);
    }
  }
  const Scalar* note = FindScalar(every.scalars, "metadata.annotations.note");
  ASSERT_NE(note, nullptr);
  EXPECT_EQ(RawOf(raw, *note), "\"h\xC3\xA9llo \xE2\x80\x94 w\xC3\xB6rld \xF0\x9F\x9A\x80\"");
}

TEST(OutlineTest, NonAsciiBeyondTheFirstCheckpoint) {
  // More than 64 non-ASCII characters before the field: the conversion's checkpoints are used.
  std::string raw = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  annotations:\n    a: \"";
  for (int i = 0; i < 300; ++i) raw += (i % 3 == 0) ? "\xC3\xA9" : (i % 3 == 1 ? "x" : "\xE2\x82\xAC");
  raw += "\"\n  name: target\n";
  Outline outline = MustOutline(raw);
  EXPECT_EQ(outline.name->offset, raw.find("target"));
  EXPECT_EQ(RawOf(raw, *outline.name), "target");
}

TEST(OutlineTest, BodyOffsetSkipsTheByteOrderMark) {
  const std::string raw = "\xEF\xBB\xBF" "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n";
  Outline outline = MustOutline(raw, {}, 3);
  EXPECT_EQ(RawOf(raw, *outline.name), "x");
  EXPECT_EQ(outline.name->offset, raw.find("x\n"));
}

TEST(OutlineTest, Shapes) {
  EXPECT_EQ(MustOutline("").shape, DocumentShape::kEmpty);
  EXPECT_EQ(MustOutline("---\n# comment\n").shape, DocumentShape::kEmpty);
  EXPECT_EQ(MustOutline("~\n").shape, DocumentShape::kEmpty);
  EXPECT_EQ(MustOutline("- a\n- b\n").shape, DocumentShape::kSequence);
  EXPECT_EQ(MustOutline("just text\n").shape, DocumentShape::kScalar);
  EXPECT_EQ(MustOutline("'null'\n").shape, DocumentShape::kScalar);
  EXPECT_EQ(MustOutline("a: 1\n").shape, DocumentShape::kMapping);
}

TEST(OutlineTest, DuplicateKeys) {
  YamlProblem top = MustFail("---\nkind: A\napiVersion: v1\nkind: B\n");
  EXPECT_EQ(top.message, "duplicate key `kind` in the top-level mapping");
  EXPECT_EQ(top.line, 3u);
  EXPECT_EQ(top.column, 0u);
  YamlProblem nested = MustFail("spec:\n  containers:\n  - name: a\n    image: x\n    image: y\n");
  EXPECT_EQ(nested.message, "duplicate key `image` in spec.containers[0]");
  EXPECT_EQ(nested.line, 4u);
  EXPECT_EQ(nested.column, 4u);
  YamlProblem quoted = MustFail("data:\n  \"a.b\": 1\n  a.b: 2\n");
  EXPECT_EQ(quoted.message, "duplicate key `a.b` in data");
  // The same key in two mappings is fine.
  MustOutline("a:\n  x: 1\nb:\n  x: 1\n");
}

TEST(OutlineTest, DepthLimit) {
  OutlineOptions options;
  options.max_depth = 3;
  MustOutline("a:\n  b:\n    c: 1\n", options);
  YamlProblem problem = MustFail("a:\n  b:\n    c:\n      d: 1\n", options);
  EXPECT_EQ(problem.message, "nesting deeper than 3 levels");
  EXPECT_EQ(problem.line, 3u);
  // The default limit holds against a deeply nested flow sequence.
  YamlProblem deep = MustFail(std::string(500, '[') + std::string(500, ']') + "\n");
  EXPECT_EQ(deep.message, "nesting deeper than 200 levels");
}

TEST(OutlineTest, AliasExpansionLimit) {
  OutlineOptions options;
  options.max_alias_expansion = 50;
  const std::string doc =
      "a: &a [x, x, x, x, x, x, x, x, x, x]\n"
      "b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]\n";
  YamlProblem problem = MustFail(doc, options);
  EXPECT_EQ(problem.message, "aliases expand this document beyond 50 extra nodes (a \"billion laughs\" document?)");
  EXPECT_EQ(problem.line, 1u);
  // A few aliases are fine.
  MustOutline("a: &a [x, y]\nb: *a\nc: *a\n");
  // Billion laughs with the default limit.
  std::string laughs = "l0: &l0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n";
  for (int i = 1; i < 9; ++i) {
    laughs += "l" + std::to_string(i) + ": &l" + std::to_string(i) + " [";
    for (int j = 0; j < 9; ++j) laughs += (j ? ", *l" : "*l") + std::to_string(i - 1);
    laughs += "]\n";
  }
  EXPECT_EQ(MustFail(laughs).message,
            "aliases expand this document beyond 1000000 extra nodes (a \"billion laughs\" document?)");
}

TEST(OutlineTest, BadAliasesAndKeys) {
  EXPECT_EQ(MustFail("a: *nowhere\n").message, "alias *nowhere refers to no anchor before it");
  EXPECT_EQ(MustFail("a: &x 1\n? *x\n: 2\n").message,
            "an alias used as a mapping key; Kubernetes objects need string keys");
  EXPECT_EQ(MustFail("? [a, b]\n: 1\n").message,
            "a collection used as a mapping key; Kubernetes objects need string keys");
  EXPECT_EQ(MustFail("a: 1\n---\nb: 2\n").message,
            "a second YAML document inside one; documents are separated by a line holding only `---`");
}

TEST(OutlineTest, SyntaxErrorPosition) {
  YamlProblem problem = MustFail("---\n# Source: x\na: 1\nb: [1, 2\n");
  EXPECT_EQ(problem.message, "while parsing a flow sequence did not find expected ',' or ']'");
  EXPECT_EQ(problem.line, 4u);
  YamlProblem tab = MustFail("a:\n\tb: 1\n");
  EXPECT_EQ(tab.line, 1u);
  EXPECT_EQ(tab.message, "while scanning for the next token found character that cannot start any token");
}

}  // namespace
}  // namespace dotk8s
