#include "core/yaml_node.h"

#include <fmt/format.h>
#include <yaml.h>

#include <map>
#include <optional>
#include <vector>

namespace dotk8s {

namespace {

// yaml-cpp nodes are handles: assigning one to another rewrites the node the
// first refers to, so every handle here is set once (emplace) and never reassigned.
struct Open {
  YAML::Node node;
  bool is_mapping = false;
  std::optional<YAML::Node> key;
};

bool IsNullScalar(const yaml_event_t& event) {
  if (!event.data.scalar.plain_implicit) return false;
  std::string_view value(reinterpret_cast<const char*>(event.data.scalar.value), event.data.scalar.length);
  return value.empty() || value == "~" || value == "null" || value == "Null" || value == "NULL";
}

// A later anchor of the same name replaces the earlier one.
void SetAnchor(std::map<std::string, YAML::Node>& anchors, const unsigned char* name, const YAML::Node& node) {
  std::string key = reinterpret_cast<const char*>(name);
  anchors.erase(key);
  anchors.emplace(std::move(key), node);
}

}  // namespace

bool LoadYamlNode(std::string_view text, YAML::Node* out, std::string* error) {
  yaml_parser_t parser;
  if (!yaml_parser_initialize(&parser)) {
    *error = "out of memory";
    return false;
  }
  yaml_parser_set_input_string(&parser, reinterpret_cast<const unsigned char*>(text.data()), text.size());
  std::vector<Open> stack;
  std::map<std::string, YAML::Node> anchors;
  std::optional<YAML::Node> root;
  bool ok = true;
  // Places a finished or freshly opened node under its parent.
  auto attach = [&](const YAML::Node& node) {
    if (stack.empty()) {
      root.emplace(node);
      return;
    }
    Open& parent = stack.back();
    if (!parent.is_mapping) {
      parent.node.push_back(node);
    } else if (!parent.key) {
      parent.key.emplace(node);
    } else {
      parent.node.force_insert(*parent.key, node);
      parent.key.reset();
    }
  };
  while (true) {
    yaml_event_t event;
    if (!yaml_parser_parse(&parser, &event)) {
      *error = fmt::format("line {} column {}: {}", parser.problem_mark.line + 1, parser.problem_mark.column + 1,
                           parser.problem != nullptr ? parser.problem : "invalid YAML");
      ok = false;
      break;
    }
    const yaml_event_type_t type = event.type;
    switch (type) {
      case YAML_SCALAR_EVENT: {
        YAML::Node node = IsNullScalar(event)
                              ? YAML::Node(YAML::NodeType::Null)
                              : YAML::Node(std::string(reinterpret_cast<const char*>(event.data.scalar.value),
                                                       event.data.scalar.length));
        if (event.data.scalar.anchor != nullptr) SetAnchor(anchors, event.data.scalar.anchor, node);
        attach(node);
        break;
      }
      case YAML_ALIAS_EVENT: {
        auto it = anchors.find(reinterpret_cast<const char*>(event.data.alias.anchor));
        if (it == anchors.end()) {
          *error = fmt::format("line {}: unknown alias", event.start_mark.line + 1);
          ok = false;
        } else {
          attach(it->second);
        }
        break;
      }
      case YAML_SEQUENCE_START_EVENT:
      case YAML_MAPPING_START_EVENT: {
        const bool is_mapping = type == YAML_MAPPING_START_EVENT;
        YAML::Node node(is_mapping ? YAML::NodeType::Map : YAML::NodeType::Sequence);
        const unsigned char* anchor = is_mapping ? event.data.mapping_start.anchor : event.data.sequence_start.anchor;
        if (anchor != nullptr) SetAnchor(anchors, anchor, node);
        attach(node);
        stack.push_back(Open{node, is_mapping, std::nullopt});
        break;
      }
      case YAML_SEQUENCE_END_EVENT:
      case YAML_MAPPING_END_EVENT:
        stack.pop_back();
        break;
      default:
        break;
    }
    yaml_event_delete(&event);
    if (!ok || type == YAML_STREAM_END_EVENT) break;
  }
  yaml_parser_delete(&parser);
  if (!ok) return false;
  *out = root ? *root : YAML::Node(YAML::NodeType::Null);
  return true;
}

}  // namespace dotk8s
