#include "driver/locations.h"

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "core/error_log.h"

namespace dotk8s {
namespace fs = std::filesystem;

namespace {

std::string HomeRelative(const DriverContext& context, const char* xdg_name, const char* fallback) {
  std::string xdg = context.Env(xdg_name);
  if (!xdg.empty()) return xdg + "/dotk8s";
  std::string home = context.Env("HOME");
  return (home.empty() ? std::string("/tmp") : home) + "/" + fallback + "/dotk8s";
}

}  // namespace

std::string DataDir(const DriverContext& context) { return HomeRelative(context, "XDG_DATA_HOME", ".local/share"); }
std::string CacheDir(const DriverContext& context) { return HomeRelative(context, "XDG_CACHE_HOME", ".cache"); }

std::string DefaultChartCache(const DriverContext& context) {
  std::string cache = context.Env("DOTK8S_CHART_CACHE");
  return cache.empty() ? CacheDir(context) + "/charts" : cache;
}

std::string PostRendererLogPath(const DriverContext& context) {
  std::string xdg = context.Env("XDG_STATE_HOME");
  std::string home = context.Env("HOME");
  return DefaultLogPath(xdg.empty() ? nullptr : xdg.c_str(), home.empty() ? nullptr : home.c_str());
}

bool IsFile(const std::string& path) {
  std::error_code ec;
  return fs::is_regular_file(path, ec);
}

bool ReadFileText(const std::string& path, std::string* content) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return false;
  std::ostringstream text;
  text << in.rdbuf();
  *content = text.str();
  return true;
}

bool IsDirectory(const std::string& path) {
  std::error_code ec;
  return fs::is_directory(path, ec);
}

std::string Absolute(const std::string& path) {
  std::error_code ec;
  fs::path absolute = fs::absolute(path, ec);
  return ec ? path : absolute.lexically_normal().string();
}

std::string FindChartDir(const DriverContext& context, const std::string& flag, std::vector<std::string>* tried) {
  std::vector<std::string> candidates;
  if (!flag.empty()) {
    candidates.push_back(flag);
  } else {
    if (!context.Env("DOTK8S_CHART").empty()) candidates.push_back(context.Env("DOTK8S_CHART"));
    candidates.push_back("charts/dot-apps");
    if (!context.self_path.empty()) {
      fs::path exe_dir = fs::path(context.self_path).parent_path();
      candidates.push_back((exe_dir / "../charts/dot-apps").lexically_normal().string());
      candidates.push_back((exe_dir / "../share/dotk8s/charts/dot-apps").lexically_normal().string());
    }
  }
  for (const std::string& candidate : candidates) {
    if (IsFile(candidate + "/Chart.yaml")) return Absolute(candidate);
    tried->push_back(candidate);
  }
  return {};
}

std::string SearchPath(const DriverContext& context, const std::string& name) {
  std::string path = context.Env("PATH");
  std::size_t start = 0;
  while (start <= path.size()) {
    std::size_t end = path.find(':', start);
    std::string dir = path.substr(start, end == std::string::npos ? std::string::npos : end - start);
    if (!dir.empty()) {
      std::string candidate = dir + "/" + name;
      if (IsFile(candidate) && ::access(candidate.c_str(), X_OK) == 0) return candidate;
    }
    if (end == std::string::npos) break;
    start = end + 1;
  }
  return {};
}

std::string FindPostBinary(const DriverContext& context, const std::string& flag) {
  if (!flag.empty()) return Absolute(flag);
  if (!context.Env("DOTK8S_POST").empty()) return Absolute(context.Env("DOTK8S_POST"));
  if (!context.self_path.empty()) {
    std::string beside = (fs::path(context.self_path).parent_path() / "dotk8s-post").string();
    if (IsFile(beside)) return beside;
  }
  return SearchPath(context, "dotk8s-post");
}

std::string HelmProgram(const DriverContext& context, const std::string& flag) {
  if (!flag.empty()) return flag;
  if (!context.Env("DOTK8S_HELM").empty()) return context.Env("DOTK8S_HELM");
  if (!context.Env("HELM_BIN").empty()) return context.Env("HELM_BIN");
  return "helm";
}

std::string KubectlProgram(const DriverContext& context, const std::string& flag) {
  if (!flag.empty()) return flag;
  if (!context.Env("DOTK8S_KUBECTL").empty()) return context.Env("DOTK8S_KUBECTL");
  return "kubectl";
}

}  // namespace dotk8s
