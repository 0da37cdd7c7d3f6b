// Whose are the CRDs the driver would apply (crd_ownership.h), and is a
// Gateway API bundle someone else installed good enough (gateway_api_bundle.h)?
// The live CRDs are recorded from a real API server (kube-apiserver 1.35.4 of
// tests/cluster/controlplane) by tests/cluster/record-crd-ownership.sh;
// the CRDs to apply are the upstream files of the shared fixtures.
#include <fmt/format.h>
#include <fmt/ranges.h>
#include <gtest/gtest.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <filesystem>
#include <set>

#include "driver/cluster/gateway_api_bundle.h"
#include "driver/release/crd_ownership.h"
#include "fakes/release_documents.h"
#include "test_support.h"

namespace dotk8s::testing {
namespace {

std::string Recorded(const std::string& name) {
  return std::string(DOTK8S_SOURCE_DIR) + "/tests/testdata/crd-ownership/" + name + "/customresourcedefinitions.apiextensions.k8s.io.json";
}

std::vector<YAML::Node> RecordedItems(const std::string& name) {
  std::vector<YAML::Node> items;
  for (const YAML::Node& item : YAML::LoadFile(Recorded(name))["items"]) items.push_back(item);
  return items;
}

std::vector<LiveCrd> RecordedLive(const std::string& name) {
  std::vector<LiveCrd> live;
  for (const YAML::Node& item : RecordedItems(name)) live.push_back(ReadLiveCrd(item));
  return live;
}

const LiveCrd* Find(const std::vector<LiveCrd>& live, const std::string& name) {
  auto found = std::find_if(live.begin(), live.end(), [&](const LiveCrd& crd) { return crd.name == name; });
  return found == live.end() ? nullptr : &*found;
}

// What the driver applies with Envoy Gateway on: gateway-helm 1.7.0's crds/.
struct EnvoyGatewayCrds {
  std::vector<CrdRecord> records;
  EnvoyGatewayCrds() {
    for (const auto& entry : std::filesystem::recursive_directory_iterator(FixturePath("crds/gateway-helm-1.7.0"))) {
      if (entry.path().extension() != ".yaml") continue;
      for (CrdRecord& record : ParseCrds(ReadFile(entry.path().string()), /*templated=*/false)) {
        record.chart = "gateway-helm-1.7.0";
        record.chart_name = "gateway-helm";
        records.push_back(std::move(record));
      }
    }
    std::sort(records.begin(), records.end(), [](const CrdRecord& a, const CrdRecord& b) { return a.name < b.name; });
  }
  CrdsToApply All() const {
    CrdsToApply crds;
    for (const CrdRecord& record : records) crds.from_crds_folders.push_back(&record);
    return crds;
  }
};

std::set<std::string> Names(const CrdsToApply& crds) {
  std::set<std::string> names;
  for (const CrdRecord* record : crds.from_crds_folders) names.insert(record->name);
  for (const auto& [name, text] : crds.templated) names.insert(name);
  return names;
}

std::set<std::string> GatewayApiNames(const std::set<std::string>& names) {
  std::set<std::string> gateway_api;
  for (const std::string& name : names) {
    if (name.find(".gateway.networking.") != std::string::npos) gateway_api.insert(name);
  }
  return gateway_api;
}

// What `--profile gateway` renders of the Gateway API (dotk8s-post's GatewayClass and Gateway).
const std::vector<std::string> kGatewayProfileKinds = {"apps/v1 Deployment", "gateway.networking.k8s.io/v1 Gateway",
                                                       "gateway.networking.k8s.io/v1 GatewayClass"};

TEST(CrdOwnershipTest, ClassifiesTheRecordedOwners) {
  std::string owner;
  // Traefik's standard bundle applied server-side by another team; Envoy
  // Gateway's own CRDs applied by dotk8s; the experimental kinds absent.
  std::vector<LiveCrd> live = RecordedLive("standard-another-team");
  EXPECT_EQ(ClassifyCrd(Find(live, "httproutes.gateway.networking.k8s.io"), "dot-apps", "dot-system", &owner),
            CrdOwnership::kForeign);
  EXPECT_EQ(owner, "field manager another-team");
  EXPECT_EQ(ClassifyCrd(Find(live, "envoyproxies.gateway.envoyproxy.io"), "dot-apps", "dot-system", &owner),
            CrdOwnership::kOurs);
  EXPECT_EQ(owner, "");
  EXPECT_EQ(Find(live, "tcproutes.gateway.networking.k8s.io"), nullptr);
  EXPECT_EQ(ClassifyCrd(nullptr, "dot-apps", "dot-system", &owner), CrdOwnership::kMissing);

  // After --take-over-crds: dotk8s owns what it changed, the other team keeps
  // the fields of equal value (server-side apply shares them): still theirs too.
  live = RecordedLive("taken-over");
  EXPECT_EQ(ClassifyCrd(Find(live, "httproutes.gateway.networking.k8s.io"), "dot-apps", "dot-system", &owner),
            CrdOwnership::kForeign);
  EXPECT_EQ(owner, "field manager another-team (beside dotk8s's own apply)");
  EXPECT_EQ(ClassifyCrd(Find(live, "tcproutes.gateway.networking.k8s.io"), "dot-apps", "dot-system", &owner),
            CrdOwnership::kOurs);

  // KEDA installed by its own chart as Helm release keda in keda: Helm's marks name the owner.
  live = RecordedLive("keda-release");
  const LiveCrd* scaled_objects = Find(live, "scaledobjects.keda.sh");
  ASSERT_NE(scaled_objects, nullptr);
  EXPECT_EQ(scaled_objects->spec_managers, std::vector<std::string>{"helm"});
  EXPECT_EQ(ClassifyCrd(scaled_objects, "dot-apps", "dot-system", &owner), CrdOwnership::kForeign);
  EXPECT_EQ(owner, "Helm release keda in keda");
  EXPECT_EQ(ClassifyCrd(scaled_objects, "keda", "keda", &owner), CrdOwnership::kOurs);
}

TEST(CrdOwnershipTest, AnotherTeamsCompatibleStandardBundleIsLeftAloneWhole) {
  EnvoyGatewayCrds envoy;
  CrdPlan plan = PlanCrdApply(envoy.All(), RecordedLive("standard-another-team"), kGatewayProfileKinds, "dot-apps",
                              "dot-system", /*take_over=*/false);
  EXPECT_EQ(plan.refusal, "");
  // None of the bundle, not even the kinds it lacks; Envoy Gateway's own CRDs (ours) as always.
  std::set<std::string> applied = Names(plan.to_apply);
  EXPECT_EQ(GatewayApiNames(applied), std::set<std::string>{});
  EXPECT_EQ(applied.size(), 8u) << fmt::format("{}", fmt::join(applied, " "));
  EXPECT_TRUE(applied.contains("envoyproxies.gateway.envoyproxy.io"));
  ASSERT_EQ(plan.notes.size(), 1u);
  EXPECT_EQ(plan.notes[0],
            "Gateway API CRDs v1.4.0 standard channel, managed by field manager another-team: left alone; "
            "gateway-helm-1.7.0 ships v1.4.1 experimental channel. They serve what Envoy Gateway's controller and the "
            "release use (GatewayClass v1, Gateway v1, HTTPRoute v1, ReferenceGrant v1beta1); not added beside them "
            "(one bundle, one owner): tcproutes.gateway.networking.k8s.io, tlsroutes.gateway.networking.k8s.io, "
            "udproutes.gateway.networking.k8s.io, xbackendtrafficpolicies.gateway.networking.x-k8s.io, "
            "xlistenersets.gateway.networking.x-k8s.io, xmeshes.gateway.networking.x-k8s.io (Envoy Gateway leaves "
            "what needs them off); --take-over-crds would apply gateway-helm-1.7.0's bundle over them");
}

TEST(CrdOwnershipTest, AReleaseThatRendersAKindTheStandardChannelLacksIsRefused) {
  EnvoyGatewayCrds envoy;
  std::vector<std::string> kinds = kGatewayProfileKinds;
  kinds.push_back("gateway.networking.k8s.io/v1alpha2 TCPRoute");
  CrdPlan plan = PlanCrdApply(envoy.All(), RecordedLive("standard-another-team"), kinds, "dot-apps", "dot-system",
                              /*take_over=*/false);
  EXPECT_TRUE(plan.to_apply.from_crds_folders.empty());
  EXPECT_EQ(plan.refusal,
            "not changing CRDs another owner manages: the Gateway API CRDs "
            "backendtlspolicies.gateway.networking.k8s.io, gatewayclasses.gateway.networking.k8s.io, "
            "gateways.gateway.networking.k8s.io, grpcroutes.gateway.networking.k8s.io, "
            "httproutes.gateway.networking.k8s.io, referencegrants.gateway.networking.k8s.io are managed by field "
            "manager another-team and hold v1.4.0 standard channel: tcproutes.gateway.networking.k8s.io (TCPRoute) is "
            "missing. Envoy Gateway and the release need one bundle, v1.4.0 or later, serving GatewayClass v1, "
            "Gateway v1, HTTPRoute v1, ReferenceGrant v1beta1, TCPRoute v1alpha2 (gateway-helm-1.7.0 ships v1.4.1 "
            "experimental channel); nothing was changed");
  EXPECT_EQ(plan.hint,
            "have the owner install what the release needs, or, if dot-apps is to manage them from now on, add "
            "--take-over-crds (agree with their owner first: its next apply changes them back)");
}

TEST(CrdOwnershipTest, ABundleWithoutReferenceGrantsIsRefused) {
  EnvoyGatewayCrds envoy;
  CrdPlan plan = PlanCrdApply(envoy.All(), RecordedLive("standard-without-referencegrants"), kGatewayProfileKinds,
                              "dot-apps", "dot-system", /*take_over=*/false);
  EXPECT_NE(plan.refusal.find("are managed by field manager another-team and hold v1.4.0 standard channel: "
                              "referencegrants.gateway.networking.k8s.io (ReferenceGrant) is missing."),
            std::string::npos)
      << plan.refusal;
  EXPECT_TRUE(Names(plan.to_apply).empty());
}

TEST(CrdOwnershipTest, TakingOverAppliesEveryCrdAndSaysWhose) {
  EnvoyGatewayCrds envoy;
  CrdPlan plan = PlanCrdApply(envoy.All(), RecordedLive("standard-without-referencegrants"), kGatewayProfileKinds,
                              "dot-apps", "dot-system", /*take_over=*/true);
  EXPECT_EQ(plan.refusal, "");
  EXPECT_EQ(Names(plan.to_apply).size(), envoy.records.size());
  EXPECT_EQ(plan.notes, std::vector<std::string>{
                            "--take-over-crds: applying gateway-helm-1.7.0's Gateway API bundle v1.4.1 experimental "
                            "channel over 5 CRDs managed by field manager another-team (v1.4.0 standard channel)"});
}

TEST(CrdOwnershipTest, OurOwnCrdsAreAppliedWithoutAWord) {
  EnvoyGatewayCrds envoy;
  CrdPlan plan = PlanCrdApply(envoy.All(), RecordedLive("ours"), kGatewayProfileKinds, "dot-apps", "dot-system",
                              /*take_over=*/false);
  EXPECT_EQ(plan.refusal, "");
  EXPECT_TRUE(plan.notes.empty());
  EXPECT_EQ(Names(plan.to_apply).size(), envoy.records.size());
  // The same with nothing on the cluster.
  plan = PlanCrdApply(envoy.All(), {}, kGatewayProfileKinds, "dot-apps", "dot-system", false);
  EXPECT_EQ(Names(plan.to_apply).size(), envoy.records.size());
  EXPECT_TRUE(plan.notes.empty());
}

// An upgrade does not send again what dotk8s applied and nobody changed since:
// on the recorded cluster after `dotk8s install`, each of Envoy Gateway's CRDs
// carries the digest of its manifest and dotk8s alone manages its spec.
TEST(CrdOwnershipTest, WhatDotk8sAppliedAndNobodyChangedIsNotAppliedAgain) {
  EnvoyGatewayCrds envoy;
  CrdsToApply crds = envoy.All();
  std::vector<std::string> unchanged;
  DropUnchangedCrds(RecordedLive("ours"), "dot-apps", "dot-system", &crds, &unchanged);
  EXPECT_TRUE(crds.from_crds_folders.empty()) << fmt::format("{}", fmt::join(Names(crds), ", "));
  EXPECT_EQ(std::set<std::string>(unchanged.begin(), unchanged.end()), Names(envoy.All()));

  // Another chart version's manifest (one byte differs): applied.
  CrdRecord changed = envoy.records.front();
  changed.text += "# another chart version\n";
  CrdsToApply one;
  one.from_crds_folders = {&changed};
  unchanged.clear();
  DropUnchangedCrds(RecordedLive("ours"), "dot-apps", "dot-system", &one, &unchanged);
  EXPECT_EQ(one.from_crds_folders.size(), 1u);
  EXPECT_TRUE(unchanged.empty());
}

// What would make a CRD differ from what dotk8s applied, each on one of the
// recorded CRDs: its spec changed since creation (generation 2: also an edit
// that only removed fields, which names no new manager), another manager on
// its spec, not Established, a templated one without this release's marks.
TEST(CrdOwnershipTest, AnyChangeSinceTheApplyMeansItIsAppliedAgain) {
  EnvoyGatewayCrds envoy;
  const std::vector<LiveCrd> recorded = RecordedLive("ours");
  const LiveCrd* gateways = Find(recorded, "gateways.gateway.networking.k8s.io");
  ASSERT_NE(gateways, nullptr);
  ASSERT_EQ(gateways->generation, 1);
  const CrdRecord* record = nullptr;
  for (const CrdRecord& candidate : envoy.records) {
    if (candidate.name == gateways->name) record = &candidate;
  }
  ASSERT_NE(record, nullptr);
  const auto applied_again = [&](const LiveCrd& live, bool templated, const std::string& release) {
    CrdsToApply crds;
    if (templated) {
      crds.templated = {{record->name, record->text}};
    } else {
      crds.from_crds_folders = {record};
    }
    std::vector<std::string> unchanged;
    DropUnchangedCrds({live}, release, "dot-system", &crds, &unchanged);
    return unchanged.empty();
  };
  EXPECT_FALSE(applied_again(*gateways, false, "dot-apps"));  // as recorded: unchanged
  LiveCrd edited = *gateways;
  edited.generation = 2;
  EXPECT_TRUE(applied_again(edited, false, "dot-apps"));
  LiveCrd shared = *gateways;
  shared.spec_managers.push_back("kubectl-edit");
  EXPECT_TRUE(applied_again(shared, false, "dot-apps"));
  LiveCrd pending = *gateways;
  pending.established = false;
  EXPECT_TRUE(applied_again(pending, false, "dot-apps"));
  // Templated (Helm 3's KEDA CRDs): also this release's Helm marks.
  LiveCrd marked = *gateways;
  marked.helm_release = "dot-apps";
  marked.helm_release_namespace = "dot-system";
  EXPECT_FALSE(applied_again(marked, true, "dot-apps"));
  EXPECT_TRUE(applied_again(marked, true, "another-release"));
  EXPECT_TRUE(applied_again(*gateways, true, "dot-apps"));  // no marks
}

// Taken over from another team (`--take-over-crds`): their field manager still
// shares the spec fields of the CRDs their bundle had, so those are applied
// each time; the rest (Envoy Gateway's own, the experimental kinds dotk8s
// added), dotk8s's alone, are not.
TEST(CrdOwnershipTest, ACrdAnotherManagerSharesIsAppliedEachTime) {
  EnvoyGatewayCrds envoy;
  const std::vector<LiveCrd> live = RecordedLive("taken-over");
  std::set<std::string> shared;
  for (const LiveCrd& crd : live) {
    if (std::find(crd.spec_managers.begin(), crd.spec_managers.end(), "another-team") != crd.spec_managers.end()) {
      shared.insert(crd.name);
    }
  }
  EXPECT_EQ(shared.size(), 6u);  // the standard channel's kinds their bundle had
  CrdsToApply crds = envoy.All();
  std::vector<std::string> unchanged;
  DropUnchangedCrds(live, "dot-apps", "dot-system", &crds, &unchanged);
  EXPECT_EQ(Names(crds), shared);
  EXPECT_EQ(unchanged.size(), envoy.records.size() - shared.size());
}

// The digest goes in as one more annotation; every other byte of the chart's
// manifest is kept.
TEST(CrdOwnershipTest, TheAppliedDigestIsAddedSurgically) {
  EnvoyGatewayCrds envoy;
  for (const CrdRecord& record : envoy.records) {
    const std::string marked = WithAppliedDigest(record.text);
    const std::string line = fmt::format("    {}: {}\n", kAppliedDigestKey, ManifestDigest(record.text));
    const std::size_t at = marked.find(line);
    ASSERT_NE(at, std::string::npos) << record.name;
    EXPECT_EQ(std::string(marked).erase(at, line.size()), record.text) << record.name;
    EXPECT_EQ(YAML::Load(marked)["metadata"]["annotations"][std::string(kAppliedDigestKey)].as<std::string>(),
              ManifestDigest(record.text));
  }
  // Not one mapping document: sent as it is (and never skipped later).
  EXPECT_EQ(WithAppliedDigest("- a\n- b\n"), "- a\n- b\n");
}

TEST(CrdOwnershipTest, AnotherReleasesKedaCrdsAreNeverMarkedForThisOne) {
  // The CRD this release templates (what the render holds, as a crds apply under Helm 3 gets it).
  std::string text(kKedaScaledObjectCrd);
  CrdsToApply templated;
  templated.templated = {{"scaledobjects.keda.sh", text}};
  const std::vector<LiveCrd> live = RecordedLive("keda-release");
  CrdPlan plan = PlanCrdApply(templated, live, {"keda.sh/v1alpha1 ScaledObject"}, "dot-apps", "envoy-gateway-system",
                              false);
  EXPECT_EQ(plan.refusal,
            "not changing CRDs another owner manages: CRDs scaledobjects.keda.sh are managed by Helm release keda in "
            "keda, and this release templates them: Helm would refuse to adopt them (\"exists and cannot be "
            "imported\"); switch that component off in this release to use the other installation's; nothing was "
            "changed");
  EXPECT_TRUE(plan.to_apply.templated.empty());
  // With the flag: applied, and marked (ApplyCrdsForRelease marks what to_apply.templated holds).
  plan = PlanCrdApply(templated, live, {}, "dot-apps", "envoy-gateway-system", true);
  EXPECT_EQ(plan.refusal, "");
  ASSERT_EQ(plan.to_apply.templated.size(), 1u);
  EXPECT_EQ(plan.notes, std::vector<std::string>{"--take-over-crds: applying CRD scaledobjects.keda.sh over Helm "
                                                 "release keda in keda"});

  // The same CRD from a crds/ folder (not templated): it serves what the
  // release uses, so another owner's copy is left alone.
  std::vector<CrdRecord> records = ParseCrds(text, false);
  ASSERT_EQ(records.size(), 1u);
  records[0].chart = "keda-2.19.0";
  CrdsToApply plain;
  plain.from_crds_folders = {&records[0]};
  plan = PlanCrdApply(plain, live, {"keda.sh/v1alpha1 ScaledObject"}, "dot-apps", "dot-system", false);
  EXPECT_EQ(plan.refusal, "");
  EXPECT_TRUE(Names(plan.to_apply).empty());
  EXPECT_EQ(plan.notes, std::vector<std::string>{"CRD scaledobjects.keda.sh, managed by Helm release keda in keda: left "
                                                 "alone; it serves v1alpha1 (keda-2.19.0's copy stores v1alpha1)"});
  // A version it does not serve is refused.
  plan = PlanCrdApply(plain, live, {"keda.sh/v1 ScaledObject"}, "dot-apps", "dot-system", false);
  EXPECT_EQ(plan.refusal,
            "not changing CRDs another owner manages: CRD scaledobjects.keda.sh is managed by Helm release keda in "
            "keda and does not serve v1 (it serves v1alpha1; keda-2.19.0's copy stores v1alpha1); nothing was "
            "changed");
}

TEST(GatewayApiBundleTest, VerifyJudgesTheBundleNotItsOwner) {
  // Envoy Gateway's own bundle: the line the healthy report always gave.
  ClusterCheck ours = CheckGatewayApiBundle(RecordedItems("ours"));
  EXPECT_EQ(ours.status, CheckStatus::kOk);
  EXPECT_EQ(ours.found, "12 CRDs, bundle-version v1.4.1, channel experimental");
  // Another team's standard channel: ok, and said.
  ClusterCheck standard = CheckGatewayApiBundle(RecordedItems("standard-another-team"));
  EXPECT_EQ(standard.status, CheckStatus::kOk);
  EXPECT_EQ(standard.found,
            "6 CRDs, bundle-version v1.4.0, channel standard (not the v1.4.1 experimental gateway-helm-1.7.0 ships; "
            "it serves GatewayClass v1, Gateway v1, HTTPRoute v1, ReferenceGrant v1beta1)");
  ClusterCheck partial = CheckGatewayApiBundle(RecordedItems("standard-without-referencegrants"));
  EXPECT_EQ(partial.status, CheckStatus::kFail);
  EXPECT_EQ(partial.found,
            "5 CRDs, v1.4.0 standard channel: referencegrants.gateway.networking.k8s.io (ReferenceGrant) is missing");
  EXPECT_EQ(partial.expected,
            "one bundle, v1.4.0 or later, serving GatewayClass v1, Gateway v1, HTTPRoute v1, ReferenceGrant v1beta1 "
            "(what Envoy Gateway's controller lists; gateway-helm-1.7.0 ships v1.4.1 experimental)");
  ClusterCheck none = CheckGatewayApiBundle({});
  EXPECT_EQ(none.status, CheckStatus::kFail);
  EXPECT_EQ(none.found.substr(0, 43), "0 CRDs, no Gateway API CRDs: gatewayclasses");
}

TEST(GatewayApiBundleTest, BundleVersionsCompareAsNumbers) {
  int order = 0;
  ASSERT_TRUE(CompareBundleVersions("v1.4.0", "v1.4.0", &order));
  EXPECT_EQ(order, 0);
  ASSERT_TRUE(CompareBundleVersions("v1.10.0", "v1.4.0", &order));
  EXPECT_EQ(order, 1);
  ASSERT_TRUE(CompareBundleVersions("v1.3.9", "v1.4.0", &order));
  EXPECT_EQ(order, -1);
  EXPECT_FALSE(CompareBundleVersions("1.4.0", "v1.4.0", &order));
  EXPECT_FALSE(CompareBundleVersions("v1.5.0-rc.1", "v1.4.0", &order));
  EXPECT_FALSE(CompareBundleVersions("", "v1.4.0", &order));
}

TEST(GatewayApiBundleTest, AnOlderBundleOrAMixedOneIsNotCompatible) {
  std::vector<LiveCrd> live = RecordedLive("standard-another-team");
  std::vector<LiveCrd> bundle;
  for (const LiveCrd& crd : live) {
    if (IsGatewayApiGroup(crd.group)) bundle.push_back(crd);
  }
  ASSERT_EQ(bundle.size(), 6u);
  GatewayApiVerdict verdict = JudgeGatewayApiBundle(bundle, EnvoyGatewayNeeds());
  EXPECT_TRUE(verdict.compatible);
  // The same CRDs claiming an older bundle (what v1.3 of another team's install would say).
  std::vector<LiveCrd> older = bundle;
  for (LiveCrd& crd : older) crd.bundle_version = "v1.3.0";
  verdict = JudgeGatewayApiBundle(older, EnvoyGatewayNeeds());
  EXPECT_FALSE(verdict.compatible);
  EXPECT_EQ(verdict.problems, std::vector<std::string>{"bundle v1.3.0 is older than v1.4.0"});
  // Half of them from another bundle: two installations fighting.
  std::vector<LiveCrd> mixed = bundle;
  for (std::size_t i = 0; i < 3; ++i) mixed[i].channel = "experimental";
  verdict = JudgeGatewayApiBundle(mixed, EnvoyGatewayNeeds());
  EXPECT_FALSE(verdict.compatible);
  EXPECT_TRUE(verdict.found.starts_with("a mixed bundle: v1.4.0 experimental channel (backendtlspolicies")) << verdict.found;
}

}  // namespace
}  // namespace dotk8s::testing
