// The reads verify and the install's pre-check make: kubectl get -o json of
// whole lists, kept as parsed nodes for the pure checks in cluster_checks.cc
// and foreign_components.cc.
#include "driver/cluster_reads.h"

#include <fmt/format.h>

namespace dotk8s {

int ReadClusterList(DriverContext& context, const std::string& kubectl, const ClusterRead& read, LiveList* list) {
  Command command;
  command.argv = {kubectl, "get", read.resource};
  if (read.all_namespaces) {
    command.argv.push_back("-A");
  } else if (!read.namespace_.empty()) {
    command.argv.insert(command.argv.end(), {"-n", read.namespace_});
  }
  // kubectl drops managedFields unless asked: they name the field manager of
  // an object without Helm's marks (its owner, for the messages).
  if (read.managed_fields) command.argv.push_back("--show-managed-fields");
  command.argv.insert(command.argv.end(), {"-o", "json"});
  command.purpose = fmt::format("reading {}", read.Key());
  context.Progress(command.purpose);
  ProcessResult result = context.runner->Run(command);
  if (result.skipped || (context.dry_run && result.Ok() && result.out.empty())) return kExitOk;
  if (!result.Ok()) {
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
  try {
    const YAML::Node answer = YAML::Load(result.out);
    if (answer["items"] && answer["items"].IsSequence()) {
      for (const YAML::Node& item : answer["items"]) list->items.push_back(item);
    }
  } catch (const YAML::Exception& e) {
    context.Error(fmt::format("{}: kubectl's answer is not JSON: {}", command.purpose, e.what()));
    return kExitFailed;
  }
  return kExitOk;
}

}  // namespace dotk8s
