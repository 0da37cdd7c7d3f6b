#ifndef DOTK8S_DRIVER_CONTEXT_H_
#define DOTK8S_DRIVER_CONTEXT_H_

#include <map>
#include <istream>
#include <ostream>
#include <string>
#include <string_view>

#include "driver/programs/process_runner.h"

namespace dotk8s {

/// Exit codes of `dotk8s` (documented in `dotk8s --help` and docs/driver.md).
inline constexpr int kExitOk = 0;
inline constexpr int kExitFailed = 1;        ///< helm, kubectl or the post-renderer failed; doctor found a problem
inline constexpr int kExitUsage = 2;         ///< bad command line or a setup dotk8s refuses (Helm 3 namespace)
inline constexpr int kExitMissing = 3;       ///< a prerequisite is missing: helm, dotk8s-post, the chart, its dependencies
inline constexpr int kExitBundleRefused = 4; ///< a bundle is damaged or its SHA-256 sums do not match

/// Everything a command touches outside itself: processes, output, the
/// environment. main() fills it from the real process; tests fill it by hand.
struct DriverContext {
  ProcessRunner* runner = nullptr;
  std::istream* in = nullptr;
  std::ostream* out = nullptr;
  std::ostream* err = nullptr;
  /// The environment variables the driver sees.
  std::map<std::string, std::string, std::less<>> env;
  /// The dotk8s executable itself (bundles carry it; explain runs it as a capture post-renderer).
  std::string self_path;
  /// stderr is a terminal: show progress lines. In a pipe the driver is quiet.
  bool terminal = false;
  bool dry_run = false;

  /// The variable's value, or "" when unset.
  std::string Env(std::string_view name) const;
  /// A progress line on stderr, only on a terminal.
  void Progress(std::string_view text) const;
  /// A line for the user on stderr: "dotk8s: <text>".
  void Say(std::string_view text) const;
  /// An error on stderr: "dotk8s: error: <text>" and, if given, "  hint: <hint>".
  void Error(std::string_view text, std::string_view hint = {}) const;
};

}  // namespace dotk8s

#endif  // DOTK8S_DRIVER_CONTEXT_H_
