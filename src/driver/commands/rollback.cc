// dotk8s rollback [RELEASE] [REVISION]: back to an earlier revision by rolling
// FORWARD to its values with the driver's own upgrade, not with `helm rollback`.
//
// Why not Helm's rollback (measured on a real API server with Helm 4.1.4 and
// 3.17.3, docs/driver.md "rollback"): it restores the target's stored manifest
// and adopts nothing. An object the target holds that is live but not in the
// current manifest fails it ("original object CustomResourceDefinition with the
// name ... not found", pkg/kube/client.go update()): every rollback across a
// component switch meets that, since the CRDs and Namespaces of a component
// switched off stay live with helm.sh/resource-policy: keep but leave the
// manifest. And it deletes what the current revision holds as an object and
// the target only as a hook. `helm upgrade` adopts objects that carry this
// release's ownership marks, and the driver's upgrade also applies the CRDs,
// the namespaces and the keep marks first.
#include <fcntl.h>
#include <fmt/format.h>
#include <fmt/ranges.h>
#include <unistd.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <filesystem>
#include <optional>
#include <sstream>

#include "driver/cli/commands.h"
#include "driver/programs/locations.h"
#include "driver/release/pending.h"
#include "driver/release/setup.h"

namespace dotk8s {
namespace {
namespace fs = std::filesystem;

constexpr std::string_view kRollbackDescription =
    "Goes back to an earlier revision of the release by rolling FORWARD to it: a `dotk8s upgrade` with that\n"
    "revision's values, not `helm rollback`. Helm's rollback cannot adopt objects kept live across a\n"
    "component switch (it fails \"original object ... not found\") and deletes what the current revision\n"
    "holds as an object while the target holds it only as a hook.\n"
    "REVISION: default the one before the newest (as helm rollback picks it). A single argument that is a\n"
    "number is the revision (release dot-apps); otherwise it is the release.\n"
    "Steps: helm history RELEASE -n NS -o json (the target must exist and be deployed or superseded, and\n"
    "be made by the chart version dotk8s deploys, Chart.yaml's; else refused before anything changes);\n"
    "helm get values RELEASE -n NS --revision N -o yaml (the values given to that revision) into a file\n"
    "only you can read (mode 0600, never printed, removed afterwards); then every step of `dotk8s upgrade`\n"
    "(namespaces, CRDs server-side, keep marks, pending revisions) and helm upgrade -f <that file>\n"
    "--reset-values, so nothing of the current revision's values is reused. The release gets a new\n"
    "revision (helm history calls it an upgrade). --dry-run prints the commands and runs only the reads.\n"
    "Helm keeps the last 10 revisions (--history-max): older ones cannot be targets.\n";

// The release and the revision the command line names; revision 0: the default.
struct RollbackTarget {
  std::string release = std::string(kDefaultRelease);
  int revision = 0;
};

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

// A file only this user can read (mkstemp: mode 0600) in dotk8s's own cache
// directory, for a revision's values, which may hold passwords; removed when
// the rollback ends, whatever happened.
class PrivateValuesFile {
 public:
  explicit PrivateValuesFile(const DriverContext& context) {
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
  ~PrivateValuesFile() {
    std::error_code ec;
    if (!path_.empty()) fs::remove(path_, ec);
  }
  PrivateValuesFile(const PrivateValuesFile&) = delete;
  PrivateValuesFile& operator=(const PrivateValuesFile&) = delete;

  const std::string& path() const { return path_; }
  const std::string& error() const { return error_; }

  // Writes `content` through a descriptor opened without O_CREAT: the file
  // mkstemp made, never one put in its place.
  bool Write(std::string_view content) const {
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

 private:
  std::string path_;
  std::string error_;
};

std::string FailureText(const ProcessResult& result) {
  return result.start_error.empty() ? fmt::format("exit {}", result.exit_code) : result.start_error;
}

void PassOnStderr(const DriverContext& context, const ProcessResult& result) {
  if (!result.err.empty()) *context.err << result.err << (result.err.back() == '\n' ? "" : "\n");
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

CommandSpec RollbackCommandSpec(const std::vector<FlagSpec>& upgrade_flags) {
  // upgrade's flags but those that give values: the values are the target revision's.
  std::vector<FlagSpec> flags;
  for (const FlagSpec& flag : upgrade_flags) {
    if (flag.name != "values" && flag.name != "set" && flag.name != "profile") flags.push_back(flag);
  }
  return {"rollback", "back to an earlier revision by an upgrade to its values (never deletes what it holds)",
          "dotk8s rollback [RELEASE] [REVISION] [-n NS] [--dry-run]", kRollbackDescription, flags,
          RunRollbackCommand};
}

int RunRollbackCommand(std::string_view /*name*/, const CommandLine& line, DriverContext& context) {
  RollbackTarget wanted;
  std::string error;
  if (!ParseRollbackArguments(line.positionals, &wanted, &error)) {
    context.Error(error, "dotk8s rollback [RELEASE] [REVISION]; helm history RELEASE -n NS lists the revisions");
    return kExitUsage;
  }

  // The same setup the upgrade makes (chart, dependencies, helm, namespace);
  // what it says on success (Helm 3's namespace note) the upgrade says again,
  // so here it is only shown when the setup fails.
  CommandLine setup_line = line;
  setup_line.positionals = {wanted.release};
  PreparedRelease prepared;
  std::ostringstream setup_messages;
  DriverContext setup_context = context;
  setup_context.err = &setup_messages;
  int code = PrepareRelease(setup_line, setup_context, /*need_dependencies=*/true, &prepared);
  if (code != kExitOk) {
    *context.err << setup_messages.str();
    return code;
  }
  const std::string& release = prepared.release;
  const std::string& ns = prepared.release_namespace;
  std::string chart_identity;
  if (!ReadChartIdentity(prepared.workspace.chart_dir, &chart_identity, &error)) {
    context.Error(error, "pass --chart DIR with the umbrella chart (charts/dot-apps of a checkout)");
    return kExitMissing;
  }

  // The revisions (a probe: runs under --dry-run too).
  Command history = HelmRead(prepared, {"history", release, "-n", ns, "-o", "json"},
                             fmt::format("reading the revisions of release {}", release));
  context.Progress(history.purpose);
  ProcessResult result = context.runner->Run(history);
  if (!result.Ok()) {
    if (result.start_error.empty() && result.err.find("release: not found") != std::string::npos) {
      context.Error(fmt::format("release {} is not installed in namespace {}: nothing to roll back", release, ns),
                    "helm list -A shows the releases and their namespaces; pass -n NS");
      return kExitFailed;
    }
    PassOnStderr(context, result);
    context.Error(fmt::format("{} failed: {}", history.purpose, FailureText(result)),
                  "check the cluster connection (kubectl config current-context) and rights");
    return kExitFailed;
  }
  std::vector<ReleaseRevision> revisions;
  if (!ReadReleaseHistory(result.out, &revisions, &error)) {
    context.Error(fmt::format("the revisions of release {} do not read: {}", release, error));
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

  // The target's user-supplied values (they may hold passwords): into a
  // private file, never printed. A probe: runs under --dry-run too.
  PrivateValuesFile values_file(context);
  if (values_file.path().empty()) {
    context.Error(values_file.error(), "make the dotk8s cache directory writable (XDG_CACHE_HOME)");
    return kExitFailed;
  }
  Command get_values =
      HelmRead(prepared, {"get", "values", release, "-n", ns, "--revision", std::to_string(number), "-o", "yaml"},
               fmt::format("reading the values of revision {}", number));
  context.Progress(get_values.purpose);
  result = context.runner->Run(get_values);
  if (!result.Ok()) {
    PassOnStderr(context, result);  // helm's message; stdout (the values) is never shown
    context.Error(fmt::format("{} of release {} failed: {}", get_values.purpose, release, FailureText(result)),
                  "check the cluster connection and your rights on the release's Secrets in " + ns);
    return kExitFailed;
  }
  if (!values_file.Write(result.out)) {
    context.Error(fmt::format("cannot write {}", values_file.path()));
    return kExitFailed;
  }

  context.Say(fmt::format("rollback of release {} (namespace {}) to revision {} ({}, {}{}): an upgrade to that "
                          "revision's values, not `helm rollback`",
                          release, ns, number, target->status, target->chart,
                          target->description.empty() ? "" : fmt::format(", \"{}\"", target->description)));
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
                          revisions.back().revision, number));

  CommandLine upgrade_line = setup_line;
  upgrade_line.flags["namespace"] = {ns};
  upgrade_line.flags["values"] = {values_file.path()};
  upgrade_line.flags[std::string(kResetValuesSwitch)] = {"true"};
  return RunReleaseCommand("upgrade", upgrade_line, context);
}

}  // namespace dotk8s
