// `dotk8s rollback` end to end with the fake helm and kubectl (tests/fakes):
// which revision it picks, what it refuses before anything changes, and that
// the upgrade it runs gets the target's values in a private file (-f) with
// --reset-values, a file that is gone afterwards and whose content no output shows.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <algorithm>
#include <filesystem>

#include "fakes/driver_sandbox.h"
#include "fakes/release_documents.h"

namespace dotk8s::testing {
namespace {

using Call = std::vector<std::string>;

// Three revisions as `helm history -o json` lists them (oldest first, the fields
// Helm 3 and 4 print); `status2`, `chart2`: revision 2's.
std::string History(const std::string& status2 = "superseded", const std::string& chart2 = "dot-apps-0.1.0",
                    const std::string& status3 = "deployed") {
  return fmt::format(
      R"([{{"revision":1,"updated":"2026-12-07T15:01:43.536205+00:00","status":"superseded","chart":"dot-apps-0.1.0","app_version":"0.1.0","description":"Install complete"}},)"
      R"({{"revision":2,"updated":"2026-12-07T15:03:10.112017+00:00","status":"{}","chart":"{}","app_version":"0.1.0","description":"Upgrade complete"}},)"
      R"({{"revision":3,"updated":"2026-12-07T15:05:02.907113+00:00","status":"{}","chart":"dot-apps-0.1.0","app_version":"0.1.0","description":"Upgrade complete"}}])"
      "\n",
      status2, chart2, status3);
}

// What `helm get values --revision N -o yaml` prints: the values given to that
// revision, a password among them.
constexpr std::string_view kSecretPassword = "rollback-test-password-5e1d";
const std::string kTargetValues = fmt::format(
    "apps:\n  createNamespaces: false\n  keda: true\nkube-prometheus-stack:\n  grafana:\n    adminPassword: {}\n",
    kSecretPassword);

// Wraps the fake helm: on `upgrade` and `template`, what each -f file held and
// its mode while helm ran (the driver removes it afterwards); `get values`
// prints $TARGET_VALUES, recorded as the fake records every call (unless
// FAKE_HELM_FAIL=get, which the fake answers).
constexpr std::string_view kHelmWrapper = R"sh(#!/usr/bin/env bash
set -u
if [ "${1:-}" = get ] && [ "${2:-}" = values ] && [ "${FAKE_HELM_FAIL:-}" != get ]; then
  {
    printf 'helm\tHELM_PLUGINS=%s' "${HELM_PLUGINS:-}"
    for arg in "$@"; do printf '\t%s' "$arg"; done
    printf '\n'
  } >> "$FAKE_RECORD"
  cat "$TARGET_VALUES"
  exit 0
fi
if [ "${1:-}" = upgrade ] || [ "${1:-}" = template ]; then
  previous=""
  for arg in "$@"; do
    if [ "$previous" = "-f" ] && [ -f "$arg" ]; then
      n=$(ls "$SEEN" | wc -l)
      printf '%s\t%s\t%s\n' "$1" "$arg" "$(stat -c %a "$arg")" > "$SEEN/$n.meta"
      cp "$arg" "$SEEN/$n.content"
    fi
    previous=$arg
  done
fi
exec "$FAKE_HELM" "$@"
)sh";

struct SeenValuesFile {
  std::string verb, path, mode, content;
};

struct DriverRollbackTest : ::testing::Test {
  DriverSandbox sandbox;
  std::string seen;
  std::string helm;

  void SetUp() override {
    DOTK8S_REQUIRE_SANDBOX(sandbox);
    seen = sandbox.root + "/seen";
    std::filesystem::create_directories(seen);
    helm = sandbox.root + "/helm";
    WriteFile(helm, kHelmWrapper);
    std::filesystem::permissions(helm, std::filesystem::perms::owner_all);
    WriteFile(sandbox.root + "/render.yaml", Stream({kKedaScaledObjectCrd, kKedaOperator}));
    WriteFile(sandbox.root + "/values.yaml", kTargetValues);
    std::filesystem::create_directories(sandbox.root + "/tmp");
    SetHistory(History());
  }

  void SetHistory(const std::string& json) const { WriteFile(sandbox.root + "/history.json", json); }

