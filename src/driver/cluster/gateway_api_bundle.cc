// Whether the Gateway API CRDs on a cluster serve what Envoy Gateway and the
// release need, whoever installed them: the rule behind leaving another
// team's bundle alone (crd_ownership.cc) and verify's line about the bundle.
#include "driver/cluster/gateway_api_bundle.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <charconv>
#include <set>

namespace dotk8s {
namespace {

constexpr std::string_view kGatewayApiGroupName = "gateway.networking.k8s.io";
constexpr std::string_view kBundleVersionKey = "gateway.networking.k8s.io/bundle-version";
constexpr std::string_view kChannelKey = "gateway.networking.k8s.io/channel";

std::string Scalar(const YAML::Node& node) { return node && node.IsScalar() ? node.Scalar() : std::string(); }

YAML::Node Child(const YAML::Node& node, const char* key) {
  return node && node.IsMap() ? node[key] : YAML::Node(YAML::NodeType::Undefined);
}

bool Contains(const std::vector<std::string>& list, std::string_view value) {
  return std::find(list.begin(), list.end(), value) != list.end();
}

std::string DescribeBundle(const LiveCrd& crd) {
  return fmt::format("{} {}", crd.bundle_version.empty() ? "no bundle-version" : crd.bundle_version,
                     crd.channel.empty() ? "no channel" : crd.channel + " channel");
}

}  // namespace

LiveCrd ReadLiveCrd(const YAML::Node& crd) {
  LiveCrd live;
  const YAML::Node metadata = Child(crd, "metadata");
  const YAML::Node spec = Child(crd, "spec");
  live.name = Scalar(Child(metadata, "name"));
  live.group = Scalar(Child(spec, "group"));
  live.kind = Scalar(Child(Child(spec, "names"), "kind"));
  if (const YAML::Node versions = Child(spec, "versions"); versions && versions.IsSequence()) {
    for (const YAML::Node& version : versions) {
      if (Scalar(Child(version, "served")) == "true") live.served_versions.push_back(Scalar(Child(version, "name")));
    }
  }
  const YAML::Node annotations = Child(metadata, "annotations");
  live.bundle_version = Scalar(Child(annotations, kBundleVersionKey.data()));
  live.channel = Scalar(Child(annotations, kChannelKey.data()));
  live.applied_digest = Scalar(Child(annotations, kAppliedDigestKey.data()));
  const std::string generation = Scalar(Child(metadata, "generation"));
  std::from_chars(generation.data(), generation.data() + generation.size(), live.generation);
  if (Scalar(Child(Child(metadata, "labels"), "app.kubernetes.io/managed-by")) == "Helm") {
    live.helm_release = Scalar(Child(annotations, "meta.helm.sh/release-name"));
    live.helm_release_namespace = Scalar(Child(annotations, "meta.helm.sh/release-namespace"));
  }
  if (const YAML::Node entries = Child(metadata, "managedFields"); entries && entries.IsSequence()) {
    for (const YAML::Node& entry : entries) {
      // An entry owns spec fields when its field set has f:spec (the API
      // server's own entry is for the status subresource and owns none).
      if (!Child(Child(entry, "fieldsV1"), "f:spec")) continue;
      const std::string manager = Scalar(Child(entry, "manager"));
      if (!Contains(live.spec_managers, manager)) live.spec_managers.push_back(manager);
    }
  }
  if (const YAML::Node conditions = Child(Child(crd, "status"), "conditions"); conditions && conditions.IsSequence()) {
    for (const YAML::Node& condition : conditions) {
      if (Scalar(Child(condition, "type")) == "Established" && Scalar(Child(condition, "status")) == "True") {
        live.established = true;
      }
    }
  }
  return live;
}

bool IsGatewayApiGroup(std::string_view group) {
  return group == kGatewayApiGroupName || group == "gateway.networking.x-k8s.io";
}

bool CompareBundleVersions(std::string_view a, std::string_view b, int* order) {
  auto parse = [](std::string_view text, int parts[3]) {
    if (!text.starts_with('v')) return false;
    text.remove_prefix(1);
    for (int i = 0; i < 3; ++i) {
      auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), parts[i]);
      if (ec != std::errc()) return false;
      text.remove_prefix(static_cast<std::size_t>(end - text.data()));
      if (i < 2) {
        if (!text.starts_with('.')) return false;
        text.remove_prefix(1);
      }
    }
    // A pre-release ("v1.5.0-rc.1") is older than its release, never needed here: refuse it.
    return text.empty();
  };
  int left[3], right[3];
  if (!parse(a, left) || !parse(b, right)) return false;
  *order = 0;
  for (int i = 0; i < 3 && *order == 0; ++i) *order = left[i] < right[i] ? -1 : left[i] > right[i] ? 1 : 0;
  return true;
}

