// Each command's flags, parsed against the command's own flag list (the one
// `dotk8s COMMAND --help` prints), land in the field of its options struct.
#include "driver/cli/options.h"

#include <gtest/gtest.h>

#include "driver/commands/table.h"

namespace dotk8s {
namespace {

using Strings = std::vector<std::string>;

CommandLine Parse(std::string_view command, const Strings& args) {
  CommandLine line;
  for (const CommandSpec& spec : Commands()) {
    if (spec.name != command) continue;
    std::string error;
    EXPECT_TRUE(ParseCommandLine(args, spec.flags, &line, &error)) << command << ": " << error;
    return line;
  }
  ADD_FAILURE() << "no command " << command;
  return line;
}

// The shared flags as every test here passes them: --chart c --bundle b.tgz
// --post p --helm h --kubectl k --plugin-dir d --log l.
const Strings kSharedFlags = {"--chart", "c", "--bundle", "b.tgz", "--post", "p", "--helm", "h",
                              "--kubectl", "k", "--plugin-dir", "d", "--log", "l"};

Strings With(Strings args, const Strings& more) {
  args.insert(args.end(), more.begin(), more.end());
  return args;
}

void ExpectSharedFlags(const WorkspaceOptions& workspace, const ProgramOptions& programs) {
  EXPECT_EQ(workspace.chart, "c");
  EXPECT_EQ(workspace.bundle, "b.tgz");
  EXPECT_EQ(workspace.post, "p");
  EXPECT_EQ(programs.helm, "h");
  EXPECT_EQ(programs.kubectl, "k");
  EXPECT_EQ(programs.plugin_dir, "d");
  EXPECT_EQ(programs.log, "l");
}

TEST(DriverOptionsTest, InstallFlagsLandInReleaseOptions) {
  const ReleaseOptions options = ParseReleaseOptions(
      Parse("install", With({"web", "-n", "apps", "-f", "a.yaml", "--values=b.yaml", "--set", "x=1", "--set", "y=2",
                             "--profile", "small", "--profile", "helm3", "--take-over-crds", "--recover-pending",
                             "--pending-timeout", "90s"},
                            kSharedFlags)));
  EXPECT_EQ(options.arguments, Strings{"web"});
  EXPECT_EQ(options.release_namespace, "apps");
  EXPECT_EQ(options.values_files, (Strings{"a.yaml", "b.yaml"}));
  EXPECT_EQ(options.sets, (Strings{"x=1", "y=2"}));
  EXPECT_EQ(options.profiles, (Strings{"small", "helm3"}));
  ExpectSharedFlags(options.workspace, options.programs);
  EXPECT_TRUE(options.take_over_crds);
  EXPECT_TRUE(options.recover_pending);
  EXPECT_EQ(options.pending_timeout, "90s");
  EXPECT_FALSE(options.reset_values);  // only rollback sets it, never a flag
}

TEST(DriverOptionsTest, NothingGivenIsNothingSet) {
  const ReleaseOptions options = ParseReleaseOptions(Parse("upgrade", {}));
  EXPECT_TRUE(options.arguments.empty());
  EXPECT_EQ(options.release_namespace, std::nullopt);
  EXPECT_TRUE(options.values_files.empty() && options.sets.empty() && options.profiles.empty());
  EXPECT_EQ(options.workspace.chart, "");
  EXPECT_EQ(options.workspace.bundle, std::nullopt);
  EXPECT_EQ(options.programs.helm, "");
  EXPECT_EQ(options.programs.log, std::nullopt);
  EXPECT_FALSE(options.take_over_crds || options.recover_pending);
  EXPECT_EQ(options.pending_timeout, std::nullopt);
}

TEST(DriverOptionsTest, AnEmptyValueIsGivenNotAbsent) {
  // `-n ""` and `--log=` are values, as the command line held them before.
  const ReleaseOptions options = ParseReleaseOptions(Parse("template", {"-n", "", "--log="}));
  EXPECT_EQ(options.release_namespace, "");
  EXPECT_EQ(options.programs.log, "");
}

TEST(DriverOptionsTest, TheLastOfARepeatedSingleFlagWins) {
  const ReleaseOptions options = ParseReleaseOptions(Parse("install", {"-n", "one", "--namespace=two"}));
  EXPECT_EQ(options.release_namespace, "two");
}

TEST(DriverOptionsTest, RollbackTakesUpgradesFlagsButNoValues) {
  const ReleaseOptions options =
      ParseReleaseOptions(Parse("rollback", {"web", "3", "-n", "apps", "--recover-pending", "--dry-run"}));
  EXPECT_EQ(options.arguments, (Strings{"web", "3"}));
  EXPECT_EQ(options.release_namespace, "apps");
  EXPECT_TRUE(options.recover_pending);
  EXPECT_TRUE(options.values_files.empty());
}

TEST(DriverOptionsTest, CrdsActionThenTheReleasesArguments) {
  const CrdsOptions apply = ParseCrdsOptions(Parse("crds", {"apply", "web", "-n", "apps", "--take-over-crds"}));
  EXPECT_EQ(apply.action, "apply");
  EXPECT_EQ(apply.release.arguments, Strings{"web"});
  EXPECT_EQ(apply.release.release_namespace, "apps");
  EXPECT_TRUE(apply.release.take_over_crds);
  EXPECT_EQ(apply.output, std::nullopt);

  const CrdsOptions extract = ParseCrdsOptions(Parse("crds", {"extract", "-o", "out", "--chart", "c"}));
  EXPECT_EQ(extract.action, "extract");
  EXPECT_TRUE(extract.release.arguments.empty());
  EXPECT_EQ(extract.output, "out");
  EXPECT_EQ(extract.release.workspace.chart, "c");

  EXPECT_EQ(ParseCrdsOptions(Parse("crds", {})).action, std::nullopt);
}

TEST(DriverOptionsTest, DepsKeepsTheBundleOutOfTheWorkspace) {
  const DepsOptions options = ParseDepsOptions(
      Parse("deps", {"--cache", "cache", "--bundle", "b.tgz", "--check", "--offline", "--chart", "c", "--helm", "h"}));
  EXPECT_EQ(options.workspace.chart, "c");
  EXPECT_EQ(options.workspace.bundle, std::nullopt);
  EXPECT_EQ(options.bundle, "b.tgz");
  EXPECT_EQ(options.cache, "cache");
  EXPECT_TRUE(options.check);
  EXPECT_TRUE(options.offline);
  EXPECT_EQ(options.helm, "h");

  const DepsOptions plain = ParseDepsOptions(Parse("deps", {}));
  EXPECT_EQ(plain.bundle, std::nullopt);
  EXPECT_EQ(plain.cache, std::nullopt);
  EXPECT_FALSE(plain.check || plain.offline);
}

TEST(DriverOptionsTest, BundleArgumentsOutputAndStrip) {
  const BundleOptions write = ParseBundleOptions(Parse("bundle", {"-o", "b.tgz", "--no-strip", "--post", "p"}));
  EXPECT_EQ(write.output, "b.tgz");
  EXPECT_TRUE(write.no_strip);
  EXPECT_EQ(write.workspace.post, "p");
  EXPECT_TRUE(write.arguments.empty());

  const BundleOptions list = ParseBundleOptions(Parse("bundle", {"list", "b.tgz"}));
  EXPECT_EQ(list.arguments, (Strings{"list", "b.tgz"}));
  EXPECT_EQ(list.output, std::nullopt);
  EXPECT_FALSE(list.no_strip);
}

TEST(DriverOptionsTest, DoctorWorkspaceAndPrograms) {
  const DoctorOptions options = ParseDoctorOptions(Parse("doctor", kSharedFlags));
  ExpectSharedFlags(options.workspace, options.programs);
}

TEST(DriverOptionsTest, ExplainGraphAndStream) {
  const ExplainOptions options =
      ParseExplainOptions(Parse("explain", {"--graph", "--stream", "in.yaml", "-n", "apps", "--log", "l"}));
  EXPECT_TRUE(options.graph);
  EXPECT_EQ(options.stream, "in.yaml");
  EXPECT_EQ(options.release.release_namespace, "apps");
  EXPECT_EQ(options.release.programs.log, "l");

  const ExplainOptions plain = ParseExplainOptions(Parse("explain", {}));
  EXPECT_FALSE(plain.graph);
  EXPECT_EQ(plain.stream, std::nullopt);
}

TEST(DriverOptionsTest, VerifyFormatDefaultsToText) {
  EXPECT_EQ(ParseVerifyOptions(Parse("verify", {})).format, "text");
  const VerifyOptions options = ParseVerifyOptions(Parse("verify", {"-o", "json", "--profile", "small"}));
  EXPECT_EQ(options.format, "json");
  EXPECT_EQ(options.release.profiles, Strings{"small"});
  // As given: verify refuses what it does not know, with the value in the message.
  EXPECT_EQ(ParseVerifyOptions(Parse("verify", {"--output="})).format, "");
}

}  // namespace
}  // namespace dotk8s
