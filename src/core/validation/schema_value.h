#ifndef DOTK8S_SCHEMA_VALUE_H_
#define DOTK8S_SCHEMA_VALUE_H_

// The JSON value the API server sees for a YAML document. yaml-cpp keeps every
// scalar as text, so `port: 80` and `port: "80"` look alike; a schema check
// needs to tell them apart. This tree is read straight from libyaml events and
// resolves plain scalars the way kubectl and Helm do before they send JSON
// (sigs.k8s.io/yaml, which uses go-yaml v2: YAML 1.1 rules, so `yes`/`on` are
// booleans, `0x1F` and `012` are integers); quoted and block scalars are
// always strings.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace dotk8s {

struct JsonValue {
  enum class Type : std::uint8_t { kNull, kBool, kInteger, kNumber, kString, kObject, kArray };

  // Declared here, defaulted in the .cc: clang 14 with libstdc++ 12 rejects the
  // implicit one (a vector of pairs holding the still incomplete JsonValue).
  JsonValue();

  Type type = Type::kNull;
  bool boolean = false;
  std::int64_t integer = 0;
  double number = 0;
  std::string string;
  std::vector<std::pair<std::string, JsonValue>> object;  ///< in document order
  std::vector<JsonValue> array;
  /// 0-based line of the node in the text it was read from.
  std::size_t line = 0;

  bool IsObject() const { return type == Type::kObject; }
  bool IsArray() const { return type == Type::kArray; }
  bool IsString() const { return type == Type::kString; }
  bool IsNull() const { return type == Type::kNull; }
  /// True for a boolean `true`.
  bool IsTrue() const { return type == Type::kBool && boolean; }

  /// The member `key` of an object, or nullptr (also for non-objects).
  const JsonValue* Find(std::string_view key) const;
  JsonValue* Find(std::string_view key);
  /// The string member `key`, or "" if it is missing or not a string.
  std::string_view StringAt(std::string_view key) const;

  static JsonValue String(std::string value);
  static JsonValue Integer(std::int64_t value);
  static JsonValue Bool(bool value);
  static JsonValue Object(std::vector<std::pair<std::string, JsonValue>> members = {});
  static JsonValue Array(std::vector<JsonValue> items = {});
  /// Adds `key: value` to an object (no check for an existing key).
  JsonValue& Add(std::string key, JsonValue value);
  /// Sets `key` in an object, replacing an existing member; returns the value.
  JsonValue& Set(std::string_view key, JsonValue value);

  bool operator==(const JsonValue& other) const;
};

/// What a plain (unquoted) scalar reads as: null, a boolean, a number or a
/// string, by the YAML 1.1 rules kubectl and Helm apply.
JsonValue ResolvePlainScalar(std::string_view text);

/// A value as a message shows it: a scalar itself (long strings cut at 80
/// characters), a collection by its type name.
std::string DescribeValue(const JsonValue& value);

/// How a value's type reads in a message: "mapping", "sequence", "string",
/// "integer", "number", "boolean", "null".
std::string_view JsonTypeName(JsonValue::Type type);

/// Limits for LoadJsonValue: later code recurses over the tree.
struct JsonLoadLimits {
  std::size_t max_depth = 200;
  /// Nodes aliases may add beyond those written out ("billion laughs").
  std::size_t max_alias_nodes = 1000000;
  /// Leave out `description: <scalar>` entries: half the bytes of a CRD are
  /// its schema's descriptions, which no check reads. (A property named
  /// `description` has a mapping for its schema and stays.)
  bool drop_scalar_descriptions = false;
};

/// Reads one YAML document into `out`. Returns false with `error` set
/// ("line 3 column 5: ...", 1-based) if the text is not one well-formed
/// document within the limits. An empty document gives null.
bool LoadJsonValue(std::string_view text, JsonValue* out, std::string* error, const JsonLoadLimits& limits = {});

}  // namespace dotk8s

#endif  // DOTK8S_SCHEMA_VALUE_H_
