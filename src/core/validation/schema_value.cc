#include "core/validation/schema_value.h"

#include <fmt/format.h>
#include <yaml.h>

#include <array>
#include <cmath>
#include <limits>
#include <map>
#include <optional>

namespace dotk8s {

const JsonValue* JsonValue::Find(std::string_view key) const {
  if (type != Type::kObject) return nullptr;
  for (const auto& [k, v] : object) {
    if (k == key) return &v;
  }
  return nullptr;
}

JsonValue* JsonValue::Find(std::string_view key) {
  return const_cast<JsonValue*>(static_cast<const JsonValue*>(this)->Find(key));
}

std::string_view JsonValue::StringAt(std::string_view key) const {
  const JsonValue* value = Find(key);
  return value != nullptr && value->IsString() ? std::string_view(value->string) : std::string_view();
}

JsonValue::JsonValue() = default;

JsonValue JsonValue::String(std::string value) {
  JsonValue v;
  v.type = Type::kString;
  v.string = std::move(value);
  return v;
}

JsonValue JsonValue::Integer(std::int64_t value) {
  JsonValue v;
  v.type = Type::kInteger;
  v.integer = value;
  return v;
}

JsonValue JsonValue::Bool(bool value) {
  JsonValue v;
  v.type = Type::kBool;
  v.boolean = value;
  return v;
}

JsonValue JsonValue::Object(std::vector<std::pair<std::string, JsonValue>> members) {
  JsonValue v;
  v.type = Type::kObject;
  v.object = std::move(members);
  return v;
}

JsonValue JsonValue::Array(std::vector<JsonValue> items) {
  JsonValue v;
  v.type = Type::kArray;
  v.array = std::move(items);
  return v;
}

JsonValue& JsonValue::Set(std::string_view key, JsonValue value) {
  if (type != Type::kObject) *this = Object();
  if (JsonValue* existing = Find(key)) {
    *existing = std::move(value);
    return *existing;
  }
  return Add(std::string(key), std::move(value));
}

JsonValue& JsonValue::Add(std::string key, JsonValue value) {
  object.emplace_back(std::move(key), std::move(value));
  return object.back().second;
}

bool JsonValue::operator==(const JsonValue& other) const {
  if (type != other.type) return false;
  switch (type) {
    case Type::kNull:
      return true;
    case Type::kBool:
      return boolean == other.boolean;
    case Type::kInteger:
      return integer == other.integer;
    case Type::kNumber:
      return number == other.number;
    case Type::kString:
      return string == other.string;
    case Type::kArray:
      return array == other.array;
    case Type::kObject:
      // Key order does not matter in JSON.
      if (object.size() != other.object.size()) return false;
      for (const auto& [key, value] : object) {
        const JsonValue* theirs = other.Find(key);
        if (theirs == nullptr || !(*theirs == value)) return false;
      }
      return true;
  }
  return false;
}

std::string DescribeValue(const JsonValue& value) {
  switch (value.type) {
    case JsonValue::Type::kString:
      return fmt::format("\"{}\"", value.string.size() > 80 ? value.string.substr(0, 77) + "..." : value.string);
    case JsonValue::Type::kInteger:
      return fmt::format("{}", value.integer);
    case JsonValue::Type::kNumber:
      return fmt::format("{}", value.number);
    case JsonValue::Type::kBool:
      return value.boolean ? "true" : "false";
    default:
      return std::string(JsonTypeName(value.type));
  }
}

std::string_view JsonTypeName(JsonValue::Type type) {
  switch (type) {
    case JsonValue::Type::kNull:
      return "null";
    case JsonValue::Type::kBool:
      return "boolean";
    case JsonValue::Type::kInteger:
      return "integer";
    case JsonValue::Type::kNumber:
      return "number";
    case JsonValue::Type::kString:
      return "string";
    case JsonValue::Type::kObject:
      return "mapping";
    case JsonValue::Type::kArray:
      return "sequence";
  }
  return "value";
}

namespace {

bool OneOf(std::string_view text, std::initializer_list<std::string_view> words) {
  for (std::string_view word : words) {
    if (text == word) return true;
  }
  return false;
}

int DigitValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return 99;
}

// Go's strconv.ParseUint(text, 0, 64) without the sign: 0x, 0o, 0b, a leading
// 0 for octal, else decimal.
std::optional<std::uint64_t> ParseGoUnsigned(std::string_view text) {
  unsigned base = 10;
  if (text.size() > 2 && text[0] == '0' && (text[1] == 'x' || text[1] == 'X')) {
    base = 16;
    text.remove_prefix(2);
  } else if (text.size() > 2 && text[0] == '0' && (text[1] == 'o' || text[1] == 'O')) {
    base = 8;
    text.remove_prefix(2);
  } else if (text.size() > 2 && text[0] == '0' && (text[1] == 'b' || text[1] == 'B')) {
    base = 2;
    text.remove_prefix(2);
  } else if (text.size() > 1 && text[0] == '0') {
    base = 8;
    text.remove_prefix(1);
  }
  if (text.empty()) return std::nullopt;
  std::uint64_t value = 0;
  const std::uint64_t max = std::numeric_limits<std::uint64_t>::max();
  for (char c : text) {
    const int digit = DigitValue(c);
    if (digit >= static_cast<int>(base)) return std::nullopt;
    if (value > (max - static_cast<std::uint64_t>(digit)) / base) return std::nullopt;
    value = value * base + static_cast<std::uint64_t>(digit);
  }
  return value;
}

// go-yaml v2's yamlStyleFloat: ^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$
bool IsYamlStyleFloat(std::string_view text) {
  std::size_t i = 0;
  auto digits = [&] {
    std::size_t start = i;
    while (i < text.size() && text[i] >= '0' && text[i] <= '9') ++i;
    return i - start;
  };
  if (i < text.size() && (text[i] == '+' || text[i] == '-')) ++i;
  if (i < text.size() && text[i] == '.') {
    ++i;
    if (digits() == 0) return false;
  } else {
    if (digits() == 0) return false;
    if (i < text.size() && text[i] == '.') {
      ++i;
      digits();
    }
  }
  if (i < text.size() && (text[i] == 'e' || text[i] == 'E')) {
    ++i;
    if (i < text.size() && (text[i] == '+' || text[i] == '-')) ++i;
    if (digits() == 0) return false;
  }
  return i == text.size();
}

JsonValue Number(double value) {
  // kubectl and Helm send JSON written by Go, which prints an integral float
  // such as 80.0 as `80`; the API server reads that back as an integer.
  if (std::isfinite(value) && std::trunc(value) == value && std::fabs(value) < 9.2e18) {
    return JsonValue::Integer(static_cast<std::int64_t>(value));
  }
  JsonValue v;
  v.type = JsonValue::Type::kNumber;
  v.number = value;
  return v;
}

}  // namespace

