// Placeholder until the CRD validation (issue 5) lands: validates nothing and
// says so in the plan.
#include "core/validate.h"

namespace dotk8s {

Diagnostics ValidateAgainstCrds(const std::vector<Document>& docs, const ValidateOptions& options, Plan& plan) {
  (void)docs;
  (void)options;
  plan.notes.push_back("objects not validated against CRDs (not implemented yet)");
  return {};
}

}  // namespace dotk8s
