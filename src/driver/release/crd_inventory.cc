#include "driver/release/crd_inventory.h"

#include <fmt/format.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <atomic>
#include <exception>
#include <map>
#include <thread>

#include "core/validation/crd_archive.h"
#include "core/validation/crd_catalog.h"
#include "core/yaml/read.h"
#include "core/yaml/yaml_node.h"
#include "driver/bundles/archive_io.h"

namespace dotk8s {
namespace {

constexpr std::string_view kBundleVersionAnnotation = "gateway.networking.k8s.io/bundle-version";
constexpr std::string_view kChannelAnnotation = "gateway.networking.k8s.io/channel";
constexpr std::string_view kPreferredChart = "gateway-helm";

std::string ScalarText(const YAML::Node& node) { return node && node.IsScalar() ? node.Scalar() : std::string(); }

}  // namespace

std::vector<CrdRecord> ParseCrds(std::string_view text, bool templated) {
  std::vector<CrdRecord> records;
  const std::string readable = templated ? BlankTemplateActions(text) : std::string(text);
  std::vector<Document> docs = SplitStream(readable);
  for (std::size_t i = 0; i < docs.size(); ++i) {
    std::string_view raw = docs[i].raw;
    if (raw.find("CustomResourceDefinition") == std::string_view::npos) continue;
    YAML::Node node;
    std::string error;
    if (!LoadYamlNode(raw.substr(docs[i].body_offset), &node, &error) || !node.IsMap()) continue;
    if (ScalarText(node["kind"]) != "CustomResourceDefinition") continue;
    CrdRecord record;
    record.templated = templated;
    record.name = ScalarText(node["metadata"]["name"]);
    record.group = ScalarText(node["spec"]["group"]);
    record.kind = ScalarText(node["spec"]["names"]["kind"]);
    record.scope = ScalarText(node["spec"]["scope"]);
    if (YAML::Node versions = node["spec"]["versions"]; versions && versions.IsSequence()) {
      for (const YAML::Node& version : versions) {
        if (ScalarText(version["served"]) == "false") continue;
        record.versions.push_back(ScalarText(version["name"]) + (ScalarText(version["storage"]) == "true" ? "*" : ""));
      }
    }
    if (YAML::Node annotations = node["metadata"]["annotations"]; annotations && annotations.IsMap()) {
      record.bundle_version = ScalarText(annotations[std::string(kBundleVersionAnnotation)]);
      record.channel = ScalarText(annotations[std::string(kChannelAnnotation)]);
    }
    // Keep the original document's bytes (not the neutralised copy) for apply and extract.
    record.text = templated ? std::string() : std::string(raw);
    records.push_back(std::move(record));
  }
  if (templated) {
    // The template text is all there is; keep it whole for `crds extract`.
    for (CrdRecord& record : records) record.text = std::string(text);
  }
  return records;
}

std::vector<const CrdRecord*> CrdInventory::Applicable() const {
  std::vector<const CrdRecord*> applicable;
  for (const CrdRecord& crd : crds) {
    if (!crd.templated && crd.superseded_by.empty()) applicable.push_back(&crd);
  }
  return applicable;
}

void AppendCrd(std::string_view name, std::string_view document, std::string* stream,
               std::vector<std::string>* wait_names) {
  if (!document.starts_with("---")) *stream += "---\n";
  *stream += document;
  if (!stream->ends_with("\n")) *stream += '\n';
  wait_names->push_back(fmt::format("crd/{}", name));
}

void ResolveDuplicateCrds(CrdInventory* inventory) {
  std::map<std::string, std::vector<CrdRecord*>> by_name;
  for (CrdRecord& crd : inventory->crds) by_name[crd.name].push_back(&crd);
  // chart -> (other chart -> count), to report each clash once per pair of charts.
  std::map<std::pair<std::string, std::string>, std::size_t> clashes;
  for (auto& [name, copies] : by_name) {
    if (copies.size() < 2) continue;
    CrdRecord* winner = copies[0];
    for (CrdRecord* copy : copies) {
      if (copy->chart_name == kPreferredChart) {
        winner = copy;
        break;
      }
    }
    for (CrdRecord* copy : copies) {
      if (copy == winner) continue;
      copy->superseded_by = winner->chart;
      ++clashes[{winner->chart, copy->chart}];
    }
  }
  for (const auto& [pair, count] : clashes) {
    // Describe the bundles by their annotations when they carry them (the Gateway API does).
    auto describe = [&](const std::string& chart) {
      for (const CrdRecord& crd : inventory->crds) {
        if (crd.chart == chart && !crd.bundle_version.empty()) {
          return fmt::format("{} ships the Gateway API bundle {} ({} channel)", chart, crd.bundle_version,
                             crd.channel.empty() ? "unknown" : crd.channel);
        }
      }
      return fmt::format("{} ships its own copy", chart);
    };
    inventory->notes.push_back(fmt::format(
        "{} CRDs are in two charts: {}; {}. dotk8s uses {}'s{}", count, describe(pair.first), describe(pair.second),
        pair.first,
        pair.first.rfind(kPreferredChart, 0) == 0 ? " (Envoy Gateway implements the Gateway API and needs its bundle)"
                                                   : ""));
  }
}

bool ReadCrdInventory(const std::vector<std::string>& archives, CrdInventory* inventory, std::string* error) {
  struct Candidate {
    const std::string* archive;
    std::string chart;
    std::string chart_name;
    ArchiveFile file;
    std::vector<CrdRecord> records;
  };
  std::vector<Candidate> candidates;
  for (const std::string& archive : archives) {
    ChartIdentity identity;
    if (!ReadChartIdentity(archive, &identity, error)) return false;
    // The CRD candidates (crds/ and templates/ files, nested archives too),
    // read by the same code dotk8s-post's --crds uses.
    std::vector<ArchiveFile> files;
    if (!ReadChartArchive(archive, &files, error)) return false;
    for (ArchiveFile& file : files) {
      candidates.push_back({&archive, identity.name + "-" + identity.version, identity.name, std::move(file), {}});
    }
  }
  // Parsing the CRDs is most of the driver's own time before an upgrade
  // (megabytes of schemas through yaml-cpp, 0.3 s for the default profile's):
  // the files are independent, so they are parsed side by side, the results
  // kept in archive order.
  // An exception (yaml-cpp's, on a malformed file) is caught on its thread and
  // thrown again here, after the joins: the caller reports it as before.
  std::atomic<std::size_t> next{0};
  std::vector<std::exception_ptr> failures(candidates.size());
  const auto parse = [&] {
    for (std::size_t i = next++; i < candidates.size(); i = next++) {
      try {
        candidates[i].records = ParseCrds(candidates[i].file.content, candidates[i].file.is_template);
      } catch (...) {
        failures[i] = std::current_exception();
      }
    }
  };
  std::vector<std::thread> helpers;
  const unsigned threads = std::min(4u, std::max(1u, std::thread::hardware_concurrency()));
  for (unsigned i = 1; i < threads && i < candidates.size(); ++i) helpers.emplace_back(parse);
  parse();
  for (std::thread& helper : helpers) helper.join();
  for (const std::exception_ptr& failure : failures) {
    if (failure) std::rethrow_exception(failure);
  }
  for (Candidate& candidate : candidates) {
    for (CrdRecord& record : candidate.records) {
      record.chart = candidate.chart;
      record.chart_name = candidate.chart_name;
      record.archive = *candidate.archive;
      record.file = candidate.file.path;
      inventory->crds.push_back(std::move(record));
    }
  }
  ResolveDuplicateCrds(inventory);
  return true;
}

}  // namespace dotk8s
