#ifndef DOTK8S_YAML_NODE_H_
#define DOTK8S_YAML_NODE_H_

#include <yaml-cpp/yaml.h>

#include <string>
#include <string_view>

#include "core/yaml/outline.h"

namespace dotk8s {

/// Loads one YAML document into a yaml-cpp node, reading it with libyaml
/// (several times faster than yaml-cpp's own scanner; the tree is the same:
/// scalars as strings, `~`/`null`/empty plain scalars as null, aliases shared).
/// Returns false with `error` set ("line 3 column 5: ...") if it is not valid,
/// nests deeper than OutlineOptions::max_depth (yaml-cpp's walkers recurse) or
/// has an alias inside the node it names (a cycle).
bool LoadYamlNode(std::string_view text, YAML::Node* out, std::string* error);

/// LoadYamlNode for YAML nothing has read yet (a --settings file, YAML inside a
/// ConfigMap value): the outline reader checks it first under `limits` (one
/// document, nesting depth, alias expansion, duplicate keys), so that no
/// recursive reader meets a 10,000-deep or "billion laughs" tree.
bool LoadCheckedYamlNode(std::string_view text, const OutlineOptions& limits, YAML::Node* out, std::string* error);

}  // namespace dotk8s

#endif  // DOTK8S_YAML_NODE_H_
