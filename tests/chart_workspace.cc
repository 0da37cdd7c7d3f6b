#include "chart_workspace.h"

#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <system_error>

#include "core/error_log.h"

namespace dotk8s::testing {

namespace {

namespace fs = std::filesystem;

std::string SharedDir() {
  const char* shared = std::getenv("DOTK8S_SHARED");
  return shared != nullptr && shared[0] != '\0' ? shared : DOTK8S_SOURCE_DIR "/../shared";
}

/// FNV-1a: stable and good enough to tell one set of inputs from another.
struct Fingerprint {
  std::uint64_t value = 1469598103934665603ULL;
  void Mix(std::string_view bytes) {
    for (char c : bytes) {
      value ^= static_cast<unsigned char>(c);
      value *= 1099511628211ULL;
    }
  }
  /// Every file under `root` (but `skip`): its path, and its bytes or its size.
  void MixTree(const fs::path& root, bool contents, const fs::path& skip = {}) {
    std::vector<fs::path> files;
    for (const auto& entry : fs::recursive_directory_iterator(root)) {
      if (!skip.empty() && entry.path().string().rfind(skip.string(), 0) == 0) continue;
      if (entry.is_regular_file()) files.push_back(entry.path());
    }
    std::sort(files.begin(), files.end());
    for (const fs::path& file : files) {
      Mix(fs::relative(file, root).string());
      Mix(contents ? ReadFile(file.string()) : std::to_string(fs::file_size(file)));
    }
  }
};

std::string InputsFingerprint(const std::string& crds) {
  const fs::path source = DOTK8S_SOURCE_DIR;
  Fingerprint print;
  print.MixTree(source / "charts/dot-apps", true, source / "charts/dot-apps/charts");
  print.MixTree(source / "tests/standin-charts", true);
  print.MixTree(crds, false);
  print.Mix(ReadFile((source / "helm-plugin/dotk8s-post/plugin.yaml").string()));
  print.Mix(ReadFile((source / "helm-plugin/dotk8s-post/dotk8s-post.sh").string()));
  const fs::path post = DOTK8S_POST_BINARY;
  print.Mix(std::to_string(fs::file_size(post)));
  print.Mix(std::to_string(fs::last_write_time(post).time_since_epoch().count()));
  return fmt::format("{:016x}", print.value);
}

/// Builds the workspace in `dir` (which does not exist yet). Returns an error text, or "".
std::string BuildWorkspace(const fs::path& dir, const ChartWorkspace& paths) {
  const fs::path source = DOTK8S_SOURCE_DIR;
  fs::create_directories(dir);
  fs::copy(source / "charts/dot-apps", dir / "dot-apps", fs::copy_options::recursive);
  fs::remove_all(dir / "dot-apps/charts");
  fs::create_directories(dir / "dot-apps/charts");
  RunResult packaged = Run({(source / "tests/standin-charts/package.sh").string(), (dir / "dot-apps/charts").string()},
                           "", {"HELM=" + paths.helm4, "DOTK8S_SHARED=" + SharedDir()});
  if (packaged.exit_code != 0) {
    return fmt::format("tests/standin-charts/package.sh failed (exit {}):\n{}{}", packaged.exit_code, packaged.out,
                       packaged.err);
  }
  const fs::path plugin = dir / "helm4-plugins/dotk8s-post";
  fs::create_directories(plugin / "bin");
  // The plugin as `make install` lays it out: the repository's files and the binary in bin/.
  fs::copy_file(source / "helm-plugin/dotk8s-post/plugin.yaml", plugin / "plugin.yaml");
  fs::copy_file(source / "helm-plugin/dotk8s-post/dotk8s-post.sh", plugin / "dotk8s-post.sh");
  fs::copy_file(DOTK8S_POST_BINARY, plugin / "bin/dotk8s-post");
  fs::permissions(plugin / "bin/dotk8s-post", fs::perms::owner_all | fs::perms::group_read | fs::perms::group_exec |
                                                  fs::perms::others_read | fs::perms::others_exec);
  fs::create_directories(dir / "helm3-plugins");
  WriteFile((dir / "ready").string(), "");
  return {};
}

struct OwnedWorkspace {
  ChartWorkspace workspace;
  ~OwnedWorkspace() {
    std::error_code ignored;
    if (!workspace.homes.empty()) fs::remove_all(workspace.homes, ignored);
  }
};

ChartWorkspace MakeWorkspace() {
  ChartWorkspace w;
  const fs::path source = DOTK8S_SOURCE_DIR;
  w.helm3 = (source / ".tools/helm3/helm").string();
  w.helm4 = (source / ".tools/helm4/helm").string();
  for (const std::string& helm : {w.helm3, w.helm4}) {
    if (::access(helm.c_str(), X_OK) != 0) {
      w.error = fmt::format("{} is missing: run scripts/install-tools.sh (make test runs it when .tools is empty)", helm);
      return w;
    }
  }
  const std::string crds = SharedDir() + "/fixtures/upstream/crds";
  if (!fs::is_directory(crds)) {
    w.error = fmt::format("the shared fixtures are missing ({} is not a directory): set DOTK8S_SHARED", crds);
    return w;
  }
  try {
    // Shared by the test processes of this build: made in a private directory,
    // then renamed into place, so that a reader never sees half of one.
    const fs::path base = fs::path(DOTK8S_POST_BINARY).parent_path() / "e2e-chart";
    const std::string key = InputsFingerprint(crds);
    const fs::path dir = base / key;
    if (!fs::exists(dir / "ready")) {
      const fs::path scratch = base / fmt::format("{}.tmp-{}", key, ::getpid());
      fs::remove_all(scratch);
      std::string error = BuildWorkspace(scratch, w);
      if (!error.empty()) {
        fs::remove_all(scratch);
        w.error = error;
        return w;
      }
      std::error_code renamed;
      fs::rename(scratch, dir, renamed);
      if (renamed) fs::remove_all(scratch);  // another process was first
      // Workspaces of earlier inputs, once no test run of theirs can still be
      // going (a run that started before an edit keeps its own).
      const auto stale = fs::file_time_type::clock::now() - std::chrono::hours(1);
      for (const auto& entry : fs::directory_iterator(base)) {
        if (entry.path().filename().string().rfind(key, 0) == 0) continue;
        std::error_code ignored;
        if (fs::last_write_time(entry.path(), ignored) < stale) fs::remove_all(entry.path(), ignored);
      }
    }
    w.chart = (dir / "dot-apps").string();
    w.helm4_plugins = (dir / "helm4-plugins").string();
    w.helm3_plugins = (dir / "helm3-plugins").string();
    w.homes = MakeTempDir();
  } catch (const std::exception& e) {
    w.error = fmt::format("cannot make the chart workspace: {}", e.what());
  }
  return w;
}

}  // namespace

std::string_view HelmName(HelmVersion helm) { return helm == HelmVersion::k3 ? "Helm 3" : "Helm 4"; }

const ChartWorkspace& GetChartWorkspace() {
  static const OwnedWorkspace owned{MakeWorkspace()};
  return owned.workspace;
}

RunResult RunHelm(HelmVersion helm, const std::vector<std::string>& args) { return RunHelmIn("", helm, args); }

RunResult RunHelmIn(const std::string& dir, HelmVersion helm, const std::vector<std::string>& args) {
  const ChartWorkspace& w = GetChartWorkspace();
  const bool v3 = helm == HelmVersion::k3;
  std::vector<std::string> argv;
  if (!dir.empty()) argv = {"/bin/sh", "-c", "cd \"$0\" && exec \"$@\"", dir};
  argv.push_back(v3 ? w.helm3 : w.helm4);
  argv.insert(argv.end(), args.begin(), args.end());
  const std::string home = fmt::format("{}/helm{}", w.homes, v3 ? 3 : 4);
  return Run(argv, "",
             {"HELM_PLUGINS=" + (v3 ? w.helm3_plugins : w.helm4_plugins), "HELM_CACHE_HOME=" + home + "/cache",
              "HELM_CONFIG_HOME=" + home + "/config", "HELM_DATA_HOME=" + home + "/data",
              "XDG_STATE_HOME=" + w.homes + "/state", "KUBECONFIG=" + w.homes + "/no-kubeconfig"});
}

std::string_view ReleaseNamespace(HelmVersion helm) {
  return helm == HelmVersion::k3 ? "envoy-gateway-system" : "dot-system";
}

RunResult RenderThroughPost(HelmVersion helm, const std::vector<std::string>& args) {
  const ChartWorkspace& w = GetChartWorkspace();
  std::vector<std::string> argv{"template", "dot-apps", w.chart, "-n", std::string(ReleaseNamespace(helm))};
  if (helm == HelmVersion::k3) {
    argv.push_back("-f");
    argv.push_back(Profile("helm3"));
  }
  argv.insert(argv.end(), args.begin(), args.end());
  argv.push_back("--post-renderer");
  argv.push_back(helm == HelmVersion::k3 ? DOTK8S_POST_BINARY : "dotk8s-post");
  return RunHelm(helm, argv);
}

std::string PostLogTail() {
  const std::string path = GetChartWorkspace().homes + "/state/dotk8s/dotk8s-post.log";
  if (!fs::exists(path)) return "(the post-renderer logged nothing)";
  return fmt::format("post-renderer log:\n{}", fmt::join(LastLogBlock(ReadFile(path)), "\n"));
}

std::string Profile(std::string_view name) { return fmt::format("{}/values/{}.yaml", GetChartWorkspace().chart, name); }

}  // namespace dotk8s::testing
