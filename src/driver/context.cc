#include "driver/context.h"

#include <fmt/format.h>

namespace dotk8s {

std::string DriverContext::Env(std::string_view name) const {
  auto it = env.find(name);
  return it == env.end() ? std::string() : it->second;
}

void DriverContext::Progress(std::string_view text) const {
  if (terminal) *err << fmt::format("dotk8s: {} ...\n", text) << std::flush;
}

void DriverContext::Say(std::string_view text) const { *err << fmt::format("dotk8s: {}\n", text); }

void DriverContext::Error(std::string_view text, std::string_view hint) const {
  *err << fmt::format("dotk8s: error: {}\n", text);
  if (!hint.empty()) *err << fmt::format("  hint: {}\n", hint);
}

}  // namespace dotk8s
