#include "driver/programs/post_failure.h"

#include <fmt/format.h>

#include <filesystem>
#include <fstream>

#include "core/error_log.h"
#include "driver/programs/locations.h"

namespace dotk8s {

std::uintmax_t LogSize(const std::string& log_path) {
  std::error_code ec;
  std::uintmax_t size = std::filesystem::file_size(log_path, ec);
  return ec ? 0 : size;
}

std::vector<std::string> NewPostRendererMessages(const std::string& log_path, std::uintmax_t size_before) {
  std::string text;
  if (!ReadFileText(log_path, &text) || text.size() <= size_before) return {};
  return LastLogBlock(std::string_view(text).substr(size_before));
}

void ReportHelmFailure(const DriverContext& context, std::string_view what, const ProcessResult& result,
                       const std::string& log_path, std::uintmax_t log_size_before) {
  if (!result.start_error.empty()) {
    context.Error(fmt::format("{}: {}", what, result.start_error), "install helm or pass --helm PATH");
    return;
  }
  std::vector<std::string> messages = NewPostRendererMessages(log_path, log_size_before);
  if (!messages.empty()) {
    context.Error(fmt::format("{} failed: the post-renderer dotk8s-post refused the render:", what));
    for (const std::string& line : messages) *context.err << "  " << line << '\n';
    *context.err << fmt::format("  (dotk8s-post's log: {}; helm itself said: {})\n", log_path,
                                result.err.substr(0, result.err.find('\n')));
    return;
  }
  if (!result.err.empty()) *context.err << result.err << (result.err.back() == '\n' ? "" : "\n");
  context.Error(fmt::format("{} failed (exit {})", what, result.exit_code));
}

}  // namespace dotk8s
