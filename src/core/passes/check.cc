#include "core/passes/check.h"

#include <fmt/format.h>

#include <unordered_map>

namespace dotk8s {

namespace {

std::string SourceOf(const Document& doc) {
  if (doc.origin == Origin::kGenerated) return fmt::format("injected by dotk8s-post ({})", doc.source_path);
  if (doc.source_path.empty()) return fmt::format("doc {}", doc.index);
  return fmt::format("doc {} ({})", doc.index, doc.source_path);
}

}  // namespace

Diagnostics CheckDuplicates(const std::vector<Document>& docs, const KindScopes& scopes) {
  Diagnostics diagnostics;
  std::unordered_map<std::string, const Document*> seen;
  seen.reserve(docs.size());
  for (const Document& doc : docs) {
    if (doc.removed || !doc.IsObject() || doc.Kind().empty() || doc.Name().empty()) continue;
    const bool cluster = scopes.IsClusterScoped(doc.Group(), doc.Kind());
    std::string key = fmt::format("{}\x1f{}\x1f{}\x1f{}", doc.Group(), doc.Kind(), cluster ? "" : doc.Namespace(), doc.Name());
    auto [it, inserted] = seen.emplace(std::move(key), &doc);
    if (inserted) continue;
    diagnostics.push_back(DocumentError(
        doc, fmt::format("duplicate object: {} is also {}", doc.Describe(), SourceOf(*it->second)),
        "two templates render the same object; remove one, or give them different names (with two components "
        "in one namespace, check apps.<component>.namespace)"));
  }
  return diagnostics;
}

}  // namespace dotk8s
