// What the component checks share (check_context.h), and SelectorSelects.
#include "driver/verify/check_context.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>

#include "driver/cluster/ownership.h"

namespace dotk8s::verify {

YAML::Node Missing() { return YAML::Node(YAML::NodeType::Undefined); }

std::string Field(const YAML::Node& node, std::initializer_list<std::string_view> path) {
  // reset(), not operator=: assigning a yaml-cpp node writes through to the
  // tree it refers to.
  YAML::Node current = Missing();
  current.reset(node);
  for (std::string_view key : path) {
    if (!current.IsMap()) return {};
    YAML::Node next = current[std::string(key)];
    if (!next) return {};
    current.reset(next);
  }
  return current.IsScalar() ? current.Scalar() : std::string();
}

std::string Name(const YAML::Node& item) { return Field(item, {"metadata", "name"}); }
std::string NamespaceOf(const YAML::Node& item) { return Field(item, {"metadata", "namespace"}); }

std::map<std::string, std::string> StringMap(const YAML::Node& node) {
  std::map<std::string, std::string> result;
  if (node && node.IsMap()) {
    for (const auto& entry : node) result[entry.first.Scalar()] = entry.second.IsScalar() ? entry.second.Scalar() : "";
  }
  return result;
}
std::map<std::string, std::string> Labels(const YAML::Node& item) {
  return item["metadata"] ? StringMap(item["metadata"]["labels"]) : std::map<std::string, std::string>{};
}

std::string FormatLabels(const std::map<std::string, std::string>& labels) {
  if (labels.empty()) return "no labels";
  std::vector<std::string> parts;
  for (const auto& [key, value] : labels) parts.push_back(key + "=" + value);
  return fmt::format("{}", fmt::join(parts, ","));
}

// A selector as kubectl would show it: "release=dot-apps", "{} (everything)".
std::string FormatSelector(const YAML::Node& selector) {
  if (!selector || selector.IsNull()) return "unset";
  std::vector<std::string> parts;
  for (const auto& [key, value] : StringMap(selector["matchLabels"])) parts.push_back(key + "=" + value);
  if (selector["matchExpressions"] && selector["matchExpressions"].IsSequence()) {
    for (const YAML::Node& expression : selector["matchExpressions"]) {
      std::vector<std::string> values;
      if (expression["values"] && expression["values"].IsSequence()) {
        for (const YAML::Node& value : expression["values"]) values.push_back(value.Scalar());
      }
      parts.push_back(fmt::format("{} {}{}", Field(expression, {"key"}), Field(expression, {"operator"}),
                                  values.empty() ? "" : fmt::format(" ({})", fmt::join(values, ","))));
    }
  }
  return parts.empty() ? "{} (everything)" : fmt::format("{}", fmt::join(parts, ","));
}

bool Reader::Owned(const YAML::Node& item) const {
  if (helm_release) return CarriesReleaseMarks(item, release, settings.release_namespace);
  return CarriesReleaseLabel(item, release) || CarriesReleaseMarks(item, release, "");
}

const LiveList* Reader::List(std::string_view resource, const std::string& ns, bool all) const {
  ClusterRead read{std::string(resource), ns, all};
  auto it = live.find(read.Key());
  return it == live.end() ? nullptr : &it->second;
}
std::vector<YAML::Node> Reader::Items(std::string_view resource, const std::string& ns, bool all) const {
  const LiveList* list = List(resource, ns, all);
  return list == nullptr ? std::vector<YAML::Node>{} : list->items;
}
YAML::Node Reader::Find(std::string_view resource, const std::string& ns, std::string_view name) const {
  for (const YAML::Node& item : Items(resource, ns)) {
    if (Name(item) == name) return item;
  }
  return Missing();
}

void Report::Ok(std::string subject, std::string found) {
  checks.push_back({CheckStatus::kOk, std::move(subject), std::move(found), {}, {}});
}
void Report::Warn(std::string subject, std::string found, std::string expected, std::string fix) {
  checks.push_back({CheckStatus::kWarn, std::move(subject), std::move(found), std::move(expected), std::move(fix)});
}
void Report::Fail(std::string subject, std::string found, std::string expected, std::string fix) {
  checks.push_back({CheckStatus::kFail, std::move(subject), std::move(found), std::move(expected), std::move(fix)});
}

YAML::Node ConditionOf(const YAML::Node& item, std::string_view type) {
  const YAML::Node conditions = item["status"] ? item["status"]["conditions"] : Missing();
  if (conditions && conditions.IsSequence()) {
    for (const YAML::Node& condition : conditions) {
      if (Field(condition, {"type"}) == type) return condition;
    }
  }
  return Missing();
}

void CheckService(const Reader& reader, const std::string& ns, std::string_view name, std::string_view port,
                  std::string_view role, Report* report) {
  const std::string subject = fmt::format("Service {}/{}", ns, name);
  YAML::Node service = reader.Find(kServices, ns, name);
  std::vector<std::string> ports;
  if (service && service["spec"] && service["spec"]["ports"] && service["spec"]["ports"].IsSequence()) {
    for (const YAML::Node& entry : service["spec"]["ports"]) ports.push_back(Field(entry, {"port"}));
  }
  if (!service) {
    report->Fail(subject, "does not exist",
                 role.empty() ? fmt::format("port {}", port) : fmt::format("port {} ({})", port, role),
                 std::string(kUpgradeFix));
  } else if (std::find(ports.begin(), ports.end(), port) == ports.end()) {
    report->Fail(subject, fmt::format("ports {}", fmt::join(ports, ", ")), fmt::format("port {}", port),
                 std::string(kUpgradeFix));
  } else {
    report->Ok(subject, fmt::format("port {}", port));
  }
}

void ExpectAbsent(const Reader& reader, std::string_view resource, const std::string& ns, std::string_view name,
                  std::string subject, std::string why, Report* report) {
  YAML::Node found = reader.Find(resource, ns, name);
  if (!found) return;
  if (!reader.Owned(found)) {
    report->Ok(std::move(subject), fmt::format("not this release's (owner: {}), left alone", DescribeOwner(found)));
    return;
  }
  report->Fail(std::move(subject), "still there", fmt::format("absent ({})", why),
               fmt::format("left behind by an earlier revision of release {}: kubectl delete {}{} {}", reader.release,
                           ns.empty() ? "" : "-n " + ns + " ", resource, name));
}

}  // namespace dotk8s::verify

