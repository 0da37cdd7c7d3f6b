#ifndef DOTK8S_DRIVER_BUNDLES_BUNDLE_H_
#define DOTK8S_DRIVER_BUNDLES_BUNDLE_H_

#include <string>
#include <string_view>
#include <vector>

#include "driver/bundles/archive_io.h"

namespace dotk8s {

/// Everything under this directory in a bundle archive.
inline constexpr std::string_view kBundleRoot = "dotk8s-bundle";
/// The sums file, in `sha256sum` format, paths relative to kBundleRoot.
inline constexpr std::string_view kBundleSums = "SHA256SUMS";

/// What goes into a bundle, paths relative to kBundleRoot.
struct BundleContents {
  std::vector<TarMember> files;
};

/// The `sha256sum` text for `files`: "<hex>  <path>\n" each, sorted by path.
std::string FormatSums(const std::vector<TarMember>& files);

/// Writes `contents` with SHA256SUMS (and under kBundleRoot) to `path`.
bool WriteBundle(const std::string& path, const BundleContents& contents, std::string* error);

/// One problem found while verifying.
struct BundleCheck {
  std::vector<TarMember> files;     ///< paths relative to kBundleRoot, SHA256SUMS included
  std::vector<std::string> problems;  ///< empty: verified
  bool Verified() const { return problems.empty(); }
};

/// Reads the bundle and checks every file against SHA256SUMS: a file whose sum
/// differs, a listed file that is missing and a file not listed are problems.
/// Returns false only when the archive cannot be read at all (`error` set).
bool VerifyBundle(const std::string& path, BundleCheck* check, std::string* error);

/// Parses SHA256SUMS text into (path, hex) pairs; false on a malformed line.
bool ParseSums(std::string_view text, std::vector<std::pair<std::string, std::string>>* sums, std::string* error);

/// Writes the verified files under `dir` (replacing what was there), keeping
/// the executable bit.
bool ExtractBundle(const BundleCheck& check, const std::string& dir, std::string* error);

}  // namespace dotk8s

#endif  // DOTK8S_DRIVER_BUNDLES_BUNDLE_H_
