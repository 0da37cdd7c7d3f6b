#ifndef DOTK8S_DRIVER_CLUSTER_READS_H_
#define DOTK8S_DRIVER_CLUSTER_READS_H_

#include <string>
#include <vector>

#include "driver/cluster/live.h"
#include "driver/context.h"

namespace dotk8s {

/// Makes one read (`kubectl get RESOURCE [-n NS | -A] [--show-managed-fields]
/// -o json`, a probe) into `list`, keeping read.fields of each object. A
/// resource the API server does not serve (its CRD is missing) is an answer
/// (list->served false), and so is an optional read kubectl may not make
/// (list->unreadable); any other failure is reported and returns kExitFailed.
int ReadClusterList(DriverContext& context, const std::string& kubectl, const ClusterRead& read, LiveList* list);

/// Makes `reads` into `live` (by ClusterRead::Key()) with the answers
/// ReadClusterList gives each, in fewer and concurrent kubectl processes: one
/// `kubectl get A,B,C -n NS -o json` per namespace, one `-A` call for the
/// cluster-wide lists, the CRDs straight from the API server (`kubectl get
/// --raw`). A combined call that fails (a type not served, a type kubectl may
/// not list, the connection) is made again one read at a time, in `reads`'
/// order, so every outcome and message is ReadClusterList's. Under --dry-run
/// the calls run one after another (the dry-run runner prints each).
int ReadCluster(DriverContext& context, const std::string& kubectl, const std::vector<ClusterRead>& reads,
                LiveCluster* live);

}  // namespace dotk8s

#endif  // DOTK8S_DRIVER_CLUSTER_READS_H_
