#include "core/yaml/yaml_writer.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>

namespace dotk8s {

namespace {

// YAML 1.1 timestamps (2024-01-01, 2024-01-01T10:00:00Z): go-yaml reads them as
// times, and a time comes back as a different string.
bool LooksLikeTimestamp(std::string_view value) {
  auto digits = [&value](std::size_t from, std::size_t count) {
    if (value.size() < from + count) return false;
    return std::all_of(value.begin() + static_cast<std::ptrdiff_t>(from),
                       value.begin() + static_cast<std::ptrdiff_t>(from + count), [](char c) { return c >= '0' && c <= '9'; });
  };
  return digits(0, 4) && value.size() > 5 && value[4] == '-' && digits(5, 1);
}

bool SafePlain(std::string_view value) {
  if (value.empty() || ResolvePlainScalar(value).type != JsonValue::Type::kString || LooksLikeTimestamp(value)) {
    return false;
  }
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

void WriteValue(const JsonValue& value, int indent, std::string& out);

std::string Spaces(int n) { return std::string(static_cast<std::size_t>(n), ' '); }

std::string ScalarText(const JsonValue& value) {
  switch (value.type) {
    case JsonValue::Type::kNull:
      return "null";
    case JsonValue::Type::kString:
      return QuoteScalar(value.string);
    case JsonValue::Type::kInteger:
      return std::to_string(value.integer);
    case JsonValue::Type::kNumber:
      return fmt::format("{}", value.number);
    case JsonValue::Type::kBool:
      return value.boolean ? "true" : "false";
    case JsonValue::Type::kObject:
      return "{}";
    case JsonValue::Type::kArray:
      return "[]";
  }
  return "null";
}

bool IsCollection(const JsonValue& value) {
  return (value.type == JsonValue::Type::kObject && !value.object.empty()) ||
         (value.type == JsonValue::Type::kArray && !value.array.empty());
}

// Writes the entries of a map, the first one without its indentation (the
// caller has written it, or "- " in its place).
void WriteMapEntries(const JsonValue& value, int indent, std::string& out, bool first_indented) {
  bool first = true;
  for (const auto& [key, child] : value.object) {
    if (!first || first_indented) out += Spaces(indent);
    first = false;
    out += QuoteScalar(key);
    out += ':';
    if (!IsCollection(child)) {
      out += ' ';
      out += ScalarText(child);
      out += '\n';
    } else if (child.type == JsonValue::Type::kObject) {
      out += '\n';
      WriteMapEntries(child, indent + 2, out, true);
    } else {
      out += '\n';
      WriteValue(child, indent, out);  // sequence items at the key's indentation
    }
  }
}

void WriteValue(const JsonValue& value, int indent, std::string& out) {
  if (value.type == JsonValue::Type::kObject && !value.object.empty()) {
    WriteMapEntries(value, indent, out, true);
    return;
  }
  if (value.type == JsonValue::Type::kArray && !value.array.empty()) {
    for (const JsonValue& item : value.array) {
      out += Spaces(indent);
      out += "- ";
      if (item.type == JsonValue::Type::kObject && !item.object.empty()) {
        WriteMapEntries(item, indent + 2, out, false);
      } else if (item.type == JsonValue::Type::kArray && !item.array.empty()) {
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

std::string WriteYaml(const JsonValue& value) {
  std::string out;
  WriteValue(value, 0, out);
  return out;
}

}  // namespace dotk8s
