#include "core/error_log.h"

#include <fmt/chrono.h>
#include <fmt/format.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <fstream>

#include "version.h"

namespace dotk8s {

std::string DefaultLogPath(const char* xdg_state_home, const char* home) {
  if (xdg_state_home != nullptr && xdg_state_home[0] == '/') {
    return fmt::format("{}/dotk8s/dotk8s-post.log", xdg_state_home);
  }
  if (home != nullptr && home[0] != '\0') return fmt::format("{}/.local/state/dotk8s/dotk8s-post.log", home);
  return "/tmp/dotk8s-post.log";
}

bool AppendToLog(const std::string& path, const std::vector<std::string>& args, const Diagnostics& diagnostics,
                 std::string* error) {
  std::error_code ec;
  std::filesystem::path file(path);
  if (file.has_parent_path()) std::filesystem::create_directories(file.parent_path(), ec);
  std::ofstream out(path, std::ios::app);
  if (!out) {
    *error = fmt::format("cannot write the log {}: {}", path, std::strerror(errno));
    return false;
  }
  const auto now = std::chrono::time_point_cast<std::chrono::seconds>(std::chrono::system_clock::now());
  out << fmt::format("{}{} {:%Y-%m-%dT%H:%M:%SZ} failed: dotk8s-post {}\n", kLogBlockPrefix, DOTK8S_VERSION, now,
                     fmt::join(args, " "));
  for (const Diagnostic& d : diagnostics) out << FormatDiagnostic(d) << '\n';
  out.flush();
  if (!out) {
    *error = fmt::format("cannot write the log {}", path);
    return false;
  }
  return true;
}

std::vector<std::string> LastLogBlock(std::string_view log_text) {
  std::vector<std::string> lines;
  std::size_t start = log_text.rfind(kLogBlockPrefix);
  if (start == std::string_view::npos) return lines;
  if (start != 0 && log_text[start - 1] != '\n') return lines;
  std::size_t pos = log_text.find('\n', start);
  while (pos != std::string_view::npos && pos + 1 < log_text.size()) {
    std::size_t eol = log_text.find('\n', pos + 1);
    std::string_view line = log_text.substr(pos + 1, eol == std::string_view::npos ? std::string_view::npos : eol - pos - 1);
    if (!line.empty()) lines.emplace_back(line);
    pos = eol;
  }
  return lines;
}

}  // namespace dotk8s
