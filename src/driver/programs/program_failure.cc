#include "driver/programs/program_failure.h"

#include <fmt/format.h>

namespace dotk8s {

std::string FailureText(const ProcessResult& result) {
  return result.start_error.empty() ? fmt::format("exit {}", result.exit_code) : result.start_error;
}

void PassOnStderr(const DriverContext& context, const ProcessResult& result) {
  if (!result.err.empty()) *context.err << result.err << (result.err.back() == '\n' ? "" : "\n");
}

int ReportFailedProgram(const DriverContext& context, std::string_view what, const ProcessResult& result,
                        std::string_view hint) {
  PassOnStderr(context, result);
  context.Error(fmt::format("{} failed: {}", what, FailureText(result)), hint);
  return kExitFailed;
}

}  // namespace dotk8s
