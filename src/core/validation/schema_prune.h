#ifndef DOTK8S_SCHEMA_PRUNE_H_
#define DOTK8S_SCHEMA_PRUNE_H_

#include <cstddef>
#include <string>
#include <vector>

#include "core/yaml/field_path.h"
#include "core/validation/schema_value.h"

namespace dotk8s {

/// A finding about one field of an object checked against its CRD schema.
struct SchemaProblem {
  enum class Kind {
    kUnknownField,  ///< the API server would drop the field (or refuse it under strict field validation)
    kInvalid,       ///< the API server would refuse the object
    kNotChecked,    ///< the check itself could not run (a pattern std::regex cannot read)
  };
  Kind kind = Kind::kInvalid;
  FieldPath path;
  std::string message;
  /// 0-based line of the field (or of the nearest enclosing one that is
  /// there) in the text the object was read from; kNoLine if unknown.
  std::size_t line = kNoLine;

  static constexpr std::size_t kNoLine = static_cast<std::size_t>(-1);
};

/// What the API server does to a custom resource before it checks the
/// OpenAPI schema, on `object` (changed in place) along its CRD version's
/// structural schema (untranslated):
/// - a null in a field that is not `nullable` is removed (it would be
///   defaulted or dropped: PruneNonNullableNullsWithoutDefaults);
/// - a field the schema does not know (no property, no additionalProperties,
///   no x-kubernetes-preserve-unknown-fields) is reported: the server prunes it;
/// - apiVersion, kind and metadata are kept at the root and in embedded
///   resources; metadata's own keys must be ObjectMeta fields and label keys
///   qualified names;
/// - `x-kubernetes-list-type: map` items must differ in their list-map-keys.
std::vector<SchemaProblem> PruneLikeApiServer(JsonValue& object, const JsonValue& schema);

}  // namespace dotk8s

#endif  // DOTK8S_SCHEMA_PRUNE_H_
