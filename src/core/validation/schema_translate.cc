#include "core/validation/schema_translate.h"

#include <algorithm>
#include <string_view>

namespace dotk8s {

namespace {

// Keywords whose value is copied as it is: they mean the same in OpenAPI v3.0
// (exclusiveMinimum/Maximum are booleans there, as in draft 4) and in draft 4.
constexpr std::string_view kCopied[] = {
    "enum",      "minLength", "maxLength", "minItems",         "maxItems",         "minProperties",
    "maxProperties", "minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "multipleOf",
    "uniqueItems",
};

// Kubernetes DNS names (k8s.io/apimachinery/pkg/util/validation).
constexpr std::string_view kDnsSubdomain = "^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$";
constexpr std::string_view kDnsLabel = "^[a-z0-9]([-a-z0-9]*[a-z0-9])?$";
constexpr std::string_view kLabelValue = "^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$";

JsonValue Str(std::string_view text) { return JsonValue::String(std::string(text)); }

JsonValue TypeSchema(std::string_view type) {
  JsonValue schema = JsonValue::Object();
  schema.Add("type", Str(type));
  return schema;
}

JsonValue StringSchema(std::string_view pattern, std::int64_t max_length) {
  JsonValue schema = TypeSchema("string");
  if (max_length > 0) schema.Add("maxLength", JsonValue::Integer(max_length));
  if (!pattern.empty()) schema.Add("pattern", Str(pattern));
  return schema;
}

JsonValue RequiredList(std::initializer_list<std::string_view> names) {
  JsonValue list = JsonValue::Array();
  for (std::string_view name : names) list.array.push_back(Str(name));
  return list;
}

// std::regex (ECMAScript) reads most of Go's RE2 syntax; these it does not.
bool RegexSupported(std::string_view pattern) {
  for (std::size_t i = 0; i + 1 < pattern.size(); ++i) {
    if (pattern[i] == '\\') {
      const char next = pattern[i + 1];
      if (next == 'p' || next == 'P' || next == 'A' || next == 'z' || next == 'Q' || next == 'E') return false;
      ++i;
      continue;
    }
    if (pattern[i] == '(' && pattern[i + 1] == '?') {
      if (i + 2 >= pattern.size()) return false;
      const char flag = pattern[i + 2];
      if (flag != ':' && flag != '=' && flag != '!') return false;  // (?i), (?P<name>...), (?s)
    }
  }
  return true;
}

// The ObjectMeta checks the API server makes of a custom resource
// (ValidateObjectMetaAccessor with NameIsDNSSubdomain), as JSON Schema.
JsonValue ObjectMetaSchema(const JsonValue* crd_metadata, TranslationNotes* notes);

JsonValue Translate(const JsonValue& node, bool is_root, TranslationNotes* notes);

JsonValue ObjectMetaSchema(const JsonValue* crd_metadata, TranslationNotes* notes) {
  JsonValue meta = TypeSchema("object");
  JsonValue properties = JsonValue::Object();
  JsonValue name = StringSchema(kDnsSubdomain, 253);
  name.Add("minLength", JsonValue::Integer(1));
  // A CRD may only restrict metadata.name and generateName; keep its rules too.
  if (crd_metadata != nullptr) {
    if (const JsonValue* crd_properties = crd_metadata->Find("properties")) {
      if (const JsonValue* crd_name = crd_properties->Find("name")) {
        JsonValue both = JsonValue::Array();
        both.array.push_back(Translate(*crd_name, false, notes));
        name.Add("allOf", std::move(both));
      }
    }
  }
  properties.Add("name", std::move(name));
  properties.Add("generateName", TypeSchema("string"));
  properties.Add("namespace", StringSchema(kDnsLabel, 63));
  JsonValue labels = TypeSchema("object");
  labels.Add("additionalProperties", StringSchema(kLabelValue, 63));
  properties.Add("labels", std::move(labels));
  JsonValue annotations = TypeSchema("object");
  annotations.Add("additionalProperties", TypeSchema("string"));
  properties.Add("annotations", std::move(annotations));
  JsonValue finalizers = TypeSchema("array");
  finalizers.Add("items", TypeSchema("string"));
  properties.Add("finalizers", std::move(finalizers));
  JsonValue owner = TypeSchema("object");
  owner.Add("required", RequiredList({"apiVersion", "kind", "name", "uid"}));
  JsonValue owners = TypeSchema("array");
  owners.Add("items", std::move(owner));
  properties.Add("ownerReferences", std::move(owners));
  for (std::string_view field : {"uid", "resourceVersion", "selfLink"}) properties.Add(std::string(field), TypeSchema("string"));
  properties.Add("generation", TypeSchema("integer"));
  properties.Add("deletionGracePeriodSeconds", TypeSchema("integer"));
  // `creationTimestamp: null` is what `kubectl create --dry-run -o yaml` writes.
  for (std::string_view field : {"creationTimestamp", "deletionTimestamp"}) {
    JsonValue types = JsonValue::Array();
    types.array.push_back(Str("string"));
    types.array.push_back(Str("null"));
    JsonValue timestamp = JsonValue::Object();
    timestamp.Add("type", std::move(types));
    properties.Add(std::string(field), std::move(timestamp));
  }
  properties.Add("managedFields", TypeSchema("array"));
  meta.Add("properties", std::move(properties));
  meta.Add("required", RequiredList({"name"}));
  return meta;
}

bool HasDefault(const JsonValue& properties, std::string_view name) {
  const JsonValue* property = properties.Find(name);
  return property != nullptr && property->Find("default") != nullptr;
}

JsonValue TranslateList(const JsonValue& list, TranslationNotes* notes) {
  JsonValue out = JsonValue::Array();
  for (const JsonValue& item : list.array) out.array.push_back(Translate(item, false, notes));
  return out;
}

// One keyword of an OpenAPI node into `out` (allOf items into `all_of`, added
// last); `properties` are the node's, for the defaults that lift `required`.
void TranslateKeyword(const std::string& key, const JsonValue& value, const JsonValue* properties, bool is_root,
                      bool int_or_string, JsonValue& all_of, JsonValue& out, TranslationNotes* notes) {
  if (key == "type") {
    if (!int_or_string && value.IsString()) out.Add("type", value);
  } else if (key == "properties" && value.IsObject()) {
    JsonValue translated = JsonValue::Object();
    for (const auto& [name, sub] : value.object) {
      if (is_root && name == "metadata") continue;  // replaced below
      translated.Add(name, Translate(sub, false, notes));
    }
    out.Add("properties", std::move(translated));
  } else if (key == "additionalProperties") {
    if (value.type == JsonValue::Type::kBool) {
      out.Add("additionalProperties", value);
    } else if (value.IsObject()) {
      out.Add("additionalProperties", Translate(value, false, notes));
    }
  } else if (key == "items") {
    if (value.IsObject()) out.Add("items", Translate(value, false, notes));
    if (value.IsArray()) out.Add("items", TranslateList(value, notes));
  } else if (key == "required" && value.IsArray()) {
    JsonValue required = JsonValue::Array();
    for (const JsonValue& name : value.array) {
      if (!name.IsString()) continue;
      if (properties != nullptr && HasDefault(*properties, name.string)) continue;
      if (std::find(required.array.begin(), required.array.end(), name) != required.array.end()) continue;
      required.array.push_back(name);
    }
    if (!required.array.empty()) out.Add("required", std::move(required));
  } else if (key == "pattern" && value.IsString()) {
    if (RegexSupported(value.string)) {
      out.Add("pattern", value);
    } else {
      notes->dropped_patterns.push_back(value.string);
    }
  } else if ((key == "anyOf" || key == "allOf" || key == "oneOf") && value.IsArray()) {
    if (key == "allOf") {
      for (const JsonValue& item : value.array) all_of.array.push_back(Translate(item, false, notes));
    } else {
      out.Add(key, TranslateList(value, notes));
    }
  } else if (key == "not" && value.IsObject()) {
    out.Add("not", Translate(value, false, notes));
  } else if (key == "x-kubernetes-validations" && value.IsArray()) {
    notes->cel_rules += value.array.size();
  } else if (key == "x-kubernetes-list-type" && value.IsString() && value.string == "set") {
    out.Add("uniqueItems", JsonValue::Bool(true));
  } else if (std::find(std::begin(kCopied), std::end(kCopied), key) != std::end(kCopied)) {
    if (key == "uniqueItems" && out.Find("uniqueItems") != nullptr) return;
    out.Add(key, value);
  }
  // description, default, example, format, title, nullable and the other
  // x-kubernetes-* keys add nothing JSON Schema checks the way Kubernetes does.
}

// x-kubernetes-int-or-string: an integer or a string.
void AddIntOrString(JsonValue& out, JsonValue& all_of) {
  JsonValue either = JsonValue::Array();
  either.array.push_back(TypeSchema("integer"));
  either.array.push_back(TypeSchema("string"));
  // controller-gen writes this very anyOf beside the marker; when the CRD
  // has it, adding it again would only make valijson check it twice.
  const JsonValue* given = out.Find("anyOf");
  if (given == nullptr) {
    out.Add("anyOf", std::move(either));
  } else if (!(*given == either)) {
    JsonValue wrapped = JsonValue::Object();
    wrapped.Add("anyOf", std::move(either));
    all_of.array.push_back(std::move(wrapped));
  }
}

// x-kubernetes-embedded-resource: apiVersion and kind required strings, metadata an object.
void AddEmbeddedResourceFields(JsonValue& out) {
  JsonValue* props = out.Find("properties");
  if (props == nullptr) props = &out.Add("properties", JsonValue::Object());
  for (std::string_view field : {"apiVersion", "kind"}) {
    if (props->Find(field) == nullptr) {
      JsonValue text = TypeSchema("string");
      text.Add("minLength", JsonValue::Integer(1));
      props->Add(std::string(field), std::move(text));
    }
  }
  if (props->Find("metadata") == nullptr) props->Add("metadata", TypeSchema("object"));
  JsonValue* required = out.Find("required");
  if (required == nullptr) required = &out.Add("required", JsonValue::Array());
  for (std::string_view field : {"apiVersion", "kind"}) {
    if (std::find(required->array.begin(), required->array.end(), Str(field)) == required->array.end()) {
      required->array.push_back(Str(field));
    }
  }
}

// The root's metadata: the server's ObjectMeta checks, required.
void AddRootMetadata(const JsonValue* properties, JsonValue& out, TranslationNotes* notes) {
  const JsonValue* crd_metadata = properties != nullptr ? properties->Find("metadata") : nullptr;
  JsonValue* props = out.Find("properties");
  if (props == nullptr) props = &out.Add("properties", JsonValue::Object());
  props->Add("metadata", ObjectMetaSchema(crd_metadata, notes));
  JsonValue* required = out.Find("required");
  if (required == nullptr) required = &out.Add("required", JsonValue::Array());
  if (std::find(required->array.begin(), required->array.end(), Str("metadata")) == required->array.end()) {
    required->array.push_back(Str("metadata"));
  }
}

JsonValue Translate(const JsonValue& node, bool is_root, TranslationNotes* notes) {
  JsonValue out = JsonValue::Object();
  if (!node.IsObject()) return out;  // accepts anything
  const JsonValue* int_or_string_flag = node.Find("x-kubernetes-int-or-string");
  const bool int_or_string = int_or_string_flag != nullptr && int_or_string_flag->IsTrue();
  const JsonValue* nullable_flag = node.Find("nullable");
  const bool nullable = nullable_flag != nullptr && nullable_flag->IsTrue();
  const JsonValue* properties = node.Find("properties");
  JsonValue all_of = JsonValue::Array();
  for (const auto& [key, value] : node.object) {
    TranslateKeyword(key, value, properties, is_root, int_or_string, all_of, out, notes);
  }
  if (int_or_string) AddIntOrString(out, all_of);
  const JsonValue* embedded = node.Find("x-kubernetes-embedded-resource");
  if (embedded != nullptr && embedded->IsTrue()) AddEmbeddedResourceFields(out);
  if (is_root) AddRootMetadata(properties, out, notes);
  if (!all_of.array.empty()) out.Add("allOf", std::move(all_of));
  if (nullable) {
    // null passes every other keyword of the node, as in Kubernetes.
    JsonValue branches = JsonValue::Array();
    branches.array.push_back(TypeSchema("null"));
    branches.array.push_back(std::move(out));
    JsonValue wrapped = JsonValue::Object();
    wrapped.Add("anyOf", std::move(branches));
    return wrapped;
  }
  return out;
}

}  // namespace

JsonValue TranslateCrdSchema(const JsonValue& openapi_schema, TranslationNotes* notes) {
  return Translate(openapi_schema, /*is_root=*/true, notes);
}

const JsonValue* SchemaAtPath(const JsonValue& schema, const FieldPath& path) {
  const JsonValue* node = &schema;
  for (const PathElement& element : path) {
    if (!node->IsObject()) return nullptr;
    if (element.is_index) {
      node = node->Find("items");
    } else {
      const JsonValue* properties = node->Find("properties");
      const JsonValue* next = properties != nullptr ? properties->Find(element.key) : nullptr;
      if (next == nullptr) {
        const JsonValue* additional = node->Find("additionalProperties");
        next = additional != nullptr && additional->IsObject() ? additional : nullptr;
      }
      node = next;
    }
    if (node == nullptr) return nullptr;
  }
  return node;
}

std::string ExpectedTypes(const JsonValue& schema) {
  const JsonValue* flag = schema.Find("x-kubernetes-int-or-string");
  std::string expected;
  if (flag != nullptr && flag->IsTrue()) {
    expected = "integer or string";
  } else {
    std::string_view type = schema.StringAt("type");
    if (type == "object") {
      expected = "mapping";
    } else if (type == "array") {
      expected = "sequence";
    } else {
      expected = std::string(type);
    }
  }
  const JsonValue* nullable = schema.Find("nullable");
  if (!expected.empty() && nullable != nullptr && nullable->IsTrue()) expected += " or null";
  return expected;
}

}  // namespace dotk8s
