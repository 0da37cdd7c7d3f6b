// The reads verify and the install's pre-check make: kubectl's JSON lists,
// kept as the nodes the pure checks in verify/ (checks.cc, *_checks.cc) and
// foreign_components.cc read (only the fields they read: live_objects.h).
// A kubectl process costs 0.1-0.2 s of CPU before it asks anything, so verify
// asks in as few of them as the reads allow, side by side.
#include "driver/cluster/reads.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <optional>
#include <thread>

#include "driver/cluster/live_objects.h"

namespace dotk8s {
namespace {

constexpr std::string_view kCrds = "customresourcedefinitions.apiextensions.k8s.io";
// kubectl get crd -o json decodes and re-encodes every CRD's schema: for the
// five charts' CRDs 12 MB of indented JSON, 1.1 s and 150 MB in kubectl. The
// API server's own answer (4 MB, compact) passes through --raw in 0.26 s.
// apiextensions.k8s.io/v1 is the only version served since Kubernetes 1.22.
constexpr std::string_view kCrdsPath = "/apis/apiextensions.k8s.io/v1/customresourcedefinitions";

// What a combined read needs to know of a resource: the apiVersion group and
// kind its objects carry (to hand each back to its read), and whether it is
// cluster-scoped (it may then share a call with `-A` reads). The resources
// verify and the pre-check read; any other is read alone.
struct ResourceFacts {
  std::string_view resource;
  std::string_view group;
  std::string_view kind;
  bool cluster_scoped;
};
constexpr ResourceFacts kResourceFacts[] = {
    {"namespaces", "", "Namespace", true},
    {"services", "", "Service", false},
    {"pods", "", "Pod", false},
    {"deployments.apps", "apps", "Deployment", false},
    {"apiservices.apiregistration.k8s.io", "apiregistration.k8s.io", "APIService", true},
    {"gatewayclasses.gateway.networking.k8s.io", "gateway.networking.k8s.io", "GatewayClass", true},
    {"gateways.gateway.networking.k8s.io", "gateway.networking.k8s.io", "Gateway", false},
    {"httproutes.gateway.networking.k8s.io", "gateway.networking.k8s.io", "HTTPRoute", false},
    {"referencegrants.gateway.networking.k8s.io", "gateway.networking.k8s.io", "ReferenceGrant", false},
    {"podmonitors.monitoring.coreos.com", "monitoring.coreos.com", "PodMonitor", false},
    {"prometheuses.monitoring.coreos.com", "monitoring.coreos.com", "Prometheus", false},
};

const ResourceFacts* FactsOf(std::string_view resource) {
  for (const ResourceFacts& facts : kResourceFacts) {
    if (facts.resource == resource) return &facts;
  }
  return nullptr;
}

// One kubectl call and the reads it answers (indexes into the reads).
struct ReadCall {
  std::vector<std::size_t> reads;
  Command command;
  ProcessResult result;
};

Command ListCommand(const std::string& kubectl, const std::vector<const ClusterRead*>& reads) {
  Command command;
  const ClusterRead& first = *reads.front();
  if (reads.size() == 1 && first.resource == kCrds && first.namespace_.empty() && !first.all_namespaces) {
    command.argv = {kubectl, "get", "--raw", std::string(kCrdsPath)};
    command.purpose = fmt::format("reading {}", first.Key());
    return command;
  }
  std::vector<std::string> resources;
  std::vector<std::string> keys;
  bool all_namespaces = false;
  bool managed_fields = false;
  for (const ClusterRead* read : reads) {
    resources.push_back(read->resource);
    keys.push_back(read->Key());
    all_namespaces = all_namespaces || read->all_namespaces;
    managed_fields = managed_fields || read->managed_fields;
  }
  command.argv = {kubectl, "get", fmt::format("{}", fmt::join(resources, ","))};
  if (all_namespaces) {
    command.argv.push_back("-A");
  } else if (!first.namespace_.empty()) {
    command.argv.insert(command.argv.end(), {"-n", first.namespace_});
  }
  // kubectl drops managedFields unless asked: they name the field manager of
  // an object without Helm's marks (its owner, for the messages).
  if (managed_fields) command.argv.push_back("--show-managed-fields");
  command.argv.insert(command.argv.end(), {"-o", "json"});
  command.purpose = fmt::format("reading {}", fmt::join(keys, ", "));
  return command;
}

// Which calls answer `reads`: the reads of one namespace share one; the
// cluster-scoped and all-namespace ones share another; the CRDs, and whatever
// the table does not know, go alone. Each call lists its reads in order.
std::vector<ReadCall> PlanCalls(const std::vector<ClusterRead>& reads) {
  std::vector<ReadCall> calls;
  std::vector<std::string> scopes;  // the scope of each call; "" for one read alone
  for (std::size_t i = 0; i < reads.size(); ++i) {
    const ClusterRead& read = reads[i];
    const ResourceFacts* facts = FactsOf(read.resource);
    std::string scope;
    if (facts != nullptr && (read.all_namespaces || (facts->cluster_scoped && read.namespace_.empty()))) {
      scope = "-A";
    } else if (facts != nullptr && !facts->cluster_scoped && !read.namespace_.empty()) {
      scope = "-n " + read.namespace_;
    }
    std::size_t call = calls.size();
    if (!scope.empty()) {
      for (std::size_t c = 0; c < calls.size(); ++c) {
        if (scopes[c] != scope) continue;
        // A resource twice in one scope (never in verify's reads) gets its own call.
        const bool twice = std::any_of(calls[c].reads.begin(), calls[c].reads.end(),
                                       [&](std::size_t r) { return reads[r].resource == read.resource; });
        if (!twice) call = c;
        break;
      }
    }
    if (call == calls.size()) {
      calls.emplace_back();
      scopes.push_back(scope);
    }
    calls[call].reads.push_back(i);
  }
  return calls;
}

// What a failed read is: not served, unreadable (optional) or an error.
int TakeFailure(DriverContext& context, const ClusterRead& read, const Command& command, const ProcessResult& result,
                LiveList* list) {
  if (result.err.find("the server doesn't have a resource type") != std::string::npos) {
    list->served = false;
    return kExitOk;
  }
  if (read.optional) {
    const std::string& said = result.err.empty() ? result.start_error : result.err;
    list->unreadable = said.substr(0, said.find('\n'));
    if (list->unreadable.empty()) list->unreadable = fmt::format("exit {}", result.exit_code);
    return kExitOk;
  }
  if (!result.err.empty()) *context.err << result.err << (result.err.back() == '\n' ? "" : "\n");
  context.Error(fmt::format("{} failed: {}", command.purpose,
                            result.start_error.empty() ? fmt::format("exit {}", result.exit_code) : result.start_error),
                "check the cluster connection (kubectl config current-context) and that you may list it");
  return kExitFailed;
}

// Whether the answer may be taken as it is (a dry run's skipped or empty probe: no items).
bool NothingToTake(const DriverContext& context, const ProcessResult& result) {
  return result.skipped || (context.dry_run && result.Ok() && result.out.empty());
}

// The kept fields of a call of several reads: what any of them keeps.
KeptFields UnionOfFields(const std::vector<const ClusterRead*>& reads) {
  KeptFields kept;
  bool whole = false;
  for (const ClusterRead* read : reads) {
    kept.managed_fields = kept.managed_fields || read->managed_fields;
    whole = whole || read->fields.empty();
    kept.paths.insert(kept.paths.end(), read->fields.begin(), read->fields.end());
  }
  if (whole) kept.paths.clear();
  return kept;
}

// "apps/v1" -> "apps"; "v1" -> "".
std::string_view GroupOf(std::string_view api_version) {
  const std::size_t slash = api_version.find('/');
  return slash == std::string_view::npos ? std::string_view() : api_version.substr(0, slash);
}

// Hands each object of a combined call's answer to its read. False when an
// object belongs to none of them (then the reads are made one by one).
bool SplitAnswer(const std::vector<YAML::Node>& objects, const std::vector<const ClusterRead*>& reads,
                 std::vector<LiveList*>& lists) {
  for (const YAML::Node& object : objects) {
    const std::string api_version = object["apiVersion"] ? object["apiVersion"].Scalar() : std::string();
    const std::string kind = object["kind"] ? object["kind"].Scalar() : std::string();
    std::size_t owner = reads.size();
    for (std::size_t r = 0; r < reads.size(); ++r) {
      const ResourceFacts* facts = FactsOf(reads[r]->resource);
      if (facts != nullptr && facts->kind == kind && facts->group == GroupOf(api_version)) owner = r;
    }
    if (owner == reads.size()) return false;
    YAML::Node kept = object;
    // Asked for by another read of the call: not this one's (DescribeOwner
    // would name field managers kubectl never showed it).
    if (!reads[owner]->managed_fields && kept["metadata"] && kept["metadata"].IsMap()) {
      kept["metadata"].remove("managedFields");
    }
    lists[owner]->items.push_back(kept);
  }
  return true;
}

// Takes a successful answer for `reads` into `lists`. Returns false when it
// does not parse or split (the caller decides what that means).
bool TakeAnswer(const ProcessResult& result, const std::vector<const ClusterRead*>& reads,
                std::vector<LiveList*>& lists, std::string* error) {
  std::vector<YAML::Node> objects;
  if (!ParseListItems(result.out, UnionOfFields(reads), &objects, error)) return false;
  if (reads.size() == 1) {
    lists[0]->items = std::move(objects);
    return true;
  }
  for (LiveList* list : lists) list->items.clear();
  return SplitAnswer(objects, reads, lists);
}

}  // namespace

int ReadClusterList(DriverContext& context, const std::string& kubectl, const ClusterRead& read, LiveList* list) {
  const Command command = ListCommand(kubectl, {&read});
  context.Progress(command.purpose);
  const ProcessResult result = context.runner->Run(command);
  if (NothingToTake(context, result)) return kExitOk;
  if (!result.Ok()) return TakeFailure(context, read, command, result, list);
  std::vector<LiveList*> lists = {list};
  std::string error;
  if (!TakeAnswer(result, {&read}, lists, &error)) {
    context.Error(fmt::format("{}: kubectl's answer is not JSON: {}", command.purpose, error));
    return kExitFailed;
  }
  return kExitOk;
}

int ReadCluster(DriverContext& context, const std::string& kubectl, const std::vector<ClusterRead>& reads,
                LiveCluster* live) {
  std::vector<ReadCall> calls = PlanCalls(reads);
  for (ReadCall& call : calls) {
    std::vector<const ClusterRead*> members;
    for (std::size_t r : call.reads) members.push_back(&reads[r]);
    call.command = ListCommand(kubectl, members);
    context.Progress(call.command.purpose);
  }
  // Side by side: each waits mostly on kubectl's start and the API server.
  std::vector<Command> commands;
  for (const ReadCall& call : calls) commands.push_back(call.command);
  std::vector<ProcessResult> results = RunSideBySide(*context.runner, commands, context.dry_run);
  for (std::size_t c = 0; c < calls.size(); ++c) calls[c].result = std::move(results[c]);

  // The answers in the reads' order, so that the first read to fail is the
  // one a read at a time would have reported.
  std::vector<std::optional<bool>> call_taken(calls.size());  // unset: not looked at yet
  std::vector<std::size_t> call_of(reads.size());
  for (std::size_t c = 0; c < calls.size(); ++c) {
    for (std::size_t r : calls[c].reads) call_of[r] = c;
  }
  for (std::size_t r = 0; r < reads.size(); ++r) {
    const std::size_t c = call_of[r];
    ReadCall& call = calls[c];
    const ClusterRead& read = reads[r];
    LiveList* list = &(*live)[read.Key()];
    if (NothingToTake(context, call.result)) continue;
    if (call.reads.size() == 1) {
      if (!call.result.Ok()) {
        const int code = TakeFailure(context, read, call.command, call.result, list);
        if (code != kExitOk) return code;
        continue;
      }
      std::vector<LiveList*> lists = {list};
      std::string error;
      if (!TakeAnswer(call.result, {&read}, lists, &error)) {
        context.Error(fmt::format("{}: kubectl's answer is not JSON: {}", call.command.purpose, error));
        return kExitFailed;
      }
      continue;
    }
    if (!call_taken[c].has_value()) {
      call_taken[c] = false;
      if (call.result.Ok()) {
        std::vector<const ClusterRead*> members;
        std::vector<LiveList*> lists;
        for (std::size_t m : call.reads) {
          members.push_back(&reads[m]);
          lists.push_back(&(*live)[reads[m].Key()]);
        }
        std::string error;
        call_taken[c] = TakeAnswer(call.result, members, lists, &error);
      }
    }
    if (*call_taken[c]) continue;
    // The combined call failed: this read alone says why, as it always did.
    *list = LiveList{};
    const int code = ReadClusterList(context, kubectl, read, list);
    if (code != kExitOk) return code;
  }
  return kExitOk;
}

}  // namespace dotk8s
