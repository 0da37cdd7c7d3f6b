#ifndef DOTK8S_DRIVER_CLUSTER_READS_H_
#define DOTK8S_DRIVER_CLUSTER_READS_H_

#include <string>

#include "driver/cluster_checks.h"
#include "driver/driver_context.h"

namespace dotk8s {

/// Makes one read (`kubectl get RESOURCE [-n NS | -A] [--show-managed-fields]
/// -o json`, a probe) into `list`. A resource the API server does not serve
/// (its CRD is missing) is an answer (list->served false), and so is an
/// optional read kubectl may not make (list->unreadable); any other failure is
/// reported and returns kExitFailed.
int ReadClusterList(DriverContext& context, const std::string& kubectl, const ClusterRead& read, LiveList* list);

}  // namespace dotk8s

#endif  // DOTK8S_DRIVER_CLUSTER_READS_H_
