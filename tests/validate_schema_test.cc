// The Kubernetes schema dialect translated for valijson, and the findings it
// gives on small objects: each rule the translation handles has a case that
// passes and one that fails.

#include <gtest/gtest.h>

#include <fmt/format.h>

#include <string>
#include <vector>

#include "core/validation/schema_check.h"
#include "core/validation/schema_translate.h"
#include "core/validation/schema_value.h"

namespace dotk8s {
namespace {

JsonValue Yaml(std::string_view text) {
  JsonValue value;
  std::string error;
  EXPECT_TRUE(LoadJsonValue(text, &value, &error)) << error;
  return value;
}

// A CRD-like schema in the Kubernetes dialect.
constexpr std::string_view kSchema = R"(
type: object
properties:
  apiVersion: {type: string}
  kind: {type: string}
  metadata: {type: object}
  spec:
    type: object
    required: [port, mode]
    properties:
      port: {type: integer, minimum: 1, maximum: 65535}
      targetPort:
        x-kubernetes-int-or-string: true
        anyOf: [{type: integer}, {type: string}]
      plainIntOrString: {x-kubernetes-int-or-string: true}
      mode:
        type: string
        default: Fast
        enum: [Fast, Slow]
      name:
        type: string
        pattern: '^[a-z]+$'
        maxLength: 8
      comment: {type: string, nullable: true}
      note: {type: string}
      free:
        type: object
        x-kubernetes-preserve-unknown-fields: true
      labels:
        type: object
        additionalProperties: {type: string}
      tags:
        type: array
        x-kubernetes-list-type: set
        items: {type: string}
      routes:
        type: array
        x-kubernetes-list-type: map
        x-kubernetes-list-map-keys: [name]
        items:
          type: object
          required: [name]
          properties:
            name: {type: string}
            weight: {type: integer}
      template:
        type: object
        x-kubernetes-embedded-resource: true
        x-kubernetes-preserve-unknown-fields: true
    x-kubernetes-validations:
    - rule: self.port != 0
      message: port must not be 0
)";

struct Checked {
  std::vector<std::string> lines;  // "path: message"
  std::vector<SchemaProblem> problems;
};

Checked Check(std::string_view object_yaml, std::string_view schema_yaml = kSchema) {
  std::string error;
  const JsonValue openapi = Yaml(schema_yaml);
  std::unique_ptr<CompiledSchema> schema = CompiledSchema::Compile(openapi, &error);
  EXPECT_NE(schema, nullptr) << error;
  Checked checked;
  if (!schema) return checked;
  JsonValue object = Yaml(object_yaml);
  checked.problems = schema->Check(object);
  for (const SchemaProblem& p : checked.problems) checked.lines.push_back(fmt::format("{}: {}", FormatPath(p.path), p.message));
  return checked;
}

std::string Object(std::string_view spec) {
  return fmt::format("apiVersion: x.dev/v1\nkind: Thing\nmetadata:\n  name: thing\nspec:\n{}", spec);
}

using Lines = std::vector<std::string>;

TEST(ValidateSchemaTest, AValidObjectPasses) {
  Checked c = Check(Object("  port: 80\n  targetPort: http\n  mode: Slow\n  name: abc\n"));
  EXPECT_EQ(c.lines, Lines{});
}

TEST(ValidateSchemaTest, IntegerFieldRefusesQuotedNumberAndList) {
  EXPECT_EQ(Check(Object("  port: \"80\"\n")).lines, Lines{"spec.port: expected integer, got string"});
  EXPECT_EQ(Check(Object("  port: [80]\n")).lines, Lines{"spec.port: expected integer, got sequence"});
  EXPECT_EQ(Check(Object("  port: 70000\n")).lines, Lines{"spec.port: 70000 is out of range: must be between 1 and 65535"});
}

TEST(ValidateSchemaTest, IntOrStringTakesBothAndNothingElse) {
  EXPECT_EQ(Check(Object("  port: 1\n  targetPort: 8080\n  plainIntOrString: 8080\n")).lines, Lines{});
  EXPECT_EQ(Check(Object("  port: 1\n  targetPort: \"8080\"\n  plainIntOrString: web\n")).lines, Lines{});
  EXPECT_EQ(Check(Object("  port: 1\n  targetPort: [8080]\n")).lines,
            Lines{"spec.targetPort: expected integer or string, got sequence"});
  EXPECT_EQ(Check(Object("  port: 1\n  plainIntOrString: {a: 1}\n")).lines,
            Lines{"spec.plainIntOrString: expected integer or string, got mapping"});
  EXPECT_EQ(Check(Object("  port: 1\n  targetPort: true\n")).lines,
            Lines{"spec.targetPort: expected integer or string, got boolean"});
}

TEST(ValidateSchemaTest, RequiredWithADefaultIsFilledInByTheServer) {
  // `mode` has a default: the API server fills it in before it validates.
  EXPECT_EQ(Check(Object("  note: x\n")).lines, Lines{"spec.port: required property missing"});
}

TEST(ValidateSchemaTest, EnumPatternAndLength) {
  EXPECT_EQ(Check(Object("  port: 1\n  mode: Medium\n")).lines,
            Lines{"spec.mode: \"Medium\" is not one of the allowed values: \"Fast\", \"Slow\""});
  EXPECT_EQ(Check(Object("  port: 1\n  name: ABC\n")).lines,
            Lines{"spec.name: \"ABC\" does not match the pattern ^[a-z]+$"});
  EXPECT_EQ(Check(Object("  port: 1\n  name: abcdefghij\n")).lines,
            Lines{"spec.name: string should be no more than 8 characters in length"});
}

TEST(ValidateSchemaTest, NullIsDroppedUnlessNullable) {
  // `note: null` is not nullable: the server drops it, so it is no error.
  EXPECT_EQ(Check(Object("  port: 1\n  note: null\n  comment: null\n")).lines, Lines{});
  // A required field given as null is dropped too, and then missing.
  EXPECT_EQ(Check(Object("  port: ~\n")).lines, Lines{"spec.port: required property missing"});
}

TEST(ValidateSchemaTest, UnknownFieldsAreReportedWherePruningWouldDropThem) {
  Checked c = Check(Object("  port: 1\n  prot: 2\n  free: {anything: [1]}\n  labels: {a: b}\n"));
  ASSERT_EQ(c.lines, Lines{"spec.prot: unknown field: the CRD schema has no such field"});
  EXPECT_EQ(c.problems[0].kind, SchemaProblem::Kind::kUnknownField);
  EXPECT_EQ(Check(Object("  port: 1\n  labels: {a: 1}\n")).lines, Lines{"spec.labels.a: expected string, got integer"});
}

TEST(ValidateSchemaTest, ListTypes) {
  EXPECT_EQ(Check(Object("  port: 1\n  tags: [a, b, a]\n")).lines,
            Lines{"spec.tags: duplicate items in a list whose items must be unique (x-kubernetes-list-type: set)"});
  EXPECT_EQ(Check(Object("  port: 1\n  routes: [{name: a}, {name: b, weight: 1}, {name: a}]\n")).lines,
            Lines{"spec.routes[2]: duplicate entry: another item has the same name=\"a\" (x-kubernetes-list-type: map)"});
  EXPECT_EQ(Check(Object("  port: 1\n  routes: [{weight: 1}]\n")).lines, Lines{"spec.routes[0].name: required property missing"});
}

TEST(ValidateSchemaTest, EmbeddedResourcesNeedApiVersionAndKind) {
  EXPECT_EQ(Check(Object("  port: 1\n  template: {apiVersion: v1, kind: Pod, metadata: {name: x}, spec: {}}\n")).lines,
            Lines{});
  EXPECT_EQ(Check(Object("  port: 1\n  template: {kind: Pod}\n")).lines,
            Lines{"spec.template.apiVersion: required property missing"});
}

TEST(ValidateSchemaTest, MetadataGetsTheServersObjectMetaChecks) {
  // The CRD says only `metadata: {type: object}`; the server checks ObjectMeta.
  EXPECT_EQ(Check("apiVersion: x.dev/v1\nkind: Thing\nmetadata:\n  labels: {a: b}\nspec: {port: 1}\n").lines,
            Lines{"metadata.name: required property missing"});
  EXPECT_EQ(Check("apiVersion: x.dev/v1\nkind: Thing\nmetadata:\n  name: Bad_Name\nspec: {port: 1}\n").lines,
            Lines{"metadata.name: \"Bad_Name\" is not a valid name: lowercase letters, digits, '-' and '.', starting and "
                  "ending with a letter or digit (RFC 1123)"});
  EXPECT_EQ(Check("apiVersion: x.dev/v1\nkind: Thing\nmetadata:\n  name: a\n  labels: {enabled: true}\nspec: {port: 1}\n").lines,
            Lines{"metadata.labels.enabled: expected string, got boolean"});
  EXPECT_EQ(Check("apiVersion: x.dev/v1\nkind: Thing\nmetadata:\n  name: a\n  lables: {}\nspec: {port: 1}\n").lines,
            Lines{"metadata.lables: unknown field: not a field of metadata (ObjectMeta)"});
  // What charts commonly write passes.
  EXPECT_EQ(Check("apiVersion: x.dev/v1\nkind: Thing\nmetadata:\n  name: a.b-c\n  namespace: ns\n"
                  "  creationTimestamp: null\n  labels: {app.kubernetes.io/name: x, v: '1.0'}\n"
                  "  annotations: {helm.sh/hook: pre-install}\nspec: {port: 1}\n")
                .lines,
            Lines{});
}

TEST(ValidateSchemaTest, CelRulesAreCountedNotChecked) {
  std::string error;
  const JsonValue openapi = Yaml(kSchema);
  std::unique_ptr<CompiledSchema> schema = CompiledSchema::Compile(openapi, &error);
  ASSERT_NE(schema, nullptr) << error;
  EXPECT_EQ(schema->notes().cel_rules, 1u);
}

TEST(ValidateSchemaTest, PatternsInRe2OnlySyntaxAreDroppedWithANote) {
  TranslationNotes notes;
  JsonValue translated = TranslateCrdSchema(Yaml("type: object\nproperties:\n  a: {type: string, pattern: '(?i)^abc$'}\n"), &notes);
  ASSERT_EQ(notes.dropped_patterns, std::vector<std::string>{"(?i)^abc$"});
  EXPECT_EQ(translated.Find("properties")->Find("a")->Find("pattern"), nullptr);
}

TEST(ValidateSchemaTest, IntOrStringWithControllerGensAnyOfIsCheckedOnce) {
  // controller-gen writes the anyOf beside the marker: it must not be added a
  // second time (under allOf); a different anyOf keeps the marker's own.
  TranslationNotes notes;
  JsonValue translated = TranslateCrdSchema(
      Yaml("type: object\nproperties:\n  same:\n    anyOf: [{type: integer}, {type: string}]\n"
           "    x-kubernetes-int-or-string: true\n"
           "  other:\n    anyOf: [{type: integer}, {type: string, pattern: '^[0-9]+%$'}]\n"
           "    x-kubernetes-int-or-string: true\n"),
      &notes);
  const JsonValue* same = translated.Find("properties")->Find("same");
  ASSERT_NE(same->Find("anyOf"), nullptr);
  EXPECT_EQ(same->Find("allOf"), nullptr);
  const JsonValue* other = translated.Find("properties")->Find("other");
  ASSERT_NE(other->Find("allOf"), nullptr);
  EXPECT_EQ(other->Find("allOf")->array.size(), 1u);
}

TEST(ValidateSchemaTest, SchemaAtPathFollowsPropertiesItemsAndAdditionalProperties) {
  JsonValue schema = Yaml(kSchema);
  FieldPath path{PathElement::Key("spec"), PathElement::Key("routes"), PathElement::Index(3), PathElement::Key("weight")};
  const JsonValue* weight = SchemaAtPath(schema, path);
  ASSERT_NE(weight, nullptr);
  EXPECT_EQ(ExpectedTypes(*weight), "integer");
  const JsonValue* label = SchemaAtPath(schema, {PathElement::Key("spec"), PathElement::Key("labels"), PathElement::Key("x")});
  ASSERT_NE(label, nullptr);
  EXPECT_EQ(ExpectedTypes(*label), "string");
  EXPECT_EQ(SchemaAtPath(schema, {PathElement::Key("nope")}), nullptr);
}

}  // namespace
}  // namespace dotk8s
