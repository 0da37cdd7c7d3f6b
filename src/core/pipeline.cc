#include "core/pipeline.h"

#include <algorithm>
#include <filesystem>
#include <vector>

#include "core/passes/attribute.h"
#include "core/passes/check.h"
#include "core/passes/conditions.h"
#include "core/passes/crd_bundles.h"
#include "core/passes/inject.h"
#include "core/kinds.h"
#include "core/passes/place.h"
#include "core/yaml/write.h"

namespace dotk8s {

PostRenderResult RunPostRenderer(std::string_view input, const PostRenderOptions& options) {
  PostRenderResult result;
  std::vector<Document> docs;
  auto stop = [&result](Diagnostics diagnostics) {
    Append(result.diagnostics, std::move(diagnostics));
    return HasErrors(result.diagnostics);
  };
  if (stop(ReadStream(input, options.read, &docs))) return result;
  if (stop(CheckObjectShapes(docs))) return result;
  if (stop(AttributeComponents(docs, result.plan))) return result;
  Settings settings;
  if (stop(ResolveSettings(docs, options.release, &settings, result.plan))) return result;
  if (stop(EnforceConditions(docs, settings, result.plan))) return result;
  if (stop(KeepOneCopyOfEachCrd(docs, result.plan))) return result;
  KindScopes scopes;
  scopes.AddDefinitions(docs);
  if (stop(PlaceNamespaces(docs, settings, scopes, result.plan, options.read.threads))) return result;
  if (stop(InjectObjects(docs, settings, result.plan))) return result;
  // Envoy Gateway's Gateway API bundle is the one its controller needs and
  // the one the cluster gets: its --crds source goes first, for the CRDs a
  // GitOps stream carries and for validation alike (the first definition of a
  // kind wins), whatever order the caller named them in.
  ValidateOptions validate = options.validate;
  std::stable_partition(validate.crd_paths.begin(), validate.crd_paths.end(), [](const std::string& path) {
    return std::filesystem::path(path).filename().string().rfind("gateway-helm", 0) == 0;
  });
  LifecycleOptions lifecycle = options.lifecycle;
  lifecycle.crd_paths = validate.crd_paths;
  if (stop(PrepareLifecycle(docs, settings, lifecycle, result.plan))) return result;
  if (stop(ValidateAgainstCrds(docs, validate, result.plan))) return result;
  if (stop(CheckDuplicates(docs, scopes))) return result;
  result.output = WriteStream(docs);
  result.ok = true;
  result.documents = std::move(docs);
  return result;
}

}  // namespace dotk8s
