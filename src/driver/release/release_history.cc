#include "driver/release/release_history.h"

#include <fmt/format.h>
#include <yaml-cpp/yaml.h>

#include <cctype>
#include <chrono>

#include "driver/programs/program_failure.h"

namespace dotk8s {
namespace {

// Reads `digits` decimal digits at `at`; nullopt otherwise.
std::optional<int> Digits(std::string_view text, std::size_t at, std::size_t digits) {
  if (at + digits > text.size()) return std::nullopt;
  int value = 0;
  for (std::size_t i = at; i < at + digits; ++i) {
    if (std::isdigit(static_cast<unsigned char>(text[i])) == 0) return std::nullopt;
    value = value * 10 + (text[i] - '0');
  }
  return value;
}

}  // namespace

bool ReadReleaseHistory(std::string_view json, std::vector<ReleaseRevision>* revisions, std::string* error) {
  try {
    const YAML::Node root = YAML::Load(std::string(json));
    if (!root.IsSequence()) {
      *error = "helm history -o json did not print a list";
      return false;
    }
    for (const YAML::Node& entry : root) {
      if (!entry.IsMap() || !entry["revision"] || !entry["status"]) {
        *error = "helm history -o json printed an entry without revision and status";
        return false;
      }
      ReleaseRevision revision;
      revision.revision = entry["revision"].as<int>();
      revision.status = entry["status"].as<std::string>();
      if (entry["updated"]) revision.updated = entry["updated"].as<std::string>();
      if (entry["chart"]) revision.chart = entry["chart"].as<std::string>();
      if (entry["description"]) revision.description = entry["description"].as<std::string>();
      revisions->push_back(std::move(revision));
    }
  } catch (const YAML::Exception& e) {
    *error = fmt::format("helm history -o json does not read as JSON: {}", e.what());
    return false;
  }
  return true;
}

std::optional<std::int64_t> ParseRfc3339(std::string_view text) {
  // YYYY-MM-DDThh:mm:ss[.fraction](Z|+hh:mm|-hh:mm)
  auto year = Digits(text, 0, 4), month = Digits(text, 5, 2), day = Digits(text, 8, 2);
  auto hour = Digits(text, 11, 2), minute = Digits(text, 14, 2), second = Digits(text, 17, 2);
  if (!year || !month || !day || !hour || !minute || !second || text[4] != '-' || text[7] != '-' ||
      (text[10] != 'T' && text[10] != 't' && text[10] != ' ') || text[13] != ':' || text[16] != ':') {
    return std::nullopt;
  }
  std::size_t at = 19;
  if (at < text.size() && text[at] == '.') {
    ++at;
    while (at < text.size() && std::isdigit(static_cast<unsigned char>(text[at])) != 0) ++at;
  }
  std::int64_t offset = 0;
  if (at < text.size() && (text[at] == 'Z' || text[at] == 'z') && at + 1 == text.size()) {
    offset = 0;
  } else if (at < text.size() && (text[at] == '+' || text[at] == '-') && at + 6 == text.size() && text[at + 3] == ':') {
    auto offset_hours = Digits(text, at + 1, 2), offset_minutes = Digits(text, at + 4, 2);
    if (!offset_hours || !offset_minutes) return std::nullopt;
    offset = (*offset_hours * 60 + *offset_minutes) * 60 * (text[at] == '-' ? -1 : 1);
  } else {
    return std::nullopt;
  }
  const std::chrono::year_month_day date{std::chrono::year(*year), std::chrono::month(static_cast<unsigned>(*month)),
                                         std::chrono::day(static_cast<unsigned>(*day))};
  if (!date.ok() || *hour > 23 || *minute > 59 || *second > 60) return std::nullopt;
  const std::int64_t days = std::chrono::sys_days(date).time_since_epoch().count();
  return days * 86400 + *hour * 3600 + *minute * 60 + *second - offset;
}

std::optional<std::int64_t> ParseDuration(std::string_view text) {
  if (text == "0") return 0;
  if (text.empty()) return std::nullopt;
  std::int64_t total = 0;
  while (!text.empty()) {
    std::size_t digits = 0;
    std::int64_t value = 0;
    while (digits < text.size() && std::isdigit(static_cast<unsigned char>(text[digits])) != 0) {
      if (value > 1'000'000'000) return std::nullopt;
      value = value * 10 + (text[digits] - '0');
      ++digits;
    }
    if (digits == 0 || digits == text.size()) return std::nullopt;
    const char unit = text[digits];
    if (unit == 'h') {
      total += value * 3600;
    } else if (unit == 'm') {
      total += value * 60;
    } else if (unit == 's') {
      total += value;
    } else {
      return std::nullopt;
    }
    text.remove_prefix(digits + 1);
  }
  return total;
}

std::string FormatDuration(std::int64_t seconds) {
  if (seconds < 60) return fmt::format("{}s", seconds);
  if (seconds < 3600) return seconds % 60 == 0 ? fmt::format("{}m", seconds / 60)
                                                : fmt::format("{}m{}s", seconds / 60, seconds % 60);
  if (seconds < 86400) {
    return (seconds % 3600) / 60 == 0 ? fmt::format("{}h", seconds / 3600)
                                      : fmt::format("{}h{}m", seconds / 3600, (seconds % 3600) / 60);
  }
  return fmt::format("{}d{}h", seconds / 86400, (seconds % 86400) / 3600);
}

int ReadReleaseRevisions(DriverContext& context, const Command& history, const std::string& release,
                         bool* installed, std::vector<ReleaseRevision>* revisions) {
  *installed = false;
  context.Progress(history.purpose);
  ProcessResult result = context.runner->Run(history);
  if (!result.Ok()) {
    // Helm 3 and 4 both say "Error: release: not found": nothing installed yet.
    if (result.start_error.empty() && result.err.find("release: not found") != std::string::npos) return kExitOk;
    return ReportFailedProgram(context, history.purpose, result, kClusterConnectionHint);
  }
  std::string error;
  if (!ReadReleaseHistory(result.out, revisions, &error)) {
    context.Error(fmt::format("the revisions of release {} do not read: {}", release, error));
    return kExitFailed;
  }
  *installed = true;
  return kExitOk;
}

}  // namespace dotk8s
