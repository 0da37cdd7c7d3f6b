#ifndef DOTK8S_DRIVER_COMMANDS_TABLE_H_
#define DOTK8S_DRIVER_COMMANDS_TABLE_H_

#include <string>
#include <string_view>
#include <vector>

#include "driver/cli/command_line.h"
#include "driver/context.h"

namespace dotk8s {

/// One `dotk8s` command: its flags, help and what runs it.
struct CommandSpec {
  std::string_view name;
  std::string_view summary;
  std::string_view usage;        ///< "dotk8s template [RELEASE] [flags]"
  std::string_view description;  ///< paragraphs for --help
  std::vector<FlagSpec> flags;
  int (*run)(std::string_view name, const CommandLine& line, DriverContext& context) = nullptr;
};

/// Every command, in the order `dotk8s --help` lists them.
const std::vector<CommandSpec>& Commands();

/// `dotk8s ARGS...`: parses, dispatches, returns the exit code.
int RunDriver(const std::vector<std::string>& args, DriverContext& context);

/// The help text of one command.
std::string CommandHelp(const CommandSpec& spec);

// The commands (one file each): each reads its flags into its options
// (cli/options.h), runs its steps, reports.
int RunTemplateCommand(std::string_view name, const CommandLine& line, DriverContext& context);
int RunInstallCommand(std::string_view name, const CommandLine& line, DriverContext& context);
int RunUpgradeCommand(std::string_view name, const CommandLine& line, DriverContext& context);
int RunUninstallCommand(std::string_view name, const CommandLine& line, DriverContext& context);
int RunDepsCommand(std::string_view name, const CommandLine& line, DriverContext& context);
int RunCrdsCommand(std::string_view name, const CommandLine& line, DriverContext& context);
int RunBundleCommand(std::string_view name, const CommandLine& line, DriverContext& context);
int RunDoctorCommand(std::string_view name, const CommandLine& line, DriverContext& context);
int RunExplainCommand(std::string_view name, const CommandLine& line, DriverContext& context);
int RunVerifyCommand(std::string_view name, const CommandLine& line, DriverContext& context);
int RunRollbackCommand(std::string_view name, const CommandLine& line, DriverContext& context);
/// `dotk8s rollback`: its help and upgrade's flags but -f, --set and --profile.
CommandSpec RollbackCommandSpec(const std::vector<FlagSpec>& upgrade_flags);
/// Hidden: `dotk8s __capture FILE` copies stdin to FILE and to stdout; explain
/// runs it as a post-renderer to see exactly what dotk8s-post would get.
int RunCaptureCommand(std::string_view name, const CommandLine& line, DriverContext& context);

}  // namespace dotk8s

#endif  // DOTK8S_DRIVER_COMMANDS_TABLE_H_
