#include "core/yaml_writer.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>

namespace dotk8s {

YamlValue YamlValue::String(std::string value) {
  YamlValue v;
  v.type = Type::kString;
  v.string = std::move(value);
  return v;
}

YamlValue YamlValue::Integer(std::int64_t value) {
  YamlValue v;
  v.type = Type::kInteger;
  v.integer = value;
  return v;
}

YamlValue YamlValue::Bool(bool value) {
  YamlValue v;
  v.type = Type::kBool;
  v.boolean = value;
  return v;
}

YamlValue YamlValue::Map(std::vector<std::pair<std::string, YamlValue>> entries) {
  YamlValue v;
  v.type = Type::kMap;
  v.map = std::move(entries);
  return v;
}

YamlValue YamlValue::Sequence(std::vector<YamlValue> items) {
  YamlValue v;
  v.type = Type::kSequence;
  v.sequence = std::move(items);
  return v;
}

YamlValue& YamlValue::Set(std::string_view key, YamlValue value) {
  if (type != Type::kMap) *this = Map();
  for (auto& [k, v] : map) {
    if (k == key) {
      v = std::move(value);
      return v;
    }
  }
  map.emplace_back(std::string(key), std::move(value));
  return map.back().second;
}

YamlValue* YamlValue::Find(std::string_view key) {
  for (auto& [k, v] : map) {
    if (k == key) return &v;
  }
  return nullptr;
}

const YamlValue* YamlValue::Find(std::string_view key) const {
  for (const auto& [k, v] : map) {
    if (k == key) return &v;
  }
  return nullptr;
}

namespace {

// Plain scalars a YAML 1.1 or 1.2 reader would take for something other than a string.
bool LooksTyped(std::string_view value) {
  // YAML 1.1 (go-yaml v2, which Helm 3 reads with) takes every case variant of yes/no/on/off for a bool.
  static constexpr std::array<std::string_view, 26> kWords = {
      "true", "false", "yes", "no", "on", "off", "y", "n", "null", "~",
      "True", "False", "Yes", "No", "On", "Off", "Y", "N", "Null", "TRUE", "FALSE", "NULL",
      "YES", "NO", "ON", "OFF"};
  if (std::find(kWords.begin(), kWords.end(), value) != kWords.end()) return true;
  // Numbers: digits with an optional sign, dot, exponent, or 0x/0o prefixes.
  std::string_view rest = value;
  if (!rest.empty() && (rest[0] == '-' || rest[0] == '+')) rest.remove_prefix(1);
  if (rest.empty()) return false;
  if (rest == ".inf" || rest == ".Inf" || rest == ".INF" || rest == ".nan" || rest == ".NaN" || rest == ".NAN") {
    return true;
  }
  // Hex digits in either case: 0x1F is the integer 31.
  return std::all_of(rest.begin(), rest.end(), [](char c) {
    return (c >= '0' && c <= '9') || c == '.' || c == '_' || c == 'x' || c == 'o' || (c >= 'a' && c <= 'f') ||
           (c >= 'A' && c <= 'F') || c == '+' || c == '-';
  }) && rest[0] >= '0' && rest[0] <= '9';
}

bool SafePlain(std::string_view value) {
  if (value.empty() || LooksTyped(value)) return false;
  const char first = value.front();
  if (std::string_view("-?:,[]{}#&*!|>'\"%@` ").find(first) != std::string_view::npos) return false;
  if (value.back() == ' ' || value.back() == ':') return false;
  for (std::size_t i = 0; i < value.size(); ++i) {
    const char c = value[i];
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    std::string_view("-_./:=@+ ").find(c) != std::string_view::npos;
    if (!ok) return false;
    if (c == ':' && i + 1 < value.size() && value[i + 1] == ' ') return false;
    if (c == ' ' && i + 1 < value.size() && value[i + 1] == '#') return false;
  }
  return true;
}

void WriteValue(const YamlValue& value, int indent, std::string& out);

std::string Spaces(int n) { return std::string(static_cast<std::size_t>(n), ' '); }

std::string ScalarText(const YamlValue& value) {
  switch (value.type) {
    case YamlValue::Type::kNull:
      return "null";
    case YamlValue::Type::kString:
      return QuoteScalar(value.string);
    case YamlValue::Type::kInteger:
      return std::to_string(value.integer);
    case YamlValue::Type::kBool:
      return value.boolean ? "true" : "false";
    case YamlValue::Type::kMap:
      return "{}";
    case YamlValue::Type::kSequence:
      return "[]";
  }
  return "null";
}

bool IsCollection(const YamlValue& value) {
  return (value.type == YamlValue::Type::kMap && !value.map.empty()) ||
         (value.type == YamlValue::Type::kSequence && !value.sequence.empty());
}

// Writes the entries of a map, the first one without its indentation (the
// caller has written it, or "- " in its place).
void WriteMapEntries(const YamlValue& value, int indent, std::string& out, bool first_indented) {
  bool first = true;
  for (const auto& [key, child] : value.map) {
    if (!first || first_indented) out += Spaces(indent);
    first = false;
    out += QuoteScalar(key);
    out += ':';
    if (!IsCollection(child)) {
      out += ' ';
      out += ScalarText(child);
      out += '\n';
    } else if (child.type == YamlValue::Type::kMap) {
      out += '\n';
      WriteMapEntries(child, indent + 2, out, true);
    } else {
      out += '\n';
      WriteValue(child, indent, out);  // sequence items at the key's indentation
    }
  }
}

void WriteValue(const YamlValue& value, int indent, std::string& out) {
  if (value.type == YamlValue::Type::kMap && !value.map.empty()) {
    WriteMapEntries(value, indent, out, true);
    return;
  }
  if (value.type == YamlValue::Type::kSequence && !value.sequence.empty()) {
    for (const YamlValue& item : value.sequence) {
      out += Spaces(indent);
      out += "- ";
      if (item.type == YamlValue::Type::kMap && !item.map.empty()) {
        WriteMapEntries(item, indent + 2, out, false);
      } else if (item.type == YamlValue::Type::kSequence && !item.sequence.empty()) {
        out += '\n';
        WriteValue(item, indent + 2, out);
      } else {
        out += ScalarText(item);
        out += '\n';
      }
    }
    return;
  }
  out += Spaces(indent);
  out += ScalarText(value);
  out += '\n';
}

}  // namespace

std::string QuoteScalar(std::string_view value) {
  if (SafePlain(value)) return std::string(value);
  const bool printable = std::all_of(value.begin(), value.end(), [](char c) {
    return static_cast<unsigned char>(c) >= 0x20 && c != 0x7f;
  });
  if (printable) {
    std::string out = "'";
    for (char c : value) {
      out += c;
      if (c == '\'') out += '\'';
    }
    out += '\'';
    return out;
  }
  std::string out = "\"";
  for (char c : value) {
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\t':
        out += "\\t";
        break;
      case '\r':
        out += "\\r";
        break;
      default:
        if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) {
          out += fmt::format("\\x{:02x}", static_cast<unsigned char>(c));
        } else {
          out += c;
        }
    }
  }
  out += '"';
  return out;
}

std::string WriteYaml(const YamlValue& value) {
  std::string out;
  WriteValue(value, 0, out);
  return out;
}

}  // namespace dotk8s
