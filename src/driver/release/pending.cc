// A revision left pending by a helm that never finished, found and resolved
// before install and upgrade change anything.
//
// Why removing the stuck revision's record is safe, and when:
//
// - What "pending" is. Helm writes revision N with status pending-install,
//   pending-upgrade or pending-rollback into its storage (a Secret
//   sh.helm.release.v1.RELEASE.vN in the release namespace by default) before
//   it touches the cluster, and rewrites it as deployed or failed at the end.
//   A helm killed in between (a cancelled CI job kills dotk8s, helm and
//   kubectl together) or cut off from the API server leaves it pending for
//   ever. The earlier revisions are untouched until the end of a successful
//   operation (only then is the previous one marked superseded), so the
//   revision before the pending one still describes what was deployed.
// - What Helm does with it. Every install, upgrade and rollback reads the
//   last revision first and refuses a pending one ("another operation
//   (install/upgrade/rollback) is in progress"; install: "cannot re-use a name
//   that is still in use"). Helm has no command to clear it.
// - What we remove. Only that one record: labels owner=helm, name=RELEASE,
//   version=N and status=pending-... are checked first (metadata only: the
//   record's data holds the release's values, passwords included, and is
//   never read), and it is deleted with its uid and resourceVersion as
//   preconditions, so a record another helm rewrote in the meantime (it
//   finished after all) is left alone. Then revision N-1 is the last again
//   (pending-upgrade/rollback), or there is no release (a pending-install was
//   its only revision, and `dotk8s upgrade` installs instead). No object is
//   deleted: what the interrupted operation created carries this release's
//   ownership marks (app.kubernetes.io/managed-by=Helm,
//   meta.helm.sh/release-name/-namespace), so the install or upgrade that
//   follows adopts and updates it (checked on the real API server with Helm
//   4.1.4 and 3.17.3: tests/cluster/lib/interrupt.sh); hook Jobs carry Helm's
//   default before-hook-creation policy and are replaced.
// - When. The one danger is a helm that is still running: removing its record
//   and starting a second operation would have two helms writing the same
//   objects. dotk8s cannot see a helm on another machine, so a pending revision
//   is taken as abandoned only when the user says so (--recover-pending: "the
//   job that ran it was cancelled") or when it is older than --pending-timeout.
//   dotk8s runs helm with its default --timeout of 5m, which bounds each wait
//   (each hook Job, each --wait), and a wait that runs out fails the operation,
//   which helm then records as failed, not pending. A live operation is thus
//   older than 5m only when several of its waits each took nearly 5m and still
//   succeeded; the default of 10m leaves room for two such waits and a slow
//   render, while a cancelled job's retry ten minutes later recovers on its
//   own. The age is measured from the start time helm recorded (its own clock)
//   against this machine's clock; a start in the future counts as young.
#include "driver/release/pending.h"

#include <fmt/format.h>

#include "driver/programs/program_failure.h"
#include "driver/release/kubectl_steps.h"

