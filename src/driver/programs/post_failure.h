#ifndef DOTK8S_DRIVER_PROGRAMS_POST_FAILURE_H_
#define DOTK8S_DRIVER_PROGRAMS_POST_FAILURE_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "driver/context.h"
#include "driver/programs/process_runner.h"

namespace dotk8s {

/// The size of the post-renderer's log now: what a later failed run appends
/// comes after it.
std::uintmax_t LogSize(const std::string& log_path);

/// The lines of the block dotk8s-post appended to the log after `size_before`
/// (LastLogBlock on the new part), or empty when it appended none.
std::vector<std::string> NewPostRendererMessages(const std::string& log_path, std::uintmax_t size_before);

/// Prints why a helm call failed. When dotk8s-post failed during it, its own
/// message from the log is printed: Helm 4 shows only "plugin exited with error".
void ReportHelmFailure(const DriverContext& context, std::string_view what, const ProcessResult& result,
                       const std::string& log_path, std::uintmax_t log_size_before);

}  // namespace dotk8s

#endif  // DOTK8S_DRIVER_PROGRAMS_POST_FAILURE_H_
