#ifndef DOTK8S_PIPELINE_H_
#define DOTK8S_PIPELINE_H_

#include <string>
#include <string_view>

#include "core/diagnostic.h"
#include "core/plan.h"
#include "core/read.h"
#include "core/resolve.h"
#include "core/validate.h"
#include "core/write.h"

namespace dotk8s {

struct PostRenderOptions {
  ReleaseInputs release;
  ReadOptions read;
  ValidateOptions validate;
};

struct PostRenderResult {
  /// The stream for Helm; empty unless every pass succeeded. Points into the input.
  OutputStream output;
  Plan plan;
  Diagnostics diagnostics;
  bool ok = false;
};

/// The post-renderer as one function: read, attribute, settle settings,
/// enforce conditions, inject, check, write. Stops after the first pass that
/// reports an error; the output is written only when none did.
PostRenderResult RunPostRenderer(std::string_view input, const PostRenderOptions& options);

}  // namespace dotk8s

#endif  // DOTK8S_PIPELINE_H_