GatewayApiNeeds EnvoyGatewayNeeds() {
  GatewayApiNeeds needs;
  needs.shipped_by = "gateway-helm-1.7.0";
  needs.shipped_version = std::string(kGatewayApiBundleVersion);
  needs.shipped_channel = std::string(kGatewayApiChannel);
  needs.minimum_version = "v1.4.0";
  const std::string group(kGatewayApiGroupName);
  needs.required = {{"gatewayclasses." + group, "GatewayClass", {"v1"}},
                    {"gateways." + group, "Gateway", {"v1"}},
                    {"httproutes." + group, "HTTPRoute", {"v1"}},
                    {"referencegrants." + group, "ReferenceGrant", {"v1beta1"}}};
  return needs;
}

void AddRenderedNeeds(const std::vector<std::string>& api_kinds,
                      const std::vector<std::pair<std::string, std::string>>& crd_names_by_kind, GatewayApiNeeds* needs) {
  for (const std::string& api_kind : api_kinds) {
    // "gateway.networking.k8s.io/v1 Gateway"
    const std::size_t slash = api_kind.find('/');
    const std::size_t space = api_kind.find(' ');
    if (slash == std::string::npos || space == std::string::npos || space < slash) continue;
    const std::string group = api_kind.substr(0, slash);
    const std::string version = api_kind.substr(slash + 1, space - slash - 1);
    const std::string kind = api_kind.substr(space + 1);
    if (!IsGatewayApiGroup(group)) continue;
    auto need = std::find_if(needs->required.begin(), needs->required.end(),
                             [&](const CrdNeed& each) { return each.kind == kind; });
    if (need == needs->required.end()) {
      std::string name = kind;
      for (const auto& [known_kind, crd_name] : crd_names_by_kind) {
        if (known_kind == kind) name = crd_name;
      }
      needs->required.push_back({name, kind, {}});
      need = needs->required.end() - 1;
    }
    if (!Contains(need->versions, version)) need->versions.push_back(version);
  }
}

