#ifndef DOTK8S_VALIDATE_H_
#define DOTK8S_VALIDATE_H_

#include <string>
#include <vector>

#include "core/diagnostic.h"
#include "core/yaml/document.h"
#include "core/plan.h"

namespace dotk8s {

enum class ValidateMode {
  kInjected,  ///< the objects dotk8s-post injects (the default)
  kAll,       ///< every custom resource in the stream as well
};

struct ValidateOptions {
  /// --crds: directories of CRD files, chart archives (.tgz), chart directories.
  std::vector<std::string> crd_paths;
  ValidateMode mode = ValidateMode::kInjected;
};

/// Validates objects against the openAPIV3Schema of their CustomResourceDefinition
/// (from CRDs in the stream itself, then `options.crd_paths` in order; the
/// first source of a group/kind wins and the plan names the ignored ones).
/// Injected objects are always checked, the stream's custom resources in
/// kAll mode. An object whose CRD or version is unknown is an error in kAll
/// mode, a warning otherwise, and only a plan note when no --crds was given.
/// Findings name the object, the field path and the rule. See docs/validation.md.
Diagnostics ValidateAgainstCrds(const std::vector<Document>& docs, const ValidateOptions& options, Plan& plan);

}  // namespace dotk8s

#endif  // DOTK8S_VALIDATE_H_
