#include "driver/cli/command_line.h"

#include <gtest/gtest.h>

namespace dotk8s {
namespace {

const std::vector<FlagSpec> kFlags = {
    {"namespace", "n", true, "NS", "release namespace"},
    {"values", "f", true, "FILE", "values file"},
    {"set", "", true, "K=V", "set a value"},
    {"dry-run", "", false, "", "print commands"},
};

TEST(DriverCommandLineTest, LongShortInlineAndRepeated) {
  CommandLine line;
  std::string error;
  ASSERT_TRUE(ParseCommandLine({"my-release", "-n", "web", "-fa.yaml", "--values=b.yaml", "--set", "x=1",
                                "--dry-run", "--", "--not-a-flag"},
                               kFlags, &line, &error))
      << error;
  EXPECT_EQ(line.positionals, (std::vector<std::string>{"my-release", "--not-a-flag"}));
  EXPECT_EQ(line.Value("namespace"), "web");
  EXPECT_EQ(line.Values("values"), (std::vector<std::string>{"a.yaml", "b.yaml"}));
  EXPECT_EQ(line.Value("set"), "x=1");
  EXPECT_TRUE(line.Has("dry-run"));
  EXPECT_FALSE(line.Has("help"));
  EXPECT_EQ(line.Value("help", "fallback"), "fallback");
}

TEST(DriverCommandLineTest, ErrorsSayWhatAndSuggest) {
  CommandLine line;
  std::string error;
  EXPECT_FALSE(ParseCommandLine({"--namespce", "x"}, kFlags, &line, &error));
  EXPECT_EQ(error, "unknown flag --namespce; did you mean --namespace?");
  EXPECT_FALSE(ParseCommandLine({"--zzzzzzzz"}, kFlags, &line, &error));
  EXPECT_EQ(error, "unknown flag --zzzzzzzz");
  EXPECT_FALSE(ParseCommandLine({"-n"}, kFlags, &line, &error));
  EXPECT_EQ(error, "-n needs a value (NS)");
  EXPECT_FALSE(ParseCommandLine({"--dry-run=yes"}, kFlags, &line, &error));
  EXPECT_EQ(error, "--dry-run takes no value");
}

TEST(DriverCommandLineTest, HelpListsEveryFlag) {
  std::string help = FormatFlags(kFlags);
  EXPECT_NE(help.find("-n, --namespace NS"), std::string::npos) << help;
  EXPECT_NE(help.find("    --dry-run"), std::string::npos) << help;
}

}  // namespace
}  // namespace dotk8s
