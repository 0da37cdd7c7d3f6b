// verify's report: the checks as text (one block per check, then a summary
// line) and as a JSON array (`-o json`).
#include <fmt/format.h>

#include <nlohmann/json.hpp>

#include "driver/verify/checks.h"

namespace dotk8s {
namespace {

// A JSON string, as nlohmann/json writes it: text that is not UTF-8 (a
// kubectl error can carry anything) becomes U+FFFD instead of an exception.
std::string JsonString(std::string_view text) {
  return nlohmann::json(text).dump(-1, ' ', /*ensure_ascii=*/false, nlohmann::json::error_handler_t::replace);
}

std::string_view StatusWord(CheckStatus status) {
  switch (status) {
    case CheckStatus::kOk: return "ok";
    case CheckStatus::kWarn: return "warn";
    case CheckStatus::kFail: return "fail";
  }
  return "fail";
}

}  // namespace

std::string FormatChecksText(const std::vector<ClusterCheck>& checks) {
  std::string text;
  int counts[3] = {0, 0, 0};
  for (const ClusterCheck& check : checks) {
    ++counts[static_cast<int>(check.status)];
    const std::string_view word = check.status == CheckStatus::kOk     ? "ok"
                                  : check.status == CheckStatus::kWarn ? "warn"
                                                                       : "FAIL";
    text += fmt::format("{:<6}{}: {}\n", word, check.subject, check.found);
    if (!check.expected.empty()) text += fmt::format("      expected: {}\n", check.expected);
    if (!check.fix.empty()) text += fmt::format("      fix: {}\n", check.fix);
  }
  text += fmt::format("verify: {} ok, {} warning(s), {} failed\n", counts[0], counts[1], counts[2]);
  return text;
}

// One object a line, keys in the order the text report reads: the layout is
// ours, every value is written by the JSON library.
std::string FormatChecksJson(const std::vector<ClusterCheck>& checks) {
  std::string text = "[";
  for (std::size_t i = 0; i < checks.size(); ++i) {
    const ClusterCheck& check = checks[i];
    text += fmt::format("{}\n  {{\"status\": {}, \"check\": {}, \"found\": {}, \"expected\": {}, \"fix\": {}}}",
                        i == 0 ? "" : ",", JsonString(StatusWord(check.status)), JsonString(check.subject),
                        JsonString(check.found), JsonString(check.expected), JsonString(check.fix));
  }
  return text + (checks.empty() ? "]\n" : "\n]\n");
}

}  // namespace dotk8s
