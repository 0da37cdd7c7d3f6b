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

// The tree as far as the events have built it.
struct NodeTree {
  std::vector<Open> stack;
  std::map<std::string, YAML::Node> anchors;
  // Anchored collections still open, by stack depth: their anchors take effect when they close.
  std::vector<std::pair<std::size_t, std::string>> open_anchors;
  std::optional<YAML::Node> root;
};

// Places a finished or freshly opened node under its parent.
void Attach(NodeTree& tree, const YAML::Node& node) {
  if (tree.stack.empty()) {
    tree.root.emplace(node);
    return;
  }
  Open& parent = tree.stack.back();
  if (!parent.is_mapping) {
    parent.node.push_back(node);
  } else if (!parent.key) {
    parent.key.emplace(node);
  } else {
    parent.node.force_insert(*parent.key, node);
    parent.key.reset();
  }
}

void AddScalar(NodeTree& tree, const yaml_event_t& event) {
  YAML::Node node = IsNullScalar(event)
                        ? YAML::Node(YAML::NodeType::Null)
                        : YAML::Node(std::string(reinterpret_cast<const char*>(event.data.scalar.value),
                                                 event.data.scalar.length));
  if (event.data.scalar.anchor != nullptr) SetAnchor(tree.anchors, reinterpret_cast<const char*>(event.data.scalar.anchor), node);
  Attach(tree, node);
}

bool AddAlias(NodeTree& tree, const yaml_event_t& event, std::string* error) {
  auto it = tree.anchors.find(reinterpret_cast<const char*>(event.data.alias.anchor));
  if (it == tree.anchors.end()) {
    *error = fmt::format("line {} column {}: alias *{} refers to no complete anchor before it",
                         event.start_mark.line + 1, event.start_mark.column + 1,
                         reinterpret_cast<const char*>(event.data.alias.anchor));
    return false;
  }
  Attach(tree, it->second);
  return true;
}

bool OpenCollection(NodeTree& tree, const yaml_event_t& event, std::size_t max_depth, std::string* error) {
  const bool is_mapping = event.type == YAML_MAPPING_START_EVENT;
  YAML::Node node(is_mapping ? YAML::NodeType::Map : YAML::NodeType::Sequence);
  if (tree.stack.size() >= max_depth) {
    *error = fmt::format("line {} column {}: nesting deeper than {} levels", event.start_mark.line + 1,
                         event.start_mark.column + 1, max_depth);
    return false;
  }
  Attach(tree, node);
  tree.stack.push_back(Open{node, is_mapping, std::nullopt});
  // An anchor names its collection once it is complete: an alias inside it would be a cycle.
  const unsigned char* anchor = is_mapping ? event.data.mapping_start.anchor : event.data.sequence_start.anchor;
  if (anchor != nullptr) tree.open_anchors.emplace_back(tree.stack.size(), reinterpret_cast<const char*>(anchor));
  return true;
}

void CloseCollection(NodeTree& tree) {
  if (!tree.open_anchors.empty() && tree.open_anchors.back().first == tree.stack.size()) {
    SetAnchor(tree.anchors, std::move(tree.open_anchors.back().second), tree.stack.back().node);
    tree.open_anchors.pop_back();
  }
  tree.stack.pop_back();
}

}  // namespace

bool LoadYamlNode(std::string_view text, YAML::Node* out, std::string* error) {
  yaml_parser_t parser;
  if (!yaml_parser_initialize(&parser)) {
    *error = "out of memory";
    return false;
  }
  yaml_parser_set_input_string(&parser, reinterpret_cast<const unsigned char*>(text.data()), text.size());
  NodeTree tree;
  // Later readers of the tree (yaml-cpp's Clone, emitters, our walkers) recurse.
  const std::size_t kMaxDepth = OutlineOptions{}.max_depth;
  bool ok = true;
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
      case YAML_SCALAR_EVENT:
        AddScalar(tree, event);
        break;
      case YAML_ALIAS_EVENT:
        ok = AddAlias(tree, event, error);
        break;
      case YAML_SEQUENCE_START_EVENT:
      case YAML_MAPPING_START_EVENT:
        ok = OpenCollection(tree, event, kMaxDepth, error);
        break;
      case YAML_SEQUENCE_END_EVENT:
      case YAML_MAPPING_END_EVENT:
        CloseCollection(tree);
        break;
      default:
        break;
    }
    yaml_event_delete(&event);
    if (!ok || type == YAML_STREAM_END_EVENT) break;
  }
  yaml_parser_delete(&parser);
  if (!ok) return false;
  *out = tree.root ? *tree.root : YAML::Node(YAML::NodeType::Null);
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
