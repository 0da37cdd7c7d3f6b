// A release a killed helm left pending-install/-upgrade/-rollback: the pure
// pieces (helm history's JSON, times, durations, the decision) and the driver
// end to end with the fake helm and kubectl (tests/fakes): detection, the
// refusal, recovery by flag and by age, and nothing extra when nothing is pending.
#include "driver/release/pending.h"

#include <fmt/chrono.h>
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <chrono>
#include <regex>

#include "fakes/driver_sandbox.h"

namespace dotk8s::testing {
namespace {

using Call = std::vector<std::string>;

// What Helm 4.1.4 printed for `helm history dot-apps -n dot-system -o json
// --max 5` on the local control plane after `dotk8s install` was killed
// during helm's pre-install hooks (Helm 3.17.3 printed the same bytes for it).
constexpr std::string_view kKilledInstallHistory =
    R"([{"revision":1,"updated":"2026-12-07T15:01:43.536252143Z","status":"pending-install","chart":"dot-apps-0.1.0","app_version":"0.1.0","description":"Initial install underway"}])";

TEST(PendingReleaseTest, ReadsHelmHistoryJson) {
  std::vector<ReleaseRevision> revisions;
  std::string error;
  ASSERT_TRUE(ReadReleaseHistory(kKilledInstallHistory, &revisions, &error)) << error;
  ASSERT_EQ(revisions.size(), 1u);
  EXPECT_EQ(revisions[0].revision, 1);
  EXPECT_EQ(revisions[0].status, "pending-install");
  EXPECT_EQ(revisions[0].updated, "2026-12-07T15:01:43.536252143Z");
  EXPECT_EQ(revisions[0].chart, "dot-apps-0.1.0");
  EXPECT_EQ(revisions[0].description, "Initial install underway");

  revisions.clear();
  EXPECT_FALSE(ReadReleaseHistory("Error: something", &revisions, &error));
  EXPECT_EQ(error, "helm history -o json did not print a list");
  EXPECT_FALSE(ReadReleaseHistory(R"([{"revision":1}])", &revisions, &error));
  EXPECT_EQ(error, "helm history -o json printed an entry without revision and status");
  EXPECT_FALSE(ReadReleaseHistory("[{\"revision\": 1, ", &revisions, &error));
  EXPECT_TRUE(error.starts_with("helm history -o json does not read as JSON: ")) << error;
}

TEST(PendingReleaseTest, ParsesRfc3339Times) {
  // date -u -d 2026-12-07T15:01:43Z +%s
  EXPECT_EQ(ParseRfc3339("2026-12-07T15:01:43.536252143Z"), 1796655703);
  EXPECT_EQ(ParseRfc3339("2026-12-07T15:01:43Z"), 1796655703);
  // A helm on a machine in another zone writes its offset.
  EXPECT_EQ(ParseRfc3339("2026-12-07T16:01:43.5+01:00"), 1796655703);
  EXPECT_EQ(ParseRfc3339("2026-12-07T10:31:43-04:30"), 1796655703);
  EXPECT_EQ(ParseRfc3339("1970-01-01T00:00:00Z"), 0);
  for (std::string_view bad : {"", "2026-12-07", "2026-12-07T15:01:43", "2026-13-07T15:01:43Z",
                               "2026-02-30T15:01:43Z", "2026-12-07T15:01:43+0100", "Mon Dec  7 15:01:43 2026",
                               "2026-12-07T15:01:43Zjunk"}) {
    EXPECT_EQ(ParseRfc3339(bad), std::nullopt) << bad;
  }
}

TEST(PendingReleaseTest, ParsesAndFormatsDurations) {
  EXPECT_EQ(ParseDuration("90s"), 90);
  EXPECT_EQ(ParseDuration("10m"), 600);
  EXPECT_EQ(ParseDuration("1h30m"), 5400);
  EXPECT_EQ(ParseDuration("1h0m5s"), 3605);
  EXPECT_EQ(ParseDuration("0"), 0);
  for (std::string_view bad : {"", "10", "m", "10x", "1.5h", "-5m", "10m "}) {
    EXPECT_EQ(ParseDuration(bad), std::nullopt) << bad;
  }
  EXPECT_EQ(FormatDuration(37), "37s");
  EXPECT_EQ(FormatDuration(252), "4m12s");
  EXPECT_EQ(FormatDuration(600), "10m");
  EXPECT_EQ(FormatDuration(7500), "2h5m");
  EXPECT_EQ(FormatDuration(90000), "1d1h");
}

std::vector<ReleaseRevision> Revisions(std::initializer_list<std::pair<int, std::string>> entries,
                                       const std::string& updated) {
  std::vector<ReleaseRevision> revisions;
  for (const auto& [number, status] : entries) {
    revisions.push_back({number, updated, status, "dot-apps-0.1.0", ""});
  }
  return revisions;
}

TEST(PendingReleaseTest, FindsOnlyAPendingLastRevision) {
  const std::int64_t started = *ParseRfc3339("2026-12-07T15:01:43Z");
  const std::string at = "2026-12-07T15:01:43Z";
  EXPECT_EQ(FindPendingRevision({}, started), std::nullopt);
  EXPECT_EQ(FindPendingRevision(Revisions({{1, "superseded"}, {2, "deployed"}}, at), started), std::nullopt);
  // A failed last revision is not pending: helm upgrade handles it itself.
  EXPECT_EQ(FindPendingRevision(Revisions({{1, "deployed"}, {2, "failed"}}, at), started), std::nullopt);

  std::optional<PendingRevision> upgrade =
      FindPendingRevision(Revisions({{1, "superseded"}, {2, "deployed"}, {3, "pending-upgrade"}}, at), started + 252);
  ASSERT_TRUE(upgrade.has_value());
  EXPECT_EQ(upgrade->revision.revision, 3);
  EXPECT_TRUE(upgrade->age_known);
  EXPECT_EQ(upgrade->age_seconds, 252);
  ASSERT_TRUE(upgrade->previous.has_value());
  EXPECT_EQ(upgrade->previous->revision, 2);
  EXPECT_EQ(upgrade->previous->status, "deployed");

  std::optional<PendingRevision> install = FindPendingRevision(Revisions({{1, "pending-install"}}, at), started);
  ASSERT_TRUE(install.has_value());
  EXPECT_FALSE(install->previous.has_value());

  std::optional<PendingRevision> unreadable = FindPendingRevision(Revisions({{4, "pending-rollback"}}, "yesterday"), 0);
  ASSERT_TRUE(unreadable.has_value());
  EXPECT_FALSE(unreadable->age_known);
}

TEST(PendingReleaseTest, AbandonedOnlyByFlagOrAge) {
  PendingRevision pending;
  pending.revision = {2, "2026-12-07T15:01:43Z", "pending-upgrade", "dot-apps-0.1.0", ""};
  pending.age_known = true;
  PendingOptions options;  // 10m
  pending.age_seconds = 600;
  EXPECT_EQ(AbandonedBecause(pending, options), "");
  pending.age_seconds = 601;
  EXPECT_EQ(AbandonedBecause(pending, options), "it started 10m1s ago, longer than --pending-timeout 10m");
  // helm's clock ahead of ours, or a time that does not read: young.
  pending.age_seconds = -3600;
  EXPECT_EQ(AbandonedBecause(pending, options), "");
  pending.age_known = false;
  pending.age_seconds = 0;
  EXPECT_EQ(AbandonedBecause(pending, options), "");
  options.recover = true;
  EXPECT_EQ(AbandonedBecause(pending, options), "--recover-pending was given");
}

TEST(PendingReleaseTest, StorageFollowsHelmDriver) {
  EXPECT_EQ(StorageOfHelmDriver("").resource, "secrets");
  EXPECT_EQ(StorageOfHelmDriver("secret").kind, "Secret");
  EXPECT_EQ(StorageOfHelmDriver("secrets").resource, "secrets");
  EXPECT_EQ(StorageOfHelmDriver("configmap").resource, "configmaps");
  EXPECT_EQ(StorageOfHelmDriver("configmaps").kind, "ConfigMap");
  EXPECT_FALSE(StorageOfHelmDriver("memory").persistent);
  EXPECT_EQ(StorageOfHelmDriver("sql").resource, "");
  EXPECT_TRUE(StorageOfHelmDriver("sql").persistent);
  EXPECT_EQ(ReleaseRecordName("dot-apps", 3), "sh.helm.release.v1.dot-apps.v3");
}

// --- the driver with the fakes ---------------------------------------------------------------

// helm history's JSON for `entries` (revision, status), the last started
// `age_seconds` ago, the earlier ones a day before.
std::string HistoryJson(std::initializer_list<std::pair<int, std::string>> entries, std::int64_t age_seconds) {
  const auto now = std::chrono::time_point_cast<std::chrono::seconds>(std::chrono::system_clock::now());
  std::string json = "[";
  std::size_t index = 0;
  for (const auto& [number, status] : entries) {
    const bool last = ++index == entries.size();
    const auto at = now - std::chrono::seconds(last ? age_seconds : 86400);
    json += fmt::format(
        R"({}{{"revision":{},"updated":"{:%Y-%m-%dT%H:%M:%S}.123456789Z","status":"{}","chart":"dot-apps-0.1.0","app_version":"0.1.0","description":"x"}})",
        index == 1 ? "" : ",", number, at, status);
  }
  return json + "]";
}

// The label check's answer for the record of `revision` with `status`.
std::string RecordLabels(int revision, const std::string& status) {
  return fmt::format("6f1c-uid\t4711\thelm.sh/release.v1\thelm\tdot-apps\t{}\t{}", revision, status);
}

// Ages vary by a second between writing the history and the driver reading
// it: "(4m12s ago)" becomes "(AGE ago)", the time itself "TIME".
std::string WithoutClock(const std::string& text) {
  std::string out = std::regex_replace(text, std::regex(R"(\((\d+[dhms])+ ago\))"), "(AGE ago)");
  out = std::regex_replace(out, std::regex(R"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.123456789Z)"), "TIME");
  return std::regex_replace(out, std::regex(R"(it started (\d+[dhms])+ ago)"), "it started AGE ago");
}

struct DriverPendingReleaseTest : ::testing::Test {
  DriverSandbox sandbox;
  std::string history_file;
  std::string render_file;

