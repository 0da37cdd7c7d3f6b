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
#include <yaml-cpp/yaml.h>

#include <cctype>
#include <chrono>

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

// Reads `digits` decimal digits at `at`; nullopt otherwise.
std::optional<int> Digits(std::string_view text, std::size_t at, std::size_t digits) {
  if (at + digits > text.size()) return std::nullopt;
  int value = 0;
  for (std::size_t i = at; i < at + digits; ++i) {
    if (std::isdigit(static_cast<unsigned char>(text[i])) == 0) return std::nullopt;
    value = value * 10 + (text[i] - '0');
  }
  return value;
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

std::string FailureText(const ProcessResult& result) {
  return result.start_error.empty() ? fmt::format("exit {}", result.exit_code) : result.start_error;
}

void PassOnStderr(const DriverContext& context, const ProcessResult& result) {
  if (!result.err.empty()) *context.err << result.err << (result.err.back() == '\n' ? "" : "\n");
}

}  // namespace

bool ReadReleaseHistory(std::string_view json, std::vector<ReleaseRevision>* revisions, std::string* error) {
  try {
    const YAML::Node root = YAML::Load(std::string(json));
    if (!root.IsSequence()) {
      *error = "helm history -o json did not print a list";
      return false;
    }
    for (const YAML::Node& entry : root) {
      if (!entry.IsMap() || !entry["revision"] || !entry["status"]) {
        *error = "helm history -o json printed an entry without revision and status";
        return false;
      }
      ReleaseRevision revision;
      revision.revision = entry["revision"].as<int>();
      revision.status = entry["status"].as<std::string>();
      if (entry["updated"]) revision.updated = entry["updated"].as<std::string>();
      if (entry["chart"]) revision.chart = entry["chart"].as<std::string>();
      if (entry["description"]) revision.description = entry["description"].as<std::string>();
      revisions->push_back(std::move(revision));
    }
  } catch (const YAML::Exception& e) {
    *error = fmt::format("helm history -o json does not read as JSON: {}", e.what());
    return false;
  }
  return true;
}

std::optional<std::int64_t> ParseRfc3339(std::string_view text) {
  // YYYY-MM-DDThh:mm:ss[.fraction](Z|+hh:mm|-hh:mm)
  auto year = Digits(text, 0, 4), month = Digits(text, 5, 2), day = Digits(text, 8, 2);
  auto hour = Digits(text, 11, 2), minute = Digits(text, 14, 2), second = Digits(text, 17, 2);
  if (!year || !month || !day || !hour || !minute || !second || text[4] != '-' || text[7] != '-' ||
      (text[10] != 'T' && text[10] != 't' && text[10] != ' ') || text[13] != ':' || text[16] != ':') {
    return std::nullopt;
  }
  std::size_t at = 19;
  if (at < text.size() && text[at] == '.') {
    ++at;
    while (at < text.size() && std::isdigit(static_cast<unsigned char>(text[at])) != 0) ++at;
  }
  std::int64_t offset = 0;
  if (at < text.size() && (text[at] == 'Z' || text[at] == 'z') && at + 1 == text.size()) {
    offset = 0;
  } else if (at < text.size() && (text[at] == '+' || text[at] == '-') && at + 6 == text.size() && text[at + 3] == ':') {
    auto offset_hours = Digits(text, at + 1, 2), offset_minutes = Digits(text, at + 4, 2);
    if (!offset_hours || !offset_minutes) return std::nullopt;
    offset = (*offset_hours * 60 + *offset_minutes) * 60 * (text[at] == '-' ? -1 : 1);
  } else {
    return std::nullopt;
  }
  const std::chrono::year_month_day date{std::chrono::year(*year), std::chrono::month(static_cast<unsigned>(*month)),
                                         std::chrono::day(static_cast<unsigned>(*day))};
  if (!date.ok() || *hour > 23 || *minute > 59 || *second > 60) return std::nullopt;
  const std::int64_t days = std::chrono::sys_days(date).time_since_epoch().count();
  return days * 86400 + *hour * 3600 + *minute * 60 + *second - offset;
}

