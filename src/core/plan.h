#ifndef DOTK8S_PLAN_H_
#define DOTK8S_PLAN_H_

#include <cstddef>
#include <string>
#include <vector>

#include "core/component.h"

namespace dotk8s {

/// Which Helm produced the stream, from its origin markers.
enum class StreamStyle { kUnknown, kHelm3, kHelm4 };

std::string_view StreamStyleName(StreamStyle style);

/// What the post-renderer found and did for one component.
struct ComponentPlan {
  Component component = Component::kUnknown;
  std::size_t documents = 0;  ///< in the input, hooks included
  std::size_t hooks = 0;
  bool rendered = false;      ///< it had documents in the input
  bool on = false;            ///< after the conditions pass
  std::string namespace_;     ///< where its namespaced objects go
  std::size_t moved = 0;      ///< documents whose metadata.namespace changed
  std::size_t references = 0; ///< namespace references rewritten inside documents
  std::vector<std::string> details;
};

/// The readable account `--explain` prints: what was found, what was injected,
/// removed or moved, and why. Passes append to it as they go.
struct Plan {
  std::string release_name;
  std::string release_namespace;
  std::string umbrella_chart;
  StreamStyle style = StreamStyle::kUnknown;
  std::string settings_source;
  bool hooks_only = false;
  std::vector<ComponentPlan> components;
  std::vector<std::string> injected;
  std::vector<std::string> removed;
  std::vector<std::string> notes;

  /// The entry of `component`, created on first use.
  ComponentPlan& Entry(Component component);
  const ComponentPlan* Find(Component component) const;
  bool IsOn(Component component) const;
};

std::string FormatPlan(const Plan& plan);

}  // namespace dotk8s

#endif  // DOTK8S_PLAN_H_