  RunResult Rollback(std::vector<std::string> args, std::vector<std::string> extra_env = {}) const {
    args.insert(args.begin(), "rollback");
    args.insert(args.end(), {"--chart", sandbox.chart});
    std::vector<std::string> env = {"DOTK8S_HELM=" + helm,
                                    "FAKE_HELM=" + SourcePath("tests/fakes/helm"),
                                    "SEEN=" + seen,
                                    "FAKE_HELM_TEMPLATE=" + sandbox.root + "/render.yaml",
                                    "FAKE_HELM_HISTORY=" + sandbox.root + "/history.json",
                                    "TARGET_VALUES=" + sandbox.root + "/values.yaml",
                                    "TMPDIR=" + sandbox.root + "/tmp"};
    env.insert(env.end(), extra_env.begin(), extra_env.end());
    return sandbox.Driver(args, env);
  }

  std::vector<SeenValuesFile> Seen() const {
    std::vector<SeenValuesFile> files;
    for (int n = 0; std::filesystem::exists(fmt::format("{}/{}.meta", seen, n)); n += 2) {
      std::vector<std::string> meta = SplitTabs(Lines(ReadFile(fmt::format("{}/{}.meta", seen, n)))[0]);
      files.push_back({meta[0], meta[1], meta[2], ReadFile(fmt::format("{}/{}.content", seen, n))});
    }
    return files;
  }

  std::string Helm3Plugins() const { return sandbox.data + "/dotk8s/helm3-plugins"; }
  std::string Helm4Plugins() const { return sandbox.data + "/dotk8s/driver-helm4-plugins"; }
  Call HelmCall(const std::string& plugins, std::vector<std::string> args) const {
    Call call = {"helm", "HELM_PLUGINS=" + plugins};
    call.insert(call.end(), args.begin(), args.end());
    return call;
  }
  // What runs before anything else: the version, the revisions, the target's values.
  std::vector<Call> Reads(const std::string& revision) const {
    return {HelmCall(Helm3Plugins(), {"version", "--template", "{{.Version}}"}),
            HelmCall(Helm4Plugins(), {"history", "dot-apps", "-n", "dot-system", "-o", "json"}),
            HelmCall(Helm4Plugins(),
                     {"get", "values", "dot-apps", "-n", "dot-system", "--revision", revision, "-o", "yaml"})};
  }

  static std::vector<Call> Verb(const std::vector<Call>& calls, const std::string& verb) {
    std::vector<Call> found;
    for (const Call& call : calls) {
      if (call.size() > 2 && call[0] == "helm" && call[2] == verb) found.push_back(call);
    }
    return found;
  }

