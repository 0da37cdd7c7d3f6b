#include "core/plan.h"

#include <fmt/format.h>

namespace dotk8s {

std::string_view StreamStyleName(StreamStyle style) {
  switch (style) {
    case StreamStyle::kHelm3:
      return "Helm 3 (# Source: comments)";
    case StreamStyle::kHelm4:
      return "Helm 4 (postrender-filename annotations)";
    case StreamStyle::kUnknown:
      break;
  }
  return "no Helm origin markers";
}

ComponentPlan& Plan::Entry(Component component) {
  for (ComponentPlan& entry : components) {
    if (entry.component == component) return entry;
  }
  components.push_back(ComponentPlan{});
  components.back().component = component;
  return components.back();
}

const ComponentPlan* Plan::Find(Component component) const {
  for (const ComponentPlan& entry : components) {
    if (entry.component == component) return &entry;
  }
  return nullptr;
}

bool Plan::IsOn(Component component) const {
  const ComponentPlan* entry = Find(component);
  return entry != nullptr && entry->on;
}

std::string FormatPlan(const Plan& plan) {
  std::string out;
  auto line = [&out](const std::string& text) {
    out += text;
    out += '\n';
  };
  line(fmt::format("release: {} in namespace {}", plan.release_name.empty() ? "(unknown name)" : plan.release_name,
                   plan.release_namespace.empty() ? "(unknown)" : plan.release_namespace));
  line(fmt::format("input: {}{}", StreamStyleName(plan.style), plan.hooks_only ? ", hooks only" : ""));
  line(fmt::format("settings: {}", plan.settings_source));
  line("components:");
  for (const ComponentPlan& entry : plan.components) {
    // A chart dotk8s-post does not manage is never removed: it stays where Helm put it.
    std::string state = entry.on                                      ? "on"
                        : !entry.rendered                             ? "off"
                        : FindComponent(entry.component) == nullptr ? "kept in the release namespace"
                                                                      : "removed";
    std::string counts = entry.rendered ? fmt::format(", {} documents ({} hooks)", entry.documents, entry.hooks) : "";
    std::string where = entry.on && !entry.namespace_.empty() ? fmt::format(", namespace {}", entry.namespace_) : "";
    std::string moves;
    if (entry.moved > 0 || entry.references > 0) {
      moves = fmt::format(", {} moved, {} references rewritten", entry.moved, entry.references);
    }
    line(fmt::format("  {}: {}{}{}{}", ComponentName(entry.component), state, counts, where, moves));
    for (const std::string& detail : entry.details) line(fmt::format("    - {}", detail));
  }
  auto section = [&line](const char* title, const std::vector<std::string>& items) {
    if (items.empty()) {
      line(fmt::format("{}: none", title));
      return;
    }
    line(fmt::format("{}:", title));
    for (const std::string& item : items) line(fmt::format("  - {}", item));
  };
  section("injected", plan.injected);
  section("removed", plan.removed);
  section("notes", plan.notes);
  return out;
}

}  // namespace dotk8s
