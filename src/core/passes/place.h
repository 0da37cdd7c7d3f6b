#ifndef DOTK8S_PLACE_H_
#define DOTK8S_PLACE_H_

#include <vector>

#include "core/diagnostic.h"
#include "core/yaml/document.h"
#include "core/kinds.h"
#include "core/plan.h"
#include "core/settings.h"

namespace dotk8s {

/// The annotations that make Helm 4 create a document after the rest of the
/// release: for custom resources whose CRD is rendered in the same release.
inline constexpr std::string_view kPostInstallHook = "post-install,post-upgrade";

/// Places each component in its own namespace and makes it work there:
/// - moves metadata.namespace from the release namespace to the component's
///   (objects a chart put elsewhere on purpose, like kube-system, stay);
/// - rewrites every reference to the release namespace inside the documents,
///   by the shape of the reference (references.h), following the object it
///   points at: a reference into another component takes that one's namespace;
/// - renames what was named after the release namespace (cluster-scoped names
///   like `certgen:<ns>`, `<release>-<ns>` labels) and what refers to those names;
/// - refuses Helm 3 setups that cannot work (Helm 3 hides hooks from
///   post-renderers), saying what to do;
/// - ends with a check: a moved document whose free-form setting (an
///   argument, an environment value, config data) is exactly the release
///   namespace is an error, and any other value that still mentions it as a
///   word is a warning, each naming kind, name and field path, unless settings
///   allow it (apps.allowReleaseNamespaceReferences).
/// (What must be a hook for the release to install, upgrade and uninstall is
/// the lifecycle pass's, lifecycle.h.)
/// `threads`: as ReadOptions::threads (0: by the input's size).
Diagnostics PlaceNamespaces(std::vector<Document>& docs, const Settings& settings, const KindScopes& scopes,
                            Plan& plan, unsigned threads = 0);

}  // namespace dotk8s

#endif  // DOTK8S_PLACE_H_
