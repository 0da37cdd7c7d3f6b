#include "core/yaml/yaml_node.h"

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
void SetAnchor(std::map<std::string, YAML::Node>& anchors, std::string key, const YAML::Node& node) {
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
  // Anchored collections still open, by stack depth: their anchors take effect when they close.
  std::vector<std::pair<std::size_t, std::string>> open_anchors;
  // Later readers of the tree (yaml-cpp's Clone, emitters, our walkers) recurse.
  const std::size_t kMaxDepth = OutlineOptions{}.max_depth;
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
        if (event.data.scalar.anchor != nullptr) SetAnchor(anchors, reinterpret_cast<const char*>(event.data.scalar.anchor), node);
        attach(node);
        break;
      }
      case YAML_ALIAS_EVENT: {
        auto it = anchors.find(reinterpret_cast<const char*>(event.data.alias.anchor));
        if (it == anchors.end()) {
          *error = fmt::format("line {} column {}: alias *{} refers to no complete anchor before it",
                               event.start_mark.line + 1, event.start_mark.column + 1,
                               reinterpret_cast<const char*>(event.data.alias.anchor));
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
        if (stack.size() >= kMaxDepth) {
          *error = fmt::format("line {} column {}: nesting deeper than {} levels", event.start_mark.line + 1,
                               event.start_mark.column + 1, kMaxDepth);
          ok = false;
          break;
        }
        attach(node);
        stack.push_back(Open{node, is_mapping, std::nullopt});
        // An anchor names its collection once it is complete: an alias inside it would be a cycle.
        const unsigned char* anchor = is_mapping ? event.data.mapping_start.anchor : event.data.sequence_start.anchor;
        if (anchor != nullptr) open_anchors.emplace_back(stack.size(), reinterpret_cast<const char*>(anchor));
        break;
      }
      case YAML_SEQUENCE_END_EVENT:
      case YAML_MAPPING_END_EVENT:
        if (!open_anchors.empty() && open_anchors.back().first == stack.size()) {
          SetAnchor(anchors, std::move(open_anchors.back().second), stack.back().node);
          open_anchors.pop_back();
        }
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

bool LoadCheckedYamlNode(std::string_view text, const OutlineOptions& limits, YAML::Node* out, std::string* error) {
  OutlineOptions check = limits;
  check.needles.clear();
  check.all_scalars = false;
  Outline outline;
  YamlProblem problem;
  if (!BuildOutlineWithLibyaml(text, 0, check, &outline, &problem)) {
    *error = fmt::format("line {} column {}: {}", problem.line + 1, problem.column + 1, problem.message);
    return false;
  }
  return LoadYamlNode(text, out, error);
}

}  // namespace dotk8s
