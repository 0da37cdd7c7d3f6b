#ifndef DOTK8S_ERROR_LOG_H_
#define DOTK8S_ERROR_LOG_H_

#include <string>
#include <string_view>
#include <vector>

#include "core/diagnostic.h"

namespace dotk8s {

/// Where dotk8s-post appends its errors when --log is not given:
/// $XDG_STATE_HOME/dotk8s/dotk8s-post.log, else ~/.local/state/dotk8s/dotk8s-post.log.
/// Helm 4 throws a post-renderer's stderr away; this file is where users (and
/// `dotk8s`) find the message. Either argument may be null; a relative one
/// counts as unset. "" when neither is set: there is then no log (never a
/// shared path such as /tmp), and --log names one.
std::string DefaultLogPath(const char* xdg_state_home, const char* home);

/// The first line of each failed run's block in the log.
inline constexpr std::string_view kLogBlockPrefix = "=== dotk8s-post ";

/// Appends one block for a failed run: a header line with the time, the
/// arguments, then each diagnostic on a line. Creates the directory. Returns
/// false (with `error` set) if the log cannot be written.
bool AppendToLog(const std::string& path, const std::vector<std::string>& args, const Diagnostics& diagnostics,
                 std::string* error);

/// The diagnostics lines of the last block in the log text, for the driver.
std::vector<std::string> LastLogBlock(std::string_view log_text);

}  // namespace dotk8s

#endif  // DOTK8S_ERROR_LOG_H_
