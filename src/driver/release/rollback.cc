#include "driver/release/rollback.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <fmt/ranges.h>
#include <unistd.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <filesystem>
#include <optional>

#include "driver/programs/locations.h"
#include "driver/programs/program_failure.h"

namespace dotk8s {
namespace {
namespace fs = std::filesystem;

// A revision number as typed: digits only, at least 1.
std::optional<int> ParseRevisionNumber(std::string_view text) {
  if (text.empty() || text.size() > 9) return std::nullopt;
  int value = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return std::nullopt;
    value = value * 10 + (c - '0');
  }
  if (value < 1) return std::nullopt;
  return value;
}

bool AllDigits(std::string_view text) {
  return !text.empty() && std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; });
}

// "dot-apps-0.1.0": how helm history names the chart of a revision.
bool ReadChartIdentity(const std::string& chart_dir, std::string* identity, std::string* error) {
  const std::string file = chart_dir + "/Chart.yaml";
  try {
    const YAML::Node chart = YAML::LoadFile(file);
    if (!chart.IsMap() || !chart["name"] || !chart["version"]) {
      *error = fmt::format("{} has no name and version", file);
      return false;
    }
    *identity = fmt::format("{}-{}", chart["name"].as<std::string>(), chart["version"].as<std::string>());
  } catch (const YAML::Exception& e) {
    *error = fmt::format("{} does not read: {}", file, e.what());
    return false;
  }
  return true;
}

std::string ListRevisions(const std::vector<ReleaseRevision>& revisions) {
  std::vector<std::string> listed;
  for (const ReleaseRevision& revision : revisions) {
    listed.push_back(fmt::format("{} ({})", revision.revision, revision.status));
  }
  return fmt::format("{}", fmt::join(listed, ", "));
}

// The revisions a rollback may go to: what deployed and was not left pending.
bool IsGoodTarget(const ReleaseRevision& revision) {
  return revision.status == "deployed" || revision.status == "superseded";
}

std::string GoodTargets(const std::vector<ReleaseRevision>& revisions, int except) {
  std::vector<std::string> listed;
  for (auto it = revisions.rbegin(); it != revisions.rend(); ++it) {
    if (IsGoodTarget(*it) && it->revision != except) {
      listed.push_back(fmt::format("{} ({})", it->revision, it->status));
    }
  }
  return listed.empty() ? std::string("none is left") : fmt::format("{}", fmt::join(listed, ", "));
}

// The target among the release's revisions (helm history, oldest first), or an
// error and a hint. Default: the newest revision minus one, Helm's own rule
// (pkg/action/rollback.go prepareRollback): after a failed upgrade that is the
// revision that was deployed before it.
const ReleaseRevision* ChooseTarget(const DriverContext& context, const RollbackTarget& wanted,
                                    const std::string& ns, const std::vector<ReleaseRevision>& revisions) {
  int newest = 0;
  for (const ReleaseRevision& revision : revisions) newest = std::max(newest, revision.revision);
  const int number = wanted.revision > 0 ? wanted.revision : newest - 1;
  for (const ReleaseRevision& revision : revisions) {
    if (revision.revision != number) continue;
    if (IsGoodTarget(revision)) return &revision;
    const bool pending = revision.status.starts_with("pending-");
    context.Error(
        fmt::format("revision {} of release {} is {}{}: {}", number, wanted.release, revision.status,
                    revision.description.empty() ? "" : fmt::format(" (\"{}\")", revision.description),
                    pending ? "a helm operation on it never finished, so its values never became a working release"
                            : "its values never became a working release, so there is nothing to go back to"),
        fmt::format("roll back to a revision that was deployed: {} (dotk8s rollback {} REVISION -n {})",
                    GoodTargets(revisions, newest), wanted.release, ns));
    return nullptr;
  }
  if (wanted.revision == 0 && newest <= 1) {
    context.Error(fmt::format("release {} has only revision {}: there is no earlier revision to roll back to",
                              wanted.release, newest),
                  "dotk8s upgrade changes the release; dotk8s rollback needs an earlier revision");
    return nullptr;
  }
  context.Error(fmt::format("release {} has no revision {}; helm keeps these: {}", wanted.release, number,
                            ListRevisions(revisions)),
                fmt::format("pick one of them (dotk8s rollback {} REVISION -n {}); helm keeps only the last "
                            "revisions (--history-max, 10 by default)",
                            wanted.release, ns));
  return nullptr;
}

