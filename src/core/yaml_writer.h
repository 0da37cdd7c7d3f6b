#ifndef DOTK8S_YAML_WRITER_H_
#define DOTK8S_YAML_WRITER_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace dotk8s {

/// A small typed YAML tree for the objects dotk8s-post generates. Unlike
/// YAML::Node it knows a string "80" from the number 80, so what it writes
/// reads back with the types the CRD schemas expect.
struct YamlValue {
  enum class Type { kNull, kString, kInteger, kBool, kMap, kSequence };
  Type type = Type::kNull;
  std::string string;
  std::int64_t integer = 0;
  bool boolean = false;
  std::vector<std::pair<std::string, YamlValue>> map;  ///< keys in insertion order
  std::vector<YamlValue> sequence;

  static YamlValue String(std::string value);
  static YamlValue Integer(std::int64_t value);
  static YamlValue Bool(bool value);
  static YamlValue Map(std::vector<std::pair<std::string, YamlValue>> entries = {});
  static YamlValue Sequence(std::vector<YamlValue> items = {});

  /// Sets `key` in a map (replacing an existing entry); returns the value.
  YamlValue& Set(std::string_view key, YamlValue value);
  /// The value under `key` in a map, or nullptr.
  YamlValue* Find(std::string_view key);
  const YamlValue* Find(std::string_view key) const;
};

/// Block-style YAML as kubectl writes it: two-space indent, sequence items at
/// their key's indentation, strings quoted only when they would read back as
/// something else.
std::string WriteYaml(const YamlValue& value);

/// `value` as a YAML scalar that reads back as the same string.
std::string QuoteScalar(std::string_view value);

}  // namespace dotk8s

#endif  // DOTK8S_YAML_WRITER_H_
