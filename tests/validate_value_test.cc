// JsonValue: the typed tree the schema check reads objects into. Scalars get
// the types the API server sees after kubectl/Helm turn YAML into JSON.

#include <gtest/gtest.h>

#include <cmath>
#include <string>

#include "core/validation/schema_value.h"

namespace dotk8s {
namespace {

JsonValue Load(std::string_view text) {
  JsonValue value;
  std::string error;
  EXPECT_TRUE(LoadJsonValue(text, &value, &error)) << error;
  return value;
}

TEST(JsonValueTest, QuotingDecidesBetweenIntegerAndString) {
  JsonValue v = Load("a: 80\nb: \"80\"\nc: '80'\nd: |\n  80\n");
  EXPECT_EQ(v.Find("a")->type, JsonValue::Type::kInteger);
  EXPECT_EQ(v.Find("a")->integer, 80);
  EXPECT_EQ(v.Find("b")->type, JsonValue::Type::kString);
  EXPECT_EQ(v.Find("b")->string, "80");
  EXPECT_EQ(v.Find("c")->type, JsonValue::Type::kString);
  EXPECT_EQ(v.Find("d")->type, JsonValue::Type::kString);
  EXPECT_EQ(v.Find("d")->string, "80\n");
}

TEST(JsonValueTest, PlainScalarsResolveLikeGoYamlV2) {
  // kubectl and Helm read YAML with go-yaml v2 (YAML 1.1): yes/on are booleans.
  EXPECT_EQ(ResolvePlainScalar("yes"), JsonValue::Bool(true));
  EXPECT_EQ(ResolvePlainScalar("On"), JsonValue::Bool(true));
  EXPECT_EQ(ResolvePlainScalar("n"), JsonValue::Bool(false));
  EXPECT_EQ(ResolvePlainScalar("false"), JsonValue::Bool(false));
  EXPECT_TRUE(ResolvePlainScalar("~").IsNull());
  EXPECT_TRUE(ResolvePlainScalar("").IsNull());
  EXPECT_TRUE(ResolvePlainScalar("NULL").IsNull());
  EXPECT_EQ(ResolvePlainScalar("0x1F"), JsonValue::Integer(31));
  EXPECT_EQ(ResolvePlainScalar("012"), JsonValue::Integer(10));
  EXPECT_EQ(ResolvePlainScalar("0o17"), JsonValue::Integer(15));
  EXPECT_EQ(ResolvePlainScalar("0b101"), JsonValue::Integer(5));
  EXPECT_EQ(ResolvePlainScalar("1_000"), JsonValue::Integer(1000));
  EXPECT_EQ(ResolvePlainScalar("-42"), JsonValue::Integer(-42));
  EXPECT_EQ(ResolvePlainScalar("+7"), JsonValue::Integer(7));
  // Go writes 80.0 as `80` in the JSON it sends: the server reads an integer.
  EXPECT_EQ(ResolvePlainScalar("80.0"), JsonValue::Integer(80));
  EXPECT_EQ(ResolvePlainScalar("1e3"), JsonValue::Integer(1000));
  JsonValue half = ResolvePlainScalar("0.5");
  EXPECT_EQ(half.type, JsonValue::Type::kNumber);
  EXPECT_DOUBLE_EQ(half.number, 0.5);
  EXPECT_TRUE(std::isinf(ResolvePlainScalar("-.inf").number));
  // Not numbers: strings as written.
  EXPECT_EQ(ResolvePlainScalar("2001-12-14"), JsonValue::String("2001-12-14"));
  EXPECT_EQ(ResolvePlainScalar("1.2.3"), JsonValue::String("1.2.3"));
  EXPECT_EQ(ResolvePlainScalar("0x"), JsonValue::String("0x"));
  EXPECT_EQ(ResolvePlainScalar("http"), JsonValue::String("http"));
  EXPECT_EQ(ResolvePlainScalar("=~"), JsonValue::String("=~"));
  EXPECT_EQ(ResolvePlainScalar("99999999999999999999").type, JsonValue::Type::kNumber);
}

TEST(JsonValueTest, TagsOverrideResolution) {
  JsonValue v = Load("a: !!str 80\nb: !!int \"80\"\nc: !!null x\n");
  EXPECT_EQ(v.Find("a")->type, JsonValue::Type::kString);
  EXPECT_EQ(v.Find("b")->type, JsonValue::Type::kInteger);
  EXPECT_TRUE(v.Find("c")->IsNull());
}

TEST(JsonValueTest, KeysStayTextAndOrderIsKept) {
  JsonValue v = Load("z: 1\n80: x\n'on': y\na: {}\nlist: [1, two, 3.5]\n");
  ASSERT_EQ(v.object.size(), 5u);
  EXPECT_EQ(v.object[0].first, "z");
  EXPECT_EQ(v.object[1].first, "80");
  EXPECT_EQ(v.object[2].first, "on");
  EXPECT_TRUE(v.Find("a")->IsObject());
  const JsonValue* list = v.Find("list");
  ASSERT_TRUE(list->IsArray());
  EXPECT_EQ(list->array[0], JsonValue::Integer(1));
  EXPECT_EQ(list->array[1], JsonValue::String("two"));
  EXPECT_EQ(list->array[2].type, JsonValue::Type::kNumber);
}

TEST(JsonValueTest, AliasesCopyTheAnchoredNode) {
  JsonValue v = Load("a: &port {port: 80}\nb: *port\n");
  EXPECT_EQ(*v.Find("a"), *v.Find("b"));
  EXPECT_EQ(v.Find("b")->Find("port")->integer, 80);
}

TEST(JsonValueTest, ScalarDescriptionsCanBeLeftOut) {
  JsonValue v;
  std::string error;
  JsonLoadLimits limits;
  limits.drop_scalar_descriptions = true;
  ASSERT_TRUE(LoadJsonValue("description: long text\ntype: object\nproperties:\n  description:\n    type: string\n"
                            "    description: the field's text\n",
                            &v, &error, limits))
      << error;
  EXPECT_EQ(v.Find("description"), nullptr);
  // A property named `description` keeps its schema; only its text goes.
  const JsonValue* property = v.Find("properties")->Find("description");
  ASSERT_NE(property, nullptr);
  EXPECT_EQ(property->StringAt("type"), "string");
  EXPECT_EQ(property->Find("description"), nullptr);
}

TEST(JsonValueTest, LinesAreRecorded) {
  JsonValue v = Load("a: 1\nb:\n  c: x\n");
  EXPECT_EQ(v.Find("b")->Find("c")->line, 2u);
}

TEST(JsonValueTest, RefusesWhatIsNotOneDocument) {
  JsonValue v;
  std::string error;
  EXPECT_FALSE(LoadJsonValue("a: [1, 2\n", &v, &error));
  EXPECT_NE(error.find("line "), std::string::npos) << error;
  EXPECT_FALSE(LoadJsonValue("a: 1\n---\nb: 2\n", &v, &error));
  EXPECT_EQ(error, "line 2 column 1: more than one YAML document");
  EXPECT_FALSE(LoadJsonValue("? [a]\n: 1\n", &v, &error));
  EXPECT_NE(error.find("collection used as a mapping key"), std::string::npos) << error;
}

TEST(JsonValueTest, AliasExpansionIsBounded) {
  std::string bomb = "a: &a [x, x, x, x, x, x, x, x, x, x]\n";
  char prev = 'a';
  for (char c = 'b'; c <= 'j'; ++c, ++prev) {
    bomb += std::string(1, c) + ": &" + c + " [*" + prev + ", *" + prev + ", *" + prev + ", *" + prev + ", *" + prev +
            ", *" + prev + ", *" + prev + ", *" + prev + ", *" + prev + ", *" + prev + "]\n";
  }
  JsonValue v;
  std::string error;
  EXPECT_FALSE(LoadJsonValue(bomb, &v, &error));
  EXPECT_NE(error.find("aliases expand"), std::string::npos) << error;
}

}  // namespace
}  // namespace dotk8s
