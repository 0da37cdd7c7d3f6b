#ifndef DOTK8S_DRIVER_PROGRAMS_PROCESS_RUNNER_H_
#define DOTK8S_DRIVER_PROGRAMS_PROCESS_RUNNER_H_

#include <mutex>
#include <ostream>
#include <string>
#include <utility>
#include <vector>

namespace dotk8s {

/// One program the driver runs (helm, kubectl, dotk8s-post).
struct Command {
  /// argv[0] is a path, or a bare name searched on PATH.
  std::vector<std::string> argv;
  /// Variables set on top of the driver's own environment.
  std::vector<std::pair<std::string, std::string>> env;
  /// Written to the program's stdin.
  std::string input;
  /// True for what changes a cluster or the disk (install, apply, dependency
  /// build): `--dry-run` prints these and skips them. Probes (helm version, the
  /// render that plans an install) run under --dry-run too.
  bool is_action = false;
  /// What the step is for, for progress lines: "applying 47 CRDs".
  std::string purpose;
};

struct ProcessResult {
  int exit_code = -1;
  std::string out;
  std::string err;
  /// Set when the program could not be started at all.
  std::string start_error;
  /// Set when --dry-run skipped it.
  bool skipped = false;

  bool Ok() const { return start_error.empty() && exit_code == 0; }
};

/// Runs programs. The driver never starts a process any other way, so unit
/// tests swap in a fake that records commands and answers from a script.
class ProcessRunner {
 public:
  virtual ~ProcessRunner() = default;
  virtual ProcessResult Run(const Command& command) = 0;
};

/// Runs programs with Boost.Process; stdout and stderr are captured.
class SystemProcessRunner : public ProcessRunner {
 public:
  ProcessResult Run(const Command& command) override;

 private:
  // Boost.Process makes its pipes without close-on-exec: a child started
  // while another's pipes are half set up would inherit their child-side ends
  // and hold that one's output open until it exits. Starts are one at a time.
  std::mutex start_mutex_;
};

/// --dry-run: prints every command (with its environment) to `out`; runs the
/// probes through `inner` and skips the actions.
class DryRunRunner : public ProcessRunner {
 public:
  DryRunRunner(ProcessRunner* inner, std::ostream* out) : inner_(inner), out_(out) {}
  ProcessResult Run(const Command& command) override;

 private:
  ProcessRunner* inner_;
  std::ostream* out_;
};

/// Runs `commands` side by side, one thread each (they mostly wait on a
/// program's start and the API server), and returns their results in order.
/// The runner must take calls from several threads (SystemProcessRunner keeps
/// no state between runs; TimingRunner locks); `one_by_one` (--dry-run: the
/// dry-run runner prints each) runs them one after another.
std::vector<ProcessResult> RunSideBySide(ProcessRunner& runner, const std::vector<Command>& commands,
                                         bool one_by_one);

/// The command as a shell line: `HELM_PLUGINS=/x helm template dot-apps ...`,
/// each word quoted only when the shell needs it; stdin shown as `< (N bytes)`.
std::string FormatCommand(const Command& command);

/// `word` quoted for a POSIX shell when needed.
std::string ShellQuote(const std::string& word);

}  // namespace dotk8s

#endif  // DOTK8S_DRIVER_PROGRAMS_PROCESS_RUNNER_H_
