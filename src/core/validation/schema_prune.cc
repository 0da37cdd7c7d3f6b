#include "core/validation/schema_prune.h"

#include <fmt/format.h>

#include <algorithm>
#include <string_view>

namespace dotk8s {

namespace {

constexpr std::string_view kObjectMetaFields[] = {
    "name",       "generateName",    "namespace",         "selfLink",      "uid",
    "resourceVersion", "generation", "creationTimestamp", "deletionTimestamp", "deletionGracePeriodSeconds",
    "labels",     "annotations",     "ownerReferences",   "finalizers",    "managedFields",
};

bool IsTrue(const JsonValue& schema, std::string_view key) {
  const JsonValue* flag = schema.Find(key);
  return flag != nullptr && flag->IsTrue();
}

bool IsAlnum(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'); }

// ([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9], at most 63 characters.
bool IsQualifiedNamePart(std::string_view name) {
  if (name.empty() || name.size() > 63 || !IsAlnum(name.front()) || !IsAlnum(name.back())) return false;
  return std::all_of(name.begin(), name.end(), [](char c) { return IsAlnum(c) || c == '-' || c == '_' || c == '.'; });
}

bool IsDnsSubdomain(std::string_view name) {
  if (name.empty() || name.size() > 253) return false;
  std::size_t start = 0;
  while (true) {
    std::size_t dot = name.find('.', start);
    std::string_view label = name.substr(start, dot == std::string_view::npos ? std::string_view::npos : dot - start);
    if (label.empty() || label.front() == '-' || label.back() == '-') return false;
    for (char c : label) {
      if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-')) return false;
    }
    if (dot == std::string_view::npos) return true;
    start = dot + 1;
  }
}

// A label or annotation key: [prefix/]name (k8s.io/apimachinery IsQualifiedName).
bool IsQualifiedName(std::string_view key) {
  std::size_t slash = key.find('/');
  if (slash == std::string_view::npos) return IsQualifiedNamePart(key);
  return IsDnsSubdomain(key.substr(0, slash)) && IsQualifiedNamePart(key.substr(slash + 1));
}


class Pruner {
 public:
  std::vector<SchemaProblem> problems;

  void Walk(JsonValue& value, const JsonValue* schema, FieldPath& path, bool resource_root) {
    if (schema == nullptr || !schema->IsObject()) return;
    if (value.IsObject()) {
      WalkObject(value, *schema, path, resource_root);
    } else if (value.IsArray()) {
      const JsonValue* items = schema->Find("items");
      const bool embedded = items != nullptr && IsTrue(*items, "x-kubernetes-embedded-resource");
      for (std::size_t i = 0; i < value.array.size(); ++i) {
        path.push_back(PathElement::Index(i));
        Walk(value.array[i], items, path, embedded);
        path.pop_back();
      }
      CheckListMap(value, *schema, path);
    }
  }

 private:
  void Report(SchemaProblem::Kind kind, const FieldPath& path, std::string message) {
    problems.push_back(SchemaProblem{kind, path, std::move(message)});
  }

  void WalkObject(JsonValue& value, const JsonValue& schema, FieldPath& path, bool resource_root) {
    const JsonValue* properties = schema.Find("properties");
    const JsonValue* additional = schema.Find("additionalProperties");
    // A mapping where the schema wants something else: the type check says so,
    // listing its fields as unknown would only add noise.
    if (properties == nullptr && additional == nullptr && schema.StringAt("type") != "object") return;
    const bool preserve = IsTrue(schema, "x-kubernetes-preserve-unknown-fields") ||
                          (additional != nullptr && additional->IsTrue());
    auto& members = value.object;
    for (std::size_t i = 0; i < members.size();) {
      auto& [key, member] = members[i];
      path.push_back(PathElement::Key(key));
      const JsonValue* sub = properties != nullptr ? properties->Find(key) : nullptr;
      if (sub == nullptr && additional != nullptr && additional->IsObject()) sub = additional;
      bool erase = false;
      if (resource_root && (key == "apiVersion" || key == "kind")) {
        // Kept, and typed by the schema if it says anything.
        if (sub != nullptr) Walk(member, sub, path, false);
      } else if (resource_root && key == "metadata") {
        CheckObjectMeta(member, path);
      } else if (member.IsNull() && sub != nullptr && !IsTrue(*sub, "nullable")) {
        erase = true;  // the API server drops it (or puts the default in its place)
      } else if (sub != nullptr) {
        Walk(member, sub, path, IsTrue(*sub, "x-kubernetes-embedded-resource"));
      } else if (!preserve) {
        Report(SchemaProblem::Kind::kUnknownField, path, "unknown field: the CRD schema has no such field");
      }
      path.pop_back();
      if (erase) {
        members.erase(members.begin() + static_cast<std::ptrdiff_t>(i));
      } else {
        ++i;
      }
    }
  }

  void CheckObjectMeta(JsonValue& meta, FieldPath& path) {
    if (!meta.IsObject()) return;  // the schema check reports the type
    for (auto& [key, member] : meta.object) {
      path.push_back(PathElement::Key(key));
      if (std::find(std::begin(kObjectMetaFields), std::end(kObjectMetaFields), key) == std::end(kObjectMetaFields)) {
        Report(SchemaProblem::Kind::kUnknownField, path, "unknown field: not a field of metadata (ObjectMeta)");
      } else if ((key == "labels" || key == "annotations") && member.IsObject()) {
        for (const auto& [entry_key, entry_value] : member.object) {
          if (!IsQualifiedName(entry_key)) {
            path.push_back(PathElement::Key(entry_key));
            Report(SchemaProblem::Kind::kInvalid, path,
                   "invalid key: must be a qualified name ([prefix/]name, name at most 63 characters of "
                   "alphanumerics, '-', '_' or '.', starting and ending with an alphanumeric)");
            path.pop_back();
          }
          (void)entry_value;
        }
      }
      path.pop_back();
    }
  }

  void CheckListMap(const JsonValue& list, const JsonValue& schema, const FieldPath& path) {
    if (schema.StringAt("x-kubernetes-list-type") != "map") return;
    const JsonValue* keys = schema.Find("x-kubernetes-list-map-keys");
    if (keys == nullptr || !keys->IsArray() || keys->array.empty()) return;
    std::vector<std::vector<const JsonValue*>> seen;
    for (std::size_t i = 0; i < list.array.size(); ++i) {
      const JsonValue& item = list.array[i];
      if (!item.IsObject()) continue;
      std::vector<const JsonValue*> tuple;
      for (const JsonValue& key : keys->array) tuple.push_back(item.Find(key.string));
      auto same = [&tuple](const std::vector<const JsonValue*>& other) {
        for (std::size_t k = 0; k < tuple.size(); ++k) {
          if ((tuple[k] == nullptr) != (other[k] == nullptr)) return false;
          if (tuple[k] != nullptr && !(*tuple[k] == *other[k])) return false;
        }
        return true;
      };
      if (std::any_of(seen.begin(), seen.end(), same)) {
        std::vector<std::string> pairs;
        for (std::size_t k = 0; k < tuple.size(); ++k) {
          pairs.push_back(fmt::format("{}={}", keys->array[k].string, tuple[k] != nullptr ? DescribeValue(*tuple[k]) : "(unset)"));
        }
        FieldPath at = path;
        at.push_back(PathElement::Index(i));
        Report(SchemaProblem::Kind::kInvalid, at,
               fmt::format("duplicate entry: another item has the same {} (x-kubernetes-list-type: map)",
                           fmt::join(pairs, ", ")));
      } else {
        seen.push_back(std::move(tuple));
      }
    }
  }
};

}  // namespace

std::vector<SchemaProblem> PruneLikeApiServer(JsonValue& object, const JsonValue& schema) {
  Pruner pruner;
  FieldPath path;
  pruner.Walk(object, &schema, path, /*resource_root=*/true);
  return std::move(pruner.problems);
}

}  // namespace dotk8s
