// Robustness findings of issue 7 in dotk8s-post itself (not in the reader),
// kept as tests. The bad-input table (bad_input_test.cc) holds the others:
// byte positions of control characters and invalid UTF-8 (libyaml's reader
// reported line 1 column 1), and a --settings directory read as empty settings.
#include <gtest/gtest.h>

#include <chrono>
#include <regex>
#include <string>

#include "bad_input_util.h"
#include "test_support.h"

namespace dotk8s {
namespace {

using testing::ReadFile;
using testing::ScratchDir;

// The log's timestamp ends in Z but was local time (fmt formats a time_point
// in the local zone); it also made every failed run read /etc/localtime.
TEST(RegressionPostTest, LogTimestampIsUtcWhateverTheZone) {
  ScratchDir dir;
  const std::string log = dir.File("post.log");
  const auto before = std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now());
  testing::RunResult r = testing::Run({"/usr/bin/env", "TZ=Asia/Tokyo", DOTK8S_POST_BINARY, "--log", log}, "a: [\n");
  const auto after = std::chrono::system_clock::now();
  ASSERT_EQ(r.exit_code, 1) << r.err;
  const std::string text = ReadFile(log);
  std::smatch match;
  ASSERT_TRUE(std::regex_search(text, match, std::regex(R"(^=== dotk8s-post \S+ (\d{4})-(\d\d)-(\d\d)T(\d\d):(\d\d):(\d\d)Z failed: )")))
      << text;
  const std::chrono::year_month_day date{std::chrono::year{std::stoi(match[1])},
                                         std::chrono::month{static_cast<unsigned>(std::stoi(match[2]))},
                                         std::chrono::day{static_cast<unsigned>(std::stoi(match[3]))}};
  const auto stamp = std::chrono::sys_days{date} + std::chrono::hours{std::stoi(match[4])} +
                     std::chrono::minutes{std::stoi(match[5])} + std::chrono::seconds{std::stoi(match[6])};
  EXPECT_GE(stamp, before);
  EXPECT_LE(stamp, after);
}

}  // namespace
}  // namespace dotk8s