std::optional<std::int64_t> ParseDuration(std::string_view text) {
  if (text == "0") return 0;
  if (text.empty()) return std::nullopt;
  std::int64_t total = 0;
  while (!text.empty()) {
    std::size_t digits = 0;
    std::int64_t value = 0;
    while (digits < text.size() && std::isdigit(static_cast<unsigned char>(text[digits])) != 0) {
      if (value > 1'000'000'000) return std::nullopt;
      value = value * 10 + (text[digits] - '0');
      ++digits;
    }
    if (digits == 0 || digits == text.size()) return std::nullopt;
    const char unit = text[digits];
    if (unit == 'h') {
      total += value * 3600;
    } else if (unit == 'm') {
      total += value * 60;
    } else if (unit == 's') {
      total += value;
    } else {
      return std::nullopt;
    }
    text.remove_prefix(digits + 1);
  }
  return total;
}

std::string FormatDuration(std::int64_t seconds) {
  if (seconds < 60) return fmt::format("{}s", seconds);
  if (seconds < 3600) return seconds % 60 == 0 ? fmt::format("{}m", seconds / 60)
                                                : fmt::format("{}m{}s", seconds / 60, seconds % 60);
  if (seconds < 86400) {
    return (seconds % 3600) / 60 == 0 ? fmt::format("{}h", seconds / 3600)
                                      : fmt::format("{}h{}m", seconds / 3600, (seconds % 3600) / 60);
  }
  return fmt::format("{}d{}h", seconds / 86400, (seconds % 86400) / 3600);
}

bool ReadPendingOptions(const CommandLine& line, const DriverContext& context, PendingOptions* options) {
  options->recover = line.Has("recover-pending");
  if (line.Has("pending-timeout")) {
    const std::string given = line.Value("pending-timeout");
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

int ResolvePendingRelease(DriverContext& context, const PreparedRelease& prepared, const std::string& kubectl,
                          const PendingOptions& options, std::string_view verb, std::int64_t now,
                          PendingOutcome* outcome) {
  const ReleaseStorage storage = StorageOfHelmDriver(context.Env("HELM_DRIVER"));
  if (!storage.persistent) return kExitOk;  // HELM_DRIVER=memory: no revision outlives a helm process
  const std::string& release = prepared.release;
  const std::string& ns = prepared.release_namespace;

  const Command history = ReleaseHistoryCommand(prepared);
  context.Progress(history.purpose);
  ProcessResult result = context.runner->Run(history);
  if (!result.Ok()) {
    // Helm 3 and 4 both say "Error: release: not found": nothing installed yet.
    if (result.start_error.empty() && result.err.find("release: not found") != std::string::npos) return kExitOk;
    PassOnStderr(context, result);
    context.Error(fmt::format("{} failed: {}", history.purpose, FailureText(result)),
                  "check the cluster connection (kubectl config current-context) and rights");
    return kExitFailed;
  }
  std::vector<ReleaseRevision> revisions;
  std::string error;
  if (!ReadReleaseHistory(result.out, &revisions, &error)) {
    context.Error(fmt::format("the revisions of release {} do not read: {}", release, error));
    return kExitFailed;
  }
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
  const std::string record = ReleaseRecordName(release, stuck.revision);
  if (storage.resource.empty()) {
    context.Error(fmt::format("release {} revision {} is {} and may be recovered ({}), but HELM_DRIVER={} keeps "
                              "Helm's records where dotk8s cannot remove one",
                              release, stuck.revision, stuck.status, because, storage.name),
                  fmt::format("remove the record {} (namespace {}) from that storage by hand, then rerun", record, ns));
    return kExitFailed;
  }

  // The record's labels, read without its data.
  Command read;
  read.argv = {kubectl, "get", storage.resource, record, "-n", ns, "--ignore-not-found", "-o",
               std::string(kRecordJsonPath)};
  read.purpose = fmt::format("reading the labels of {} {}", storage.kind, record);
  context.Progress(read.purpose);
  result = context.runner->Run(read);
  if (!result.Ok()) {
    PassOnStderr(context, result);
    context.Error(fmt::format("{} failed: {}", read.purpose, FailureText(result)),
                  "check the cluster connection (kubectl config current-context) and rights");
    return kExitFailed;
  }
  std::string_view fields_text = result.out;
  while (!fields_text.empty() && (fields_text.back() == '\n' || fields_text.back() == '\r')) fields_text.remove_suffix(1);
  if (fields_text.empty()) {
    context.Error(fmt::format("Helm's record of release {} revision {} is not {} {} in namespace {}", release,
                              stuck.revision, storage.kind, record, ns),
                  "set HELM_DRIVER as for the helm that made the release (secret, configmap), or someone removed it "
                  "since: rerun");
    return kExitFailed;
  }
  const std::vector<std::string> fields = SplitTabs(fields_text);
  RecordMetadata metadata;
  if (fields.size() == 7) {
    metadata = {fields[0], fields[1], fields[2], fields[3], fields[4], fields[5], fields[6]};
  }
  const std::string expected_labels =
      fmt::format("owner=helm, name={}, version={}, status={}", release, stuck.revision, stuck.status);
  const bool type_ok = storage.kind != "Secret" || metadata.type == "helm.sh/release.v1";
  if (metadata.uid.empty() || !type_ok || metadata.owner != "helm" || metadata.name != release ||
      metadata.version != std::to_string(stuck.revision) || metadata.status != stuck.status) {
    const bool secret = storage.kind == "Secret";
    context.Error(fmt::format("{} {} in namespace {} is not what helm history described (expected {}labels {}; found "
                              "{}owner={}, name={}, version={}, status={}): nothing was deleted",
                              storage.kind, record, ns, secret ? "type helm.sh/release.v1 and " : "", expected_labels,
                              secret ? fmt::format("type {}, ", metadata.type.empty() ? "-" : metadata.type) : "",
                              metadata.owner, metadata.name, metadata.version, metadata.status),
                  metadata.status != stuck.status && !metadata.status.empty()
                      ? "another helm finished or changed the release meanwhile: rerun"
                      : "look at it with kubectl get (never -o yaml: it holds the release's values) and rerun");
    return kExitFailed;
  }

  // Delete exactly that object: uid and resourceVersion as preconditions, so a
  // record rewritten since the read (a helm that was alive after all) stays.
  Command remove = Kubectl(
      kubectl, {"delete", "--raw", fmt::format("/api/v1/namespaces/{}/{}/{}", ns, storage.resource, record), "-f", "-"},
      fmt::format(R"({{"kind":"DeleteOptions","apiVersion":"v1","preconditions":{{"uid":"{}","resourceVersion":"{}"}}}})",
                  metadata.uid, metadata.resource_version),
      fmt::format("deleting {} {} (Helm's record of the stuck revision {})", storage.kind, record, stuck.revision));
  context.Progress(remove.purpose);
  result = context.runner->Run(remove);
  if (!result.Ok()) {
    PassOnStderr(context, result);
    context.Error(fmt::format("{} failed: {}", remove.purpose, FailureText(result)),
                  result.err.find("Conflict") != std::string::npos || result.err.find("precondition") != std::string::npos
                      ? "the record changed after it was read: another helm is working on the release; rerun once it "
                        "is done"
                      : fmt::format("check the cluster connection and the right to delete {}s in namespace {}",
                                    storage.kind, ns));
    return kExitFailed;
  }
  outcome->recovered = true;
  outcome->release_gone = !pending->previous.has_value();

  // One block: what was done, and where that leaves the release.
  context.Say(fmt::format("recovering release {}: revision {} ({}) is taken as abandoned: {}", release, stuck.revision,
                          stuck.status, because));
  context.Say(fmt::format("  {} {} {} in namespace {}, Helm's record of revision {} and nothing else (checked first: "
                          "type helm.sh/release.v1, labels {}; deleted on the condition that it had not changed; its "
                          "data, the release's values, was not read)",
                          result.skipped ? "would delete (--dry-run)" : "deleted", storage.kind, record, ns,
                          stuck.revision, expected_labels));
  if (pending->previous) {
    const ReleaseRevision& previous = *pending->previous;
    context.Say(fmt::format("  revision {} ({}, {}) is the release's last revision again{}", previous.revision,
                            previous.status, previous.chart,
                            verb == "upgrade" ? ": the upgrade below starts from it" : ""));
  } else {
    context.Say(fmt::format("  no revision is left: release {} is not installed{}", release,
                            verb == "upgrade" ? "; so `dotk8s upgrade` runs helm install instead of helm upgrade"
                                              : "; the install below starts afresh"));
  }
  if (verb == "install" && pending->previous) {
    context.Error(fmt::format("release {} still has revision {} ({}): helm install cannot install over it", release,
                              pending->previous->revision, pending->previous->status),
                  "run `dotk8s upgrade` with the release's values");
    return kExitFailed;
  }
  context.Say(fmt::format("  nothing else was deleted: objects the interrupted {} created carry the release's "
                          "ownership marks, and the {} below adopts them",
                          OperationOf(stuck.status), outcome->release_gone ? "install" : verb));
  return kExitOk;
}

}  // namespace dotk8s
