#ifndef DOTK8S_SCHEMA_TRANSLATE_H_
#define DOTK8S_SCHEMA_TRANSLATE_H_

#include <cstddef>
#include <string>
#include <vector>

#include "core/yaml/field_path.h"
#include "core/validation/schema_value.h"

namespace dotk8s {

/// What translating a CRD schema left out, for the plan.
struct TranslationNotes {
  /// x-kubernetes-validations rules (CEL): the API server runs them, we don't.
  std::size_t cel_rules = 0;
  /// `pattern`s std::regex cannot read (Go RE2 syntax such as `(?i)`): not checked.
  std::vector<std::string> dropped_patterns;
};

/// Translates a Kubernetes structural schema (a CRD version's
/// openAPIV3Schema) into JSON Schema draft 4 for valijson:
/// - `x-kubernetes-int-or-string` becomes anyOf integer/string;
/// - `nullable: true` lets null through;
/// - a `required` property with a `default` is dropped (the API server fills
///   in the default before it validates);
/// - `x-kubernetes-list-type: set` becomes uniqueItems;
/// - `x-kubernetes-embedded-resource` requires apiVersion and kind;
/// - the root `metadata` gets the checks the API server makes of ObjectMeta
///   (name present, a DNS subdomain; namespace a DNS label; labels and
///   annotations string to string), merged with the CRD's restrictions on name;
/// - `format`, `description`, `default`, `example` and other `x-kubernetes-*`
///   keys are dropped; `x-kubernetes-validations` are counted in `notes`.
/// Unknown fields and non-nullable nulls are not JSON Schema's business: see
/// schema_prune.h.
JsonValue TranslateCrdSchema(const JsonValue& openapi_schema, TranslationNotes* notes);

/// The schema node (of a structural Kubernetes schema) for the value at
/// `path`, following properties, additionalProperties and items; nullptr if
/// the schema says nothing about it.
const JsonValue* SchemaAtPath(const JsonValue& schema, const FieldPath& path);

/// What a schema node accepts, for messages: "integer", "integer or string",
/// "mapping", "sequence", "" if it says nothing.
std::string ExpectedTypes(const JsonValue& schema);

}  // namespace dotk8s

#endif  // DOTK8S_SCHEMA_TRANSLATE_H_
