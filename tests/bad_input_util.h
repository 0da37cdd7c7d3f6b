#ifndef DOTK8S_BAD_INPUT_UTIL_H_
#define DOTK8S_BAD_INPUT_UTIL_H_

// Runs the real dotk8s-post the way Helm does and checks the contract for
// input it must refuse: the exit code, nothing at all on stdout (never partial
// output), the message on stderr, and the same message in a block of the log
// (Helm 4 throws stderr away). Shared by bad_input_test.cc, limits_test.cc and
// the regression tests.

#include <gtest/gtest.h>

#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "core/error_log.h"
#include "test_support.h"

namespace dotk8s::testing {

/// What a run of dotk8s-post with a log of its own gave.
struct PostRun {
  RunResult result;
  std::string log_path;
  std::string log;  ///< the log file's text, "" if there is none
};

/// Runs dotk8s-post with `args` and `--log <dir>/post.log`.
inline PostRun RunPostWithLog(const ScratchDir& dir, std::vector<std::string> args, std::string_view input) {
  PostRun run;
  run.log_path = dir.File("post.log");
  // First, so that a row's own (possibly incomplete) flags come last.
  args.insert(args.begin(), {"--log", run.log_path});
  run.result = RunPost(args, input);
  std::error_code ec;
  if (std::filesystem::exists(run.log_path, ec)) run.log = ReadFile(run.log_path);
  return run;
}

/// The lines of the log's last block, joined by newlines.
inline std::string LastBlockText(const PostRun& run) {
  std::string text;
  for (const std::string& line : LastLogBlock(run.log)) text += line + "\n";
  return text;
}

/// Asserts a refusal: exit 1, empty stdout, every fragment on stderr and in the
/// log's last block. `what` names the case in failure messages.
inline void ExpectRefused(const PostRun& run, const std::vector<std::string>& fragments, const std::string& what,
                          int exit_code = 1) {
  EXPECT_EQ(run.result.exit_code, exit_code) << what << "\nstderr: " << run.result.err;
  EXPECT_TRUE(run.result.out.empty()) << what << ": stdout must stay empty on error; it has " << run.result.out.size()
                                      << " bytes, starting: " << run.result.out.substr(0, 200);
  ASSERT_FALSE(run.log.empty()) << what << ": no log written to " << run.log_path;
  const std::string block = LastBlockText(run);
  for (const std::string& fragment : fragments) {
    EXPECT_NE(run.result.err.find(fragment), std::string::npos)
        << what << ": stderr lacks \"" << fragment << "\"\nstderr: " << run.result.err;
    EXPECT_NE(block.find(fragment), std::string::npos)
        << what << ": the log block lacks \"" << fragment << "\"\nlog block: " << block;
  }
  EXPECT_EQ(run.result.err.find("internal error"), std::string::npos) << what << ": " << run.result.err;
}

}  // namespace dotk8s::testing

#endif  // DOTK8S_BAD_INPUT_UTIL_H_
