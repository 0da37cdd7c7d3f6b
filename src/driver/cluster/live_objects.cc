// kubectl's JSON lists into the nodes verify's checks read. The lists are
// large where they need not be (every CRD's schema: 4 MB of the 4.3 MB the
// API server sends for the five charts' 35 CRDs; every object's
// managedFields), and the checks read a few fields of each: so the text is
// streamed through a SAX handler that builds only what is kept, instead of
// parsing whole documents (yaml-cpp took 0.7 s and 100 MB for the CRDs).
#include "driver/cluster/live_objects.h"

#include <nlohmann/json.hpp>

#include <map>
#include <memory>

namespace dotk8s {
namespace {

// Which keys of a JSON object are kept, and what is kept below each.
struct FieldTree {
  enum class Mode {
    kSome,      // only the keys in `children`
    kAll,       // every key; one in `children` follows its own tree
    kKeysOnly,  // every key, each with an empty map for a value (presence is what is read)
    kNone,      // nothing: the value is skipped
  };
  Mode mode = Mode::kSome;
  std::map<std::string, FieldTree, std::less<>> children;

  FieldTree& Child(const std::string& key) { return children[key]; }
};

FieldTree Tree(FieldTree::Mode mode) {
  FieldTree tree;
  tree.mode = mode;
  return tree;
}

// The tree of one listed object for `kept`.
FieldTree ItemTree(const KeptFields& kept) {
  using Mode = FieldTree::Mode;
  FieldTree item = Tree(kept.paths.empty() ? Mode::kAll : Mode::kSome);
  if (!kept.paths.empty()) {
    item.Child("apiVersion") = Tree(Mode::kAll);
    item.Child("kind") = Tree(Mode::kAll);
    for (const std::string& path : kept.paths) {
      FieldTree* node = &item;
      std::size_t start = 0;
      while (true) {
        const std::size_t dot = path.find('.', start);
        node = &node->Child(path.substr(start, dot == std::string::npos ? std::string::npos : dot - start));
        if (dot == std::string::npos) break;
        start = dot + 1;
      }
      node->mode = Mode::kAll;
      node->children.clear();
    }
  }
  // Of metadata, what names an object and says whose it is; a path below
  // metadata (or "metadata" itself) keeps more.
  FieldTree& metadata = item.Child("metadata");
  if (kept.paths.empty()) metadata.mode = Mode::kAll;
  if (metadata.mode != Mode::kAll) {
    for (const char* key : {"name", "namespace", "labels", "annotations"}) metadata.Child(key) = Tree(Mode::kAll);
  }
  FieldTree& managed = metadata.Child("managedFields");
  if (kept.managed_fields) {
    managed = Tree(Mode::kSome);
    for (const char* key : {"manager", "operation", "subresource"}) managed.Child(key) = Tree(Mode::kAll);
    managed.Child("fieldsV1") = Tree(Mode::kKeysOnly);
  } else {
    managed = Tree(Mode::kNone);
  }
  return item;
}

// Builds the kept nodes bottom-up: a container is attached to its parent
// when it ends, so no node is shared while it is being filled.
class ListHandler : public nlohmann::json_sax<nlohmann::json> {
 public:
  ListHandler(const KeptFields& kept, std::vector<YAML::Node>* items) : items_(items) {
    root_.Child("items") = ItemTree(kept);
  }

  const std::string& error() const { return error_; }

  bool null() override { return Scalar(YAML::Node(YAML::NodeType::Null)); }
  bool boolean(bool value) override { return Scalar(YAML::Node(value ? "true" : "false")); }
  bool number_integer(number_integer_t value) override { return Scalar(YAML::Node(std::to_string(value))); }
  bool number_unsigned(number_unsigned_t value) override { return Scalar(YAML::Node(std::to_string(value))); }
  bool number_float(number_float_t, const string_t& text) override { return Scalar(YAML::Node(text)); }
  bool string(string_t& value) override { return Scalar(YAML::Node(value)); }
  bool binary(binary_t&) override { return Scalar(YAML::Node(YAML::NodeType::Null)); }  // not in JSON