Command HelmRead(const PreparedRelease& prepared, std::vector<std::string> args, std::string purpose) {
  Command command;
  command.argv = {prepared.helm.program};
  command.argv.insert(command.argv.end(), args.begin(), args.end());
  command.env = HelmEnvironment(prepared.helm.major, prepared.wiring.helm4_plugin_dir,
                                prepared.wiring.helm3_plugin_dir);
  command.purpose = std::move(purpose);
  return command;
}

}  // namespace

// [REVISION], [RELEASE] or [RELEASE REVISION]. Release names are DNS labels,
// which may be all digits, but a release named "3" is far less likely than a
// revision: a lone number is the revision, as the cluster suite passes it.
bool ParseRollbackArguments(const std::vector<std::string>& positionals, RollbackTarget* target, std::string* error) {
  if (positionals.size() > 2) {
    *error = fmt::format("too many arguments: {} (expected [RELEASE] [REVISION])", fmt::join(positionals, " "));
    return false;
  }
  std::string revision_text;
  if (positionals.size() == 2) {
    target->release = positionals[0];
    revision_text = positionals[1];
  } else if (positionals.size() == 1) {
    if (AllDigits(positionals[0])) {
      revision_text = positionals[0];
    } else {
      target->release = positionals[0];
    }
  }
  if (!revision_text.empty()) {
    std::optional<int> revision = ParseRevisionNumber(revision_text);
    if (!revision) {
      *error = fmt::format("REVISION must be a revision number (1, 2, ...), got {}", revision_text);
      return false;
    }
    target->revision = *revision;
  }
  return true;
}

PrivateValuesFile::PrivateValuesFile(const DriverContext& context) {
  const std::string dir = CacheDir(context);
  std::error_code ec;
  fs::create_directories(dir, ec);
  std::string pattern = dir + "/rollback-values-XXXXXX";
  int fd = ::mkstemp(pattern.data());
  if (fd < 0) {
    error_ = fmt::format("cannot create a private file in {}", dir);
    return;
  }
  ::close(fd);
  path_ = pattern;
}

PrivateValuesFile::~PrivateValuesFile() {
  std::error_code ec;
  if (!path_.empty()) fs::remove(path_, ec);
}

bool PrivateValuesFile::Write(std::string_view content) const {
  int fd = ::open(path_.c_str(), O_WRONLY | O_TRUNC | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0) return false;
  bool ok = true;
  while (!content.empty() && ok) {
    ssize_t written = ::write(fd, content.data(), content.size());
    ok = written > 0;
    if (ok) content.remove_prefix(static_cast<std::size_t>(written));
  }
  return ::close(fd) == 0 && ok;
}

