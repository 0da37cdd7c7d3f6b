#include "core/passes/crd_bundles.h"

#include <fmt/format.h>

#include <map>

#include "core/kinds.h"

namespace dotk8s {

Diagnostics KeepOneCopyOfEachCrd(std::vector<Document>& docs, Plan& plan) {
  std::map<std::string, Document*, std::less<>> kept;
  std::map<std::string, std::size_t> removed_by_chart;
  for (Document& doc : docs) {
    if (doc.removed || !IsCrd(doc) || doc.Name().empty()) continue;
    auto [it, inserted] = kept.emplace(std::string(doc.Name()), &doc);
    if (inserted) continue;
    Document* loser = &doc;
    if (doc.component == Component::kEnvoyGateway && it->second->component != Component::kEnvoyGateway) {
      loser = it->second;
      it->second = &doc;
    }
    loser->removed = true;
    loser->removed_reason = fmt::format("another chart ships the same CRD; the copy of {} is kept",
                                        it->second->source_path.empty() ? "the first" : it->second->source_path);
    ++removed_by_chart[loser->subchart.empty() ? std::string("(unknown chart)") : loser->subchart];
  }
  for (const auto& [chart, count] : removed_by_chart) {
    plan.removed.push_back(fmt::format(
        "{} CustomResourceDefinitions of {}: another chart ships the same ones; Envoy Gateway's copies win, "
        "otherwise the first",
        count, chart));
  }
  return {};
}

}  // namespace dotk8s
