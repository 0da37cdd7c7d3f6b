#include "core/yaml/yaml_writer.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "core/yaml/yaml_node.h"

namespace dotk8s {
namespace {

// What `text` reads back as with the reader dotk8s-post uses (libyaml).
YAML::Node ReadBack(const std::string& text) {
  YAML::Node node;
  std::string error;
  EXPECT_TRUE(LoadYamlNode(text, &node, &error)) << error << "\n" << text;
  return node;
}

TEST(QuoteScalarTest, PlainWhenSafe) {
  EXPECT_EQ(QuoteScalar("eg"), "eg");
  EXPECT_EQ(QuoteScalar("gateway.envoyproxy.io/gatewayclass-controller"), "gateway.envoyproxy.io/gatewayclass-controller");
  EXPECT_EQ(QuoteScalar("/stats/prometheus"), "/stats/prometheus");
  EXPECT_EQ(QuoteScalar("app.kubernetes.io/name"), "app.kubernetes.io/name");
  EXPECT_EQ(QuoteScalar("http://a:80/x"), "http://a:80/x");
  EXPECT_EQ(QuoteScalar("two words"), "two words");
}

TEST(QuoteScalarTest, QuotedWhenTheyWouldReadAsSomethingElse) {
  EXPECT_EQ(QuoteScalar(""), "''");
  EXPECT_EQ(QuoteScalar("true"), "'true'");
  EXPECT_EQ(QuoteScalar("yes"), "'yes'");
  EXPECT_EQ(QuoteScalar("Off"), "'Off'");
  EXPECT_EQ(QuoteScalar("null"), "'null'");
  EXPECT_EQ(QuoteScalar("~"), "'~'");
  EXPECT_EQ(QuoteScalar("80"), "'80'");
  EXPECT_EQ(QuoteScalar("-1.5e3"), "'-1.5e3'");
  EXPECT_EQ(QuoteScalar("0x1F"), "'0x1F'");
  EXPECT_EQ(QuoteScalar("0xff"), "'0xff'");
  EXPECT_EQ(QuoteScalar("ON"), "'ON'");
  EXPECT_EQ(QuoteScalar("NO"), "'NO'");
  EXPECT_EQ(QuoteScalar(".NAN"), "'.NAN'");
  EXPECT_EQ(QuoteScalar("-.INF"), "'-.INF'");
  EXPECT_EQ(QuoteScalar(".inf"), "'.inf'");
  EXPECT_EQ(QuoteScalar("2024-01-01"), "'2024-01-01'");
  EXPECT_EQ(QuoteScalar("- item"), "'- item'");
  EXPECT_EQ(QuoteScalar("a: b"), "'a: b'");
  EXPECT_EQ(QuoteScalar("a #b"), "'a #b'");
  EXPECT_EQ(QuoteScalar("key:"), "'key:'");
  EXPECT_EQ(QuoteScalar(" lead"), "' lead'");
  EXPECT_EQ(QuoteScalar("trail "), "'trail '");
  EXPECT_EQ(QuoteScalar("*alias"), "'*alias'");
  EXPECT_EQ(QuoteScalar("{a}"), "'{a}'");
  EXPECT_EQ(QuoteScalar("it's"), "'it''s'");
  EXPECT_EQ(QuoteScalar("caf\xC3\xA9"), "'caf\xC3\xA9'");
  EXPECT_EQ(QuoteScalar("a\nb"), "\"a\\nb\"");
  EXPECT_EQ(QuoteScalar("tab\there"), "\"tab\\there\"");
  EXPECT_EQ(QuoteScalar("q\"\\\x01"), "\"q\\\"\\\\\\x01\"");
}

TEST(QuoteScalarTest, EveryQuotedStringReadsBackTheSame) {
  const std::vector<std::string> values = {"",    "true", "False", "NULL", "~",     "80",    "1e3",  "0o17",  "+1",
                                           "-",   "- x",  "a: b",  "a #b", "#c",    "it's",  "a\nb", "\t",    "\"q\"",
                                           "\\",  "x:",   "@at",   "`bt",  "%pct",  "!tag",  "&anc", "|pipe", ">gt",
                                           "?q",  ",c",   "[s]",   "]",    " sp",   "sp ",   "é",    "a\x01", "0.5",
                                           ".5",  "1_000", "12:30", "=",    "<<",    "a,b",   "a]b",  "http://x"};
  for (const std::string& value : values) {
    std::string text = "k: " + QuoteScalar(value) + "\n";
    YAML::Node node = ReadBack(text);
    ASSERT_TRUE(node["k"].IsScalar()) << text;
    EXPECT_EQ(node["k"].Scalar(), value) << text;
  }
}

TEST(WriteYamlTest, KubectlLikeLayout) {
  JsonValue object = JsonValue::Object({
      {"apiVersion", JsonValue::String("v1")},
      {"kind", JsonValue::String("Thing")},
      {"metadata", JsonValue::Object({{"name", JsonValue::String("x")},
                                   {"labels", JsonValue::Object({{"app.kubernetes.io/name", JsonValue::String("x")}})}})},
      {"spec", JsonValue::Object({
                   {"port", JsonValue::Integer(80)},
                   {"portName", JsonValue::String("80")},
                   {"on", JsonValue::Bool(true)},
                   {"none", JsonValue()},
                   {"empty", JsonValue::Object()},
                   {"nothing", JsonValue::Array()},
                   {"list", JsonValue::Array({JsonValue::Object({{"a", JsonValue::Integer(-1)},
                                                                 {"b", JsonValue::Object({{"c", JsonValue::String("d")}})},
                                                                 {"e", JsonValue::Array({JsonValue::String("f")})}}),
                                                 JsonValue::String("g"),
                                                 JsonValue::Array({JsonValue::String("h")})})},
               })},
  });
  EXPECT_EQ(WriteYaml(object),
            "apiVersion: v1\n"
            "kind: Thing\n"
            "metadata:\n"
            "  name: x\n"
            "  labels:\n"
            "    app.kubernetes.io/name: x\n"
            "spec:\n"
            "  port: 80\n"
            "  portName: '80'\n"
            "  'on': true\n"
            "  none: null\n"
            "  empty: {}\n"
            "  nothing: []\n"
            "  list:\n"
            "  - a: -1\n"
            "    b:\n"
            "      c: d\n"
            "    e:\n"
            "    - f\n"
            "  - g\n"
            "  - \n"
            "    - h\n");
  YAML::Node back = ReadBack(WriteYaml(object));
  EXPECT_EQ(back["spec"]["port"].Scalar(), "80");
  EXPECT_EQ(back["spec"]["on"].Scalar(), "true");
  EXPECT_TRUE(back["spec"]["none"].IsNull());
  EXPECT_TRUE(back["spec"]["empty"].IsMap());
  EXPECT_EQ(back["spec"]["list"][0]["b"]["c"].Scalar(), "d");
  EXPECT_EQ(back["spec"]["list"][2][0].Scalar(), "h");
}

TEST(JsonValueTest, SetReplacesAndFindFinds) {
  JsonValue map = JsonValue::Object();
  map.Set("a", JsonValue::String("1"));
  map.Set("b", JsonValue::String("2"));
  map.Set("a", JsonValue::String("3"));
  ASSERT_EQ(map.object.size(), 2u);
  EXPECT_EQ(map.object[0].first, "a");
  EXPECT_EQ(map.Find("a")->string, "3");
  EXPECT_EQ(map.Find("c"), nullptr);
  JsonValue scalar = JsonValue::String("x");
  scalar.Set("k", JsonValue::Integer(1));
  EXPECT_EQ(scalar.type, JsonValue::Type::kObject);
  EXPECT_EQ(WriteYaml(scalar), "k: 1\n");
}

}  // namespace
}  // namespace dotk8s
