#include "driver/cli/flags.h"

namespace dotk8s {

std::vector<FlagSpec> ReleaseFlags() {
  return {
      {"namespace", "n", true, "NS", "release namespace (Helm 4 default dot-system; Helm 3: envoy-gateway-system only)"},
      {"values", "f", true, "FILE", "values file (repeatable)"},
      {"set", "", true, "K=V", "set a value (repeatable)"},
      {"profile", "", true, "NAME", "values profile from the chart's values/NAME.yaml (repeatable; default: none)"},
      shared_flags::kChart,
      shared_flags::kBundle,
      shared_flags::kHelm,
      shared_flags::kKubectl,
      shared_flags::kPost,
      shared_flags::kPluginDir,
      shared_flags::kLog,
      shared_flags::kDryRun,
      shared_flags::kTimings,
      {"help", "h", false, "", "show this help"},
  };
}

}  // namespace dotk8s
