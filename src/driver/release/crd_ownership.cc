// Before the driver applies CRDs (install, upgrade, `crds apply`): whose are
// they on the cluster? Another team's Gateway API bundle (a provider's
// standard channel, another field manager) or another release's CRDs are
// never overwritten nor marked unless --take-over-crds says so: a server-side
// apply with --force-conflicts would silently take their fields, and their
// owner's next apply would take them back.
#include "driver/release/crd_ownership.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <map>
#include <set>

#include "driver/bundles/dependencies.h"
#include "driver/cluster/live_objects.h"

namespace dotk8s {
namespace {

// One CRD the driver would apply, with what its document says.
struct WantedCrd {
  std::string name;
  std::string group;
  std::string kind;
  std::vector<std::string> served;  // without the storage mark
  std::string storage;
  std::string bundle_version;
  std::string channel;
  std::string chart;  // empty for a templated one (from the render)
  const CrdRecord* record = nullptr;       // from a crds/ folder
  const std::pair<std::string, std::string>* templated = nullptr;  // from the render
};

WantedCrd FromRecord(const CrdRecord& record) {
  WantedCrd wanted;
  wanted.name = record.name;
  wanted.group = record.group;
  wanted.kind = record.kind;
  for (std::string version : record.versions) {
    if (version.ends_with('*')) {
      version.pop_back();
      wanted.storage = version;
    }
    wanted.served.push_back(version);
  }
  wanted.bundle_version = record.bundle_version;
  wanted.channel = record.channel;
  wanted.chart = record.chart;
  return wanted;
}

// "gateway.networking.k8s.io/v1 Gateway" -> the versions the render uses of group/kind.
std::vector<std::string> RenderedVersions(const std::vector<std::string>& api_kinds, const std::string& group,
                                          const std::string& kind) {
  std::vector<std::string> versions;
  const std::string prefix = group + "/";
  const std::string suffix = " " + kind;
  for (const std::string& api_kind : api_kinds) {
    if (api_kind.starts_with(prefix) && api_kind.ends_with(suffix) &&
        api_kind.size() > prefix.size() + suffix.size()) {
      versions.push_back(api_kind.substr(prefix.size(), api_kind.size() - prefix.size() - suffix.size()));
    }
  }
  return versions;
}

std::string Bundle(const WantedCrd& crd) {
  return fmt::format("{} {} channel", crd.bundle_version.empty() ? "(no bundle-version)" : crd.bundle_version,
                     crd.channel.empty() ? "no" : crd.channel);
}

// "v1.4.1" -> "v1.4.0": the oldest bundle of the same minor.
std::string MinorFloor(const std::string& version) {
  const std::size_t last_dot = version.rfind('.');
  return last_dot == std::string::npos ? version : version.substr(0, last_dot) + ".0";
}

std::string Owners(const std::vector<std::string>& owners) {
  std::set<std::string> distinct(owners.begin(), owners.end());
  return fmt::format("{}", fmt::join(distinct, "; "));
}

constexpr std::string_view kTakeOverHint =
    "have the owner install what the release needs, or, if dot-apps is to manage them from now on, add "
    "--take-over-crds (agree with their owner first: its next apply changes them back)";

}  // namespace

CrdOwnership ClassifyCrd(const LiveCrd* live, const std::string& release, const std::string& release_namespace,
                         std::string* owner) {
  owner->clear();
  if (live == nullptr) return CrdOwnership::kMissing;
  if (!live->helm_release.empty()) {
    if (live->helm_release == release && live->helm_release_namespace == release_namespace) return CrdOwnership::kOurs;
    *owner = fmt::format("Helm release {} in {}", live->helm_release, live->helm_release_namespace);
    return CrdOwnership::kForeign;
  }
  std::vector<std::string> others;
  for (const std::string& manager : live->spec_managers) {
    if (manager != kOwnFieldManager) others.push_back(manager);
  }
  if (others.empty() && !live->spec_managers.empty()) return CrdOwnership::kOurs;
  // No field manager at all: made before the API server recorded them; whose is unknown.
  // Both own fields: what a force-conflicts apply over another owner's CRD
  // leaves (fields of equal value stay shared); the other owner still manages it.
  const bool shared = others.size() < live->spec_managers.size();
  *owner = others.empty() ? std::string("an unknown owner (no field manager recorded)")
                          : fmt::format("field manager {}{}", fmt::join(others, ", "),
                                        shared ? fmt::format(" (beside {}'s own apply)", kOwnFieldManager) : "");
  return CrdOwnership::kForeign;
}

namespace {

// The CRDs the driver would apply, each with what its document says: those of
// the crds/ folders, then the templated ones (parsed for their group, kind and
// versions).
std::vector<WantedCrd> WantedCrdsOf(const CrdsToApply& wanted_crds) {
  std::vector<WantedCrd> wanted;
  for (const CrdRecord* record : wanted_crds.from_crds_folders) {
    wanted.push_back(FromRecord(*record));
    wanted.back().record = record;
  }
  for (const auto& templated : wanted_crds.templated) {
    std::vector<CrdRecord> parsed = ParseCrds(templated.second, /*templated=*/false);
    WantedCrd crd = parsed.empty() ? WantedCrd{} : FromRecord(parsed.front());
    crd.name = templated.first;
    crd.chart.clear();
    crd.templated = &templated;
    wanted.push_back(std::move(crd));
  }
  return wanted;
}

// The wanted CRDs against the live ones: whose each is (by index into `wanted`).
struct WantedAgainstLive {
  std::vector<WantedCrd> wanted;
  std::map<std::string, const LiveCrd*> live_by_name;
  std::vector<CrdOwnership> ownership;
  std::vector<std::string> owner;
};

// What the judging steps decide besides the plan's notes: the refusals, and
// the CRDs left alone (not applied).
struct CrdVerdicts {
  std::vector<std::string> refusals;
  std::set<std::string> left_alone;
};

// The Gateway API bundle: one installation, judged as one.
void JudgeGatewayApiCrds(const WantedAgainstLive& crds, const std::vector<std::string>& rendered_api_kinds,
                         bool take_over, CrdPlan* plan, CrdVerdicts* verdicts) {
  const std::vector<WantedCrd>& wanted = crds.wanted;
  const std::map<std::string, const LiveCrd*>& live_by_name = crds.live_by_name;
  std::vector<std::size_t> gateway_api, gateway_api_foreign;
  for (std::size_t i = 0; i < wanted.size(); ++i) {
    if (!IsGatewayApiGroup(wanted[i].group)) continue;
    gateway_api.push_back(i);
    if (crds.ownership[i] == CrdOwnership::kForeign) gateway_api_foreign.push_back(i);
  }
  if (gateway_api_foreign.empty()) return;
  const WantedCrd& shipped = wanted[gateway_api.front()];
  std::vector<std::string> owners, names;
  std::vector<LiveCrd> live_bundle;
  std::vector<std::pair<std::string, std::string>> names_by_kind;
  for (std::size_t i : gateway_api) {
    names_by_kind.emplace_back(wanted[i].kind, wanted[i].name);
    if (auto found = live_by_name.find(wanted[i].name); found != live_by_name.end()) {
      live_bundle.push_back(*found->second);
    }
  }
  for (std::size_t i : gateway_api_foreign) {
    owners.push_back(crds.owner[i]);
    names.push_back(wanted[i].name);
  }
  GatewayApiNeeds needs = EnvoyGatewayNeeds();
  needs.shipped_by = shipped.chart.empty() ? needs.shipped_by : shipped.chart;
  needs.shipped_version = shipped.bundle_version;
  needs.shipped_channel = shipped.channel;
  needs.minimum_version = MinorFloor(shipped.bundle_version);
  AddRenderedNeeds(rendered_api_kinds, names_by_kind, &needs);
  const GatewayApiVerdict verdict = JudgeGatewayApiBundle(live_bundle, needs);
  if (take_over) {
    plan->notes.push_back(fmt::format(
        "--take-over-crds: applying {}'s Gateway API bundle {} over {} CRDs managed by {} ({})", needs.shipped_by,
        Bundle(shipped), gateway_api_foreign.size(), Owners(owners), verdict.found));
  } else if (verdict.compatible) {
    std::vector<std::string> absent;
    for (std::size_t i : gateway_api) {
      if (!live_by_name.contains(wanted[i].name)) absent.push_back(wanted[i].name);
    }
    plan->notes.push_back(fmt::format(
        "Gateway API CRDs {}, managed by {}: left alone; {} ships {}. They serve what Envoy Gateway's controller "
        "and the release use ({}){}; --take-over-crds would apply {}'s bundle over them",
        verdict.found, Owners(owners), needs.shipped_by, Bundle(shipped), fmt::join(verdict.served, ", "),
        absent.empty() ? std::string()
                       : fmt::format("; not added beside them (one bundle, one owner): {} (Envoy Gateway leaves "
                                     "what needs them off)",
                                     fmt::join(absent, ", ")),
        needs.shipped_by));
    for (std::size_t i : gateway_api) verdicts->left_alone.insert(wanted[i].name);
  } else {
    std::vector<std::string> required;
    for (const CrdNeed& need : needs.required) {
      required.push_back(fmt::format("{} {}", need.kind, fmt::join(need.versions, ", ")));
    }
    verdicts->refusals.push_back(fmt::format(
        "the Gateway API CRDs {} are managed by {} and hold {}: {}. Envoy Gateway and the release need one bundle, "
        "{} or later, serving {} ({} ships {})",
        fmt::join(names, ", "), Owners(owners), verdict.found, fmt::join(verdict.problems, "; "),
        needs.minimum_version, fmt::join(required, ", "), needs.shipped_by, Bundle(shipped)));
  }
}

// Every other foreign CRD, one by one; the templated ones, by owner.
void JudgeOtherForeignCrds(const WantedAgainstLive& crds, const std::vector<std::string>& rendered_api_kinds,
                           bool take_over, CrdPlan* plan, CrdVerdicts* verdicts) {
  std::map<std::string, std::vector<std::string>> templated_by_owner;
  for (std::size_t i = 0; i < crds.wanted.size(); ++i) {
    const WantedCrd& crd = crds.wanted[i];
    const std::string& owner = crds.owner[i];
    if (crds.ownership[i] != CrdOwnership::kForeign || IsGatewayApiGroup(crd.group)) continue;
    if (take_over) {
      plan->notes.push_back(fmt::format("--take-over-crds: applying CRD {} over {}", crd.name, owner));
      continue;
    }
    if (crd.templated != nullptr) {
      templated_by_owner[owner].push_back(crd.name);
      continue;
    }
    std::vector<std::string> needed = RenderedVersions(rendered_api_kinds, crd.group, crd.kind);
    if (!crd.storage.empty() && std::find(needed.begin(), needed.end(), crd.storage) == needed.end()) {
      needed.insert(needed.begin(), crd.storage);
    }
    const LiveCrd& found = *crds.live_by_name.at(crd.name);
    std::vector<std::string> unserved;
    for (const std::string& version : needed) {
      if (std::find(found.served_versions.begin(), found.served_versions.end(), version) ==
          found.served_versions.end()) {
        unserved.push_back(version);
      }
    }
    if (unserved.empty()) {
      plan->notes.push_back(fmt::format("CRD {}, managed by {}: left alone; it serves {} ({}'s copy stores {})",
                                        crd.name, owner, fmt::join(found.served_versions, ", "), crd.chart,
                                        crd.storage));
      verdicts->left_alone.insert(crd.name);
    } else {
      verdicts->refusals.push_back(
          fmt::format("CRD {} is managed by {} and does not serve {} (it serves {}; {}'s copy stores {})", crd.name,
                      owner, fmt::join(unserved, ", "), fmt::join(found.served_versions, ", "), crd.chart,
                      crd.storage));
    }
  }

  for (const auto& [by, names] : templated_by_owner) {
    verdicts->refusals.push_back(
        fmt::format("CRDs {} are managed by {}, and this release templates them: Helm would refuse "
                    "to adopt them (\"exists and cannot be imported\"); switch that component off "
                    "in this release to use the other installation's",
                    fmt::join(names, ", "), by));
  }
}

}  // namespace

CrdPlan PlanCrdApply(const CrdsToApply& wanted_crds, const std::vector<LiveCrd>& live,
                     const std::vector<std::string>& rendered_api_kinds, const std::string& release,
                     const std::string& release_namespace, bool take_over) {
  WantedAgainstLive crds;
  crds.wanted = WantedCrdsOf(wanted_crds);
  for (const LiveCrd& crd : live) crds.live_by_name[crd.name] = &crd;
  crds.ownership.resize(crds.wanted.size());
  crds.owner.resize(crds.wanted.size());
  for (std::size_t i = 0; i < crds.wanted.size(); ++i) {
    auto found = crds.live_by_name.find(crds.wanted[i].name);
    crds.ownership[i] = ClassifyCrd(found == crds.live_by_name.end() ? nullptr : found->second, release,
                                    release_namespace, &crds.owner[i]);
  }

  CrdPlan plan;
  CrdVerdicts verdicts;
  JudgeGatewayApiCrds(crds, rendered_api_kinds, take_over, &plan, &verdicts);
  JudgeOtherForeignCrds(crds, rendered_api_kinds, take_over, &plan, &verdicts);
  if (!verdicts.refusals.empty()) {
    plan.refusal = fmt::format("not changing CRDs another owner manages: {}; nothing was changed",
                               fmt::join(verdicts.refusals, "; "));
    plan.hint = std::string(kTakeOverHint);
    return plan;
  }
  for (const WantedCrd& crd : crds.wanted) {
    if (verdicts.left_alone.contains(crd.name)) continue;
    if (crd.record != nullptr) plan.to_apply.from_crds_folders.push_back(crd.record);
    if (crd.templated != nullptr) plan.to_apply.templated.push_back(*crd.templated);
  }
  return plan;
}

void DropUnchangedCrds(const std::vector<LiveCrd>& live, const std::string& release,
                       const std::string& release_namespace, CrdsToApply* to_apply,
                       std::vector<std::string>* unchanged) {
  std::map<std::string_view, const LiveCrd*> by_name;
  for (const LiveCrd& crd : live) by_name[crd.name] = &crd;
  const auto as_applied = [&](const std::string& name, std::string_view manifest, bool templated) {
    const auto found = by_name.find(name);
    if (found == by_name.end()) return false;
    const LiveCrd& crd = *found->second;
    if (!crd.established || crd.applied_digest.empty() || crd.applied_digest != ManifestDigest(manifest)) return false;
    if (crd.spec_managers != std::vector<std::string>{std::string(kOwnFieldManager)}) return false;
    if (crd.generation != 1) return false;
    return !templated || (crd.helm_release == release && crd.helm_release_namespace == release_namespace);
  };
  std::vector<const CrdRecord*> folders;
  for (const CrdRecord* crd : to_apply->from_crds_folders) {
    if (as_applied(crd->name, crd->text, false)) {
      unchanged->push_back(crd->name);
    } else {
      folders.push_back(crd);
    }
  }
  std::vector<std::pair<std::string, std::string>> templated;
  for (auto& [name, text] : to_apply->templated) {
    if (as_applied(name, text, true)) {
      unchanged->push_back(name);
    } else {
      templated.emplace_back(std::move(name), std::move(text));
    }
  }
  to_apply->from_crds_folders = std::move(folders);
  to_apply->templated = std::move(templated);
}

Command LiveCrdListCommand(const std::string& kubectl) {
  Command command;
  command.argv = {kubectl, "get", "--raw", std::string(kCrdListPath)};
  command.purpose = "reading the CRDs on the cluster";
  return command;
}

int ReadLiveCrds(DriverContext& context, const std::string& kubectl, const std::vector<std::string>& names,
                 std::vector<LiveCrd>* live) {
  if (names.empty()) return kExitOk;
  // One list, as the API server answers it: `kubectl get crd NAME...` makes a
  // request per name, and kubectl's client-side rate limit (a burst of 10, then
  // 5 a second) made that four seconds for 30 CRDs; `-o json` would re-indent
  // megabytes of schemas. The list carries managedFields (who applied each).
  const Command command = LiveCrdListCommand(kubectl);
  context.Progress(command.purpose);
  ProcessResult result = context.runner->Run(command);
  if (result.skipped || (context.dry_run && result.Ok() && result.out.empty())) return kExitOk;
  if (!result.Ok()) {
    if (!result.err.empty()) *context.err << result.err << (result.err.back() == '\n' ? "" : "\n");
    context.Error(fmt::format("{} failed: {}", command.purpose,
                              result.start_error.empty() ? fmt::format("exit {}", result.exit_code) : result.start_error),
                  "check the cluster connection (kubectl config current-context) and that you may list CRDs");
    return kExitFailed;
  }
  // What ReadLiveCrd reads, nothing else: a CRD's schemas are nearly all of
  // its bytes and are skipped while parsing.
  KeptFields kept;
  kept.paths = {"metadata.generation", "spec.group",           "spec.names.kind",
                "spec.versions.name",  "spec.versions.served", "status.conditions"};
  kept.managed_fields = true;
  std::vector<YAML::Node> items;
  std::string error;
  if (!ParseListItems(result.out, kept, &items, &error)) {
    context.Error(fmt::format("{}: kubectl's answer is not a list: {}", command.purpose, error));
    return kExitFailed;
  }
  for (const YAML::Node& item : items) {
    LiveCrd crd = ReadLiveCrd(item);
    if (std::find(names.begin(), names.end(), crd.name) != names.end()) live->push_back(std::move(crd));
  }
  return kExitOk;
}

std::vector<std::string> ArchivesOfRenderedCharts(const std::string& chart_dir, const std::vector<std::string>& charts) {
  std::vector<std::string> archives;
  std::vector<PinnedDependency> pinned;
  std::string error;
  if (!ReadPinnedDependencies(chart_dir, &pinned, &error)) return archives;
  for (const DependencyStatus& status : CheckDependencies(chart_dir, pinned)) {
    if (status.Ok() && std::find(charts.begin(), charts.end(), status.pinned.name) != charts.end()) {
      archives.push_back(status.archive);
    }
  }
  return archives;
}

int SettleReleaseCrds(DriverContext& context, const PreparedRelease& prepared, const RenderedRelease& rendered,
                      const std::string& kubectl, bool with_templated, bool take_over, bool skip_unchanged,
                      CrdInventory* inventory, CrdsToApply* to_apply) {
  std::string error;
  if (!ReadCrdInventory(ArchivesOfRenderedCharts(prepared.workspace.chart_dir, rendered.charts), inventory, &error)) {
    context.Error(error);
    return kExitFailed;
  }
  for (const std::string& note : inventory->notes) context.Say(note);
  CrdsToApply wanted;
  wanted.from_crds_folders = inventory->Applicable();
  if (with_templated) wanted.templated = rendered.crds;
  std::vector<std::string> names;
  for (const CrdRecord* crd : wanted.from_crds_folders) names.push_back(crd->name);
  for (const auto& [name, text] : wanted.templated) names.push_back(name);
  std::vector<LiveCrd> live;
  int code = ReadLiveCrds(context, kubectl, names, &live);
  if (code != kExitOk) return code;
  CrdPlan plan = PlanCrdApply(wanted, live, rendered.api_kinds, prepared.release, prepared.release_namespace,
                              take_over);
  if (!plan.refusal.empty()) {
    context.Error(plan.refusal, plan.hint);
    return kExitUsage;
  }
  for (const std::string& note : plan.notes) context.Say(note);
  *to_apply = std::move(plan.to_apply);
  // What is on the cluster as dotk8s applied it is not sent again: an
  // unchanged upgrade spends no time on CRDs (they are most of its bytes).
  std::vector<std::string> unchanged;
  if (skip_unchanged) DropUnchangedCrds(live, prepared.release, prepared.release_namespace, to_apply, &unchanged);
  for (const LiveCrd& crd : live) {
    if (crd.established) to_apply->established.push_back(crd.name);
  }
  if (!unchanged.empty()) {
    context.Progress(fmt::format("{} CRDs are on the cluster as dotk8s applied them: not applied again",
                                 unchanged.size()));
  }
  return kExitOk;
}

}  // namespace dotk8s