JsonValue ResolvePlainScalar(std::string_view text) {
  if (OneOf(text, {"", "~", "null", "Null", "NULL"})) return JsonValue{};
  if (OneOf(text, {"y", "Y", "yes", "Yes", "YES", "true", "True", "TRUE", "on", "On", "ON"})) {
    return JsonValue::Bool(true);
  }
  if (OneOf(text, {"n", "N", "no", "No", "NO", "false", "False", "FALSE", "off", "Off", "OFF"})) {
    return JsonValue::Bool(false);
  }
  if (OneOf(text, {".nan", ".NaN", ".NAN"})) return Number(std::numeric_limits<double>::quiet_NaN());
  if (OneOf(text, {".inf", ".Inf", ".INF", "+.inf", "+.Inf", "+.INF"})) {
    return Number(std::numeric_limits<double>::infinity());
  }
  if (OneOf(text, {"-.inf", "-.Inf", "-.INF"})) return Number(-std::numeric_limits<double>::infinity());
  const char first = text[0];
  if (!((first >= '0' && first <= '9') || first == '+' || first == '-' || first == '.')) {
    return JsonValue::String(std::string(text));
  }
  std::string plain;
  plain.reserve(text.size());
  for (char c : text) {
    if (c != '_') plain += c;
  }
  std::string_view digits = plain;
  bool negative = false;
  if (!digits.empty() && (digits[0] == '+' || digits[0] == '-')) {
    negative = digits[0] == '-';
    digits.remove_prefix(1);
  }
  if (std::optional<std::uint64_t> magnitude = ParseGoUnsigned(digits)) {
    const auto max = static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max());
    if (!negative && *magnitude <= max) return JsonValue::Integer(static_cast<std::int64_t>(*magnitude));
    if (negative && *magnitude <= max + 1) {
      return JsonValue::Integer(*magnitude == max + 1 ? std::numeric_limits<std::int64_t>::min()
                                                      : -static_cast<std::int64_t>(*magnitude));
    }
    if (!negative) return Number(static_cast<double>(*magnitude));
  }
  if (IsYamlStyleFloat(plain)) {
    char* end = nullptr;
    const double value = std::strtod(plain.c_str(), &end);
    if (end == plain.c_str() + plain.size()) return Number(value);
  }
  return JsonValue::String(std::string(text));
}

