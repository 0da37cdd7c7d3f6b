#include "driver/cli/command_line.h"

#include <fmt/format.h>

#include <algorithm>

#include "core/settings.h"

namespace dotk8s {

bool CommandLine::Has(std::string_view name) const { return flags.find(name) != flags.end(); }

std::string CommandLine::Value(std::string_view name, std::string fallback) const {
  auto it = flags.find(name);
  if (it == flags.end() || it->second.empty()) return fallback;
  return it->second.back();
}

std::vector<std::string> CommandLine::Values(std::string_view name) const {
  auto it = flags.find(name);
  return it == flags.end() ? std::vector<std::string>{} : it->second;
}

bool ParseCommandLine(const std::vector<std::string>& args, const std::vector<FlagSpec>& specs, CommandLine* out,
                      std::string* error) {
  auto find_long = [&](std::string_view name) -> const FlagSpec* {
    for (const FlagSpec& spec : specs) {
      if (spec.name == name) return &spec;
    }
    return nullptr;
  };
  auto find_short = [&](std::string_view name) -> const FlagSpec* {
    for (const FlagSpec& spec : specs) {
      if (!spec.short_name.empty() && spec.short_name == name) return &spec;
    }
    return nullptr;
  };
  bool flags_done = false;
  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string& arg = args[i];
    if (flags_done || arg.size() < 2 || arg[0] != '-') {
      out->positionals.push_back(arg);
      continue;
    }
    if (arg == "--") {
      flags_done = true;
      continue;
    }
    const FlagSpec* spec = nullptr;
    std::string shown;
    std::string value;
    bool has_inline_value = false;
    if (arg.rfind("--", 0) == 0) {
      std::string_view body = std::string_view(arg).substr(2);
      std::size_t eq = body.find('=');
      std::string_view name = body.substr(0, eq);
      if (eq != std::string_view::npos) {
        value = std::string(body.substr(eq + 1));
        has_inline_value = true;
      }
      spec = find_long(name);
      shown = fmt::format("--{}", name);
      if (spec == nullptr) {
        std::vector<std::string> names;
        for (const FlagSpec& s : specs) names.emplace_back(s.name);
        std::string guess = Suggest(name, names).value_or("");
        *error = guess.empty() ? fmt::format("unknown flag {}", shown)
                               : fmt::format("unknown flag {}; did you mean --{}?", shown, guess);
        return false;
      }
    } else {
      spec = find_short(std::string_view(arg).substr(1, 1));
      shown = arg.substr(0, 2);
      if (spec == nullptr) {
        *error = fmt::format("unknown flag {}", shown);
        return false;
      }
      if (arg.size() > 2) {
        value = arg.substr(2);
        has_inline_value = true;
      }
    }
    if (spec->takes_value) {
      if (!has_inline_value) {
        if (i + 1 >= args.size()) {
          *error = fmt::format("{} needs a value ({})", shown, spec->value_name);
          return false;
        }
        value = args[++i];
      }
      out->flags[std::string(spec->name)].push_back(value);
    } else {
      if (has_inline_value) {
        *error = fmt::format("{} takes no value", shown);
        return false;
      }
      out->flags[std::string(spec->name)].push_back("true");
    }
  }
  return true;
}

std::string FormatFlags(const std::vector<FlagSpec>& specs) {
  std::string text;
  for (const FlagSpec& spec : specs) {
    std::string left = spec.short_name.empty() ? fmt::format("    --{}", spec.name)
                                               : fmt::format("-{}, --{}", spec.short_name, spec.name);
    if (spec.takes_value) left += fmt::format(" {}", spec.value_name);
    text += fmt::format("  {:<28} {}\n", left, spec.help);
  }
  return text;
}

}  // namespace dotk8s
