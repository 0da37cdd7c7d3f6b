// dotk8s bundle -o FILE | bundle list FILE | bundle verify FILE: one archive for
// an air-gapped cluster, with SHA-256 sums checked before any use.
#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "driver/bundles/bundle.h"
#include "driver/bundles/dependencies.h"
#include "driver/bundles/sha256.h"
#include "driver/cli/options.h"
#include "driver/commands/table.h"
#include "driver/programs/helm_setup.h"
#include "driver/programs/locations.h"
#include "driver/release/workspace.h"
#include "version.h"

namespace dotk8s {
namespace fs = std::filesystem;
namespace {

// The chart's files; of charts/, only the verified dependency archives.
bool AddChart(const std::string& chart_dir, const std::string& chart_name, const std::vector<std::string>& archives,
              std::vector<TarMember>* files, std::string* error) {
  std::error_code ec;
  for (fs::recursive_directory_iterator it(chart_dir, ec), end; it != end; it.increment(ec)) {
    if (ec) break;
    if (!it->is_regular_file()) continue;
    std::string relative = fs::relative(it->path(), chart_dir).generic_string();
    if (relative.starts_with("charts/") &&
        std::find(archives.begin(), archives.end(), it->path().string()) == archives.end()) {
      continue;
    }
    if (relative.ends_with(".swp") || relative.ends_with(".tmp")) continue;
    TarMember file;
    file.path = fmt::format("chart/{}/{}", chart_name, relative);
    if (!ReadFileText(it->path().string(), &file.content)) {
      *error = fmt::format("cannot read {}", it->path().string());
      return false;
    }
    files->push_back(std::move(file));
  }
  if (ec) {
    *error = fmt::format("cannot list {}: {}", chart_dir, ec.message());
    return false;
  }
  return true;
}

// The binary, without debug information when `strip` is at hand: a
// RelWithDebInfo build is ~50 MB of which ~3 MB run. --no-strip keeps it whole.
bool AddBinary(const DriverContext& context, const std::string& path, const std::string& name, bool strip,
               std::vector<TarMember>* files, std::string* error) {
  TarMember file;
  file.path = "bin/" + name;
  file.executable = true;
  std::string source = path;
  std::string stripped;
  if (strip && !path.empty() && !SearchPath(context, "strip").empty()) {
    stripped = fmt::format("{}/bundle-{}-{}", CacheDir(context), ::getpid(), name);
    std::error_code ec;
    fs::create_directories(CacheDir(context), ec);
    Command command;
    command.argv = {"strip", "--strip-debug", "-o", stripped, path};
    command.purpose = fmt::format("stripping debug information from {}", name);
    context.Progress(command.purpose);
    ProcessResult result = context.runner->Run(command);
    if (result.Ok() && !result.skipped) source = stripped;
  }
  bool read = !source.empty() && ReadFileText(source, &file.content);
  if (!stripped.empty()) {
    std::error_code ec;
    fs::remove(stripped, ec);
  }
  if (!read) {
    *error = fmt::format("cannot read the {} executable{}", name, path.empty() ? "" : " " + path);
    return false;
  }
  files->push_back(std::move(file));
  return true;
}

// manifest.yaml: what the bundle holds, for people and tools.
std::string BundleManifest(const ChartIdentity& chart, const std::vector<std::string>& archives) {
  std::string manifest = fmt::format(
      "# What this bundle holds; SHA256SUMS has every file's sum (`sha256sum -c SHA256SUMS` checks it).\n"
      "apiVersion: dotk8s.dev/v1alpha1\nkind: Bundle\ndotk8sVersion: {}\nchart:\n  name: {}\n  version: {}\n"
      "  path: chart/{}\ndependencies:\n",
      DOTK8S_VERSION, chart.name, chart.version, chart.name);
  std::string error;
  for (const std::string& archive : archives) {
    ChartIdentity dependency;
    ReadChartIdentity(archive, &dependency, &error);
    manifest += fmt::format("  - name: {}\n    version: {}\n    archive: chart/{}/charts/{}\n", dependency.name,
                            dependency.version, chart.name, fs::path(archive).filename().string());
  }
  manifest +=
      "profiles: chart/" + chart.name + "/values\nbinaries: [bin/dotk8s, bin/dotk8s-post]\n"
      "helm4Plugins: helm4-plugins  # HELM_PLUGINS for Helm 4 only; Helm 3 cannot load it\n"
      "use: dotk8s install --bundle THIS_FILE (or template, upgrade, deps, crds)\n";
  return manifest;
}

int Write(DriverContext& context, const BundleOptions& options) {
  Workspace workspace;
  int code = OpenWorkspace(context, options.workspace, /*need_post=*/true, &workspace);
  if (code != kExitOk) return code;
  std::vector<std::string> archives;
  std::string error;
  if (!DependencyArchives(workspace.chart_dir, &archives, &error)) {
    context.Error(error, "a bundle carries all five dependency archives: run `dotk8s deps` first");
    return kExitMissing;
  }
  ChartIdentity chart;
  std::string chart_yaml;
  ReadFileText(workspace.chart_dir + "/Chart.yaml", &chart_yaml);
  if (!ParseChartYaml(chart_yaml, &chart, &error)) {
    context.Error(fmt::format("{}/Chart.yaml: {}", workspace.chart_dir, error));
    return kExitFailed;
  }
  context.Progress("collecting the chart, its dependencies, the plugin and the binaries");
  BundleContents contents;
  if (!AddChart(workspace.chart_dir, chart.name, archives, &contents.files, &error) ||
      !AddBinary(context, context.self_path, "dotk8s", !options.no_strip, &contents.files, &error) ||
      !AddBinary(context, workspace.post_binary, "dotk8s-post", !options.no_strip, &contents.files, &error)) {
    context.Error(error);
    return kExitFailed;
  }
  // The Helm 4 plugin runs the bundle's own binary, so it is carried once.
  std::string plugin_yaml = kPostPluginYaml;
  const std::string command = "${HELM_PLUGIN_DIR}/bin/dotk8s-post";
  plugin_yaml.replace(plugin_yaml.find(command), command.size(), "${HELM_PLUGIN_DIR}/../../bin/dotk8s-post");
  contents.files.push_back({"helm4-plugins/dotk8s-post/plugin.yaml", plugin_yaml, false});

  contents.files.push_back({"manifest.yaml", BundleManifest(chart, archives), false});
  std::sort(contents.files.begin(), contents.files.end(),
            [](const TarMember& a, const TarMember& b) { return a.path < b.path; });

  const std::string output = *options.output;
  if (context.dry_run) {
    for (const TarMember& file : contents.files) *context.out << fmt::format("would add {}\n", file.path);
    return kExitOk;
  }
  if (!WriteBundle(output, contents, &error)) {
    context.Error(error);
    return kExitFailed;
  }
  std::size_t bytes = 0;
  for (const TarMember& file : contents.files) bytes += file.content.size();
  *context.out << fmt::format("wrote {}: {} files ({} bytes before compression), chart {} {}, {} dependency archives\n",
                              output, contents.files.size() + 1, bytes, chart.name, chart.version, archives.size());
  return kExitOk;
}

int ListOrVerify(DriverContext& context, const std::string& action, const std::string& path) {
  BundleCheck check;
  std::string error;
  if (!VerifyBundle(path, &check, &error)) {
    context.Error(fmt::format("bundle refused: {}", error));
    return kExitBundleRefused;
  }
  if (action == "list") {
    for (const TarMember& file : check.files) {
      *context.out << fmt::format("{}  {:>10}  {}{}\n", Sha256Hex(file.content).substr(0, 16), file.content.size(),
                                  file.path, file.executable ? " (executable)" : "");
    }
  }
  if (!check.Verified()) {
    SayBundleMismatch(context, path, check);
    return kExitBundleRefused;
  }
  *context.out << fmt::format("verified: {} files match {}\n", check.files.size() - 1, kBundleSums);
  return kExitOk;
}

}  // namespace

int RunBundleCommand(std::string_view, const CommandLine& line, DriverContext& context) {
  const BundleOptions options = ParseBundleOptions(line);
  if (!options.arguments.empty()) {
    const std::string& action = options.arguments[0];
    if ((action == "list" || action == "verify") && options.arguments.size() == 2) {
      return ListOrVerify(context, action, options.arguments[1]);
    }
    context.Error(fmt::format("unexpected arguments after bundle: {}", action),
                  "dotk8s bundle -o FILE | dotk8s bundle list FILE | dotk8s bundle verify FILE");
    return kExitUsage;
  }
  if (!options.output) {
    context.Error("bundle needs -o FILE", "dotk8s bundle -o dotk8s-bundle.tar.gz");
    return kExitUsage;
  }
  return Write(context, options);
}

}  // namespace dotk8s
