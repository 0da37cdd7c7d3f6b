#include "driver/release/protection.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <map>
#include <set>
#include <sstream>

#include "core/kinds.h"
#include "core/yaml/read.h"
#include "driver/programs/program_failure.h"
#include "driver/release/kubectl_steps.h"

namespace dotk8s {
namespace {

// The ones of `names` (of `resource`: crd or namespace) the cluster has, and
// of those the ones that do not carry helm.sh/resource-policy=keep yet.
bool Existing(DriverContext& context, const std::string& kubectl, const std::string& resource,
              const std::vector<std::string>& names, std::vector<std::string>* existing,
              std::vector<std::string>* unkept) {
  Command get;
  get.argv = {kubectl, "get", resource};
  get.argv.insert(get.argv.end(), names.begin(), names.end());
  // Columns, not -o json: kubectl answers one name with the object and
  // several with a List; custom columns read the same either way.
  get.argv.insert(get.argv.end(), {"--ignore-not-found", "--no-headers", "-o",
                                   "custom-columns=NAME:.metadata.name,KEEP:.metadata.annotations.helm\\.sh/resource-policy"});
  get.purpose = fmt::format("looking up the release's {}", resource == "crd" ? "CRDs" : "namespaces");
  context.Progress(get.purpose);
  ProcessResult result = context.runner->Run(get);
  if (!result.Ok()) {
    ReportFailedProgram(context, get.purpose, result, kClusterConnectionHint);
    return false;
  }
  // One `<name> <policy>` a line: the name is one word (an object name has no
  // blank), the policy the rest of the line, trimmed ("<none>" when missing,
  // empty when set to ""). Read by lines, so an empty or spaced value cannot
  // shift a name into another line's policy.
  std::map<std::string, std::string, std::less<>> found;
  std::istringstream lines(result.out);
  std::string line;
  while (std::getline(lines, line)) {
    const std::size_t name_start = line.find_first_not_of(" \t");
    if (name_start == std::string::npos) continue;
    const std::size_t name_end = line.find_first_of(" \t", name_start);
    const std::string name = line.substr(name_start, name_end - name_start);
    std::string policy;
    if (name_end != std::string::npos) {
      const std::size_t policy_start = line.find_first_not_of(" \t", name_end);
      const std::size_t policy_end = line.find_last_not_of(" \t\r");
      if (policy_start != std::string::npos) policy = line.substr(policy_start, policy_end - policy_start + 1);
    }
    found[name] = policy;
  }
  for (const std::string& wanted : names) {
    const auto it = found.find(wanted);
    if (it == found.end()) continue;
    existing->push_back(wanted);
    if (it->second != "keep") unkept->push_back(wanted);
  }
  return true;
}

bool Protect(DriverContext& context, const std::string& kubectl, const std::string& resource,
             const std::vector<std::string>& names, const std::string& release, std::vector<std::string>* kept) {
  if (names.empty()) return true;
  std::vector<std::string> existing;
  std::vector<std::string> unkept;
  if (!Existing(context, kubectl, resource, names, &existing, &unkept)) return false;
  *kept = existing;
  // Marked by an earlier upgrade (or created with the mark): nothing to write.
  if (unkept.empty()) return true;
  std::vector<std::string> args = {"annotate", "--overwrite", resource};
  args.insert(args.end(), unkept.begin(), unkept.end());
  args.push_back("helm.sh/resource-policy=keep");
  const std::string purpose =
      fmt::format("protecting the {} {} of release {} from deletion (helm.sh/resource-policy=keep)",
                  resource == "crd" ? "CRDs" : "namespaces", fmt::join(unkept, ", "), release);
  if (!RunStep(context, Kubectl(kubectl, args, {}, purpose))) {
    kept->clear();
    return false;
  }
  return true;
}

}  // namespace

bool ReadReleaseKeeps(std::string_view manifest, ReleaseKeeps* keeps, std::string* error) {
  std::vector<Document> docs;
  Diagnostics diagnostics = ReadStream(manifest, ReadOptions{}, &docs);
  if (HasErrors(diagnostics)) {
    *error = FormatDiagnostic(diagnostics.front());
    return false;
  }
  std::set<std::string> crds;
  std::set<std::string> namespaces;
  for (const Document& doc : docs) {
    if (!doc.IsObject() || doc.Name().empty()) continue;
    const bool crd = IsCrd(doc);
    const bool ns = doc.Kind() == "Namespace" && doc.ApiVersion() == "v1";
    if (crd) crds.insert(std::string(doc.Name()));
    if (ns) namespaces.insert(std::string(doc.Name()));
    if ((crd || ns) && doc.outline.Annotation("helm.sh/resource-policy") == nullptr) {
      keeps->unmarked.push_back(fmt::format("{} {}", crd ? "CRD" : "Namespace", doc.Name()));
    }
  }
  keeps->crds.assign(crds.begin(), crds.end());
  keeps->namespaces.assign(namespaces.begin(), namespaces.end());
  return true;
}

Command ReleaseManifestCommand(const PreparedRelease& prepared) {
  Command get;
  get.argv = {prepared.helm.program, "get", "manifest", prepared.release, "-n", prepared.release_namespace};
  get.env = HelmEnvironment(prepared.helm.major, prepared.wiring.helm4_plugin_dir, prepared.wiring.helm3_plugin_dir);
  get.purpose = fmt::format("reading the manifest of release {}", prepared.release);
  return get;
}

int ProtectReleaseObjects(DriverContext& context, const PreparedRelease& prepared, const std::string& kubectl,
                          ReleaseKeeps* kept) {
  const Command get = ReleaseManifestCommand(prepared);
  context.Progress(get.purpose);
  ProcessResult result = context.runner->Run(get);
  if (!result.Ok()) {
    // Helm 3 and 4 both say "Error: release: not found".
    if (result.start_error.empty() && result.err.find("not found") != std::string::npos) {
      kept->no_release = true;
      return kExitOk;
    }
    // Only stderr: stdout would be the manifest, Secrets included.
    return ReportFailedProgram(context, get.purpose, result, kClusterConnectionHint);
  }
  ReleaseKeeps found;
  std::string error;
  if (!ReadReleaseKeeps(result.out, &found, &error)) {
    context.Error(fmt::format("the manifest of release {} does not read: {}", prepared.release, error));
    return kExitFailed;
  }
  kept->unmarked = found.unmarked;
  if (!Protect(context, kubectl, "crd", found.crds, prepared.release, &kept->crds) ||
      !Protect(context, kubectl, "namespace", found.namespaces, prepared.release, &kept->namespaces)) {
    return kExitFailed;
  }
  return kExitOk;
}

}  // namespace dotk8s