namespace {

std::size_t CountNodes(const JsonValue& value) {
  std::size_t count = 1;
  for (const JsonValue& item : value.array) count += CountNodes(item);
  for (const auto& member : value.object) count += CountNodes(member.second);
  return count;
}

struct OpenNode {
  JsonValue value;
  std::string anchor;
  std::string key;  // objects: the key waiting for its value
  bool have_key = false;
};

struct Anchored {
  JsonValue value;
  std::size_t nodes = 0;
};

JsonValue ScalarValue(const yaml_event_t& event) {
  std::string_view text(reinterpret_cast<const char*>(event.data.scalar.value), event.data.scalar.length);
  const char* tag = reinterpret_cast<const char*>(event.data.scalar.tag);
  if (tag != nullptr) {
    std::string_view t(tag);
    if (t == "tag:yaml.org,2002:str" || t == "!" || t == "tag:yaml.org,2002:binary") {
      return JsonValue::String(std::string(text));
    }
    if (t == "tag:yaml.org,2002:null") return JsonValue{};
    // !!int, !!float, !!bool and unknown tags: resolve the text as if plain.
    return ResolvePlainScalar(text);
  }
  if (event.data.scalar.style != YAML_PLAIN_SCALAR_STYLE) return JsonValue::String(std::string(text));
  return ResolvePlainScalar(text);
}

// The tree as far as the events have built it, and whether it is still well formed.
struct JsonTree {
  const JsonLoadLimits& limits;
  std::string* error;
  std::vector<OpenNode> stack{};
  std::map<std::string, Anchored> anchors{};
  std::optional<JsonValue> root{};
  std::size_t alias_nodes = 0;
  int documents = 0;
  bool ok = true;
};

void Fail(JsonTree& tree, const yaml_mark_t& mark, const std::string& message) {
  *tree.error = fmt::format("line {} column {}: {}", mark.line + 1, mark.column + 1, message);
  tree.ok = false;
}

// Places a finished node under its parent (or as the root).
void Attach(JsonTree& tree, JsonValue value, const yaml_mark_t& mark) {
  if (tree.stack.empty()) {
    tree.root.emplace(std::move(value));
    return;
  }
  OpenNode& parent = tree.stack.back();
  if (parent.value.type == JsonValue::Type::kArray) {
    parent.value.array.push_back(std::move(value));
  } else if (!parent.have_key) {
    if (value.type == JsonValue::Type::kObject || value.type == JsonValue::Type::kArray) {
      Fail(tree, mark, "a collection used as a mapping key; Kubernetes objects need string keys");
      return;
    }
    parent.key = value.type == JsonValue::Type::kString ? std::move(value.string) : std::string();
    parent.have_key = true;
  } else {
    parent.value.object.emplace_back(std::move(parent.key), std::move(value));
    parent.key.clear();
    parent.have_key = false;
  }
}

void Remember(JsonTree& tree, const std::string& anchor, const JsonValue& value) {
  if (anchor.empty()) return;
  tree.anchors[anchor] = Anchored{value, CountNodes(value)};
}

void AddScalar(JsonTree& tree, const yaml_event_t& event) {
  std::vector<OpenNode>& stack = tree.stack;
  const bool is_key = !stack.empty() && stack.back().value.IsObject() && !stack.back().have_key;
  if (!is_key && tree.limits.drop_scalar_descriptions && !stack.empty() && stack.back().have_key &&
      stack.back().key == "description" && event.data.scalar.anchor == nullptr) {
    stack.back().key.clear();
    stack.back().have_key = false;
    return;
  }
  JsonValue value = is_key ? JsonValue::String(std::string(reinterpret_cast<const char*>(event.data.scalar.value),
                                                           event.data.scalar.length))
                           : ScalarValue(event);
  value.line = event.start_mark.line;
  if (event.data.scalar.anchor != nullptr) {
    Remember(tree, reinterpret_cast<const char*>(event.data.scalar.anchor), value);
  }
  Attach(tree, std::move(value), event.start_mark);
}

void AddAlias(JsonTree& tree, const yaml_event_t& event) {
  auto it = tree.anchors.find(reinterpret_cast<const char*>(event.data.alias.anchor));
  if (it == tree.anchors.end()) {
    Fail(tree, event.start_mark, "an alias that refers to no anchor before it");
    return;
  }
  tree.alias_nodes += it->second.nodes;
  if (tree.alias_nodes > tree.limits.max_alias_nodes) {
    Fail(tree, event.start_mark,
         fmt::format("aliases expand the document beyond {} extra nodes", tree.limits.max_alias_nodes));
    return;
  }
  Attach(tree, it->second.value, event.start_mark);
}

void OpenCollection(JsonTree& tree, const yaml_event_t& event) {
  std::vector<OpenNode>& stack = tree.stack;
  if (!stack.empty() && stack.back().value.IsObject() && !stack.back().have_key) {
    Fail(tree, event.start_mark, "a collection used as a mapping key; Kubernetes objects need string keys");
    return;
  }
  if (stack.size() >= tree.limits.max_depth) {
    Fail(tree, event.start_mark, fmt::format("nesting deeper than {} levels", tree.limits.max_depth));
    return;
  }
  OpenNode node;
  const bool is_mapping = event.type == YAML_MAPPING_START_EVENT;
  node.value.type = is_mapping ? JsonValue::Type::kObject : JsonValue::Type::kArray;
  node.value.line = event.start_mark.line;
  const unsigned char* anchor = is_mapping ? event.data.mapping_start.anchor : event.data.sequence_start.anchor;
  if (anchor != nullptr) node.anchor = reinterpret_cast<const char*>(anchor);
  stack.push_back(std::move(node));
}

void CloseCollection(JsonTree& tree, const yaml_event_t& event) {
  OpenNode node = std::move(tree.stack.back());
  tree.stack.pop_back();
  Remember(tree, node.anchor, node.value);
  Attach(tree, std::move(node.value), event.start_mark);
}

}  // namespace