  bool start_object(std::size_t) override { return Start(YAML::NodeType::Map); }
  bool start_array(std::size_t) override { return Start(YAML::NodeType::Sequence); }
  bool end_object() override { return End(); }
  bool end_array() override { return End(); }

  bool key(string_t& key) override {
    if (skipping_ > 0) return true;
    Frame& top = stack_.back();
    const FieldTree& tree = *top.tree;
    auto it = tree.children.find(key);
    if (it != tree.children.end() && it->second.mode != FieldTree::Mode::kNone) {
      top.key = key;
      top.value_tree = &it->second;
    } else if (it == tree.children.end() && tree.mode == FieldTree::Mode::kAll) {
      top.key = key;
      top.value_tree = &all_;
    } else if (it == tree.children.end() && tree.mode == FieldTree::Mode::kKeysOnly) {
      top.node[key] = YAML::Node(YAML::NodeType::Map);
      top.value_tree = nullptr;
    } else {
      top.value_tree = nullptr;
    }
    return true;
  }

  bool parse_error(std::size_t, const std::string&, const nlohmann::detail::exception& e) override {
    error_ = e.what();
    return false;
  }

 private:
  struct Frame {
    YAML::Node node;
    const FieldTree* tree;                  // what is kept of this container's entries
    bool is_items = false;                  // the list's items: each element is an object
    std::string key{};                      // in a map: the key of the value that comes next
    const FieldTree* value_tree = nullptr;  // ... and its tree; nullptr: that value is skipped
  };

  // The tree of the value that comes next, nullptr when it is skipped. An
  // array's elements share the array's tree.
  const FieldTree* NextTree() const {
    if (stack_.empty()) return &root_;
    const Frame& top = stack_.back();
    return top.node.IsSequence() || top.is_items ? top.tree : top.value_tree;
  }

  void Attach(const YAML::Node& value) {
    Frame& top = stack_.back();
    if (top.is_items) {
      if (value.IsMap()) items_->push_back(value);
    } else if (top.node.IsSequence()) {
      top.node.push_back(value);
    } else {
      top.node[top.key] = value;
      top.value_tree = nullptr;
    }
  }

  bool Scalar(const YAML::Node& value) {
    if (skipping_ > 0 || stack_.empty()) return true;
    if (NextTree() != nullptr) Attach(value);
    return true;
  }

  bool Start(YAML::NodeType::value type) {
    if (skipping_ > 0) {
      ++skipping_;
      return true;
    }
    const FieldTree* tree = NextTree();
    if (tree == nullptr || (stack_.empty() && type != YAML::NodeType::Map)) {
      skipping_ = 1;
      return true;
    }
    Frame frame{YAML::Node(type), tree};
    // The list's items array: the only child of the root the tree keeps.
    frame.is_items = stack_.size() == 1 && type == YAML::NodeType::Sequence;
    stack_.push_back(std::move(frame));
    return true;
  }

  bool End() {
    if (skipping_ > 0) {
      --skipping_;
      return true;
    }
    Frame done = std::move(stack_.back());
    stack_.pop_back();
    if (!stack_.empty() && !done.is_items) Attach(done.node);
    if (!stack_.empty() && done.is_items) stack_.back().value_tree = nullptr;
    return true;
  }

  std::vector<YAML::Node>* items_;
  FieldTree root_;
  const FieldTree all_ = Tree(FieldTree::Mode::kAll);
  std::vector<Frame> stack_;
  int skipping_ = 0;  // how deep inside a skipped value the parser is
  std::string error_;
};

}  // namespace

bool ParseListItems(std::string_view json, const KeptFields& kept, std::vector<YAML::Node>* items, std::string* error) {
  // An empty answer is an empty list, as yaml-cpp read it.
  if (json.find_first_not_of(" \t\r\n") == std::string_view::npos) return true;
  ListHandler handler(kept, items);
  if (!nlohmann::json::sax_parse(json, &handler, nlohmann::json::input_format_t::json, /*strict=*/true)) {
    *error = handler.error().empty() ? "not a JSON document" : handler.error();
    return false;
  }
  return true;
}

}  // namespace dotk8s
