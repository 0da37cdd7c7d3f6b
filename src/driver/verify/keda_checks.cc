// KEDA's and its HTTP add-on's part of README "The contracts": their CRDs are
// served and the interceptor Service the HTTPRoutes send traffic to is there
// (CheckService, check_context.h).
#include "driver/verify/component_checks.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>

namespace dotk8s::verify {
namespace {

bool HasServedVersion(const YAML::Node& crd) {
  const YAML::Node versions = crd["spec"] ? crd["spec"]["versions"] : Missing();
  if (!versions || !versions.IsSequence()) return false;
  for (const YAML::Node& version : versions) {
    if (Field(version, {"served"}) == "true") return true;
  }
  return false;
}

}  // namespace

void CheckKedaCrds(const Reader& reader, bool http_addon, Report* report) {
  std::vector<std::string> wanted = {"scaledobjects.keda.sh", "scaledjobs.keda.sh", "triggerauthentications.keda.sh",
                                     "clustertriggerauthentications.keda.sh"};
  if (http_addon) wanted.push_back("httpscaledobjects.http.keda.sh");
  std::vector<std::string> missing;
  for (const std::string& name : wanted) {
    bool served = false;
    for (const YAML::Node& crd : reader.Items(kCrds)) {
      if (Name(crd) == name) served = HasServedVersion(crd);
    }
    if (!served) missing.push_back(name);
  }
  const std::string subject = "KEDA CRDs";
  if (missing.empty()) {
    report->Ok(subject, fmt::format("{} served", fmt::join(wanted, ", ")));
  } else {
    report->Fail(subject, fmt::format("not served: {}", fmt::join(missing, ", ")),
                 fmt::format("{} served", fmt::join(wanted, ", ")), std::string(kUpgradeFix));
  }
}

void CheckInterceptorService(const Reader& reader, Report* report) {
  CheckService(reader, reader.settings.keda.namespace_, kInterceptorService, "8080", "the HTTP add-on's interceptor",
               report);
}

}  // namespace dotk8s::verify
