#ifndef DOTK8S_SCHEMA_CHECK_H_
#define DOTK8S_SCHEMA_CHECK_H_

#include <memory>
#include <string>
#include <vector>

#include "core/validation/schema_prune.h"
#include "core/validation/schema_translate.h"
#include "core/validation/schema_value.h"

namespace dotk8s {

/// One CRD version's schema, translated and compiled by valijson once, then
/// checking any number of objects. valijson stays inside schema_check.cc.
class CompiledSchema {
 public:
  /// Translates `openapi_schema` (schema_translate.h) and compiles it; the
  /// schema must outlive the result (it is read again for pruning and for
  /// messages). Returns nullptr with `error` set if valijson refuses it.
  static std::unique_ptr<CompiledSchema> Compile(const JsonValue& openapi_schema, std::string* error);
  static std::unique_ptr<CompiledSchema> Compile(JsonValue&& temporary, std::string* error) = delete;
  ~CompiledSchema();
  CompiledSchema(const CompiledSchema&) = delete;
  CompiledSchema& operator=(const CompiledSchema&) = delete;

  const TranslationNotes& notes() const;
  /// The Kubernetes schema as the CRD wrote it.
  const JsonValue& openapi_schema() const;

  /// Prunes `object` as the API server would (schema_prune.h), then checks it
  /// with valijson. Each problem names its field and says what is wrong in
  /// words: "required property missing", "expected integer, got sequence".
  std::vector<SchemaProblem> Check(JsonValue& object);

 private:
  struct Impl;
  explicit CompiledSchema(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace dotk8s

#endif  // DOTK8S_SCHEMA_CHECK_H_
