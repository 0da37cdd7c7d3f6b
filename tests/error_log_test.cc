#include "core/error_log.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <regex>
#include <string>
#include <vector>

#include "test_support.h"

namespace dotk8s {
namespace {

using testing::ReadFile;
using testing::ScratchDir;

TEST(DefaultLogPathTest, XdgStateHomeThenHome) {
  EXPECT_EQ(DefaultLogPath("/state", "/home/u"), "/state/dotk8s/dotk8s-post.log");
  EXPECT_EQ(DefaultLogPath(nullptr, "/home/u"), "/home/u/.local/state/dotk8s/dotk8s-post.log");
  // The XDG spec says relative paths are to be ignored.
  EXPECT_EQ(DefaultLogPath("relative", "/home/u"), "/home/u/.local/state/dotk8s/dotk8s-post.log");
  EXPECT_EQ(DefaultLogPath("", "/home/u"), "/home/u/.local/state/dotk8s/dotk8s-post.log");
  // No home: no log, never a shared predictable path such as /tmp/dotk8s-post.log.
  EXPECT_EQ(DefaultLogPath(nullptr, nullptr), "");
  EXPECT_EQ(DefaultLogPath("", ""), "");
  EXPECT_EQ(DefaultLogPath("state", "home"), "");
}

Diagnostics TwoErrors() {
  Diagnostic a = MakeError("first problem", "fix it");
  a.doc_index = 3;
  a.source_path = "dot-apps/templates/x.yaml";
  return {a, MakeError("second problem")};
}

TEST(AppendToLogTest, BlocksAreAppendedAndTheLastOneIsRead) {
  const ScratchDir dir;
  const std::string path = dir.File("nested/dir/dotk8s-post.log");  // the directories are created
  std::string error;
  ASSERT_TRUE(AppendToLog(path, {"--settings", "a.yaml"}, TwoErrors(), &error)) << error;
  ASSERT_TRUE(AppendToLog(path, {}, {MakeError("third problem")}, &error)) << error;
  const std::string text = ReadFile(path);
  const std::regex header(R"(=== dotk8s-post \S+ \d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ failed: dotk8s-post --settings a.yaml\n)");
  EXPECT_TRUE(std::regex_search(text, header)) << text;
  const std::string first_block_lines =
      "error: doc 3 (dot-apps/templates/x.yaml): first problem; hint: fix it\nerror: second problem\n";
  EXPECT_NE(text.find(first_block_lines), std::string::npos) << text;
  EXPECT_EQ(LastLogBlock(text), std::vector<std::string>{"error: third problem"});
}

TEST(AppendToLogTest, UnwritableLog) {
  const ScratchDir dir;
  std::string error;
  // A directory where the file should be.
  std::filesystem::create_directories(dir.File("log"));
  EXPECT_FALSE(AppendToLog(dir.File("log"), {}, TwoErrors(), &error));
  EXPECT_EQ(error.rfind("cannot write the log " + dir.File("log"), 0), 0u) << error;
}

TEST(LastLogBlockTest, Cases) {
  EXPECT_TRUE(LastLogBlock("").empty());
  EXPECT_TRUE(LastLogBlock("no blocks here\n").empty());
  EXPECT_EQ(LastLogBlock("=== dotk8s-post 0.1 t failed: dotk8s-post\nerror: a\n\nerror: b\n"),
            (std::vector<std::string>{"error: a", "error: b"}));
  EXPECT_EQ(LastLogBlock("=== dotk8s-post 0.1 t failed: dotk8s-post\nerror: a\n=== dotk8s-post 0.1 t failed: "
                         "dotk8s-post\nerror: last"),
            std::vector<std::string>{"error: last"});
  // The prefix inside a message is not a block start.
  EXPECT_EQ(LastLogBlock("=== dotk8s-post 0.1 t failed: dotk8s-post\nerror: doc 1 (=== dotk8s-post x.yaml): bad\n"),
            std::vector<std::string>{"error: doc 1 (=== dotk8s-post x.yaml): bad"});
}

}  // namespace
}  // namespace dotk8s
