#ifndef DOTK8S_FUZZ_OUTLINE_COMPARE_H_
#define DOTK8S_FUZZ_OUTLINE_COMPARE_H_

// What the fast outline scanner and libyaml must agree on whenever the fast
// scanner accepts a document. Shared by the differential fuzzer, the regression
// tests that keep its findings and tests/fast_outline_test.cc (the fixtures),
// so all hold the scanner to one definition.

#include <fmt/format.h>

#include <algorithm>
#include <optional>
#include <string>
#include <vector>

#include "core/yaml/field_path.h"
#include "core/yaml/outline.h"

namespace dotk8s::fuzz {

inline std::string StyleName(ScalarStyle style) {
  switch (style) {
    case ScalarStyle::kPlain:
      return "plain";
    case ScalarStyle::kSingleQuoted:
      return "single-quoted";
    case ScalarStyle::kDoubleQuoted:
      return "double-quoted";
    case ScalarStyle::kLiteral:
      return "literal";
    case ScalarStyle::kFolded:
      return "folded";
  }
  return "?";
}

/// The first difference between two scalars, or "".
inline std::string CompareScalar(const Scalar& fast, const Scalar& reference, const std::string& what) {
  auto differ = [&](const char* field, const std::string& a, const std::string& b) {
    return fmt::format("{} {}: fast scanner {:?}, libyaml {:?}", what, field, a, b);
  };
  if (fast.value != reference.value) return differ("value", fast.value, reference.value);
  if (fast.offset != reference.offset) {
    return differ("offset", std::to_string(fast.offset), std::to_string(reference.offset));
  }
  if (fast.line != reference.line) return differ("line", std::to_string(fast.line), std::to_string(reference.line));
  if (fast.column != reference.column) {
    return differ("column", std::to_string(fast.column), std::to_string(reference.column));
  }
  if (fast.style != reference.style) return differ("style", StyleName(fast.style), StyleName(reference.style));
  if (FormatPath(fast.path) != FormatPath(reference.path)) {
    return differ("path", FormatPath(fast.path), FormatPath(reference.path));
  }
  if (fast.is_key != reference.is_key) {
    return differ("is_key", fast.is_key ? "true" : "false", reference.is_key ? "true" : "false");
  }
  // libyaml ends a block scalar's mark at a different place (after trailing
  // blank lines); the passes never replace block scalars by length.
  if (fast.style != ScalarStyle::kLiteral && fast.style != ScalarStyle::kFolded && fast.length != reference.length) {
    return differ("length", std::to_string(fast.length), std::to_string(reference.length));
  }
  return {};
}

inline std::string CompareOptionalScalar(const std::optional<Scalar>& fast, const std::optional<Scalar>& reference,
                                         const std::string& what) {
  if (fast.has_value() != reference.has_value()) {
    return fmt::format("{}: fast scanner {}, libyaml {}", what, fast ? "has it" : "has none",
                       reference ? "has it" : "has none");
  }
  return fast ? CompareScalar(*fast, *reference, what) : std::string();
}

inline std::string CompareSpan(const MappingSpan& fast, const MappingSpan& reference, const std::string& what) {
  if (fast.present != reference.present || fast.flow != reference.flow || fast.empty != reference.empty ||
      fast.offset != reference.offset || fast.column != reference.column) {
    return fmt::format("{}: fast scanner present={} flow={} empty={} offset={} column={}, libyaml present={} "
                       "flow={} empty={} offset={} column={}",
                       what, fast.present, fast.flow, fast.empty, fast.offset, fast.column, reference.present,
                       reference.flow, reference.empty, reference.offset, reference.column);
  }
  return {};
}

inline std::string ComparePairs(const std::vector<std::pair<std::string, std::string>>& fast,
                                const std::vector<std::pair<std::string, std::string>>& reference,
                                const std::string& what) {
  if (fast.size() != reference.size()) {
    return fmt::format("{}: fast scanner has {}, libyaml {}", what, fast.size(), reference.size());
  }
  for (std::size_t i = 0; i < fast.size(); ++i) {
    if (fast[i] != reference[i]) {
      return fmt::format("{}[{}]: fast scanner {:?}={:?}, libyaml {:?}={:?}", what, i, fast[i].first,
                         fast[i].second, reference[i].first, reference[i].second);
    }
  }
  return {};
}

inline std::string CompareScalarLists(const std::vector<Scalar>& fast, const std::vector<Scalar>& reference,
                                      const char* what) {
  const std::size_t common = std::min(fast.size(), reference.size());
  for (std::size_t i = 0; i < common; ++i) {
    std::string diff =
        CompareScalar(fast[i], reference[i], fmt::format("{} {} ({})", what, i, FormatPath(reference[i].path)));
    if (!diff.empty()) return diff;
  }
  if (fast.size() != reference.size()) {
    return fmt::format("{}: fast scanner lists {}, libyaml {}", what, fast.size(), reference.size());
  }
  return {};
}

/// The first difference between the outlines, or "" if they agree. The lists
/// of scalars are compared when `options` asked for them.
inline std::string CompareOutlines(const Outline& fast, const Outline& reference, const OutlineOptions& options) {
  if (fast.shape != reference.shape) {
    return fmt::format("shape: fast scanner {}, libyaml {}", static_cast<int>(fast.shape),
                       static_cast<int>(reference.shape));
  }
  for (std::string diff : {CompareOptionalScalar(fast.api_version, reference.api_version, "apiVersion"),
                           CompareOptionalScalar(fast.kind, reference.kind, "kind"),
                           CompareOptionalScalar(fast.name, reference.name, "metadata.name"),
                           CompareOptionalScalar(fast.namespace_, reference.namespace_, "metadata.namespace"),
                           ComparePairs(fast.labels, reference.labels, "labels"),
                           ComparePairs(fast.annotations, reference.annotations, "annotations"),
                           CompareSpan(fast.metadata, reference.metadata, "metadata span"),
                           CompareSpan(fast.labels_span, reference.labels_span, "labels span"),
                           CompareSpan(fast.annotations_span, reference.annotations_span, "annotations span")}) {
    if (!diff.empty()) return diff;
  }
  if (fast.spec_group != reference.spec_group) {
    return fmt::format("spec.group: fast scanner {:?}, libyaml {:?}", fast.spec_group, reference.spec_group);
  }
  if (fast.spec_names_kind != reference.spec_names_kind) {
    return fmt::format("spec.names.kind: fast scanner {:?}, libyaml {:?}", fast.spec_names_kind,
                       reference.spec_names_kind);
  }
  if (fast.spec_scope != reference.spec_scope) {
    return fmt::format("spec.scope: fast scanner {:?}, libyaml {:?}", fast.spec_scope, reference.spec_scope);
  }
  if (fast.max_depth != reference.max_depth) {
    return fmt::format("max_depth: fast scanner {}, libyaml {}", fast.max_depth, reference.max_depth);
  }
  if (!options.needles.empty()) {
    std::string diff = CompareScalarLists(fast.hits, reference.hits, "hit");
    if (!diff.empty()) return diff;
  }
  if (options.all_scalars) return CompareScalarLists(fast.scalars, reference.scalars, "scalar");
  return {};
}

/// Runs both readers on one document and returns what is wrong, or "": the
/// fast scanner may step aside, but what it accepts libyaml must accept, with
/// the same outline.
inline std::string CheckFastAgainstLibyaml(std::string_view raw, std::size_t body_offset, const OutlineOptions& options) {
  Outline fast;
  std::string why;
  if (!TryFastOutline(raw, body_offset, options, &fast, &why)) return {};
  Outline reference;
  YamlProblem problem;
  if (!BuildOutlineWithLibyaml(raw, body_offset, options, &reference, &problem)) {
    return fmt::format("the fast scanner accepts what libyaml rejects (line {} column {}: {})", problem.line + 1,
                       problem.column + 1, problem.message);
  }
  return CompareOutlines(fast, reference, options);
}

}  // namespace dotk8s::fuzz

#endif  // DOTK8S_FUZZ_OUTLINE_COMPARE_H_