  void ExpectNoSecretAnywhere(const RunResult& run) const {
    EXPECT_EQ(run.out.find(kSecretPassword), std::string::npos) << run.out;
    EXPECT_EQ(run.err.find(kSecretPassword), std::string::npos) << run.err;
    // Nothing of dotk8s's own directories keeps a copy either.
    for (const std::string& dir : {sandbox.cache, sandbox.state, sandbox.data, sandbox.root + "/tmp"}) {
      if (!std::filesystem::exists(dir)) continue;
      for (const auto& entry : std::filesystem::recursive_directory_iterator(dir)) {
        if (!entry.is_regular_file()) continue;
        EXPECT_EQ(ReadFile(entry.path().string()).find(kSecretPassword), std::string::npos) << entry.path();
      }
    }
  }
};

TEST_F(DriverRollbackTest, DefaultIsTheRevisionBeforeTheNewestRolledForwardByAnUpgrade) {
  RunResult run = Rollback({});
  ASSERT_EQ(run.exit_code, 0) << run.err;
  std::vector<Call> calls = sandbox.Recorded();
  ASSERT_GE(calls.size(), 3u);
  const std::vector<Call> reads = Reads("2");
  EXPECT_EQ(std::vector<Call>(calls.begin(), calls.begin() + 3), reads);

  // The upgrade gets the target's values in a private file and --reset-values;
  // its planning render gets the same file (and no --reset-values: helm template has none).
  std::vector<SeenValuesFile> files = Seen();
  ASSERT_EQ(files.size(), 2u);
  EXPECT_EQ(files[0].verb, "template");
  EXPECT_EQ(files[1].verb, "upgrade");
  const std::string values_file = files[1].path;
  EXPECT_EQ(files[0].path, values_file);
  EXPECT_TRUE(values_file.starts_with(sandbox.cache + "/dotk8s/rollback-values-")) << values_file;
  for (const SeenValuesFile& file : files) {
    EXPECT_EQ(file.mode, "600");
    EXPECT_EQ(file.content, kTargetValues);
  }
  EXPECT_FALSE(std::filesystem::exists(values_file)) << values_file << " is left behind";

  std::vector<Call> upgrades = Verb(calls, "upgrade");
  ASSERT_EQ(upgrades.size(), 1u);
  const Call head = HelmCall(Helm4Plugins(), {"upgrade", "dot-apps", sandbox.chart, "-n", "dot-system", "-f",
                                              values_file, "--set", "apps.createNamespaces=false", "--skip-crds",
                                              "--reset-values", "--post-renderer", "dotk8s-post"});
  ASSERT_GE(upgrades[0].size(), head.size());
  EXPECT_EQ(Call(upgrades[0].begin(), upgrades[0].begin() + static_cast<std::ptrdiff_t>(head.size())), head);
  std::vector<Call> templates = Verb(calls, "template");
  ASSERT_EQ(templates.size(), 1u);
  EXPECT_EQ(std::count(templates[0].begin(), templates[0].end(), "--reset-values"), 0);
  EXPECT_EQ(Call(templates[0].begin() + 3, templates[0].begin() + 11),
            (Call{"dot-apps", sandbox.chart, "-n", "dot-system", "-f", values_file, "--set",
                  "apps.createNamespaces=true"}));
  // The other steps of the upgrade ran, the namespaces among them.
  EXPECT_NE(std::find(calls.begin(), calls.end(),
                      Call{"kubectl", "apply", "--server-side", "--field-manager=dotk8s", "-f", "-"}),
            calls.end());

  // One block first, then the upgrade's own output.
  EXPECT_TRUE(run.err.starts_with(
      "dotk8s: rollback of release dot-apps (namespace dot-system) to revision 2 (superseded, dot-apps-0.1.0, "
      "\"Upgrade complete\"): an upgrade to that revision's values, not `helm rollback`\n"
      "dotk8s:   why: Helm's rollback cannot adopt objects kept live across a component switch (it fails "
      "\"original object ... not found\") and deletes what the current revision holds as an object while the "
      "target holds it only as a hook; Helm's upgrade adopts what carries the release's marks\n"
      "dotk8s:   how: revision 2's values (helm get values --revision 2) in a private file, removed afterwards, "
      "then every step of dotk8s upgrade and helm upgrade -f <that file> --reset-values (nothing of the current "
      "values is reused)\n"
      "dotk8s:   the release gets a new revision after 3 with revision 2's values; helm history lists it as an "
      "upgrade\n"))
      << run.err;
  EXPECT_EQ(run.out, "NAME: dot-apps\nSTATUS: deployed\n");
  ExpectNoSecretAnywhere(run);
}

TEST_F(DriverRollbackTest, ARevisionAndAReleaseNameAreTakenAsGiven) {
  RunResult run = Rollback({"1"});
  ASSERT_EQ(run.exit_code, 0) << run.err;
  std::vector<Call> calls = sandbox.Recorded();
  ASSERT_GE(calls.size(), 3u);
  EXPECT_EQ(calls[2], Reads("1")[2]);

  std::filesystem::remove(sandbox.record);
  run = Rollback({"shop", "3", "-n", "apps"});
  ASSERT_EQ(run.exit_code, 0) << run.err;
  calls = sandbox.Recorded();
  ASSERT_GE(calls.size(), 3u);
  EXPECT_EQ(calls[1], HelmCall(Helm4Plugins(), {"history", "shop", "-n", "apps", "-o", "json"}));
  EXPECT_EQ(calls[2],
            HelmCall(Helm4Plugins(), {"get", "values", "shop", "-n", "apps", "--revision", "3", "-o", "yaml"}));
  std::vector<Call> upgrades = Verb(calls, "upgrade");
  ASSERT_EQ(upgrades.size(), 1u);
  EXPECT_EQ(Call(upgrades[0].begin() + 3, upgrades[0].begin() + 7), (Call{"shop", sandbox.chart, "-n", "apps"}));

  // A lone word that is not a number is the release; a second one must be a number.
  std::filesystem::remove(sandbox.record);
  run = Rollback({"shop", "latest"});
  EXPECT_EQ(run.exit_code, 2);
  EXPECT_EQ(run.err,
            "dotk8s: error: REVISION must be a revision number (1, 2, ...), got latest\n"
            "  hint: dotk8s rollback [RELEASE] [REVISION]; helm history RELEASE -n NS lists the revisions\n");
  EXPECT_TRUE(sandbox.Recorded().empty());
}

TEST_F(DriverRollbackTest, AMissingRevisionIsRefusedListingThoseHelmKeeps) {
  RunResult run = Rollback({"7"});
  EXPECT_EQ(run.exit_code, 2);
  EXPECT_EQ(run.err,
            "dotk8s: error: release dot-apps has no revision 7; helm keeps these: 1 (superseded), 2 (superseded), "
            "3 (deployed)\n"
            "  hint: pick one of them (dotk8s rollback dot-apps REVISION -n dot-system); helm keeps only the last "
            "revisions (--history-max, 10 by default)\n");
  EXPECT_EQ(sandbox.Recorded(), (std::vector<Call>{Reads("7")[0], Reads("7")[1]}));
  EXPECT_EQ(run.out, "");

  // Only one revision: nothing before it.
  SetHistory(
      R"([{"revision":1,"updated":"2026-12-07T15:01:43.536205+00:00","status":"deployed","chart":"dot-apps-0.1.0","app_version":"0.1.0","description":"Install complete"}])");
  run = Rollback({});
  EXPECT_EQ(run.exit_code, 2);
  EXPECT_EQ(run.err,
            "dotk8s: error: release dot-apps has only revision 1: there is no earlier revision to roll back to\n"
            "  hint: dotk8s upgrade changes the release; dotk8s rollback needs an earlier revision\n");
}

TEST_F(DriverRollbackTest, AFailedOrPendingTargetIsRefusedNamingItsStatus) {
  SetHistory(History("failed"));
  RunResult run = Rollback({"2"});
  EXPECT_EQ(run.exit_code, 2);
  EXPECT_EQ(run.err,
            "dotk8s: error: revision 2 of release dot-apps is failed (\"Upgrade complete\"): its values never became "
            "a working release, so there is nothing to go back to\n"
            "  hint: roll back to a revision that was deployed: 1 (superseded) (dotk8s rollback dot-apps REVISION -n "
            "dot-system)\n");
  EXPECT_EQ(sandbox.Recorded().size(), 2u);  // the version and the revisions: nothing else
  EXPECT_TRUE(Verb(sandbox.Recorded(), "get").empty());

  std::filesystem::remove(sandbox.record);
  SetHistory(History("pending-upgrade"));
  run = Rollback({});  // the default, 2
  EXPECT_EQ(run.exit_code, 2);
  EXPECT_TRUE(run.err.starts_with("dotk8s: error: revision 2 of release dot-apps is pending-upgrade (\"Upgrade "
                                  "complete\"): a helm operation on it never finished"))
      << run.err;
  EXPECT_EQ(sandbox.Recorded().size(), 2u);

  // After a failed upgrade the default is, as Helm's, the revision before it:
  // the one that was deployed.
  std::filesystem::remove(sandbox.record);
  SetHistory(History("deployed", "dot-apps-0.1.0", "failed"));
  run = Rollback({});
  ASSERT_EQ(run.exit_code, 0) << run.err;
  EXPECT_EQ(sandbox.Recorded()[2], Reads("2")[2]);
}

TEST_F(DriverRollbackTest, ARevisionOfAnotherChartVersionIsRefusedBeforeAnythingChanges) {
  SetHistory(History("superseded", "dot-apps-0.0.9"));
  RunResult run = Rollback({"2", "-n", "dot-system"});
  EXPECT_EQ(run.exit_code, 2);
  EXPECT_EQ(run.err,
            "dotk8s: error: revision 2 of release dot-apps was made by chart dot-apps-0.0.9, but the chart dotk8s "
            "would deploy (" +
                sandbox.chart +
                ") is dot-apps-0.1.0: that revision's values belong to its own chart version\n"
                "  hint: pass --chart DIR with a checkout of dot-apps-0.0.9 (or --bundle of that version); or run "
                "`helm rollback dot-apps 2 -n dot-system`, Helm's own rollback to the stored manifest, which fails on "
                "objects kept live across a component switch and deletes what the current revision holds as an "
                "object and revision 2 only as a hook\n");
  EXPECT_EQ(sandbox.Recorded(), (std::vector<Call>{Reads("2")[0], Reads("2")[1]}));
}

TEST_F(DriverRollbackTest, DryRunRunsOnlyTheReadsAndPrintsTheUpgrade) {
  RunResult run = Rollback({"--dry-run"});
  ASSERT_EQ(run.exit_code, 0) << run.err;
  std::vector<Call> calls = sandbox.Recorded();
  ASSERT_GE(calls.size(), 3u);
  EXPECT_EQ(std::vector<Call>(calls.begin(), calls.begin() + 3), Reads("2"));
  EXPECT_TRUE(Verb(calls, "upgrade").empty());
  EXPECT_TRUE(std::none_of(calls.begin(), calls.end(), [](const Call& call) {
    return call[0] == "kubectl" && (call[1] == "apply" || call[1] == "annotate");
  }));
  EXPECT_NE(run.out.find("history dot-apps -n dot-system -o json\n"), std::string::npos) << run.out;
  EXPECT_NE(run.out.find("get values dot-apps -n dot-system --revision 2 -o yaml\n"), std::string::npos) << run.out;
  const std::string upgrade = " upgrade dot-apps " + sandbox.chart + " -n dot-system -f " + sandbox.cache +
                              "/dotk8s/rollback-values-";
  const std::size_t at = run.out.find(upgrade);
  ASSERT_NE(at, std::string::npos) << run.out;
  EXPECT_NE(run.out.find(" --set apps.createNamespaces=false --skip-crds --reset-values --post-renderer", at),
            std::string::npos)
      << run.out;
  ExpectNoSecretAnywhere(run);
}

TEST_F(DriverRollbackTest, AFailedUpgradeKeepsItsExitCodeAndLeavesNoValuesBehind) {
  RunResult run = Rollback({}, {"FAKE_HELM_FAIL=upgrade"});
  EXPECT_EQ(run.exit_code, 1);
  EXPECT_NE(run.err.find("Error: fake helm: upgrade failed\n"), std::string::npos) << run.err;
  std::vector<SeenValuesFile> files = Seen();
  ASSERT_EQ(files.size(), 2u);
  EXPECT_FALSE(std::filesystem::exists(files[1].path));
  ExpectNoSecretAnywhere(run);

  // helm get values failing: its message, never anything of its stdout.
  std::filesystem::remove(sandbox.record);
  run = Rollback({}, {"FAKE_HELM_FAIL=get"});
  EXPECT_EQ(run.exit_code, 1);
  EXPECT_EQ(run.err,
            "Error: fake helm: get failed\n"
            "dotk8s: error: reading the values of revision 2 of release dot-apps failed: exit 1\n"
            "  hint: check the cluster connection and your rights on the release's Secrets in dot-system\n");
  EXPECT_TRUE(Verb(sandbox.Recorded(), "upgrade").empty());
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(sandbox.cache + "/dotk8s", ec)) {
    EXPECT_FALSE(entry.path().filename().string().starts_with("rollback-values-")) << entry.path();
  }
}

