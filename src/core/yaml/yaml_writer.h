#ifndef DOTK8S_YAML_WRITER_H_
#define DOTK8S_YAML_WRITER_H_

#include <string>
#include <string_view>

#include "core/validation/schema_value.h"

namespace dotk8s {

/// The objects dotk8s-post generates are JsonValue trees: typed, so the
/// number 80 and the string "80" come out as the CRD schemas expect.

/// Block-style YAML as kubectl writes it: two-space indent, sequence items at
/// their key's indentation, strings quoted only when they would read back as
/// something else.
std::string WriteYaml(const JsonValue& value);

/// `value` as a YAML scalar that reads back as the same string: plain unless
/// YAML 1.1 would read it as something else (ResolvePlainScalar) or its
/// characters need quoting.
std::string QuoteScalar(std::string_view value);

}  // namespace dotk8s

#endif  // DOTK8S_YAML_WRITER_H_