  void SetUp() override {
    DOTK8S_REQUIRE_SANDBOX(sandbox);
    history_file = sandbox.root + "/history.json";
    render_file = sandbox.root + "/render.yaml";
    WriteFile(render_file, "");
  }

  std::vector<std::string> Env(const std::string& history, const std::string& record = {},
                               const std::string& version = "v4.1.4") const {
    WriteFile(history_file, history);
    std::vector<std::string> env = {"FAKE_HELM_VERSION=" + version, "FAKE_HELM_TEMPLATE=" + render_file,
                                    "FAKE_HELM_HISTORY=" + history_file, "TMPDIR=" + sandbox.root};
    if (!record.empty()) env.push_back("FAKE_KUBECTL_RECORD=" + record);
    return env;
  }

  // The calls after the planning render (version and render come first in every run).
  std::vector<Call> AfterPlanning() const {
    std::vector<Call> calls = sandbox.Recorded();
    EXPECT_GE(calls.size(), 2u);
    if (calls.size() < 2) return {};
    EXPECT_EQ(calls[1][2], "template");
    return std::vector<Call>(calls.begin() + 2, calls.end());
  }

  static Call History(const std::string& plugins, const std::string& ns = "dot-system") {
    return {"helm", "HELM_PLUGINS=" + plugins, "history", "dot-apps", "-n", ns, "-o", "json", "--max", "5"};
  }
  std::string Helm4Plugins() const { return sandbox.data + "/dotk8s/driver-helm4-plugins"; }
  std::string Helm3Plugins() const { return sandbox.data + "/dotk8s/helm3-plugins"; }

