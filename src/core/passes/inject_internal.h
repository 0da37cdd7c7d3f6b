#ifndef DOTK8S_INJECT_INTERNAL_H_
#define DOTK8S_INJECT_INTERNAL_H_

// Shared by the inject pass's two files: inject.cc makes the objects,
// inject_labels.cc works out their labels. Include only from those two.

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include <yaml-cpp/yaml.h>

#include "core/validation/schema_value.h"

namespace dotk8s::internal {

inline JsonValue Str(std::string_view value) { return JsonValue::String(std::string(value)); }

/// The labels of an injected object that `selectors` must select: what the
/// selectors demand, and each standard label where every selector allows it
/// (inject_labels.cc).
JsonValue SelectableLabels(const JsonValue& standard, const std::map<std::string, std::string>& demanded,
                           const std::vector<YAML::Node>& selectors, std::vector<std::string>* left_out);

}  // namespace dotk8s::internal

#endif  // DOTK8S_INJECT_INTERNAL_H_