GatewayApiVerdict JudgeGatewayApiBundle(const std::vector<LiveCrd>& live, const GatewayApiNeeds& needs) {
  GatewayApiVerdict verdict;
  std::set<std::string> bundles;
  for (const LiveCrd& crd : live) bundles.insert(DescribeBundle(crd));
  if (bundles.size() == 1) {
    verdict.found = *bundles.begin();
  } else if (bundles.size() > 1) {
    // Two installations fighting leave this: each apply changes some CRDs.
    std::vector<std::string> each;
    for (const std::string& bundle : bundles) {
      std::vector<std::string> names;
      for (const LiveCrd& crd : live) {
        if (DescribeBundle(crd) == bundle) names.push_back(crd.name);
      }
      each.push_back(fmt::format("{} ({})", bundle, fmt::join(names, ", ")));
    }
    verdict.found = fmt::format("a mixed bundle: {}", fmt::join(each, "; "));
    verdict.problems.push_back("the CRDs are from different bundles (one installation overwrote part of another's)");
  } else {
    verdict.found = "no Gateway API CRDs";
  }
  if (bundles.size() == 1) {
    const LiveCrd& any = live.front();
    int order = 0;
    if (!CompareBundleVersions(any.bundle_version, needs.minimum_version, &order)) {
      verdict.problems.push_back(fmt::format("bundle-version {} does not read as vMAJOR.MINOR.PATCH",
                                             any.bundle_version.empty() ? "(none)" : any.bundle_version));
    } else if (order < 0) {
      verdict.problems.push_back(
          fmt::format("bundle {} is older than {}", any.bundle_version, needs.minimum_version));
    }
  }
  for (const CrdNeed& need : needs.required) {
    auto found = std::find_if(live.begin(), live.end(), [&](const LiveCrd& crd) { return crd.name == need.name; });
    if (found == live.end()) {
      verdict.problems.push_back(fmt::format("{} ({}) is missing", need.name, need.kind));
      continue;
    }
    std::vector<std::string> unserved;
    for (const std::string& version : need.versions) {
      if (!Contains(found->served_versions, version)) unserved.push_back(version);
    }
    if (!unserved.empty()) {
      verdict.problems.push_back(fmt::format("{} does not serve {} (serves {})", need.name, fmt::join(unserved, ", "),
                                             fmt::join(found->served_versions, ", ")));
    } else {
      verdict.served.push_back(fmt::format("{} {}", need.kind, fmt::join(need.versions, ", ")));
    }
  }
  verdict.compatible = verdict.problems.empty();
  return verdict;
}

ClusterCheck CheckGatewayApiBundle(const std::vector<YAML::Node>& live_crds) {
  const GatewayApiNeeds needs = EnvoyGatewayNeeds();
  std::vector<LiveCrd> live;
  for (const YAML::Node& crd : live_crds) {
    LiveCrd read = ReadLiveCrd(crd);
    if (IsGatewayApiGroup(read.group)) live.push_back(std::move(read));
  }
  std::sort(live.begin(), live.end(), [](const LiveCrd& a, const LiveCrd& b) { return a.name < b.name; });
  const GatewayApiVerdict verdict = JudgeGatewayApiBundle(live, needs);
  std::vector<std::string> required;
  for (const CrdNeed& need : needs.required) {
    required.push_back(fmt::format("{} {}", need.kind, fmt::join(need.versions, ", ")));
  }
  ClusterCheck check;
  check.subject = "Gateway API CRDs";
  if (!verdict.compatible) {
    check.status = CheckStatus::kFail;
    check.found = fmt::format("{} CRDs, {}: {}", live.size(), verdict.found, fmt::join(verdict.problems, "; "));
    check.expected = fmt::format("one bundle, {} or later, serving {} (what Envoy Gateway's controller lists; {} "
                                 "ships {} {})",
                                 needs.minimum_version, fmt::join(required, ", "), needs.shipped_by,
                                 needs.shipped_version, needs.shipped_channel);
    check.fix = "run `dotk8s upgrade` (or `dotk8s crds apply`): it applies Envoy Gateway's bundle server-side where "
                "the CRDs are the release's or missing; where another owner manages them, have that owner install "
                "a compatible bundle, or add --take-over-crds to apply Envoy Gateway's over theirs";
    return check;
  }
  // One bundle here (compatible): said as the healthy report always said it.
  const LiveCrd& any = live.front();
  check.found = fmt::format("{} CRDs, bundle-version {}, channel {}", live.size(), any.bundle_version,
                            any.channel.empty() ? "none" : any.channel);
  if (any.bundle_version != needs.shipped_version || any.channel != needs.shipped_channel) {
    // Another bundle that serves what is needed (a provider's standard channel).
    check.found += fmt::format(" (not the {} {} {} ships; it serves {})", needs.shipped_version,
                               needs.shipped_channel, needs.shipped_by, fmt::join(verdict.served, ", "));
  }
  return check;
}

}  // namespace dotk8s
