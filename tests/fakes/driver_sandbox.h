#ifndef DOTK8S_TESTS_FAKES_DRIVER_SANDBOX_H_
#define DOTK8S_TESTS_FAKES_DRIVER_SANDBOX_H_

// Runs the built `dotk8s` in a sandbox: a clean environment (env -i), its own
// HOME and XDG directories, the fake helm and kubectl (tests/fakes) recording
// their argv into one file, and a copy of the umbrella chart with the stand-in
// chart archives (tests/standin-charts) in its charts/.

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <string>
#include <vector>

#include "../chart_workspace.h"
#include "../test_support.h"

namespace dotk8s::testing {

inline std::string SourcePath(const std::string& relative) { return std::string(DOTK8S_SOURCE_DIR) + "/" + relative; }

/// Splits text into lines (no trailing empty line).
inline std::vector<std::string> Lines(const std::string& text) {
  std::vector<std::string> lines;
  std::size_t start = 0;
  while (start < text.size()) {
    std::size_t end = text.find('\n', start);
    if (end == std::string::npos) end = text.size();
    lines.push_back(text.substr(start, end - start));
    start = end + 1;
  }
  return lines;
}

inline std::vector<std::string> SplitTabs(const std::string& line) {
  std::vector<std::string> fields;
  std::size_t start = 0;
  while (true) {
    std::size_t tab = line.find('\t', start);
    fields.push_back(line.substr(start, tab == std::string::npos ? std::string::npos : tab - start));
    if (tab == std::string::npos) break;
    start = tab + 1;
  }
  return fields;
}

struct DriverSandbox {
  std::string root;
  std::string home;
  std::string chart;    ///< copy of charts/dot-apps with the stand-in archives in charts/
  std::string record;   ///< what the fakes record
  std::string archives; ///< the packaged stand-in archives (a chart cache)
  std::string state;    ///< XDG_STATE_HOME
  std::string data;     ///< XDG_DATA_HOME
  std::string cache;    ///< XDG_CACHE_HOME

  /// Empty on success; why the sandbox could not be made otherwise.
  std::string error;

  DriverSandbox() {
    const ChartWorkspace& workspace = GetChartWorkspace();
    if (!workspace.error.empty()) {
      error = workspace.error;
      return;
    }
    namespace fs = std::filesystem;
    root = MakeTempDir();
    home = root + "/home";
    state = root + "/state";
    data = root + "/data";
    cache = root + "/cache";
    record = root + "/record.tsv";
    archives = root + "/archives";
    chart = root + "/dot-apps";
    fs::create_directories(home);
    fs::create_directories(archives);
    fs::copy(workspace.chart, chart, fs::copy_options::recursive);
    for (const fs::directory_entry& entry : fs::directory_iterator(chart + "/charts")) {
      fs::copy_file(entry.path(), archives + "/" + entry.path().filename().string());
    }
  }
  ~DriverSandbox() {
    std::error_code ec;
    if (!root.empty() && std::getenv("DOTK8S_KEEP_SANDBOX") == nullptr) std::filesystem::remove_all(root, ec);
  }
  DriverSandbox(const DriverSandbox&) = delete;
  DriverSandbox& operator=(const DriverSandbox&) = delete;

  std::string LogPath() const { return state + "/dotk8s/dotk8s-post.log"; }

  /// `dotk8s args...` with the fakes as helm and kubectl; `env` adds "K=V".
  RunResult Driver(const std::vector<std::string>& args, const std::vector<std::string>& env = {},
                   std::string_view input = {}) const {
    std::vector<std::string> argv = {"/usr/bin/env", "-i", "PATH=/usr/bin:/bin", "HOME=" + home,
                                     "XDG_STATE_HOME=" + state, "XDG_DATA_HOME=" + data, "XDG_CACHE_HOME=" + cache,
                                     "FAKE_RECORD=" + record, "DOTK8S_HELM=" + SourcePath("tests/fakes/helm"),
                                     "DOTK8S_KUBECTL=" + SourcePath("tests/fakes/kubectl")};
    argv.insert(argv.end(), env.begin(), env.end());
    argv.push_back(DOTK8S_DRIVER_BINARY);
    argv.insert(argv.end(), args.begin(), args.end());
    return Run(argv, input);
  }

  /// The calls the fakes recorded, each as its fields, as they ran.
  std::vector<std::vector<std::string>> RecordedAsRun() const {
    std::vector<std::vector<std::string>> calls;
    if (!std::filesystem::exists(record)) return calls;
    for (const std::string& line : Lines(ReadFile(record))) calls.push_back(SplitTabs(line));
    return calls;
  }
  /// The same, with the `kubectl wait` calls for CRDs of one step joined into
  /// one (the driver runs them side by side, ten CRDs each, in any order): the
  /// tests read the steps, DriverFakeHelmTest checks the batches.
  std::vector<std::vector<std::string>> Recorded() const {
    std::vector<std::vector<std::string>> calls;
    const std::vector<std::string> wait = {"kubectl", "wait", "--for=condition=Established", "--timeout=120s"};
    const auto is_wait = [&](const std::vector<std::string>& call) {
      return call.size() >= wait.size() && std::equal(wait.begin(), wait.end(), call.begin());
    };
    for (std::vector<std::string>& call : RecordedAsRun()) {
      if (is_wait(call) && !calls.empty() && is_wait(calls.back())) {
        calls.back().insert(calls.back().end(), call.begin() + static_cast<std::ptrdiff_t>(wait.size()), call.end());
      } else {
        calls.push_back(std::move(call));
      }
    }
    return calls;
  }
  /// What call number `index` (0-based) got on stdin.
  std::string RecordedInput(std::size_t index) const {
    std::string path = fmt::format("{}.{}.stdin", record, index + 1);
    return std::filesystem::exists(path) ? ReadFile(path) : std::string();
  }
  /// The archives of charts/ in Chart.yaml order, as the driver passes them.
  std::vector<std::string> ArchivesInOrder() const {
    std::vector<std::string> paths;
    for (const char* name : {"traefik-39.0.0", "gateway-helm-1.7.0", "keda-2.19.0", "keda-add-ons-http-0.12.2",
                             "kube-prometheus-stack-82.2.1"}) {
      paths.push_back(fmt::format("{}/charts/{}.tgz", chart, name));
    }
    return paths;
  }
};

#define DOTK8S_REQUIRE_SANDBOX(sandbox) \
  ASSERT_TRUE((sandbox).error.empty()) << "cannot build the chart workspace: " << (sandbox).error

}  // namespace dotk8s::testing

#endif  // DOTK8S_TESTS_FAKES_DRIVER_SANDBOX_H_
