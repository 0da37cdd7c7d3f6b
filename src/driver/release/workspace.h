#ifndef DOTK8S_DRIVER_RELEASE_WORKSPACE_H_
#define DOTK8S_DRIVER_RELEASE_WORKSPACE_H_

#include <string>

#include "driver/bundles/bundle.h"
#include "driver/context.h"
#include "driver/release/options.h"

namespace dotk8s {

/// Where a command's chart and dotk8s-post come from: the working tree and
/// PATH, or a verified bundle.
struct Workspace {
  std::string chart_dir;
  std::string post_binary;  ///< "" when not found
  std::string bundle_root;  ///< the extracted bundle, when --bundle was given
};

/// "bundle PATH refused: its contents do not match its SHA-256 sums", then
/// each of `check`'s problems, on stderr.
void SayBundleMismatch(const DriverContext& context, const std::string& bundle_path, const BundleCheck& check);

/// Verifies `bundle_path` against its SHA256SUMS, then extracts it under
/// <cache>/bundles/. Returns an exit code (kExitBundleRefused for a damaged
/// or tampered bundle) and prints why.
int OpenBundle(const DriverContext& context, const std::string& bundle_path, std::string* root);

/// Fills `workspace` from --bundle, or --chart / the usual places, and --post.
/// Returns an exit code; prints what is missing and what to do.
int OpenWorkspace(const DriverContext& context, const WorkspaceOptions& options, bool need_post,
                  Workspace* workspace);

}  // namespace dotk8s

#endif  // DOTK8S_DRIVER_RELEASE_WORKSPACE_H_
