#include "core/passes/check.h"

#include <fmt/format.h>

#include <string>
#include <string_view>
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
    // Appended rather than formatted: this runs for every object of the stream.
    const std::string_view group = doc.Group(), kind = doc.Kind(), name = doc.Name();
    const std::string_view ns = cluster ? std::string_view() : doc.Namespace();
    std::string key;
    key.reserve(group.size() + kind.size() + ns.size() + name.size() + 3);
    key.append(group).append(1, '\x1f').append(kind).append(1, '\x1f').append(ns).append(1, '\x1f').append(name);
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
