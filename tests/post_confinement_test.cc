// "The post-renderer runs nothing and reads no file but those its flags name":
// dotk8s-post runs under strace, and the trace may hold one execve (itself),
// no new process (threads only), no network, and opens of only the dynamic
// loader's files, the files its flags name (--settings, --crds, --log) and the
// one system file the thread count needs. The log is the only file written.
// strace is required (make deps installs it): without it the test fails.
#include <gtest/gtest.h>

#include <filesystem>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

#include "bad_input_util.h"
#include "test_support.h"

namespace dotk8s {
namespace {

using testing::FixturePath;
using testing::ReadFile;
using testing::RunResult;
using testing::ScratchDir;

constexpr const char* kStrace = "/usr/bin/strace";

struct Trace {
  RunResult result;
  std::vector<std::string> lines;
};

Trace RunTraced(const ScratchDir& dir, const std::vector<std::string>& args, std::string_view input,
                const std::vector<std::string>& env = {}) {
  const std::string trace_path = dir.File("trace.txt");
  std::vector<std::string> argv{kStrace, "-f", "-qq", "-o", trace_path, "-e",
                                "trace=execve,execveat,fork,vfork,clone,clone3,open,openat,openat2,creat,"
                                "mkdir,mkdirat,unlink,unlinkat,rename,renameat,renameat2,%network",
                                DOTK8S_POST_BINARY};
  argv.insert(argv.end(), args.begin(), args.end());
  Trace trace;
  trace.result = testing::Run(argv, input, env);
  std::istringstream text(ReadFile(trace_path));
  for (std::string line; std::getline(text, line);) trace.lines.push_back(line);
  return trace;
}

bool LoaderFile(const std::string& path) {
  static const std::regex kLibrary(R"(^/(usr/)?lib(32|64|x32)?/.*\.so(\.[0-9]+)*$)");
  return path == "/etc/ld.so.cache" || path == "/etc/ld.so.preload" || std::regex_match(path, kLibrary);
}

// What the trace breaks of the rule; empty if nothing. `named` are the files
// and directories the flags name (a directory covers what is under it);
// `writable` the files it may write or create (the log).
std::vector<std::string> Violations(const Trace& trace, const std::vector<std::string>& named,
                                    const std::vector<std::string>& writable) {
  static const std::regex kCall(R"(^\d+\s+(\w+)\((.*))");
  static const std::regex kPath(R"re("([^"]*)")re");
  std::vector<std::string> violations;
  int execs = 0;
  for (const std::string& line : trace.lines) {
    std::smatch call;
    if (!std::regex_search(line, call, kCall)) continue;  // "<... resumed>", exit lines
    const std::string name = call[1];
    const std::string rest = call[2];
    std::smatch quoted;
    const std::string path = std::regex_search(rest, quoted, kPath) ? std::string(quoted[1]) : "";
    if (name == "execve" || name == "execveat") {
      if (++execs > 1 || path != DOTK8S_POST_BINARY) violations.push_back("runs a program: " + line);
    } else if (name == "fork" || name == "vfork" || name == "clone" || name == "clone3") {
      // The reader's threads are fine; a new process is not.
      if (rest.find("CLONE_THREAD") == std::string::npos) violations.push_back("starts a process: " + line);
    } else if (name.rfind("open", 0) == 0 || name == "creat") {
      const bool writes = name == "creat" || rest.find("O_WRONLY") != std::string::npos ||
                          rest.find("O_RDWR") != std::string::npos || rest.find("O_CREAT") != std::string::npos;
      bool allowed = false;
      if (writes) {
        for (const std::string& w : writable) allowed = allowed || path == w;
      } else {
        allowed = LoaderFile(path) || path == "/sys/devices/system/cpu/online";  // glibc's get_nprocs, for --threads 0
        for (const std::string& n : named) allowed = allowed || path == n || path.rfind(n + "/", 0) == 0;
      }
      if (!allowed) violations.push_back(std::string(writes ? "writes " : "opens ") + path + ": " + line);
    } else if (name.rfind("mkdir", 0) == 0) {
      bool allowed = false;
      for (const std::string& w : writable) allowed = allowed || w.rfind(path + "/", 0) == 0;
      if (!allowed) violations.push_back("creates a directory: " + line);
    } else if (name.rfind("unlink", 0) == 0 || name.rfind("rename", 0) == 0) {
      violations.push_back("removes or renames a file: " + line);
    } else {
      violations.push_back("uses the network: " + line);
    }
  }
  if (execs != 1) violations.push_back("the trace does not show dotk8s-post itself starting");
  return violations;
}

void ExpectConfined(const Trace& trace, const std::vector<std::string>& named, const std::vector<std::string>& writable,
                    const std::string& what) {
  ASSERT_FALSE(trace.lines.empty()) << what << ": strace wrote no trace; stderr: " << trace.result.err;
  for (const std::string& violation : Violations(trace, named, writable)) ADD_FAILURE() << what << ": " << violation;
}

class PostConfinementTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!std::filesystem::exists(kStrace)) {
      GTEST_FAIL() << kStrace << " is missing: install strace (make deps, scripts/install-deps.sh, does)";
    }
  }
  ScratchDir dir_;
  // A home and state directory of the test's own: a default log would land here.
  std::vector<std::string> Env() const { return {"HOME=" + dir_.File("home"), "XDG_STATE_HOME=" + dir_.File("state")}; }
};

TEST_F(PostConfinementTest, SuccessReadsOnlyStdinAndTheSettings) {
  const std::string settings = dir_.File("settings.yaml");
  testing::WriteFile(settings, "apps:\n  envoyGateway:\n    enabled: true\n");
  const std::string log = dir_.File("logs/post.log");
  const Trace trace = RunTraced(dir_, {"--settings", settings, "--log", log, "--threads", "2"},
                                ReadFile(FixturePath("helm4-envoy-only.yaml")), Env());
  EXPECT_EQ(trace.result.exit_code, 0) << trace.result.err;
  EXPECT_NE(trace.result.out.find("kind: GatewayClass"), std::string::npos);
  ExpectConfined(trace, {settings}, {}, "success");
  EXPECT_FALSE(std::filesystem::exists(log)) << "a successful run writes no log";
  EXPECT_FALSE(std::filesystem::exists(dir_.File("state")));
}

TEST_F(PostConfinementTest, FailureWritesOnlyTheNamedLog) {
  // Three copies of the stream: past 4 MB, so the reader picks its thread count;
  // the copies are duplicates, so the run fails and writes the log.
  const std::string stream = ReadFile(FixturePath("helm4-all.yaml"));
  const std::string log = dir_.File("logs/post.log");
  const Trace trace = RunTraced(dir_, {"--log", log}, stream + "---\n" + stream + "---\n" + stream, Env());
  EXPECT_EQ(trace.result.exit_code, 1);
  EXPECT_EQ(trace.result.out, "");
  ExpectConfined(trace, {}, {log}, "failure");
  EXPECT_NE(ReadFile(log).find("duplicate object"), std::string::npos);
  EXPECT_FALSE(std::filesystem::exists(dir_.File("state"))) << "the default log is not touched when --log is given";
}

TEST_F(PostConfinementTest, DefaultLogIsTheOnlyOtherFileWritten) {
  const std::string log = dir_.File("state/dotk8s/dotk8s-post.log");
  const Trace trace = RunTraced(dir_, {}, "a: [\n", Env());
  EXPECT_EQ(trace.result.exit_code, 1);
  ExpectConfined(trace, {}, {log}, "default log");
  EXPECT_TRUE(std::filesystem::exists(log));
}

TEST_F(PostConfinementTest, CrdsAndExplainReadOnlyWhatIsNamed) {
  const std::string crds = dir_.File("crds");
  std::filesystem::create_directories(crds);
  std::filesystem::copy_file(FixturePath("crds/kube-prometheus-stack-82.2.1/crd-podmonitors.yaml"),
                             crds + "/crd-podmonitors.yaml");
  const Trace trace = RunTraced(dir_, {"--crds", crds, "--explain", "--log", dir_.File("post.log")},
                                ReadFile(FixturePath("helm4-envoy-prometheus.yaml")), Env());
  EXPECT_EQ(trace.result.exit_code, 0) << trace.result.err;
  EXPECT_NE(trace.result.out.find("injected:"), std::string::npos);
  ExpectConfined(trace, {crds}, {}, "--crds and --explain");
}

}  // namespace
}  // namespace dotk8s
