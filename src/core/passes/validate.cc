// Checks custom resources against the openAPIV3Schema of their CRD: the
// objects dotk8s-post injects always (when a CRD for them is known), every
// custom resource of the stream with --validate all. Work is done only for
// what is there: the --crds sources are indexed from each CRD's header, and a
// CRD is parsed, translated and compiled only for a group/kind/version an
// object uses, once. docs/validation.md tells the whole story.
#include "core/passes/validate.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <map>
#include <memory>
#include <filesystem>
#include <set>

#include "core/validation/crd_catalog.h"
#include "core/kinds.h"
#include "core/validation/schema_check.h"

namespace dotk8s {

namespace {

std::string_view VersionOf(const Document& doc) {
  std::string_view api_version = doc.ApiVersion();
  std::size_t slash = api_version.find('/');
  return slash == std::string_view::npos ? api_version : api_version.substr(slash + 1);
}

std::string GroupKindName(std::string_view group, std::string_view kind) {
  return group.empty() ? std::string(kind) : fmt::format("{}.{}", kind, group);
}

struct Validation {
  const std::vector<Document>& docs;
  const ValidateOptions& options;
  Plan& plan;
  CrdCatalog catalog;
  Diagnostics diagnostics;
  std::map<std::pair<const CrdDefinition*, std::string>, std::unique_ptr<CompiledSchema>> compiled;
  /// The compiled schemas in the order objects first needed them: the notes
  /// follow it. The map's order is by address, which changes with any
  /// allocation elsewhere (and once reordered the CEL note of --explain).
  std::vector<std::pair<const CrdDefinition*, std::string>> compile_order;
  std::set<std::string> failed_schemas;  // reported once
  std::size_t checked = 0;
  std::size_t checked_injected = 0;
  std::vector<std::string> unvalidated_injected;
  std::set<std::string> used;  // "ReferenceGrant gateway.networking.k8s.io/v1beta1 from X"

  // A missing CRD or version: an error in kAll mode, a warning with --crds,
  // a plan note when nothing was asked for.
  void ReportUnknown(const Document& doc, std::string message, std::string hint) {
    if (options.mode == ValidateMode::kAll) {
      diagnostics.push_back(DocumentError(doc, std::move(message), std::move(hint)));
    } else if (!options.crd_paths.empty()) {
      diagnostics.push_back(DocumentWarning(doc, std::move(message), std::move(hint)));
    } else {
      unvalidated_injected.push_back(doc.Describe());
    }
  }

  CompiledSchema* SchemaFor(const Document& doc, const CrdDefinition& definition, std::string_view version) {
    auto key = std::make_pair(&definition, std::string(version));
    auto it = compiled.find(key);
    if (it != compiled.end()) return it->second.get();
    std::string error;
    const ParsedCrd* parsed = catalog.Parse(definition, &error);
    if (parsed == nullptr) {
      if (failed_schemas.insert(definition.source).second) {
        diagnostics.push_back(MakeError(fmt::format("CRD {}: cannot read it: {}", definition.name, error),
                                        "fix the CRD file, or pass a good copy earlier with --crds"));
      }
      compiled.emplace(key, nullptr);
      return nullptr;
    }
    const CrdVersion* served = parsed->Version(version);
    if (served == nullptr || !served->served) {
      ReportUnknown(doc,
                    fmt::format("the CRD {} ({}) does not serve version {}; it has {}", definition.name,
                                definition.source, version, parsed->VersionList()),
                    "use a version the CRD serves, or pass the CRDs of the chart version you install with --crds");
      return nullptr;  // not cached: each object with this version is reported
    }
    if (served->schema == nullptr) {
      plan.notes.push_back(fmt::format("CRD {} version {} has no schema: {} not validated", definition.name, version,
                                       doc.Describe()));
      return nullptr;
    }
    std::unique_ptr<CompiledSchema> schema = CompiledSchema::Compile(*served->schema, &error);
    if (!schema) {
      diagnostics.push_back(MakeWarning(fmt::format("CRD {} version {} ({}): {}; objects of this kind are not validated",
                                                    definition.name, version, definition.source, error)));
    }
    CompiledSchema* result = schema.get();
    if (schema) compile_order.push_back(key);
    compiled.emplace(key, std::move(schema));
    return result;
  }

