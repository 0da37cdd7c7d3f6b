#include "core/yaml/field_path.h"

#include <fmt/format.h>

namespace dotk8s {

namespace {

bool IsIdentifier(std::string_view key) {
  if (key.empty()) return false;
  for (char c : key) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '_' || c == '-';
    if (!ok) return false;
  }
  return true;
}

}  // namespace

std::string FormatPath(const FieldPath& path) {
  std::string out;
  for (const PathElement& element : path) {
    if (element.is_index) {
      out += fmt::format("[{}]", element.index);
    } else if (IsIdentifier(element.key)) {
      if (!out.empty()) out += '.';
      out += element.key;
    } else {
      out += fmt::format("[\"{}\"]", element.key);
    }
  }
  return out;
}

bool IsPath(const FieldPath& path, std::initializer_list<std::string_view> keys) {
  if (path.size() != keys.size()) return false;
  auto it = keys.begin();
  for (const PathElement& element : path) {
    if (element.is_index || element.key != *it) return false;
    ++it;
  }
  return true;
}

std::string_view LastKey(const FieldPath& path) {
  for (auto it = path.rbegin(); it != path.rend(); ++it) {
    if (!it->is_index) return it->key;
  }
  return {};
}

}  // namespace dotk8s