TEST_F(DriverRollbackTest, AReleaseThatIsNotInstalledIsSaid) {
  RunResult run = sandbox.Driver({"rollback", "--chart", sandbox.chart});  // the fake has no release
  EXPECT_EQ(run.exit_code, 1);
  EXPECT_EQ(run.err,
            "dotk8s: error: release dot-apps is not installed in namespace dot-system: nothing to roll back\n"
            "  hint: helm list -A shows the releases and their namespaces; pass -n NS\n");
}

TEST_F(DriverRollbackTest, HelpListsUpgradesFlagsButNoValues) {
  RunResult run = sandbox.Driver({"rollback", "--help"});
  ASSERT_EQ(run.exit_code, 0) << run.err;
  EXPECT_NE(run.out.find("Usage: dotk8s rollback [RELEASE] [REVISION]"), std::string::npos) << run.out;
  for (const char* flag : {"--namespace NS", "--chart DIR", "--bundle FILE", "--helm PATH", "--kubectl PATH",
                           "--plugin-dir DIR", "--dry-run"}) {
    EXPECT_NE(run.out.find(flag), std::string::npos) << flag << "\n" << run.out;
  }
  const std::string flags = run.out.substr(run.out.find("\nFlags:\n"));
  for (const char* flag : {"--values", "--set", "--profile", "--reset-values"}) {
    EXPECT_EQ(flags.find(flag), std::string::npos) << flag;
  }
  RunResult refused = sandbox.Driver({"rollback", "--set", "a=b"});
  EXPECT_EQ(refused.exit_code, 2);
  RunResult main_help = sandbox.Driver({"--help"});
  EXPECT_NE(main_help.out.find("  rollback   back to an earlier revision"), std::string::npos) << main_help.out;
}

}  // namespace
}  // namespace dotk8s::testing
