#include "core/passes/conditions.h"

#include <fmt/format.h>

namespace dotk8s {

namespace {

std::string ValuesKey(Component component) {
  const ComponentInfo* info = FindComponent(component);
  return fmt::format("apps.{}.enabled", info != nullptr ? info->settings_key : "?");
}

void RemoveComponent(std::vector<Document>& docs, Component component, const std::string& reason, Plan& plan) {
  std::size_t count = 0;
  for (Document& doc : docs) {
    if (doc.component != component || doc.removed) continue;
    doc.removed = true;
    doc.removed_reason = reason;
    ++count;
  }
  const ComponentInfo* info = FindComponent(component);
  plan.removed.push_back(fmt::format("{} documents of {}: {}", count, info->chart, reason));
}

}  // namespace

Diagnostics EnforceConditions(std::vector<Document>& docs, const Settings& settings, Plan& plan) {
  Diagnostics diagnostics;
  // With only hooks in the input (Helm 4.2 can send hooks in a call of their
  // own) a component's other documents are elsewhere: absence proves nothing.
  const bool hooks_only = plan.hooks_only;

  auto decide = [&](Component component) {
    ComponentPlan& entry = plan.Entry(component);
    const ComponentInfo* info = FindComponent(component);
    std::optional<bool> setting = EnabledSetting(settings, component);
    entry.namespace_ = TargetNamespace(settings, component);
    if (!setting) {
      entry.on = entry.rendered;
      return;
    }
    if (*setting && !entry.rendered && !hooks_only) {
      diagnostics.push_back(MakeError(
          fmt::format("settings turn {} on ({}: true), but the stream has no document of the {} chart",
                      ComponentName(component), ValuesKey(component), info->chart),
          fmt::format("build the umbrella's dependencies (helm dependency build charts/dot-apps) and check that "
                      "Chart.yaml gives {} the condition {}",
                      info->chart, ValuesKey(component))));
    } else if (!*setting && entry.rendered) {
      diagnostics.push_back(MakeError(
          fmt::format("settings turn {} off ({}: false), but {} documents of the {} chart were rendered",
                      ComponentName(component), ValuesKey(component), entry.documents, info->chart),
          fmt::format("the dependency {} in Chart.yaml must have `condition: {}`", info->chart, ValuesKey(component))));
    }
    entry.on = *setting && entry.rendered;
  };

  decide(Component::kEnvoyGateway);
  decide(Component::kKeda);
  decide(Component::kPrometheus);
  decide(Component::kTraefik);

  // The add-on: Helm renders it whenever its own condition is true, KEDA or not.
  ComponentPlan& addon = plan.Entry(Component::kKedaHttpAddon);
  addon.namespace_ = TargetNamespace(settings, Component::kKedaHttpAddon);
  const bool keda_on = plan.IsOn(Component::kKeda) || (hooks_only && settings.keda.enabled.value_or(true));
  if (addon.rendered && !keda_on) {
    RemoveComponent(docs, Component::kKedaHttpAddon,
                    "the KEDA HTTP add-on follows KEDA, and KEDA is off (its ScaledObject and CRD need KEDA)", plan);
    addon.on = false;
  } else {
    std::optional<bool> setting = settings.keda.http_addon.enabled;
    if (setting && *setting && !addon.rendered && keda_on && !hooks_only) {
      diagnostics.push_back(MakeError(
          "settings turn the KEDA HTTP add-on on (apps.keda.httpAddon.enabled: true), but the stream has no "
          "document of the keda-add-ons-http chart",
          "build the umbrella's dependencies and check that Chart.yaml gives keda-add-ons-http the condition "
          "apps.keda.httpAddon.enabled"));
    } else if (setting && !*setting && addon.rendered) {
      diagnostics.push_back(MakeError(
          fmt::format("settings turn the KEDA HTTP add-on off (apps.keda.httpAddon.enabled: false), but {} "
                      "documents of keda-add-ons-http were rendered",
                      addon.documents),
          "the dependency keda-add-ons-http in Chart.yaml must have `condition: apps.keda.httpAddon.enabled`"));
    }
    addon.on = addon.rendered && setting.value_or(true);
  }
  return diagnostics;
}

}  // namespace dotk8s
