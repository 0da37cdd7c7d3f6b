#ifndef DOTK8S_DRIVER_PROGRAMS_PROGRAM_FAILURE_H_
#define DOTK8S_DRIVER_PROGRAMS_PROGRAM_FAILURE_H_

#include <string>
#include <string_view>

#include "driver/context.h"
#include "driver/programs/process_runner.h"

namespace dotk8s {

/// The hint under a failed read or change on the cluster.
inline constexpr std::string_view kClusterConnectionHint =
    "check the cluster connection (kubectl config current-context) and rights";

/// "exit N", or why the program did not start.
std::string FailureText(const ProcessResult& result);

/// The program's stderr passed on to ours, ending in a newline.
void PassOnStderr(const DriverContext& context, const ProcessResult& result);

/// A program that failed, said once: its stderr, then "<what> failed: exit N"
/// as an error with `hint`. Returns kExitFailed.
int ReportFailedProgram(const DriverContext& context, std::string_view what, const ProcessResult& result,
                        std::string_view hint);

}  // namespace dotk8s

#endif  // DOTK8S_DRIVER_PROGRAMS_PROGRAM_FAILURE_H_
