#include "driver/kubectl_steps.h"

#include <fmt/format.h>

#include <utility>

namespace dotk8s {

Command Kubectl(const std::string& program, std::vector<std::string> args, std::string input, std::string purpose) {
  Command command;
  command.argv = {program};
  command.argv.insert(command.argv.end(), args.begin(), args.end());
  command.input = std::move(input);
  command.is_action = true;
  command.purpose = std::move(purpose);
  return command;
}

bool RunStep(DriverContext& context, const Command& command, bool echo_output) {
  context.Progress(command.purpose);
  ProcessResult result = context.runner->Run(command);
  if (result.Ok()) {
    if (echo_output) *context.out << result.out;
    return true;
  }
  if (!result.err.empty()) *context.err << result.err << (result.err.back() == '\n' ? "" : "\n");
  context.Error(fmt::format("{} failed: {}", command.purpose,
                            result.start_error.empty() ? fmt::format("exit {}", result.exit_code) : result.start_error),
                "check the cluster connection (kubectl config current-context) and rights; --dry-run shows every "
                "command");
  return false;
}

bool ApplyCrdsServerSide(DriverContext& context, const std::string& kubectl, std::string stream,
                         const std::vector<std::string>& names, bool echo_output) {
  const std::string purpose = fmt::format("applying {} CRDs server-side", names.size());
  if (!RunStep(context,
               Kubectl(kubectl, {"apply", "--server-side", "--force-conflicts", std::string(kFieldManager), "-f", "-"},
                       std::move(stream), purpose),
               echo_output)) {
    return false;
  }
  std::vector<std::string> wait_args = {"wait", "--for=condition=Established", "--timeout=120s"};
  wait_args.insert(wait_args.end(), names.begin(), names.end());
  return RunStep(context, Kubectl(kubectl, wait_args, {}, "waiting for the CRDs to be established"));
}

}  // namespace dotk8s
