#ifndef DOTK8S_PIPELINE_H_
#define DOTK8S_PIPELINE_H_

#include <string>
#include <string_view>
#include <vector>

#include "core/diagnostic.h"
#include "core/passes/lifecycle.h"
#include "core/plan.h"
#include "core/yaml/read.h"
#include "core/passes/resolve.h"
#include "core/passes/validate.h"
#include "core/yaml/write.h"

namespace dotk8s {

struct PostRenderOptions {
  ReleaseInputs release;
  ReadOptions read;
  ValidateOptions validate;
  /// gitops; its crd_paths are validate.crd_paths.
  LifecycleOptions lifecycle;
};

struct PostRenderResult {
  /// The stream for Helm; empty unless every pass succeeded. Points into the input.
  OutputStream output;
  Plan plan;
  Diagnostics diagnostics;
  bool ok = false;
  /// The documents as read and changed. Handed out rather than freed here so
  /// that a process which exits right after writing can skip freeing them.
  std::vector<Document> documents;
};

/// The post-renderer as one function: read, attribute, settle settings,
/// enforce conditions, inject, check, write. Stops after the first pass that
/// reports an error; the output is written only when none did.
PostRenderResult RunPostRenderer(std::string_view input, const PostRenderOptions& options);

}  // namespace dotk8s

#endif  // DOTK8S_PIPELINE_H_
