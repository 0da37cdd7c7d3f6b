#ifndef DOTK8S_FIELD_PATH_H_
#define DOTK8S_FIELD_PATH_H_

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace dotk8s {

/// One step into a YAML tree: a mapping key or a sequence index.
struct PathElement {
  std::string key;
  std::size_t index = 0;
  bool is_index = false;

  static PathElement Key(std::string key) { return PathElement{std::move(key), 0, false}; }
  static PathElement Index(std::size_t index) { return PathElement{{}, index, true}; }
  bool operator==(const PathElement&) const = default;
};

/// The path of a field inside an object, root first.
using FieldPath = std::vector<PathElement>;

/// "spec.from[0].namespace"; keys that are not plain identifiers are quoted the
/// way kubectl's JSONPath shows them: data["datasource.yaml"].
std::string FormatPath(const FieldPath& path);

/// True if `path` is exactly the keys given, e.g. IsPath(p, {"metadata", "name"}).
bool IsPath(const FieldPath& path, std::initializer_list<std::string_view> keys);

/// The last mapping key of `path` (skipping indices), or "" if there is none.
std::string_view LastKey(const FieldPath& path);

}  // namespace dotk8s

#endif  // DOTK8S_FIELD_PATH_H_
