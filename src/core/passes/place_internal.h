#ifndef DOTK8S_PLACE_INTERNAL_H_
#define DOTK8S_PLACE_INTERNAL_H_

// The place pass's state, shared by its two files: place.cc runs the pass
// (the Helm 3 checks, the index of the release's objects, the renames, the
// moves, the plan) and place_rewrite.cc rewrites the references inside each
// document. Include only from those two.

#include <cstddef>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "core/component.h"
#include "core/diagnostic.h"
#include "core/kinds.h"
#include "core/passes/references.h"
#include "core/plan.h"
#include "core/settings.h"
#include "core/yaml/document.h"
#include "core/yaml/field_path.h"
#include "core/yaml/outline.h"

namespace dotk8s::internal {

inline bool IsManaged(Component component) { return FindComponent(component) != nullptr; }

// Where the objects of the release namespace came from, to follow a
// reference to the component that owns its target.
struct ObjectIndex {
  std::map<std::pair<std::string, std::string>, Component> by_kind_and_name;
  std::map<std::string, Component> by_name;
  /// The Services of the release namespace with their labels, for selectors.
  std::vector<const Document*> services;

  /// The component of the Service `name`, or kUnknown if the release has none.
  Component FindService(std::string_view name) const {
    auto it = by_kind_and_name.find({"Service", std::string(name)});
    return it == by_kind_and_name.end() ? Component::kUnknown : it->second;
  }

  Component Find(std::string_view kind, std::string_view name) const {
    if (!kind.empty()) {
      auto it = by_kind_and_name.find({std::string(kind), std::string(name)});
      if (it != by_kind_and_name.end()) return it->second;
    }
    auto it = by_name.find(std::string(name));
    return it == by_name.end() ? Component::kUnknown : it->second;
  }
};

// Counts of rewritten references by shape, for the plan.
using ShapeCounts = std::map<ReferenceShape, std::size_t>;

class Placement {
 public:
  Placement(std::vector<Document>& docs, const Settings& settings, const KindScopes& scopes, Plan& plan,
            unsigned threads);

  Diagnostics Run();

 private:
  // What rewriting one document found, merged into the plan afterwards.
  struct RewriteOutcome {
    Diagnostics diagnostics;
    ShapeCounts shapes;
    std::size_t references = 0;
    std::set<std::string> label_renames_used;
  };
  /// The scalars around a document's hits, by path: read once, when first needed.
  using Neighbours = std::optional<std::unordered_map<std::string, std::string>>;
  /// Rewrites of one value: position in value, new namespace.
  using Rewrites = std::vector<std::pair<std::size_t, std::string>>;

  bool Moves(Component component) const {
    return IsManaged(component) && plan_.IsOn(component) && TargetNamespace(settings_, component) != release_ns_;
  }

  // The namespace a reference to an object of `component` must name.
  std::string TargetOf(Component component) const {
    return Moves(component) ? TargetNamespace(settings_, component) : release_ns_;
  }

  // The steps of Run (place.cc).
  bool HooksHidden(Component component) const;
  void ReportUnmarkedInput();
  bool RefuseBuiltInNamespace();
  void CheckHelm3();
  void IndexObjects();
  void CollectRenames();
  void Move(Document& doc);
  void Merge(const Document& doc, RewriteOutcome outcome);
  void Report();

  // Rewriting the references of one document, on any thread (place_rewrite.cc).
  const std::string* RenameOf(const Document& doc, const FieldPath& path, const std::string& value) const;
  Diagnostic RemainingMention(const Document& doc, const FieldPath& path, std::size_t count) const;
  void CheckSecretData(const Document& doc, Diagnostics* diagnostics) const;
  Component SelectedServicesOwner(const Document& monitor, Component fallback) const;
  bool Allowed(const Document& doc, const FieldPath& path) const;
  bool MentionsReleaseNamespace(const Document& doc, const std::optional<Scalar>& own_namespace) const;
  void Rewrite(Document& doc, RewriteOutcome* outcome) const;
  ScalarContext NeighbourLookup(const Document& doc, const Outline& deep, Neighbours& neighbours) const;
  void FollowReferences(const Document& doc, const Scalar& scalar, const std::vector<NamespaceReference>& references,
                        const std::string& own, std::optional<Component>& monitor_owner, Rewrites& rewrites,
                        std::vector<std::size_t>& understood, RewriteOutcome* outcome) const;
  void CheckRemainingMentions(const Document& doc, const Scalar& scalar,
                              const std::vector<NamespaceReference>& references, bool moved_component,
                              const std::string& own, const std::vector<std::size_t>& understood,
                              RewriteOutcome* outcome) const;
  void Apply(Document& doc, const Scalar& scalar, const Rewrites& rewrites, RewriteOutcome* outcome) const;

  std::vector<Document>& docs_;
  const Settings& settings_;
  const KindScopes& scopes_;
  Plan& plan_;
  const std::string release_ns_;
  Diagnostics diagnostics_;
  ObjectIndex index_;
  /// Cluster-scoped names built from the release namespace: old -> (component, new).
  std::map<std::string, std::pair<Component, std::string>> name_renames_;
  /// Label values built from the release name and namespace, per component.
  std::map<Component, std::map<std::string, std::string>> label_renames_;
  std::map<Component, std::set<std::string>> label_renames_used_;
  std::map<Component, ShapeCounts> shapes_;
  const unsigned threads_;
};

}  // namespace dotk8s::internal

#endif  // DOTK8S_PLACE_INTERNAL_H_
