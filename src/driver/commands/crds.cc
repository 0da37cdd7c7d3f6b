// dotk8s crds list|extract|apply: the CRDs inside the dependency archives.
#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <filesystem>
#include <fstream>

#include "driver/bundles/dependencies.h"
#include "driver/cli/options.h"
#include "driver/commands/table.h"
#include "driver/programs/locations.h"
#include "driver/release/crd_inventory.h"
#include "driver/release/crd_ownership.h"
#include "driver/release/kubectl_steps.h"
#include "driver/release/plan.h"
#include "driver/release/setup.h"
#include "driver/release/workspace.h"

namespace dotk8s {
namespace fs = std::filesystem;
namespace {

std::string Versions(const CrdRecord& crd) { return fmt::format("{}", fmt::join(crd.versions, ",")); }

std::string Bundle(const CrdRecord& crd) {
  if (crd.bundle_version.empty()) return "-";
  return crd.channel.empty() ? crd.bundle_version : fmt::format("{} {}", crd.bundle_version, crd.channel);
}

std::string Use(const CrdRecord& crd) {
  if (crd.templated) return "templated: in the release; `crds apply` applies it from a render";
  if (!crd.superseded_by.empty()) return fmt::format("not used: {}'s copy is", crd.superseded_by);
  return "applied";
}

// Columns as wide as their widest cell, so long kinds and chart names line up.
void PrintTable(const DriverContext& context, const std::vector<std::vector<std::string>>& rows) {
  std::vector<std::size_t> widths;
  for (const auto& row : rows) {
    widths.resize(std::max(widths.size(), row.size()));
    for (std::size_t i = 0; i < row.size(); ++i) widths[i] = std::max(widths[i], row[i].size());
  }
  for (const auto& row : rows) {
    std::string line;
    for (std::size_t i = 0; i < row.size(); ++i) {
      line += i + 1 == row.size() ? row[i] : fmt::format("{:<{}}  ", row[i], widths[i]);
    }
    *context.out << line << '\n';
  }
}

void PrintList(const DriverContext& context, const CrdInventory& inventory) {
  std::vector<std::vector<std::string>> rows = {{"NAME", "KIND", "GROUP", "VERSIONS", "BUNDLE", "CHART", "USE"}};
  std::size_t applied = 0, templated = 0, superseded = 0;
  for (const CrdRecord& crd : inventory.crds) {
    rows.push_back({crd.name, crd.kind, crd.group, Versions(crd), Bundle(crd), crd.chart, Use(crd)});
    if (crd.templated) {
      ++templated;
    } else if (!crd.superseded_by.empty()) {
      ++superseded;
    } else {
      ++applied;
    }
  }
  PrintTable(context, rows);
  *context.out << fmt::format("{} CRDs: {} applied by `dotk8s crds apply` (and before install/upgrade), {} templated "
                              "(`crds apply` renders the release and applies them marked as its own), "
                              "{} superseded (* = storage version)\n",
                              inventory.crds.size(), applied, templated, superseded);
  for (const std::string& note : inventory.notes) *context.out << "note: " << note << '\n';
}

int Extract(const DriverContext& context, const CrdInventory& inventory, const std::string& dir) {
  std::size_t written = 0;
  for (const CrdRecord* crd : inventory.Applicable()) {
    fs::path target = fs::path(dir) / crd->chart / (crd->name + ".yaml");
    if (context.dry_run) {
      *context.out << fmt::format("write {}\n", target.string());
      continue;
    }
    std::error_code ec;
    fs::create_directories(target.parent_path(), ec);
    std::ofstream out(target, std::ios::binary);
    out << crd->text;
    if (!out) {
      context.Error(fmt::format("cannot write {}", target.string()));
      return kExitFailed;
    }
    ++written;
  }
  std::size_t templated = inventory.crds.size() - inventory.Applicable().size();
  if (!context.dry_run) {
    *context.out << fmt::format("wrote {} CRDs to {} (one file each, by chart); left out {} templated or superseded\n",
                                written, dir, templated);
  }
  return kExitOk;
}

// The CRDs of crds/ folders, and those the chart templates (KEDA's) taken from
// a render of the release made like install's (same -n, --profile, -f, --set),
// marked for Helm to adopt: plain Helm 3 (and Helm 4) can then install the
// release, whose custom resources need those CRDs to exist first.
int Apply(DriverContext& context, const ReleaseOptions& options) {
  PreparedRelease prepared;
  int code = PrepareRelease(options, context, /*need_dependencies=*/true, &prepared);
  if (code != kExitOk) return code;
  RenderedRelease rendered;
  code = PlanRelease(context, prepared, &rendered);
  if (code != kExitOk) return code;
  // The CRDs of the charts that are on (not Traefik's when Traefik is off), as
  // install would apply them; another owner's are left alone or refused.
  const std::string kubectl = KubectlProgram(context, options.programs.kubectl);
  CrdInventory inventory;
  CrdsToApply crds;
  // Every CRD, unchanged or not: `crds apply` is how a CRD is put back by hand.
  code = SettleReleaseCrds(context, prepared, rendered, kubectl, /*with_templated=*/true,
                           options.take_over_crds, /*skip_unchanged=*/false, &inventory, &crds);
  if (code != kExitOk) return code;
  if (!ApplyCrdsForRelease(context, kubectl, crds, prepared.release,
                           prepared.release_namespace, /*echo_output=*/true)) {
    return kExitFailed;
  }
  return kExitOk;
}

}  // namespace

int RunCrdsCommand(std::string_view, const CommandLine& line, DriverContext& context) {
  const CrdsOptions options = ParseCrdsOptions(line);
  if (!options.action) {
    context.Error("which one: dotk8s crds list|extract|apply", "see dotk8s crds --help");
    return kExitUsage;
  }
  const std::string& action = *options.action;
  if (action != "list" && action != "extract" && action != "apply") {
    context.Error(fmt::format("unknown crds action {}", action), "use list, extract or apply");
    return kExitUsage;
  }
  if (action == "extract" && !options.output) {
    context.Error("crds extract needs -o DIR");
    return kExitUsage;
  }
  if (action == "apply") return Apply(context, options.release);
  Workspace workspace;
  int code = OpenWorkspace(context, options.release.workspace, /*need_post=*/false, &workspace);
  if (code != kExitOk) return code;
  std::vector<std::string> archives;
  std::string error;
  if (!DependencyArchives(workspace.chart_dir, &archives, &error)) {
    context.Error(error, "run `dotk8s deps` first");
    return kExitMissing;
  }
  context.Progress(fmt::format("reading the CRDs of {} archives", archives.size()));
  CrdInventory inventory;
  if (!ReadCrdInventory(archives, &inventory, &error)) {
    context.Error(error);
    return kExitFailed;
  }
  if (action == "list") {
    PrintList(context, inventory);
    return kExitOk;
  }
  return Extract(context, inventory, *options.output);
}

}  // namespace dotk8s
