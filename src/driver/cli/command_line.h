#ifndef DOTK8S_DRIVER_CLI_COMMAND_LINE_H_
#define DOTK8S_DRIVER_CLI_COMMAND_LINE_H_

#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace dotk8s {

/// One flag a command accepts.
struct FlagSpec {
  std::string_view name;        ///< long name without dashes: "namespace"
  std::string_view short_name;  ///< "n", or empty
  bool takes_value = false;
  std::string_view value_name;  ///< "NS", for help
  std::string_view help;
};

/// A command line after parsing against a command's flags.
struct CommandLine {
  std::vector<std::string> positionals;
  /// Values by long name, in order; a switch records "true".
  std::map<std::string, std::vector<std::string>, std::less<>> flags;

  bool Has(std::string_view name) const;
  /// The last value given, or `fallback`.
  std::string Value(std::string_view name, std::string fallback = {}) const;
  std::vector<std::string> Values(std::string_view name) const;
};

/// Parses `args` (after the command word). `--flag value`, `--flag=value`,
/// `-n value` and `-nvalue` work; `--` ends flags. An unknown flag is an error
/// with a "did you mean" hint.
bool ParseCommandLine(const std::vector<std::string>& args, const std::vector<FlagSpec>& specs, CommandLine* out,
                      std::string* error);

/// The help block for `specs`, one flag a line.
std::string FormatFlags(const std::vector<FlagSpec>& specs);


}  // namespace dotk8s

#endif  // DOTK8S_DRIVER_CLI_COMMAND_LINE_H_