namespace dotk8s {

using verify::Field;
using verify::StringMap;

bool SelectorSelects(const YAML::Node& selector, const std::map<std::string, std::string>& labels) {
  if (!selector || selector.IsNull()) return false;
  for (const auto& [key, value] : StringMap(selector["matchLabels"])) {
    auto it = labels.find(key);
    if (it == labels.end() || it->second != value) return false;
  }
  const YAML::Node expressions = selector["matchExpressions"];
  if (!expressions || !expressions.IsSequence()) return true;
  for (const YAML::Node& expression : expressions) {
    const std::string key = Field(expression, {"key"});
    const std::string op = Field(expression, {"operator"});
    std::vector<std::string> values;
    if (expression["values"] && expression["values"].IsSequence()) {
      for (const YAML::Node& value : expression["values"]) values.push_back(value.Scalar());
    }
    auto it = labels.find(key);
    const bool has = it != labels.end();
    const bool listed = has && std::find(values.begin(), values.end(), it->second) != values.end();
    if ((op == "In" && !listed) || (op == "NotIn" && listed) || (op == "Exists" && !has) ||
        (op == "DoesNotExist" && has)) {
      return false;
    }
    if (op != "In" && op != "NotIn" && op != "Exists" && op != "DoesNotExist") return false;  // the API server refuses others
  }
  return true;
}

}  // namespace dotk8s
