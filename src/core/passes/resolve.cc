#include "core/passes/resolve.h"

#include <fmt/format.h>

#include <algorithm>
#include <map>

namespace dotk8s {

namespace {

// The namespace most rendered objects share: what Helm gave them as the release
// namespace. Charts put a few objects into kube-system on purpose; those do not count.
std::string InferReleaseNamespace(const std::vector<Document>& docs, Diagnostics& diagnostics) {
  std::map<std::string, std::size_t> counts;
  for (const Document& doc : docs) {
    if (doc.removed || !doc.IsObject() || doc.Namespace().empty() || IsBuiltinNamespace(doc.Namespace(), /*with_default=*/false)) continue;
    ++counts[std::string(doc.Namespace())];
  }
  if (counts.empty()) return {};
  auto best = std::max_element(counts.begin(), counts.end(),
                               [](const auto& a, const auto& b) { return a.second < b.second; });
  std::size_t ties = static_cast<std::size_t>(
      std::count_if(counts.begin(), counts.end(), [&](const auto& entry) { return entry.second == best->second; }));
  if (ties > 1) {
    std::vector<std::string> names;
    for (const auto& [name, count] : counts) names.push_back(fmt::format("{} ({})", name, count));
    diagnostics.push_back(MakeError(
        fmt::format("cannot tell the release namespace: objects are spread over {}", fmt::join(names, ", ")),
        "pass --release-namespace, or render with the dot-apps chart, whose settings document names it"));
    return {};
  }
  return best->first;
}

// The settings a parsed document carries (release and apps), as text to compare copies.
std::string SettingsContent(const YAML::Node& root) {
  if (!root.IsMap()) return {};
  YAML::Emitter out;
  out << YAML::Flow;
  for (const char* key : {"release", "apps"}) {
    if (root[key]) out << root[key];
  }
  return out.c_str();
}

// Takes the settings documents out of the output; the first one's content is
// `root`, and a later copy must agree with it.
Document* TakeSettingsDocuments(std::vector<Document>& docs, std::optional<YAML::Node>& root,
                                Diagnostics& diagnostics) {
  Document* settings_doc = nullptr;
  for (Document& doc : docs) {
    if (!IsSettingsDocument(doc)) continue;
    doc.removed = true;
    doc.removed_reason = "settings for dotk8s-post, not an object for the cluster";
    auto node = ParseDocument(doc, diagnostics);
    if (!node) continue;  // reported; the check after the loop stops here
    if (settings_doc == nullptr) {
      settings_doc = &doc;
      root = std::move(node);
      continue;
    }
    // The chart may render the settings twice under Helm 4, once as a hook,
    // so that a call carrying only hooks has them too. Copies must agree.
    if (SettingsContent(*node) != SettingsContent(*root)) {
      diagnostics.push_back(DocumentError(
          doc, fmt::format("a second settings document that differs from the first (doc {})", settings_doc->index),
          "render the settings template once; only the umbrella chart should include it"));
    }
  }
  return settings_doc;
}

// Settles settings->release_namespace; false (with the error) if the flag is
// not a valid namespace name or contradicts the settings.
bool SettleReleaseNamespace(const std::vector<Document>& docs, const ReleaseInputs& inputs, Settings* settings,
                            Plan& plan, Diagnostics& diagnostics) {
  if (!inputs.release_namespace.empty()) {
    if (!IsValidNamespaceName(inputs.release_namespace)) {
      diagnostics.push_back(MakeError(
          fmt::format("--release-namespace `{}` is not a valid namespace name", inputs.release_namespace)));
      return false;
    }
    if (!settings->release_namespace.empty() && settings->release_namespace != inputs.release_namespace) {
      diagnostics.push_back(MakeError(
          fmt::format("--release-namespace {} contradicts the settings, which say the release is in {}",
                      inputs.release_namespace, settings->release_namespace),
          "drop the flag, or render with the same namespace (helm -n) that the flag names"));
      return false;
    }
    settings->release_namespace = inputs.release_namespace;
  }
  if (settings->release_namespace.empty()) {
    settings->release_namespace = InferReleaseNamespace(docs, diagnostics);
    if (!settings->release_namespace.empty()) {
      plan.notes.push_back(fmt::format("release namespace {} inferred from the rendered objects",
                                       settings->release_namespace));
    }
  }
  return true;
}

// Helm charts label their objects with app.kubernetes.io/instance = the release name.
void InferReleaseName(const std::vector<Document>& docs, Settings* settings) {
  std::map<std::string, std::size_t> counts;
  for (const Document& doc : docs) {
    if (doc.removed || doc.component == Component::kUnknown) continue;
    if (const std::string* instance = doc.outline.Label("app.kubernetes.io/instance")) ++counts[*instance];
  }
  if (!counts.empty()) {
    settings->release_name =
        std::max_element(counts.begin(), counts.end(), [](const auto& a, const auto& b) { return a.second < b.second; })
            ->first;
  }
}

}  // namespace

bool IsSettingsDocument(const Document& doc) {
  return doc.IsObject() && doc.ApiVersion() == kSettingsApiVersion && doc.Kind() == kSettingsKind;
}

Diagnostics ResolveSettings(std::vector<Document>& docs, const ReleaseInputs& inputs, Settings* settings,
                            Plan& plan) {
  Diagnostics diagnostics;
  std::optional<YAML::Node> root;
  Document* settings_doc = TakeSettingsDocuments(docs, root, diagnostics);
  if (HasErrors(diagnostics)) return diagnostics;

  std::string where;
  if (settings_doc != nullptr) {
    where = settings_doc->source_path.empty() ? fmt::format("settings document (doc {})", settings_doc->index)
                                              : settings_doc->source_path;
    settings->source = fmt::format("settings document ({})", where);
  }
  if (inputs.settings_file) {
    YAML::Node file = *inputs.settings_file;
    if (file.IsMap() && !file["apps"] && !file["release"]) {
      diagnostics.push_back(MakeError(fmt::format("{}: settings need an `apps` mapping", inputs.settings_path),
                                      "write the file in the shape of the chart's values: apps: {envoyGateway: {...}, ...}"));
      return diagnostics;
    }
    // The file's own keys are checked on their own, so that a typo names the file.
    Settings scratch;
    Append(diagnostics, ParseSettings(file, inputs.settings_path, &scratch));
    if (HasErrors(diagnostics)) return diagnostics;
    root = root ? MergeSettingsNodes(*root, file) : YAML::Clone(file);
    settings->source = settings_doc != nullptr
                           ? fmt::format("settings document ({}) overlaid with {}", where, inputs.settings_path)
                           : fmt::format("--settings {}", inputs.settings_path);
    if (settings_doc == nullptr) where = inputs.settings_path;
  }
  if (root) {
    std::string source = settings->source;
    Append(diagnostics, ParseSettings(*root, where, settings));
    settings->source = source;
    if (HasErrors(diagnostics)) return diagnostics;
  } else {
    settings->source = "none given: components as rendered, contract namespaces";
  }

  // The release namespace: flag, settings, then what the objects say.
  if (!SettleReleaseNamespace(docs, inputs, settings, plan, diagnostics)) return diagnostics;
  if (settings->release_name.empty()) InferReleaseName(docs, settings);
  plan.release_name = settings->release_name;
  plan.release_namespace = settings->release_namespace;
  plan.settings_source = settings->source;
  return diagnostics;
}

}  // namespace dotk8s