int ChooseRollbackRevision(DriverContext& context, const PreparedRelease& prepared, const RollbackTarget& wanted,
                           RollbackRevision* chosen) {
  const std::string& release = prepared.release;
  const std::string& ns = prepared.release_namespace;
  std::string chart_identity;
  std::string error;
  if (!ReadChartIdentity(prepared.workspace.chart_dir, &chart_identity, &error)) {
    context.Error(error, "pass --chart DIR with the umbrella chart (charts/dot-apps of a checkout)");
    return kExitMissing;
  }

  // The revisions (a probe: runs under --dry-run too).
  Command history = HelmRead(prepared, {"history", release, "-n", ns, "-o", "json"},
                             fmt::format("reading the revisions of release {}", release));
  bool installed = false;
  std::vector<ReleaseRevision> revisions;
  int code = ReadReleaseRevisions(context, history, release, &installed, &revisions);
  if (code != kExitOk) return code;
  if (!installed) {
    context.Error(fmt::format("release {} is not installed in namespace {}: nothing to roll back", release, ns),
                  "helm list -A shows the releases and their namespaces; pass -n NS");
    return kExitFailed;
  }
  if (revisions.empty()) {
    context.Error(fmt::format("release {} in namespace {} has no revisions: nothing to roll back", release, ns));
    return kExitFailed;
  }
  const ReleaseRevision* target = ChooseTarget(context, wanted, ns, revisions);
  if (target == nullptr) return kExitUsage;
  const int number = target->revision;

  // A revision's values belong to the chart version that made it: rolled
  // forward with another chart they would not give that revision back.
  if (target->chart != chart_identity) {
    context.Error(
        fmt::format("revision {} of release {} was made by chart {}, but the chart dotk8s would deploy ({}) is {}: "
                    "that revision's values belong to its own chart version",
                    number, release, target->chart.empty() ? "(unknown)" : target->chart,
                    prepared.workspace.chart_dir, chart_identity),
        fmt::format("pass --chart DIR with a checkout of {} (or --bundle of that version); or run `helm rollback {} "
                    "{} -n {}`, Helm's own rollback to the stored manifest, which fails on objects kept live across "
                    "a component switch and deletes what the current revision holds as an object and revision {} "
                    "only as a hook",
                    target->chart.empty() ? "that version" : target->chart, release, number, ns, number));
    return kExitUsage;
  }
  chosen->target = *target;
  chosen->newest = revisions.back().revision;
  return kExitOk;
}

int WriteRevisionValues(DriverContext& context, const PreparedRelease& prepared, int revision,
                        const PrivateValuesFile& values_file) {
  const std::string& release = prepared.release;
  const std::string& ns = prepared.release_namespace;
  Command get_values =
      HelmRead(prepared, {"get", "values", release, "-n", ns, "--revision", std::to_string(revision), "-o", "yaml"},
               fmt::format("reading the values of revision {}", revision));
  context.Progress(get_values.purpose);
  ProcessResult result = context.runner->Run(get_values);
  if (!result.Ok()) {
    // helm's message; stdout (the values) is never shown
    return ReportFailedProgram(context, fmt::format("{} of release {}", get_values.purpose, release), result,
                               "check the cluster connection and your rights on the release's Secrets in " + ns);
  }
  if (!values_file.Write(result.out)) {
    context.Error(fmt::format("cannot write {}", values_file.path()));
    return kExitFailed;
  }
  return kExitOk;
}

void SayRollbackPlan(const DriverContext& context, const PreparedRelease& prepared, const RollbackRevision& chosen) {
  const ReleaseRevision& target = chosen.target;
  const int number = target.revision;
  context.Say(fmt::format("rollback of release {} (namespace {}) to revision {} ({}, {}{}): an upgrade to that "
                          "revision's values, not `helm rollback`",
                          prepared.release, prepared.release_namespace, number, target.status, target.chart,
                          target.description.empty() ? "" : fmt::format(", \"{}\"", target.description)));
  context.Say(
      "  why: Helm's rollback cannot adopt objects kept live across a component switch (it fails \"original object "
      "... not found\") and deletes what the current revision holds as an object while the target holds it only "
      "as a hook; Helm's upgrade adopts what carries the release's marks");
  context.Say(fmt::format("  how: revision {}'s values (helm get values --revision {}) in a private file, removed "
                          "afterwards, then every step of dotk8s upgrade and helm upgrade -f <that file> "
                          "--reset-values (nothing of the current values is reused)",
                          number, number));
  context.Say(fmt::format("  the release gets a new revision after {} with revision {}'s values; helm history "
                          "lists it as an upgrade",
                          chosen.newest, number));
}

}  // namespace dotk8s