  static Call LabelRead(const std::string& resource, int revision, const std::string& ns = "dot-system") {
    return {"kubectl", "get", resource, fmt::format("sh.helm.release.v1.dot-apps.v{}", revision), "-n", ns,
            "--ignore-not-found", "-o",
            "jsonpath={.metadata.uid}{\"\\t\"}{.metadata.resourceVersion}{\"\\t\"}{.type}{\"\\t\"}"
            "{.metadata.labels.owner}{\"\\t\"}{.metadata.labels.name}{\"\\t\"}{.metadata.labels.version}{\"\\t\"}"
            "{.metadata.labels.status}"};
  }
  static Call Delete(const std::string& resource, int revision, const std::string& ns = "dot-system") {
    return {"kubectl", "delete", "--raw",
            fmt::format("/api/v1/namespaces/{}/{}/sh.helm.release.v1.dot-apps.v{}", ns, resource, revision), "-f",
            "-"};
  }
};

constexpr std::string_view kPreconditions =
    R"({"kind":"DeleteOptions","apiVersion":"v1","preconditions":{"uid":"6f1c-uid","resourceVersion":"4711"}})";

TEST_F(DriverPendingReleaseTest, NothingPendingRunsNothingExtra) {
  for (std::string verb : {"install", "upgrade"}) {
    SCOPED_TRACE(verb);
    std::filesystem::remove(sandbox.record);
    RunResult run = sandbox.Driver({verb, "--chart", sandbox.chart},
                                   Env(HistoryJson({{1, "superseded"}, {2, "deployed"}}, 30)));
    ASSERT_EQ(run.exit_code, 0) << run.err;
    std::vector<Call> calls = AfterPlanning();
    ASSERT_FALSE(calls.empty());
    EXPECT_EQ(calls[0], History(Helm4Plugins()));
    // Only the read: no label check, no delete, and helm runs the verb asked for.
    for (std::size_t i = 1; i < calls.size(); ++i) {
      EXPECT_NE(calls[i][1], "delete");
      EXPECT_FALSE(calls[i][0] == "kubectl" && calls[i][2] == "secrets");
      EXPECT_NE(calls[i][2], "history");
    }
    EXPECT_EQ(calls.back()[2], verb);
    EXPECT_EQ(run.err.find("pending"), std::string::npos) << run.err;
  }
}

TEST_F(DriverPendingReleaseTest, AYoungPendingRevisionIsExplainedAndRefused) {
  RunResult run = sandbox.Driver({"upgrade", "--chart", sandbox.chart},
                                 Env(HistoryJson({{1, "deployed"}, {2, "pending-upgrade"}}, 252)));
  EXPECT_EQ(run.exit_code, 1);
  EXPECT_EQ(run.out, "");
  EXPECT_EQ(WithoutClock(run.err),
            "dotk8s: release dot-apps in namespace dot-system: its last revision 2 is pending-upgrade: an upgrade "
            "started at TIME (AGE ago) and never recorded its end; the helm that ran it was killed (a cancelled CI "
            "job) or lost the API server. While a revision is pending, Helm refuses every install, upgrade and "
            "rollback of the release (\"another operation (install/upgrade/rollback) is in progress\")\n"
            "dotk8s: error: release dot-apps (namespace dot-system) revision 2 is pending-upgrade, started at TIME "
            "(AGE ago): it may still be running, so dotk8s leaves it alone\n"
            "  hint: if no other helm or dotk8s is working on this release (e.g. the CI job was cancelled), rerun "
            "with --recover-pending; without it, dotk8s takes a pending revision as abandoned once it is older than "
            "--pending-timeout (now 10m)\n");
  EXPECT_NE(run.err.find("(4m1"), std::string::npos) << run.err;  // 4m12s, give or take the run's seconds
  // Nothing on the cluster changed: the read was the last call.
  EXPECT_EQ(AfterPlanning(), (std::vector<Call>{History(Helm4Plugins())}));
}

TEST_F(DriverPendingReleaseTest, RecoverPendingRemovesOnlyTheStuckRecordThenUpgrades) {
  RunResult run = sandbox.Driver({"upgrade", "--chart", sandbox.chart, "--recover-pending"},
                                 Env(HistoryJson({{1, "superseded"}, {2, "deployed"}, {3, "pending-upgrade"}}, 5),
                                     RecordLabels(3, "pending-upgrade")));
  ASSERT_EQ(run.exit_code, 0) << run.err;
  std::vector<Call> calls = AfterPlanning();
  ASSERT_GE(calls.size(), 4u);
  EXPECT_EQ(calls[0], History(Helm4Plugins()));
  EXPECT_EQ(calls[1], LabelRead("secrets", 3));
  EXPECT_EQ(calls[2], Delete("secrets", 3));
  EXPECT_EQ(sandbox.RecordedInput(4), kPreconditions);
  EXPECT_EQ(calls.back()[2], "upgrade");
  EXPECT_EQ(WithoutClock(run.err.substr(run.err.find("dotk8s: recovering"))),
            "dotk8s: recovering release dot-apps: revision 3 (pending-upgrade) is taken as abandoned: "
            "--recover-pending was given\n"
            "dotk8s:   deleted Secret sh.helm.release.v1.dot-apps.v3 in namespace dot-system, Helm's record of "
            "revision 3 and nothing else (checked first: type helm.sh/release.v1, labels owner=helm, name=dot-apps, "
            "version=3, status=pending-upgrade; deleted on the condition that it had not changed; its data, the "
            "release's values, was not read)\n"
            "dotk8s:   revision 2 (deployed, dot-apps-0.1.0) is the release's last revision again: the upgrade below "
            "starts from it\n"
            "dotk8s:   nothing else was deleted: objects the interrupted upgrade created carry the release's "
            "ownership marks, and the upgrade below adopts them\n");
}

TEST_F(DriverPendingReleaseTest, AnOldPendingRevisionIsTakenAsAbandonedWithoutTheFlag) {
  // 11 minutes: older than the default 10m.
  RunResult run = sandbox.Driver({"upgrade", "--chart", sandbox.chart},
                                 Env(HistoryJson({{1, "deployed"}, {2, "pending-rollback"}}, 660),
                                     RecordLabels(2, "pending-rollback")));
  ASSERT_EQ(run.exit_code, 0) << run.err;
  EXPECT_NE(WithoutClock(run.err).find("dotk8s: recovering release dot-apps: revision 2 (pending-rollback) is taken as "
                                       "abandoned: it started AGE ago, longer than --pending-timeout 10m\n"),
            std::string::npos)
      << run.err;
  EXPECT_NE(run.err.find("a rollback started at"), std::string::npos) << run.err;
  EXPECT_EQ(AfterPlanning()[2], Delete("secrets", 2));

  // The threshold is the flag's: 1h keeps the same revision young, 30s makes a
  // minute-old one old.
  std::filesystem::remove(sandbox.record);
  run = sandbox.Driver({"upgrade", "--chart", sandbox.chart, "--pending-timeout", "1h"},
                       Env(HistoryJson({{1, "deployed"}, {2, "pending-rollback"}}, 660),
                           RecordLabels(2, "pending-rollback")));
  EXPECT_EQ(run.exit_code, 1);
  EXPECT_NE(run.err.find("older than --pending-timeout (now 1h)\n"), std::string::npos) << run.err;
  EXPECT_EQ(AfterPlanning().size(), 1u);

  std::filesystem::remove(sandbox.record);
  run = sandbox.Driver({"upgrade", "--chart", sandbox.chart, "--pending-timeout=30s"},
                       Env(HistoryJson({{1, "deployed"}, {2, "pending-upgrade"}}, 60),
                           RecordLabels(2, "pending-upgrade")));
  ASSERT_EQ(run.exit_code, 0) << run.err;
  EXPECT_NE(WithoutClock(run.err).find("longer than --pending-timeout 30s\n"), std::string::npos) << run.err;
}

TEST_F(DriverPendingReleaseTest, AKilledFirstInstallLeavesNoReleaseSoUpgradeInstalls) {
  for (std::string verb : {"install", "upgrade"}) {
    for (std::string version : {"v4.1.4", "v3.17.3"}) {
      SCOPED_TRACE(verb + " " + version);
      std::filesystem::remove(sandbox.record);
      const bool helm3 = version.starts_with("v3");
      const std::string ns = helm3 ? "envoy-gateway-system" : "dot-system";
      RunResult run = sandbox.Driver({verb, "--chart", sandbox.chart, "--recover-pending"},
                                     Env(HistoryJson({{1, "pending-install"}}, 4), RecordLabels(1, "pending-install"),
                                         version));
      ASSERT_EQ(run.exit_code, 0) << run.err;
      std::vector<Call> calls = AfterPlanning();
      ASSERT_GE(calls.size(), 3u);
      EXPECT_EQ(calls[0], History(helm3 ? Helm3Plugins() : Helm4Plugins(), ns));
      EXPECT_EQ(calls[1], LabelRead("secrets", 1, ns));
      EXPECT_EQ(calls[2], Delete("secrets", 1, ns));
      // helm install, whichever verb was asked: there is no release to upgrade.
      EXPECT_EQ(calls.back()[2], "install");
      EXPECT_NE(run.err.find("dotk8s: release dot-apps in namespace " + ns +
                             ": its last revision 1 is pending-install: an install started at"),
                std::string::npos)
          << run.err;
      EXPECT_NE(run.err.find("helm install: \"cannot re-use a name that is still in use\""), std::string::npos);
      EXPECT_NE(run.err.find(verb == "upgrade"
                                 ? "dotk8s:   no revision is left: release dot-apps is not installed; so `dotk8s "
                                   "upgrade` runs helm install instead of helm upgrade\n"
                                 : "dotk8s:   no revision is left: release dot-apps is not installed; the install "
                                   "below starts afresh\n"),
                std::string::npos)
          << run.err;
    }
  }
}

TEST_F(DriverPendingReleaseTest, InstallOverAnEarlierRevisionIsSentToUpgrade) {
  RunResult run = sandbox.Driver({"install", "--chart", sandbox.chart, "--recover-pending"},
                                 Env(HistoryJson({{1, "deployed"}, {2, "pending-upgrade"}}, 5),
                                     RecordLabels(2, "pending-upgrade")));
  EXPECT_EQ(run.exit_code, 1);
  EXPECT_NE(run.err.find("dotk8s: error: release dot-apps still has revision 1 (deployed): helm install cannot "
                         "install over it\n  hint: run `dotk8s upgrade` with the release's values\n"),
            std::string::npos)
      << run.err;
  std::vector<Call> calls = AfterPlanning();
  ASSERT_EQ(calls.size(), 3u);  // the stuck record is gone; nothing else ran
  EXPECT_EQ(calls[2], Delete("secrets", 2));
}

TEST_F(DriverPendingReleaseTest, ARecordThatIsNotWhatHistorySaidIsLeftAlone) {
  // helm finished after all: the record now says deployed.
  RunResult run = sandbox.Driver({"upgrade", "--chart", sandbox.chart, "--recover-pending"},
                                 Env(HistoryJson({{1, "deployed"}, {2, "pending-upgrade"}}, 5),
                                     RecordLabels(2, "deployed")));
  EXPECT_EQ(run.exit_code, 1);
  EXPECT_NE(run.err.find("dotk8s: error: Secret sh.helm.release.v1.dot-apps.v2 in namespace dot-system is not what "
                         "helm history described (expected type helm.sh/release.v1 and labels owner=helm, "
                         "name=dot-apps, version=2, status=pending-upgrade; found type helm.sh/release.v1, owner=helm, "
                         "name=dot-apps, version=2, status=deployed): nothing was deleted\n"
                         "  hint: another helm finished or changed the release meanwhile: rerun\n"),
            std::string::npos)
      << run.err;
  EXPECT_EQ(AfterPlanning(), (std::vector<Call>{History(Helm4Plugins()), LabelRead("secrets", 2)}));

  // Not found where HELM_DRIVER says (the release was made with another driver).
  std::filesystem::remove(sandbox.record);
  run = sandbox.Driver({"upgrade", "--chart", sandbox.chart, "--recover-pending"},
                       Env(HistoryJson({{1, "deployed"}, {2, "pending-upgrade"}}, 5)));
  EXPECT_EQ(run.exit_code, 1);
  EXPECT_NE(run.err.find("dotk8s: error: Helm's record of release dot-apps revision 2 is not Secret "
                         "sh.helm.release.v1.dot-apps.v2 in namespace dot-system\n"),
            std::string::npos)
      << run.err;
  EXPECT_EQ(AfterPlanning().size(), 2u);

  // The delete's preconditions failed (the record changed after the read).
  std::filesystem::remove(sandbox.record);
  std::vector<std::string> env =
      Env(HistoryJson({{1, "deployed"}, {2, "pending-upgrade"}}, 5), RecordLabels(2, "pending-upgrade"));
  env.push_back("FAKE_KUBECTL_FAIL=delete");
  run = sandbox.Driver({"upgrade", "--chart", sandbox.chart, "--recover-pending"}, env);
  EXPECT_EQ(run.exit_code, 1);
  EXPECT_NE(run.err.find("dotk8s: error: deleting Secret sh.helm.release.v1.dot-apps.v2 (Helm's record of the stuck "
                         "revision 2) failed: exit 1\n"),
            std::string::npos)
      << run.err;
  EXPECT_EQ(AfterPlanning().size(), 3u);
}

TEST_F(DriverPendingReleaseTest, ConfigMapStorageWhenHelmDriverSaysSo) {
  std::vector<std::string> env =
      Env(HistoryJson({{1, "deployed"}, {2, "pending-upgrade"}}, 5),
          "6f1c-uid\t4711\t\thelm\tdot-apps\t2\tpending-upgrade");  // a ConfigMap has no type
  env.push_back("HELM_DRIVER=configmap");
  RunResult run = sandbox.Driver({"upgrade", "--chart", sandbox.chart, "--recover-pending"}, env);
  ASSERT_EQ(run.exit_code, 0) << run.err;
  std::vector<Call> calls = AfterPlanning();
  EXPECT_EQ(calls[1], LabelRead("configmaps", 2));
  EXPECT_EQ(calls[2], Delete("configmaps", 2));
  EXPECT_NE(run.err.find("dotk8s:   deleted ConfigMap sh.helm.release.v1.dot-apps.v2 in namespace dot-system"),
            std::string::npos)
      << run.err;

  // A ConfigMap has no type to check; its labels are.
  std::filesystem::remove(sandbox.record);
  std::vector<std::string> mismatch = env;
  mismatch.push_back("FAKE_KUBECTL_RECORD=6f1c-uid\t4711\t\thelm\tother-release\t2\tpending-upgrade");
  run = sandbox.Driver({"upgrade", "--chart", sandbox.chart, "--recover-pending"}, mismatch);
  EXPECT_EQ(run.exit_code, 1);
  EXPECT_NE(run.err.find("dotk8s: error: ConfigMap sh.helm.release.v1.dot-apps.v2 in namespace dot-system is not what "
                         "helm history described (expected labels owner=helm, name=dot-apps, version=2, "
                         "status=pending-upgrade; found owner=helm, name=other-release, version=2, "
                         "status=pending-upgrade): nothing was deleted\n"),
            std::string::npos)
      << run.err;
  EXPECT_EQ(AfterPlanning().size(), 2u);

  // A storage dotk8s cannot reach: said, nothing deleted.
  std::filesystem::remove(sandbox.record);
  env.back() = "HELM_DRIVER=sql";
  run = sandbox.Driver({"upgrade", "--chart", sandbox.chart, "--recover-pending"}, env);
  EXPECT_EQ(run.exit_code, 1);
  EXPECT_NE(run.err.find("but HELM_DRIVER=sql keeps Helm's records where dotk8s cannot remove one\n  hint: remove the "
                         "record sh.helm.release.v1.dot-apps.v2 (namespace dot-system) from that storage by hand"),
            std::string::npos)
      << run.err;
  EXPECT_EQ(AfterPlanning().size(), 1u);
}

TEST_F(DriverPendingReleaseTest, DryRunReadsButDeletesNothing) {
  RunResult run = sandbox.Driver({"upgrade", "--chart", sandbox.chart, "--recover-pending", "--dry-run"},
                                 Env(HistoryJson({{1, "deployed"}, {2, "pending-upgrade"}}, 5),
                                     RecordLabels(2, "pending-upgrade")));
  ASSERT_EQ(run.exit_code, 0) << run.err;
  // The probes ran (history, the label read); the delete is only printed.
  std::vector<Call> calls = AfterPlanning();
  ASSERT_GE(calls.size(), 2u);
  EXPECT_EQ(calls[0], History(Helm4Plugins()));
  EXPECT_EQ(calls[1], LabelRead("secrets", 2));
  for (const Call& call : calls) EXPECT_NE(call[1], "delete");
  EXPECT_NE(run.out.find(SourcePath("tests/fakes/kubectl") +
                         " delete --raw /api/v1/namespaces/dot-system/secrets/sh.helm.release.v1.dot-apps.v2 -f -"),
            std::string::npos)
      << run.out;
  EXPECT_NE(run.err.find("dotk8s:   would delete (--dry-run) Secret sh.helm.release.v1.dot-apps.v2"), std::string::npos)
      << run.err;
}

TEST_F(DriverPendingReleaseTest, ABadTimeoutIsAUsageErrorBeforeAnythingRuns) {
  RunResult run = sandbox.Driver({"install", "--chart", sandbox.chart, "--pending-timeout", "ten"}, Env("[]"));
  EXPECT_EQ(run.exit_code, 2);
  EXPECT_EQ(run.err,
            "dotk8s: error: --pending-timeout ten: not a duration\n"
            "  hint: write it as Go does: 90s, 10m, 1h30m (0: any pending revision is taken as abandoned)\n");
  EXPECT_EQ(sandbox.Recorded().size(), 1u);  // helm version only
  // Only install and upgrade take the flags.
  RunResult uninstall = sandbox.Driver({"uninstall", "--chart", sandbox.chart, "--recover-pending"}, Env("[]"));
  EXPECT_EQ(uninstall.exit_code, 2);
  EXPECT_NE(uninstall.err.find("unknown flag --recover-pending"), std::string::npos) << uninstall.err;
  RunResult help = sandbox.Driver({"upgrade", "--help"});
  EXPECT_NE(help.out.find("--recover-pending"), std::string::npos) << help.out;
  EXPECT_NE(help.out.find("--pending-timeout DURATION"), std::string::npos) << help.out;
}

}  // namespace
}  // namespace dotk8s::testing
