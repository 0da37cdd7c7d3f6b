// The labels of what the inject pass adds (inject.h): the standard ones, and
// those a label selector demands.

#include "core/passes/inject_internal.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>

#include "core/passes/inject.h"

namespace dotk8s {

namespace internal {

// The labels of an injected object that `selectors` must select (Prometheus's
// podMonitorSelector, its podMonitorNamespaceSelector): what the selectors
// demand, and each standard label where every selector allows it (so `Exists`
// keeps the standard value, and a standard label a selector excludes is left
// out, named in `left_out`). Standard labels first, in their order.
JsonValue SelectableLabels(const JsonValue& standard, const std::map<std::string, std::string>& demanded,
                           const std::vector<YAML::Node>& selectors, std::vector<std::string>* left_out) {
  std::map<std::string, std::string> labels = demanded;
  for (const auto& [key, value] : standard.object) {
    std::map<std::string, std::string> trial = labels;
    trial[key] = value.string;
    bool allowed = true;
    for (const YAML::Node& selector : selectors) {
      std::map<std::string, std::string> checked = trial;
      std::string why_not;
      allowed = allowed && LabelsForSelector(selector, &checked, &why_not);
    }
    if (allowed) {
      labels = std::move(trial);
    } else if (demanded.count(key) == 0) {
      left_out->push_back(fmt::format("{}={}", key, value.string));
    }
  }
  JsonValue out = JsonValue::Object();
  for (const auto& [key, value] : standard.object) {
    auto it = labels.find(key);
    if (it != labels.end()) out.Set(key, Str(it->second));
  }
  for (const auto& [key, value] : labels) {
    if (standard.Find(key) == nullptr) out.Set(key, Str(value));
  }
  return out;
}

}  // namespace internal

using internal::Str;

bool LabelsForSelector(const YAML::Node& selector, std::map<std::string, std::string>* labels, std::string* why_not) {
  if (!selector.IsMap()) {
    *why_not = "the selector is not a mapping";
    return false;
  }
  const YAML::Node match_labels = selector["matchLabels"];
  if (match_labels && match_labels.IsMap()) {
    for (const auto& entry : match_labels) {
      std::string key = entry.first.Scalar();
      std::string value = entry.second.Scalar();
      auto it = labels->find(key);
      if (it != labels->end() && it->second != value) {
        *why_not = fmt::format("it needs {}={}, but the object has {}={}", key, value, key, it->second);
        return false;
      }
      (*labels)[key] = value;
    }
  }
  const YAML::Node expressions = selector["matchExpressions"];
  if (!expressions || !expressions.IsSequence()) return true;
  // Positive requirements first, so the negative ones check the final labels.
  for (int pass = 0; pass < 2; ++pass) {
    for (const YAML::Node& expression : expressions) {
      const std::string key = expression["key"] ? expression["key"].Scalar() : "";
      const std::string op = expression["operator"] ? expression["operator"].Scalar() : "";
      std::vector<std::string> values;
      if (expression["values"] && expression["values"].IsSequence()) {
        for (const YAML::Node& v : expression["values"]) values.push_back(v.Scalar());
      }
      auto it = labels->find(key);
      const bool has = it != labels->end();
      const bool listed = has && std::find(values.begin(), values.end(), it->second) != values.end();
      if (pass == 0 && op == "In") {
        if (has && !listed) {
          *why_not = fmt::format("{} In [{}], but the object has {}={}", key, fmt::join(values, ","), key, it->second);
          return false;
        }
        if (!has) {
          if (values.empty()) {
            *why_not = fmt::format("{} In [] matches nothing", key);
            return false;
          }
          (*labels)[key] = values.front();
        }
      } else if (pass == 0 && op == "Exists") {
        if (!has) (*labels)[key] = "true";
      } else if (pass == 1 && op == "NotIn") {
        if (listed) {
          *why_not = fmt::format("{} NotIn [{}], but the object needs {}={}", key, fmt::join(values, ","), key, it->second);
          return false;
        }
      } else if (pass == 1 && op == "DoesNotExist") {
        if (has) {
          *why_not = fmt::format("{} DoesNotExist, but the object needs {}={}", key, key, it->second);
          return false;
        }
      } else if (pass == 0 && op != "In" && op != "Exists" && op != "NotIn" && op != "DoesNotExist") {
        *why_not = fmt::format("unknown operator `{}` for {}", op, key);
        return false;
      }
    }
  }
  return true;
}

JsonValue InjectedLabels(std::string_view name, std::string_view component, const Settings& settings,
                         const Plan& plan) {
  JsonValue labels = JsonValue::Object();
  labels.Set("app.kubernetes.io/name", Str(name));
  if (!settings.release_name.empty()) labels.Set("app.kubernetes.io/instance", Str(settings.release_name));
  labels.Set("app.kubernetes.io/component", Str(component));
  labels.Set("app.kubernetes.io/part-of", Str(plan.umbrella_chart.empty() ? "dot-apps" : plan.umbrella_chart));
  labels.Set("app.kubernetes.io/managed-by", Str("Helm"));
  return labels;
}

}  // namespace dotk8s
