#include "driver/release/kubectl_steps.h"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <thread>
#include <utility>

#include "core/yaml/document_edit.h"
#include "core/yaml/read.h"
#include "driver/bundles/sha256.h"
#include "driver/cluster/gateway_api_bundle.h"
#include "driver/programs/program_failure.h"
#include "driver/release/crd_ownership.h"

namespace dotk8s {

Command Kubectl(const std::string& program, std::vector<std::string> args, std::string input, std::string purpose) {
  Command command;
  command.argv = {program};
  command.argv.insert(command.argv.end(), args.begin(), args.end());
  command.input = std::move(input);
  command.is_action = true;
  command.purpose = std::move(purpose);
  return command;
}

bool ReportFailure(DriverContext& context, const Command& command, const ProcessResult& result) {
  if (result.Ok()) return true;
  ReportFailedProgram(context, command.purpose, result,
                      fmt::format("{}; --dry-run shows every command", kClusterConnectionHint));
  return false;
}

bool RunStep(DriverContext& context, const Command& command, bool echo_output) {
  context.Progress(command.purpose);
  ProcessResult result = context.runner->Run(command);
  if (result.Ok() && echo_output) *context.out << result.out;
  return ReportFailure(context, command, result);
}

namespace {

// CRDs per `kubectl wait`: the waits run side by side.
constexpr std::size_t kCrdsPerWait = 10;
// What kubectl wait says about a CRD without status.conditions yet, how long
// such waits are made again, and the pause between two tries.
constexpr std::string_view kNoConditionsYet = ".status.conditions accessor error";
constexpr std::chrono::seconds kWaitRetries{10};
constexpr std::chrono::milliseconds kWaitPause{250};

}  // namespace

std::string ManifestDigest(std::string_view manifest) { return Sha256Hex(manifest); }

std::string WithAppliedDigest(std::string_view manifest) {
  std::vector<Document> documents;
  const Diagnostics diagnostics = ReadStream(manifest, ReadOptions{}, &documents);
  if (HasErrors(diagnostics)) return std::string(manifest);
  Document* crd = nullptr;
  for (Document& document : documents) {
    if (!document.IsObject()) continue;
    if (crd != nullptr) return std::string(manifest);  // not one CRD: applied as it is
    crd = &document;
  }
  if (crd == nullptr || !AddAnnotations(*crd, {{std::string(kAppliedDigestKey), ManifestDigest(manifest)}})) {
    return std::string(manifest);
  }
  std::string text;
  for (const Document& document : documents) text += document.Text();
  return text;
}

bool ApplyCrdsServerSide(DriverContext& context, const std::string& kubectl,
                         const std::vector<std::pair<std::string, std::string>>& crds,
                         const std::vector<std::string>& established, bool echo_output) {
  std::string stream;
  std::vector<std::string> wait_names;
  for (const auto& [name, manifest] : crds) {
    std::vector<std::string> names;
    AppendCrd(name, manifest, &stream, &names);
    // An update keeps a CRD Established; only new ones (or ones not yet
    // served) are waited for. kubectl wait takes about 0.15 s per CRD.
    if (std::find(established.begin(), established.end(), name) == established.end()) {
      wait_names.insert(wait_names.end(), names.begin(), names.end());
    }
  }
  const std::string purpose = fmt::format("applying {} CRDs server-side", crds.size());
  if (!RunStep(context,
               Kubectl(kubectl, {"apply", "--server-side", "--force-conflicts", std::string(kFieldManager), "-f", "-"},
                       std::move(stream), purpose),
               echo_output)) {
    return false;
  }
  if (wait_names.empty()) return true;
  // The apply takes seconds, so most CRDs are Established when it returns:
  // one read of the API server's list finds them, and only the rest are
  // waited for (on a fresh cluster that saved 1.5 s of 30 CRDs' waits).
  if (!context.dry_run) {
    std::vector<std::string> names;
    for (const std::string& wait_name : wait_names) names.push_back(wait_name.substr(wait_name.find('/') + 1));
    std::vector<LiveCrd> live;
    if (ReadLiveCrds(context, kubectl, names, &live) != kExitOk) return false;
    std::erase_if(wait_names, [&](const std::string& wait_name) {
      const std::string name = wait_name.substr(wait_name.find('/') + 1);
      return std::any_of(live.begin(), live.end(),
                         [&](const LiveCrd& crd) { return crd.name == name && crd.established; });
    });
    if (wait_names.empty()) return true;
  }
  // kubectl wait looks at one CRD after another (about 0.15 s each): 30 took
  // 4 s in one process, 2 s in three side by side.
  std::vector<Command> waits;
  for (std::size_t first = 0; first < wait_names.size(); first += kCrdsPerWait) {
    const std::size_t end = std::min(wait_names.size(), first + kCrdsPerWait);
    std::vector<std::string> wait_args = {"wait", "--for=condition=Established", "--timeout=120s"};
    wait_args.insert(wait_args.end(), wait_names.begin() + static_cast<std::ptrdiff_t>(first),
                     wait_names.begin() + static_cast<std::ptrdiff_t>(end));
    waits.push_back(Kubectl(kubectl, wait_args, {}, "waiting for the CRDs to be established"));
  }
  context.Progress("waiting for the CRDs to be established");
  std::vector<ProcessResult> results = RunSideBySide(*context.runner, waits, context.dry_run);
  // kubectl wait fails instead of waiting on a CRD the API server has not
  // given status.conditions yet (just created): ".status.conditions accessor
  // error: <nil> is of the type <nil>". Those waits are made again.
  const auto deadline = std::chrono::steady_clock::now() + kWaitRetries;
  while (std::chrono::steady_clock::now() < deadline) {
    std::vector<std::size_t> again;
    for (std::size_t i = 0; i < results.size(); ++i) {
      if (!results[i].Ok() && results[i].err.find(kNoConditionsYet) != std::string::npos) again.push_back(i);
    }
    if (again.empty()) break;
    std::this_thread::sleep_for(kWaitPause);
    std::vector<Command> commands;
    for (std::size_t i : again) commands.push_back(waits[i]);
    std::vector<ProcessResult> retried = RunSideBySide(*context.runner, commands, context.dry_run);
    for (std::size_t j = 0; j < again.size(); ++j) results[again[j]] = std::move(retried[j]);
  }
  for (std::size_t i = 0; i < results.size(); ++i) {
    if (!ReportFailure(context, waits[i], results[i])) return false;
  }
  return true;
}

bool ApplyCrdsForRelease(DriverContext& context, const std::string& kubectl, const CrdsToApply& crds,
                         const std::string& release, const std::string& release_namespace, bool echo_output) {
  std::vector<std::pair<std::string, std::string>> manifests;
  for (const CrdRecord* crd : crds.from_crds_folders) manifests.emplace_back(crd->name, WithAppliedDigest(crd->text));
  std::vector<std::string> templated;
  for (const auto& [name, text] : crds.templated) {
    manifests.emplace_back(name, WithAppliedDigest(text));
    templated.push_back(name);
  }
  if (manifests.empty()) return true;
  if (!ApplyCrdsServerSide(context, kubectl, manifests, crds.established, echo_output)) return false;
  if (templated.empty()) return true;
  std::vector<std::string> label = {"label", "crd"};
  label.insert(label.end(), templated.begin(), templated.end());
  label.insert(label.end(), {"app.kubernetes.io/managed-by=Helm", "--overwrite"});
  std::vector<std::string> annotate = {"annotate", "crd"};
  annotate.insert(annotate.end(), templated.begin(), templated.end());
  annotate.insert(annotate.end(), {"meta.helm.sh/release-name=" + release,
                                   "meta.helm.sh/release-namespace=" + release_namespace, "--overwrite"});
  return RunStep(context, Kubectl(kubectl, label, {}, "marking the templated CRDs as the release's (label)")) &&
         RunStep(context, Kubectl(kubectl, annotate, {}, "marking the templated CRDs as the release's (annotate)"));
}

}  // namespace dotk8s
