#ifndef DOTK8S_TESTS_FAKES_FAKE_PROCESS_RUNNER_H_
#define DOTK8S_TESTS_FAKES_FAKE_PROCESS_RUNNER_H_

// A ProcessRunner for unit tests: records every command and answers from a
// script of (argv prefix -> result) rules; the first rule that matches wins.

#include <string>
#include <utility>
#include <vector>

#include "driver/programs/process_runner.h"

namespace dotk8s::testing {

class FakeProcessRunner : public ProcessRunner {
 public:
  struct Rule {
    std::vector<std::string> prefix;  ///< argv[1..] must start with these
    ProcessResult result;
  };

  /// Commands whose argv[1..] start with `prefix` get exit `code` and `out`/`err`.
  void Answer(std::vector<std::string> prefix, int code, std::string out = {}, std::string err = {}) {
    ProcessResult result;
    result.exit_code = code;
    result.out = std::move(out);
    result.err = std::move(err);
    rules_.push_back({std::move(prefix), std::move(result)});
  }

  ProcessResult Run(const Command& command) override {
    commands.push_back(command);
    for (const Rule& rule : rules_) {
      if (command.argv.size() < rule.prefix.size() + 1) continue;
      bool match = true;
      for (std::size_t i = 0; i < rule.prefix.size() && match; ++i) match = command.argv[i + 1] == rule.prefix[i];
      if (match) return rule.result;
    }
    ProcessResult fallback;
    fallback.exit_code = 0;
    return fallback;
  }

  std::vector<Command> commands;

 private:
  std::vector<Rule> rules_;
};

}  // namespace dotk8s::testing

#endif  // DOTK8S_TESTS_FAKES_FAKE_PROCESS_RUNNER_H_