  void Check(const Document& doc) {
    const std::string_view group = doc.Group();
    const std::string_view kind = doc.Kind();
    const std::string_view version = VersionOf(doc);
    const bool injected = doc.origin == Origin::kGenerated;
    const CrdDefinition* definition = catalog.Find(group, kind);
    if (definition == nullptr) {
      ReportUnknown(doc, fmt::format("no CustomResourceDefinition for {} ({}) was found", kind, doc.ApiVersion()),
                    options.crd_paths.empty()
                        ? std::string("pass the chart's CRDs with --crds (a directory, a chart .tgz or a chart directory)")
                        : fmt::format("none of the --crds sources ({}) defines {}; add the one that does",
                                      fmt::join(options.crd_paths, ", "), GroupKindName(group, kind)));
      return;
    }
    CompiledSchema* schema = SchemaFor(doc, *definition, version);
    if (schema == nullptr) return;
    std::string text = doc.Text();
    JsonValue object;
    std::string error;
    if (!LoadJsonValue(std::string_view(text).substr(std::min(doc.body_offset, text.size())), &object, &error)) {
      diagnostics.push_back(DocumentError(doc, fmt::format("cannot read the object: {}", error)));
      return;
    }
    ++checked;
    if (injected) ++checked_injected;
    used.insert(fmt::format("{} {}/{} from {}", kind, group, version, definition->source));
    const std::string schema_name = fmt::format("{}/{} {} of {}", group, version, kind, definition->source);
    for (SchemaProblem& problem : schema->Check(object)) {
      std::string hint;
      if (problem.kind == SchemaProblem::Kind::kUnknownField) {
        hint = fmt::format("the API server drops fields its schema ({}) does not know, or refuses them under "
                           "strict field validation; remove it or check its spelling",
                           schema_name);
      } else if (injected) {
        hint = fmt::format("dotk8s-post made this object from the settings (apps.*): check them against the "
                           "schema {}; if they are right, this is a dotk8s-post bug",
                           schema_name);
      } else {
        hint = fmt::format("the chart rendered this from its values; the schema is {}", schema_name);
      }
      std::string message = problem.message;
      // The line in the input helps find the field in a long stream.
      if (!injected && problem.line != SchemaProblem::kNoLine) {
        message += fmt::format(" (input line {})", doc.first_line + problem.line);
      }
      Diagnostic d = (problem.kind == SchemaProblem::Kind::kInvalid ||
                      (problem.kind == SchemaProblem::Kind::kUnknownField && injected))
                         ? DocumentError(doc, std::move(message), std::move(hint))
                         : DocumentWarning(doc, std::move(message), std::move(hint));
      d.field_path = FormatPath(problem.path);
      diagnostics.push_back(std::move(d));
    }
  }

  void Notes() {
    if (checked > 0) {
      plan.notes.push_back(fmt::format("validated {} object{} ({} injected) against CRD schemas: {}", checked,
                                       checked == 1 ? "" : "s", checked_injected, fmt::join(used, "; ")));
    }
    std::size_t cel = 0;
    std::vector<std::string> with_cel;
    std::vector<std::string> patterns;
    for (const auto& key : compile_order) {
      const CompiledSchema* schema = compiled.at(key).get();
      if (schema->notes().cel_rules > 0) {
        cel += schema->notes().cel_rules;
        with_cel.push_back(fmt::format("{} {}", key.first->kind, key.second));
      }
      for (const std::string& pattern : schema->notes().dropped_patterns) patterns.push_back(pattern);
    }
    if (cel > 0) {
      plan.notes.push_back(fmt::format("{} x-kubernetes-validations (CEL) rule{} in the schemas of {} not checked; the "
                                       "API server checks them",
                                       cel, cel == 1 ? "" : "s", fmt::join(with_cel, ", ")));
    }
    if (!patterns.empty()) {
      plan.notes.push_back(fmt::format("{} schema pattern{} in a syntax std::regex cannot read not checked: {}",
                                       patterns.size(), patterns.size() == 1 ? "" : "s", fmt::join(patterns, "  ")));
    }
    if (!unvalidated_injected.empty()) {
      plan.notes.push_back(fmt::format(
          "injected objects not validated against their CRDs (no CRD for them was given): {}; pass --crds with the "
          "charts' CRDs (the umbrella chart's charts/ directory, a chart .tgz or a directory of CRD files) to "
          "validate them",
          fmt::join(unvalidated_injected, ", ")));
    }
  }

  void ConflictNotes(const std::set<std::pair<std::string, std::string>>& kinds) {
    std::size_t others = 0;
    for (const CrdConflict& conflict : catalog.conflicts()) {
      if (kinds.count({conflict.group, conflict.kind}) == 0) {
        ++others;
        continue;
      }
      plan.notes.push_back(fmt::format("CRD {} is defined by {} and by {}: the first is used, the second ignored",
                                       GroupKindName(conflict.group, conflict.kind), conflict.used_source,
                                       conflict.ignored_source));
    }
    if (others > 0) {
      plan.notes.push_back(fmt::format("{} more CRD{} defined by more than one --crds source, for kinds not in the "
                                       "stream; the first source wins",
                                       others, others == 1 ? " is" : "s are"));
    }
  }
};

}  // namespace

Diagnostics ValidateAgainstCrds(const std::vector<Document>& docs, const ValidateOptions& options, Plan& plan) {
  Validation validation{docs, options, plan, {}, {}, {}, {}, {}, 0, 0, {}, {}};
  std::vector<const Document*> targets;
  std::set<std::pair<std::string, std::string>> kinds;
  for (const Document& doc : docs) {
    if (doc.removed || !doc.IsObject() || doc.Kind().empty() || IsBuiltinApiGroup(doc.Group())) continue;
    if (doc.origin != Origin::kGenerated && options.mode != ValidateMode::kAll) continue;
    targets.push_back(&doc);
    kinds.emplace(std::string(doc.Group()), std::string(doc.Kind()));
  }
  if (!targets.empty()) validation.catalog.AddStream(docs);
  const bool stream_defines_all = std::all_of(kinds.begin(), kinds.end(), [&](const auto& kind) {
    return validation.catalog.Find(kind.first, kind.second) != nullptr;
  });
  // The --crds sources are read only when an object needs a CRD the stream
  // does not define: the stream's CRDs come first and would win anyway. A
  // path that is not there is an error either way.
  if (!targets.empty() && !stream_defines_all) {
    for (const std::string& path : options.crd_paths) Append(validation.diagnostics, validation.catalog.AddPath(path));
  } else {
    for (const std::string& path : options.crd_paths) Append(validation.diagnostics, CrdCatalog::CheckPath(path));
  }
  if (HasErrors(validation.diagnostics)) return std::move(validation.diagnostics);
  for (const Document* doc : targets) validation.Check(*doc);
  validation.ConflictNotes(kinds);
  validation.Notes();
  return std::move(validation.diagnostics);
}

}  // namespace dotk8s
