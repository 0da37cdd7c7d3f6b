#include "driver/programs/locations.h"

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "core/error_log.h"

namespace dotk8s {
namespace fs = std::filesystem;

namespace {

// $XDG_<x>_HOME/dotk8s, else $HOME/<fallback>/dotk8s; "" when neither is an
// absolute path (the XDG spec ignores relative ones). Never a shared path such
// as /tmp: another local user could prepare it, and Helm runs the plugin a
// plugin directory there names (issue 14).
std::string HomeRelative(const DriverContext& context, const char* xdg_name, const char* fallback) {
  std::string xdg = context.Env(xdg_name);
  if (xdg.starts_with('/')) return xdg + "/dotk8s";
  std::string home = context.Env("HOME");
  if (home.starts_with('/')) return home + "/" + fallback + "/dotk8s";
  return {};
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

std::string MissingHomeError(const DriverContext& context) {
  std::vector<std::string> missing;
  if (DataDir(context).empty()) missing.emplace_back("XDG_DATA_HOME");
  if (CacheDir(context).empty()) missing.emplace_back("XDG_CACHE_HOME");
  if (PostRendererLogPath(context).empty()) missing.emplace_back("XDG_STATE_HOME");
  if (missing.empty()) return {};
  return fmt::format(
      "HOME is not set to an absolute path (nor {}): dotk8s keeps its Helm plugin directories, chart cache and dotk8s-post's log under "
      "it and never falls back to a shared path such as /tmp, which another local user could prepare (Helm runs the "
      "plugin a plugin directory names)",
      fmt::join(missing, ", "));
}

bool IsPrivateDirectory(const std::string& path, std::string* why) {
  struct stat info {};
  if (::lstat(path.c_str(), &info) != 0) {
    *why = fmt::format("{} cannot be read: {}", path, std::strerror(errno));
    return false;
  }
  if (!S_ISDIR(info.st_mode)) {
    *why = fmt::format("{} is not a directory{}", path, S_ISLNK(info.st_mode) ? " (a symbolic link)" : "");
    return false;
  }
  if (info.st_uid != ::geteuid()) {
    *why = fmt::format("{} belongs to user id {}, not to you ({})", path, info.st_uid, ::geteuid());
    return false;
  }
  if ((info.st_mode & (S_IWGRP | S_IWOTH)) != 0) {
    *why = fmt::format("{} is writable by {} (mode {:o})", path, (info.st_mode & S_IWOTH) != 0 ? "everyone" : "its group",
                       info.st_mode & 07777);
    return false;
  }
  return true;
}

bool HasTrustedAncestors(const std::string& path, std::string* why) {
  std::error_code ec;
  fs::path at = fs::weakly_canonical(path, ec);
  if (ec) at = fs::absolute(path, ec);
  for (at = at.parent_path(); !at.empty(); at = at.parent_path()) {
    struct stat info {};
    if (::stat(at.c_str(), &info) == 0) {
      const bool ours = info.st_uid == ::geteuid();
      const bool sticky = (info.st_mode & S_ISVTX) != 0;
      if (info.st_uid != 0 && !ours) {
        *why = fmt::format("{} above it belongs to user id {}, who could replace what is below", at.string(), info.st_uid);
        return false;
      }
      if (!ours && !sticky && (info.st_mode & (S_IWGRP | S_IWOTH)) != 0) {
        *why = fmt::format("{} above it is writable by others (mode {:o}), who could replace what is below",
                           at.string(), info.st_mode & 07777);
        return false;
      }
    }
    if (at == at.root_path()) break;
  }
  return true;
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
