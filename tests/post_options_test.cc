#include "core/post_options.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace dotk8s {
namespace {

PostArgs MustParse(const std::vector<std::string>& args) {
  PostArgs parsed;
  std::string error;
  EXPECT_TRUE(ParsePostArgs(args, &parsed, &error)) << error;
  return parsed;
}

std::string UsageError(const std::vector<std::string>& args) {
  PostArgs parsed;
  std::string error;
  EXPECT_FALSE(ParsePostArgs(args, &parsed, &error));
  return error;
}

TEST(ParsePostArgsTest, Defaults) {
  PostArgs parsed = MustParse({});
  EXPECT_EQ(parsed.release_namespace, "");
  EXPECT_EQ(parsed.settings_path, "");
  EXPECT_EQ(parsed.log_path, "");
  EXPECT_TRUE(parsed.crd_paths.empty());
  EXPECT_EQ(parsed.validate, "injected");
  EXPECT_FALSE(parsed.explain);
  EXPECT_FALSE(parsed.version);
  EXPECT_FALSE(parsed.help);
  EXPECT_EQ(parsed.max_input_bytes, std::size_t{1} << 30);
  EXPECT_EQ(parsed.max_document_bytes, std::size_t{256} << 20);
  EXPECT_EQ(parsed.threads, 0u);
}

TEST(ParsePostArgsTest, EveryFlagBothWays) {
  PostArgs parsed = MustParse({"--release-namespace", "dot-system", "--settings=s.yaml", "--log", "/tmp/x.log",
                               "--crds", "a", "--crds=b.tgz", "--validate=all", "--explain", "--max-input", "64M",
                               "--max-document=1K", "--threads", "3", "--version", "--help"});
  EXPECT_EQ(parsed.release_namespace, "dot-system");
  EXPECT_EQ(parsed.settings_path, "s.yaml");
  EXPECT_EQ(parsed.log_path, "/tmp/x.log");
  EXPECT_EQ(parsed.crd_paths, (std::vector<std::string>{"a", "b.tgz"}));
  EXPECT_EQ(parsed.validate, "all");
  EXPECT_TRUE(parsed.explain);
  EXPECT_EQ(parsed.max_input_bytes, std::size_t{64} << 20);
  EXPECT_EQ(parsed.max_document_bytes, std::size_t{1024});
  EXPECT_EQ(parsed.threads, 3u);
  EXPECT_TRUE(parsed.version);
  EXPECT_TRUE(parsed.help);
  EXPECT_TRUE(MustParse({"-h"}).help);
  // A value may contain `=`.
  EXPECT_EQ(MustParse({"--settings=a=b.yaml"}).settings_path, "a=b.yaml");
}

TEST(ParsePostArgsTest, UsageErrors) {
  EXPECT_EQ(UsageError({"--release-namespace"}), "--release-namespace needs a value");
  EXPECT_EQ(UsageError({"--explain=yes"}), "--explain takes no value");
  EXPECT_EQ(UsageError({"--version=1"}), "--version takes no value");
  EXPECT_EQ(UsageError({"--validate", "some"}), "--validate takes `injected` or `all`, not `some`");
  EXPECT_EQ(UsageError({"--max-input", "lots"}), "--max-input takes a size like 64M or 1G, not `lots`");
  EXPECT_EQ(UsageError({"--max-document=0"}), "--max-document takes a size like 64M or 1G, not `0`");
  EXPECT_EQ(UsageError({"--threads", "65"}), "--threads takes a number from 0 to 64, not `65`");
  EXPECT_EQ(UsageError({"--threads", "2x"}), "--threads takes a number from 0 to 64, not `2x`");
  EXPECT_EQ(UsageError({"--threads", "-1"}), "--threads takes a number from 0 to 64, not `-1`");
  EXPECT_EQ(UsageError({"--relase-namespace", "x"}), "unknown argument `--relase-namespace` (did you mean --release-namespace?)");
  EXPECT_EQ(UsageError({"--explian"}), "unknown argument `--explian` (did you mean --explain?)");
  EXPECT_EQ(UsageError({"--setings=x"}), "unknown argument `--setings=x` (did you mean --settings?)");
  EXPECT_EQ(UsageError({"input.yaml"}), "unknown argument `input.yaml`");
}

TEST(ParseByteSizeTest, Sizes) {
  std::size_t bytes = 0;
  ASSERT_TRUE(ParseByteSize("65536", &bytes));
  EXPECT_EQ(bytes, 65536u);
  ASSERT_TRUE(ParseByteSize("10B", &bytes));
  EXPECT_EQ(bytes, 10u);
  ASSERT_TRUE(ParseByteSize("2k", &bytes));
  EXPECT_EQ(bytes, 2048u);
  ASSERT_TRUE(ParseByteSize("3KiB", &bytes));
  EXPECT_EQ(bytes, 3072u);
  ASSERT_TRUE(ParseByteSize("512M", &bytes));
  EXPECT_EQ(bytes, std::size_t{512} << 20);
  ASSERT_TRUE(ParseByteSize("1G", &bytes));
  EXPECT_EQ(bytes, std::size_t{1} << 30);
  ASSERT_TRUE(ParseByteSize("2GiB", &bytes));
  EXPECT_EQ(bytes, std::size_t{2} << 30);
  EXPECT_FALSE(ParseByteSize("", &bytes));
  EXPECT_FALSE(ParseByteSize("M", &bytes));
  EXPECT_FALSE(ParseByteSize("1T", &bytes));
  EXPECT_FALSE(ParseByteSize("1 M", &bytes));
  EXPECT_FALSE(ParseByteSize("-1", &bytes));
  EXPECT_FALSE(ParseByteSize("99999999999999999999G", &bytes));
  EXPECT_FALSE(ParseByteSize("17179869184G", &bytes));  // 2^34 G overflows 64 bits
}

TEST(PostUsageTest, ListsEveryFlag) {
  const std::string usage = kPostUsage;
  for (const char* flag : {"--release-namespace NS", "--settings FILE", "--log FILE", "--crds PATH", "--validate MODE",
                           "--explain", "--max-input SIZE", "--max-document SIZE", "--threads N", "--version", "--help"}) {
    EXPECT_NE(usage.find(flag), std::string::npos) << flag;
  }
  EXPECT_NE(usage.find("$XDG_STATE_HOME/dotk8s/dotk8s-post.log"), std::string::npos);
}

}  // namespace
}  // namespace dotk8s
