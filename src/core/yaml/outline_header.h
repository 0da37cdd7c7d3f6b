#ifndef DOTK8S_OUTLINE_HEADER_H_
#define DOTK8S_OUTLINE_HEADER_H_

// Shared by the two outline readers (libyaml events and the fast scanner):
// which paths are header fields, and which mappings are spans. Frames are any
// sequence of objects with `bool is_mapping` and `std::string key`, root first.

#include <string>
#include <string_view>
#include <vector>

#include "core/yaml/outline.h"

namespace dotk8s::internal {

/// Records the scalar value at the frames' current position if it is a header
/// field: apiVersion, kind, metadata.{name,namespace,labels.*,annotations.*},
/// spec.{group,scope,names.kind}. `make_scalar()` builds the Scalar on demand.
template <typename Frames, typename MakeScalar>
void CollectHeaderField(const Frames& frames, std::string_view value, MakeScalar make_scalar, Outline* outline) {
  const std::size_t depth = frames.size();
  if (depth == 0 || depth > 3 || !frames[0].is_mapping) return;
  const std::string_view top = frames[0].key;
  if (depth == 1) {
    if (top == "apiVersion") {
      outline->api_version = make_scalar();
    } else if (top == "kind") {
      outline->kind = make_scalar();
    }
    return;
  }
  if (!frames[1].is_mapping) return;
  const std::string_view second = frames[1].key;
  if (top == "metadata") {
    if (depth == 2) {
      if (second == "name") {
        outline->name = make_scalar();
      } else if (second == "namespace") {
        outline->namespace_ = make_scalar();
      }
    } else if (frames[2].is_mapping) {
      if (second == "labels") {
        outline->labels.emplace_back(std::string(frames[2].key), std::string(value));
      } else if (second == "annotations") {
        outline->annotations.emplace_back(std::string(frames[2].key), std::string(value));
      }
    }
  } else if (top == "spec") {
    if (depth == 2) {
      if (second == "group") {
        outline->spec_group = std::string(value);
      } else if (second == "scope") {
        outline->spec_scope = std::string(value);
      }
    } else if (second == "names" && frames[2].is_mapping && frames[2].key == "kind") {
      outline->spec_names_kind = std::string(value);
    }
  }
}

/// True if a value at the frames' position would be a header field (so its
/// decoded value is needed).
template <typename Frames>
bool IsHeaderPosition(const Frames& frames) {
  const std::size_t depth = frames.size();
  if (depth == 0 || depth > 3 || !frames[0].is_mapping) return false;
  const std::string_view top = frames[0].key;
  if (depth == 1) return top == "apiVersion" || top == "kind";
  if (!frames[1].is_mapping) return false;
  const std::string_view second = frames[1].key;
  if (top == "metadata") {
    if (depth == 2) return second == "name" || second == "namespace";
    return frames[2].is_mapping && (second == "labels" || second == "annotations");
  }
  if (top == "spec") {
    if (depth == 2) return second == "group" || second == "scope";
    return second == "names" && frames[2].is_mapping && frames[2].key == "kind";
  }
  return false;
}

/// The span a mapping starting at the frames' current position fills, if any:
/// metadata, metadata.labels, metadata.annotations.
template <typename Frames>
MappingSpan* SpanAt(const Frames& frames, Outline* outline) {
  const std::size_t depth = frames.size();
  if (depth == 1 && frames[0].is_mapping && frames[0].key == "metadata") return &outline->metadata;
  if (depth == 2 && frames[0].is_mapping && frames[0].key == "metadata" && frames[1].is_mapping) {
    if (frames[1].key == "labels") return &outline->labels_span;
    if (frames[1].key == "annotations") return &outline->annotations_span;
  }
  return nullptr;
}

/// True if the frames' position lies under one of `prefixes` (or there are none).
template <typename Frames>
bool UnderAny(const Frames& frames, const std::vector<FieldPath>& prefixes) {
  if (prefixes.empty()) return true;
  for (const FieldPath& prefix : prefixes) {
    if (frames.size() < prefix.size()) continue;
    bool match = true;
    for (std::size_t i = 0; i < prefix.size() && match; ++i) {
      const PathElement& element = prefix[i];
      if (element.is_index) {
        match = !frames[i].is_mapping && frames[i].index == element.index;
      } else {
        match = frames[i].is_mapping && frames[i].key == element.key;
      }
    }
    if (match) return true;
  }
  return false;
}

}  // namespace dotk8s::internal

#endif  // DOTK8S_OUTLINE_HEADER_H_