namespace dotk8s {
namespace {

bool IsPendingStatus(std::string_view status) { return status.starts_with("pending-"); }

// "upgrade" for pending-upgrade: what helm was doing.
std::string OperationOf(std::string_view status) {
  return status.starts_with("pending-") ? std::string(status.substr(8)) : std::string(status);
}

std::string WithArticle(const std::string& operation) {
  return fmt::format("{} {}", operation == "install" || operation == "upgrade" ? "an" : "a", operation);
}

std::string AgeText(const PendingRevision& pending) {
  if (!pending.age_known) return fmt::format("at {} (a time dotk8s cannot read)", pending.revision.updated);
  if (pending.age_seconds < 0) {
    return fmt::format("at {} ({} in the future by this machine's clock)", pending.revision.updated,
                       FormatDuration(-pending.age_seconds));
  }
  return fmt::format("at {} ({} ago)", pending.revision.updated, FormatDuration(pending.age_seconds));
}

// The helm message the user has seen, for the explanation.
std::string HelmRefusal(std::string_view status) {
  if (status == "pending-install") {
    return "helm install: \"cannot re-use a name that is still in use\"; helm upgrade: \"another operation "
           "(install/upgrade/rollback) is in progress\"";
  }
  return "\"another operation (install/upgrade/rollback) is in progress\"";
}

// The record's metadata as the label check needs it; never its data.
struct RecordMetadata {
  std::string uid, resource_version, type, owner, name, version, status;
};

constexpr std::string_view kRecordJsonPath =
    "jsonpath={.metadata.uid}{\"\\t\"}{.metadata.resourceVersion}{\"\\t\"}{.type}{\"\\t\"}{.metadata.labels.owner}"
    "{\"\\t\"}{.metadata.labels.name}{\"\\t\"}{.metadata.labels.version}{\"\\t\"}{.metadata.labels.status}";

std::vector<std::string> SplitTabs(std::string_view text) {
  std::vector<std::string> fields;
  while (true) {
    std::size_t tab = text.find('\t');
    fields.emplace_back(text.substr(0, tab));
    if (tab == std::string_view::npos) break;
    text.remove_prefix(tab + 1);
  }
  return fields;
}

}  // namespace

bool ReadPendingOptions(const ReleaseOptions& release_options, const DriverContext& context, PendingOptions* options) {
  options->recover = release_options.recover_pending;
  if (release_options.pending_timeout) {
    const std::string given = *release_options.pending_timeout;
    std::optional<std::int64_t> seconds = ParseDuration(given);
    if (!seconds) {
      context.Error(fmt::format("--pending-timeout {}: not a duration", given),
                    "write it as Go does: 90s, 10m, 1h30m (0: any pending revision is taken as abandoned)");
      return false;
    }
    options->timeout_seconds = *seconds;
    options->timeout_text = given;
  }
  return true;
}

std::optional<PendingRevision> FindPendingRevision(const std::vector<ReleaseRevision>& revisions, std::int64_t now) {
  if (revisions.empty()) return std::nullopt;
  // helm history lists the oldest first; the last one is what helm checks.
  std::size_t last = 0;
  for (std::size_t i = 1; i < revisions.size(); ++i) {
    if (revisions[i].revision > revisions[last].revision) last = i;
  }
  if (!IsPendingStatus(revisions[last].status)) return std::nullopt;
  PendingRevision pending;
  pending.revision = revisions[last];
  if (std::optional<std::int64_t> started = ParseRfc3339(pending.revision.updated)) {
    pending.age_known = true;
    pending.age_seconds = now - *started;
  }
  for (const ReleaseRevision& other : revisions) {
    if (other.revision < pending.revision.revision &&
        (!pending.previous || other.revision > pending.previous->revision)) {
      pending.previous = other;
    }
  }
  return pending;
}

std::string AbandonedBecause(const PendingRevision& pending, const PendingOptions& options) {
  if (options.recover) return "--recover-pending was given";
  if (pending.age_known && pending.age_seconds >= 0 && pending.age_seconds > options.timeout_seconds) {
    return fmt::format("it started {} ago, longer than --pending-timeout {}", FormatDuration(pending.age_seconds),
                       options.timeout_text);
  }
  return {};
}

ReleaseStorage StorageOfHelmDriver(std::string_view helm_driver) {
  ReleaseStorage storage;
  storage.name = helm_driver.empty() ? "secret (the default)" : std::string(helm_driver);
  // As helm's own switch (pkg/action/action.go, Init): "" and "secret(s)"
  // are Secrets, "configmap(s)" ConfigMaps, "memory" nothing that outlives it.
  if (helm_driver.empty() || helm_driver == "secret" || helm_driver == "secrets") {
    storage.resource = "secrets";
    storage.kind = "Secret";
  } else if (helm_driver == "configmap" || helm_driver == "configmaps") {
    storage.resource = "configmaps";
    storage.kind = "ConfigMap";
  } else if (helm_driver == "memory") {
    storage.persistent = false;
  }
  return storage;
}

std::string ReleaseRecordName(std::string_view release, int revision) {
  return fmt::format("sh.helm.release.v1.{}.v{}", release, revision);
}

Command ReleaseHistoryCommand(const PreparedRelease& prepared) {
  Command history;
  history.argv = {prepared.helm.program, "history", prepared.release, "-n", prepared.release_namespace,
                  "-o", "json", "--max", "5"};
  history.env = HelmEnvironment(prepared.helm.major, prepared.wiring.helm4_plugin_dir,
                                prepared.wiring.helm3_plugin_dir);
  history.purpose = fmt::format("reading the revisions of release {}", prepared.release);
  return history;
}

namespace {

// The stuck revision's storage record, and what the cluster says of it.
struct StuckRecord {
  std::string release;
  std::string ns;
  ReleaseRevision revision;
  ReleaseStorage storage;
  std::string name;             ///< sh.helm.release.v1.RELEASE.vN
  std::string expected_labels;  ///< "owner=helm, name=..., version=..., status=..."
  RecordMetadata metadata;      ///< read by ReadRecordMetadata
};

// The record's labels, read without its data, and checked against what helm
// history described. Returns an exit code.
int ReadRecordMetadata(DriverContext& context, const std::string& kubectl, StuckRecord* record) {
  const ReleaseStorage& storage = record->storage;
  const ReleaseRevision& stuck = record->revision;
  Command read;
  read.argv = {kubectl, "get", storage.resource, record->name, "-n", record->ns, "--ignore-not-found", "-o",
               std::string(kRecordJsonPath)};
  read.purpose = fmt::format("reading the labels of {} {}", storage.kind, record->name);
  context.Progress(read.purpose);
  ProcessResult result = context.runner->Run(read);
  if (!result.Ok()) return ReportFailedProgram(context, read.purpose, result, kClusterConnectionHint);
  std::string_view fields_text = result.out;
  while (!fields_text.empty() && (fields_text.back() == '\n' || fields_text.back() == '\r')) fields_text.remove_suffix(1);
  if (fields_text.empty()) {
    context.Error(fmt::format("Helm's record of release {} revision {} is not {} {} in namespace {}", record->release,
                              stuck.revision, storage.kind, record->name, record->ns),
                  "set HELM_DRIVER as for the helm that made the release (secret, configmap), or someone removed it "
                  "since: rerun");
    return kExitFailed;
  }
  const std::vector<std::string> fields = SplitTabs(fields_text);
  RecordMetadata& metadata = record->metadata;
  if (fields.size() == 7) {
    metadata = {fields[0], fields[1], fields[2], fields[3], fields[4], fields[5], fields[6]};
  }
  const bool type_ok = storage.kind != "Secret" || metadata.type == "helm.sh/release.v1";
  if (metadata.uid.empty() || !type_ok || metadata.owner != "helm" || metadata.name != record->release ||
      metadata.version != std::to_string(stuck.revision) || metadata.status != stuck.status) {
    const bool secret = storage.kind == "Secret";
    context.Error(fmt::format("{} {} in namespace {} is not what helm history described (expected {}labels {}; found "
                              "{}owner={}, name={}, version={}, status={}): nothing was deleted",
                              storage.kind, record->name, record->ns, secret ? "type helm.sh/release.v1 and " : "",
                              record->expected_labels,
                              secret ? fmt::format("type {}, ", metadata.type.empty() ? "-" : metadata.type) : "",
                              metadata.owner, metadata.name, metadata.version, metadata.status),
                  metadata.status != stuck.status && !metadata.status.empty()
                      ? "another helm finished or changed the release meanwhile: rerun"
                      : "look at it with kubectl get (never -o yaml: it holds the release's values) and rerun");
    return kExitFailed;
  }
  return kExitOk;
}

// Delete exactly that object: uid and resourceVersion as preconditions, so a
// record rewritten since the read (a helm that was alive after all) stays.
// `skipped`: --dry-run only printed the delete. Returns an exit code.
int DeleteRecord(DriverContext& context, const std::string& kubectl, const StuckRecord& record, bool* skipped) {
  const ReleaseStorage& storage = record.storage;
  Command remove = Kubectl(
      kubectl,
      {"delete", "--raw", fmt::format("/api/v1/namespaces/{}/{}/{}", record.ns, storage.resource, record.name), "-f",
       "-"},
      fmt::format(R"({{"kind":"DeleteOptions","apiVersion":"v1","preconditions":{{"uid":"{}","resourceVersion":"{}"}}}})",
                  record.metadata.uid, record.metadata.resource_version),
      fmt::format("deleting {} {} (Helm's record of the stuck revision {})", storage.kind, record.name,
                  record.revision.revision));
  context.Progress(remove.purpose);
  ProcessResult result = context.runner->Run(remove);
  if (!result.Ok()) {
    return ReportFailedProgram(
        context, remove.purpose, result,
        result.err.find("Conflict") != std::string::npos || result.err.find("precondition") != std::string::npos
            ? "the record changed after it was read: another helm is working on the release; rerun once it is done"
            : fmt::format("check the cluster connection and the right to delete {}s in namespace {}", storage.kind,
                          record.ns));
  }
  *skipped = result.skipped;
  return kExitOk;
}

// One block: what was done, and where that leaves the release. Returns an
// exit code: install cannot go on over the revision before the stuck one.
int SayRecovery(const DriverContext& context, const StuckRecord& record, const PendingRevision& pending,
                const std::string& because, bool skipped, std::string_view verb, const PendingOutcome& outcome) {
  const ReleaseRevision& stuck = record.revision;
  const std::string& release = record.release;
  context.Say(fmt::format("recovering release {}: revision {} ({}) is taken as abandoned: {}", release, stuck.revision,
                          stuck.status, because));
  context.Say(fmt::format("  {} {} {} in namespace {}, Helm's record of revision {} and nothing else (checked first: "
                          "type helm.sh/release.v1, labels {}; deleted on the condition that it had not changed; its "
                          "data, the release's values, was not read)",
                          skipped ? "would delete (--dry-run)" : "deleted", record.storage.kind, record.name,
                          record.ns, stuck.revision, record.expected_labels));
  if (pending.previous) {
    const ReleaseRevision& previous = *pending.previous;
    context.Say(fmt::format("  revision {} ({}, {}) is the release's last revision again{}", previous.revision,
                            previous.status, previous.chart,
                            verb == "upgrade" ? ": the upgrade below starts from it" : ""));
  } else {
    context.Say(fmt::format("  no revision is left: release {} is not installed{}", release,
                            verb == "upgrade" ? "; so `dotk8s upgrade` runs helm install instead of helm upgrade"
                                              : "; the install below starts afresh"));
  }
  if (verb == "install" && pending.previous) {
    context.Error(fmt::format("release {} still has revision {} ({}): helm install cannot install over it", release,
                              pending.previous->revision, pending.previous->status),
                  "run `dotk8s upgrade` with the release's values");
    return kExitFailed;
  }
  context.Say(fmt::format("  nothing else was deleted: objects the interrupted {} created carry the release's "
                          "ownership marks, and the {} below adopts them",
                          OperationOf(stuck.status), outcome.release_gone ? "install" : verb));
  return kExitOk;
}

}  // namespace

int ResolvePendingRelease(DriverContext& context, const PreparedRelease& prepared, const std::string& kubectl,
                          const PendingOptions& options, std::string_view verb, std::int64_t now,
                          PendingOutcome* outcome) {
  const ReleaseStorage storage = StorageOfHelmDriver(context.Env("HELM_DRIVER"));
  if (!storage.persistent) return kExitOk;  // HELM_DRIVER=memory: no revision outlives a helm process
  const std::string& release = prepared.release;
  const std::string& ns = prepared.release_namespace;

  bool installed = false;
  std::vector<ReleaseRevision> revisions;
  int code = ReadReleaseRevisions(context, ReleaseHistoryCommand(prepared), release, &installed, &revisions);
  if (code != kExitOk || !installed) return code;
  std::optional<PendingRevision> pending = FindPendingRevision(revisions, now);
  if (!pending) return kExitOk;
  outcome->found = true;
  const ReleaseRevision& stuck = pending->revision;

  // What it is and why helm is stuck, whatever happens next.
  context.Say(fmt::format(
      "release {} in namespace {}: its last revision {} is {}: {} started {} and never recorded its end; the helm that "
      "ran it was killed (a cancelled CI job) or lost the API server. While a revision is pending, Helm refuses "
      "every install, upgrade and rollback of the release ({})",
      release, ns, stuck.revision, stuck.status, WithArticle(OperationOf(stuck.status)), AgeText(*pending),
      HelmRefusal(stuck.status)));

  const std::string because = AbandonedBecause(*pending, options);
  if (because.empty()) {
    context.Error(
        fmt::format("release {} (namespace {}) revision {} is {}, started {}: it may still be running, so dotk8s leaves "
                    "it alone",
                    release, ns, stuck.revision, stuck.status, AgeText(*pending)),
        fmt::format("if no other helm or dotk8s is working on this release (e.g. the CI job was cancelled), rerun with "
                    "--recover-pending; without it, dotk8s takes a pending revision as abandoned once it is older "
                    "than --pending-timeout (now {})",
                    options.timeout_text));
    return kExitFailed;
  }
  StuckRecord record{release, ns, stuck, storage, ReleaseRecordName(release, stuck.revision),
                     fmt::format("owner=helm, name={}, version={}, status={}", release, stuck.revision, stuck.status),
                     {}};
  if (storage.resource.empty()) {
    context.Error(fmt::format("release {} revision {} is {} and may be recovered ({}), but HELM_DRIVER={} keeps "
                              "Helm's records where dotk8s cannot remove one",
                              release, stuck.revision, stuck.status, because, storage.name),
                  fmt::format("remove the record {} (namespace {}) from that storage by hand, then rerun", record.name,
                              ns));
    return kExitFailed;
  }
  code = ReadRecordMetadata(context, kubectl, &record);
  if (code != kExitOk) return code;
  bool skipped = false;
  code = DeleteRecord(context, kubectl, record, &skipped);
  if (code != kExitOk) return code;
  outcome->recovered = true;
  outcome->release_gone = !pending->previous.has_value();
  return SayRecovery(context, record, *pending, because, skipped, verb, *outcome);
}

}  // namespace dotk8s
