#ifndef DOTK8S_YAML_NODE_H_
#define DOTK8S_YAML_NODE_H_

#include <yaml-cpp/yaml.h>

#include <string>
#include <string_view>

namespace dotk8s {

/// Loads one YAML document into a yaml-cpp node, reading it with libyaml
/// (several times faster than yaml-cpp's own scanner; the tree is the same:
/// scalars as strings, `~`/`null`/empty plain scalars as null, aliases shared).
/// Returns false with `error` set ("line 3 column 5: ...") if it is not valid.
bool LoadYamlNode(std::string_view text, YAML::Node* out, std::string* error);

}  // namespace dotk8s

#endif  // DOTK8S_YAML_NODE_H_
