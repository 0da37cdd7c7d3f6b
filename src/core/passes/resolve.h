#ifndef DOTK8S_RESOLVE_H_
#define DOTK8S_RESOLVE_H_

#include <yaml-cpp/yaml.h>

#include <optional>
#include <string>
#include <vector>

#include "core/diagnostic.h"
#include "core/yaml/document.h"
#include "core/plan.h"
#include "core/settings.h"

namespace dotk8s {

/// What the command line says about the release, beside the stream.
struct ReleaseInputs {
  std::string release_namespace;         ///< --release-namespace, or empty
  std::optional<YAML::Node> settings_file;  ///< --settings, parsed
  std::string settings_path;             ///< for messages
};

/// Finds the settings document the umbrella chart rendered (and takes it out
/// of the output: it is for dotk8s-post, not for the cluster), lays a
/// --settings file over it, and settles the release namespace: the flag, the
/// settings, or the namespace the rendered objects share. Fills the plan's
/// release and settings lines.
Diagnostics ResolveSettings(std::vector<Document>& docs, const ReleaseInputs& inputs, Settings* settings,
                            Plan& plan);

/// True for the settings document.
bool IsSettingsDocument(const Document& doc);

}  // namespace dotk8s

#endif  // DOTK8S_RESOLVE_H_