bool LoadJsonValue(std::string_view text, JsonValue* out, std::string* error, const JsonLoadLimits& limits) {
  yaml_parser_t parser;
  if (!yaml_parser_initialize(&parser)) {
    *error = "out of memory";
    return false;
  }
  yaml_parser_set_input_string(&parser, reinterpret_cast<const unsigned char*>(text.data()), text.size());
  JsonTree tree{limits, error};
  while (tree.ok) {
    yaml_event_t event;
    if (!yaml_parser_parse(&parser, &event)) {
      Fail(tree, parser.problem_mark, parser.problem != nullptr ? parser.problem : "invalid YAML");
      break;
    }
    const yaml_event_type_t type = event.type;
    switch (type) {
      case YAML_DOCUMENT_START_EVENT:
        if (++tree.documents > 1) Fail(tree, event.start_mark, "more than one YAML document");
        break;
      case YAML_SCALAR_EVENT:
        AddScalar(tree, event);
        break;
      case YAML_ALIAS_EVENT:
        AddAlias(tree, event);
        break;
      case YAML_SEQUENCE_START_EVENT:
      case YAML_MAPPING_START_EVENT:
        OpenCollection(tree, event);
        break;
      case YAML_SEQUENCE_END_EVENT:
      case YAML_MAPPING_END_EVENT:
        CloseCollection(tree, event);
        break;
      default:
        break;
    }
    yaml_event_delete(&event);
    if (type == YAML_STREAM_END_EVENT) break;
  }
  yaml_parser_delete(&parser);
  if (!tree.ok) return false;
  *out = tree.root ? std::move(*tree.root) : JsonValue{};
  return true;
}

}  // namespace dotk8s
