#include "core/error_log.h"

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
  if (home != nullptr && home[0] == '/') return fmt::format("{}/.local/state/dotk8s/dotk8s-post.log", home);
  // No home of the user's: no log rather than a shared, predictable path
  // (/tmp/dotk8s-post.log) another local user could prepare.
  return {};
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
  // UTC, as the Z says, by calendar arithmetic: fmt's %Y... formats a time_point
  // in local time, and glibc's gmtime and strftime read /etc/localtime, a file no flag names.
  const auto now = std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now());
  const auto day = std::chrono::floor<std::chrono::days>(now);
  const std::chrono::year_month_day date{day};
  const std::chrono::hh_mm_ss time{now - day};
  out << fmt::format("{}{} {:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z failed: dotk8s-post {}\n", kLogBlockPrefix,
                     DOTK8S_VERSION, static_cast<int>(date.year()), static_cast<unsigned>(date.month()),
                     static_cast<unsigned>(date.day()), time.hours().count(), time.minutes().count(),
                     time.seconds().count(),
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
  // A block starts a line; the prefix may also appear inside a message.
  std::size_t start = log_text.rfind(kLogBlockPrefix);
  while (start != std::string_view::npos && start != 0 && log_text[start - 1] != '\n') {
    start = log_text.rfind(kLogBlockPrefix, start - 1);
  }
  if (start == std::string_view::npos) return lines;
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
