#include "driver/release/workspace.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <filesystem>

#include "driver/bundles/bundle.h"
#include "driver/bundles/sha256.h"
#include "driver/programs/locations.h"

namespace dotk8s {
namespace fs = std::filesystem;

void SayBundleMismatch(const DriverContext& context, const std::string& bundle_path, const BundleCheck& check) {
  context.Error(fmt::format("bundle {} refused: its contents do not match its SHA-256 sums", bundle_path));
  for (const std::string& problem : check.problems) *context.err << "  " << problem << '\n';
}

int OpenBundle(const DriverContext& context, const std::string& bundle_path, std::string* root) {
  context.Progress(fmt::format("verifying bundle {}", bundle_path));
  BundleCheck check;
  std::string error;
  if (!IsFile(bundle_path)) {
    context.Error(fmt::format("bundle {} does not exist", bundle_path), "make one with `dotk8s bundle -o FILE`");
    return kExitMissing;
  }
  if (!VerifyBundle(bundle_path, &check, &error)) {
    context.Error(fmt::format("bundle refused: {}", error),
                  "the file is damaged or not a dotk8s bundle; copy it again from where it was made");
    return kExitBundleRefused;
  }
  if (!check.Verified()) {
    SayBundleMismatch(context, bundle_path, check);
    *context.err << "  hint: the bundle was changed after it was made; copy it again from where it was made\n";
    return kExitBundleRefused;
  }
  std::string sums;
  for (const TarMember& file : check.files) {
    if (file.path == kBundleSums) sums = file.content;
  }
  *root = fmt::format("{}/bundles/{}", CacheDir(context), Sha256Hex(sums).substr(0, 16));
  if (!ExtractBundle(check, *root, &error)) {
    context.Error(fmt::format("cannot extract bundle {}: {}", bundle_path, error));
    return kExitFailed;
  }
  context.Progress(fmt::format("bundle verified ({} files) and extracted to {}", check.files.size(), *root));
  return kExitOk;
}

int OpenWorkspace(const DriverContext& context, const WorkspaceOptions& options, bool need_post,
                  Workspace* workspace) {
  std::string post_flag = options.post;
  if (options.bundle) {
    int code = OpenBundle(context, *options.bundle, &workspace->bundle_root);
    if (code != kExitOk) return code;
    std::error_code ec;
    for (const fs::directory_entry& entry : fs::directory_iterator(workspace->bundle_root + "/chart", ec)) {
      if (IsFile(entry.path().string() + "/Chart.yaml")) workspace->chart_dir = entry.path().string();
    }
    if (workspace->chart_dir.empty()) {
      context.Error("the bundle holds no chart under chart/");
      return kExitBundleRefused;
    }
    if (post_flag.empty()) post_flag = workspace->bundle_root + "/bin/dotk8s-post";
  } else {
    std::vector<std::string> tried;
    workspace->chart_dir = FindChartDir(context, options.chart, &tried);
    if (workspace->chart_dir.empty()) {
      context.Error(fmt::format("cannot find the umbrella chart (looked in {})", fmt::join(tried, ", ")),
                    "run dotk8s from the project directory, or pass --chart DIR or --bundle FILE");
      return kExitMissing;
    }
  }
  workspace->post_binary = FindPostBinary(context, post_flag);
  if (need_post && workspace->post_binary.empty()) {
    context.Error("cannot find the dotk8s-post executable (looked beside dotk8s and on PATH)",
                  "run `make install`, or pass --post PATH");
    return kExitMissing;
  }
  return kExitOk;
}

}  // namespace dotk8s
