#ifndef DOTK8S_POST_TEST_UTIL_H_
#define DOTK8S_POST_TEST_UTIL_H_

// Helpers the post-renderer's tests share: fixture streams cut down to some
// components, settings documents, and the passes run up to injection (without
// namespace placement, which moves documents the injection tests look at).

#include <fmt/format.h>

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/passes/attribute.h"
#include "core/passes/conditions.h"
#include "core/passes/inject.h"
#include "core/yaml/read.h"
#include "core/passes/resolve.h"
#include "test_support.h"

namespace dotk8s::testing {

/// Every captured stream with documents (helm4-none.yaml is empty; tests take it on its own).
inline std::vector<std::string> NonEmptyFixtures() {
  return {"helm4-all.yaml",          "helm4-all-plus-traefik.yaml", "helm4-envoy-only.yaml",
          "helm4-keda-only.yaml",    "helm4-prometheus-only.yaml",  "helm4-envoy-prometheus.yaml",
          "helm4-envoy-keda.yaml",   "helm3-all.yaml"};
}

inline std::string Fixture(std::string_view name) { return ReadFile(FixturePath(name)); }

/// Documents read and attributed.
struct AttributedStream {
  std::shared_ptr<const std::string> input;  ///< the documents point into it
  std::vector<Document> docs;
  Plan plan;
  Diagnostics diagnostics;
};

inline AttributedStream ReadAndAttribute(std::string input) {
  AttributedStream stream;
  stream.input = std::make_shared<const std::string>(std::move(input));
  Append(stream.diagnostics, ReadStream(*stream.input, ReadOptions{}, &stream.docs));
  Append(stream.diagnostics, AttributeComponents(stream.docs, stream.plan));
  return stream;
}

/// The documents of `input` (a whole stream) that belong to one of `components`,
/// concatenated as they came: a smaller stream of real documents.
inline std::string FilterStream(std::string_view input, std::initializer_list<Component> components) {
  AttributedStream stream = ReadAndAttribute(std::string(input));
  std::string out;
  for (const Document& doc : stream.docs) {
    for (Component c : components) {
      if (doc.component == c) {
        out.append(doc.raw);
        break;
      }
    }
  }
  return out;
}

/// The Helm 4 documents of `input` that are (`hooks` true) or are not hooks.
inline std::string FilterHooks(std::string_view input, bool hooks) {
  AttributedStream stream = ReadAndAttribute(std::string(input));
  std::string out;
  for (const Document& doc : stream.docs) {
    if (doc.is_hook == hooks) out.append(doc.raw);
  }
  return out;
}

/// A settings document as the umbrella chart renders it, marked the way the
/// stream's Helm marks documents. `apps` is the YAML under `apps:`, indented by two.
inline std::string SettingsDocument(std::string_view apps, bool helm3 = false,
                                    std::string_view release_namespace = "dot-system") {
  std::string text = "---\n";
  if (helm3) text += "# Source: dot-apps/templates/dotk8s-settings.yaml\n";
  text += "apiVersion: dotk8s.dev/v1alpha1\nkind: Settings\nmetadata:\n  name: dot-apps\n";
  if (!helm3) {
    text += "  annotations:\n    postrenderer.helm.sh/postrender-filename: 'dot-apps/templates/dotk8s-settings.yaml'\n";
  }
  text += fmt::format("release:\n  name: dot-apps\n  namespace: {}\napps:\n{}", release_namespace, apps);
  if (!text.empty() && text.back() != '\n') text += '\n';
  return text;
}

/// apps: settings that turn each component on or off.
inline std::string AppsEnabled(bool envoy_gateway, bool keda, bool http_addon, bool prometheus, bool traefik) {
  auto b = [](bool on) { return on ? "true" : "false"; };
  return fmt::format(
      "  envoyGateway:\n    enabled: {}\n  keda:\n    enabled: {}\n    httpAddon:\n      enabled: {}\n"
      "  prometheus:\n    enabled: {}\n  traefik:\n    enabled: {}\n",
      b(envoy_gateway), b(keda), b(http_addon), b(prometheus), b(traefik));
}

/// The passes up to and including injection, without namespace placement.
struct InjectedStream {
  std::shared_ptr<const std::string> input;  ///< the input documents point into it
  std::vector<Document> docs;
  Plan plan;
  Settings settings;
  Diagnostics diagnostics;
  bool ok = false;
};

inline InjectedStream RunUpToInjection(std::string input, const ReleaseInputs& inputs = {}) {
  InjectedStream s;
  s.input = std::make_shared<const std::string>(std::move(input));
  auto stop = [&s](Diagnostics d) {
    Append(s.diagnostics, std::move(d));
    return HasErrors(s.diagnostics);
  };
  if (stop(ReadStream(*s.input, ReadOptions{}, &s.docs))) return s;
  if (stop(CheckObjectShapes(s.docs))) return s;
  if (stop(AttributeComponents(s.docs, s.plan))) return s;
  if (stop(ResolveSettings(s.docs, inputs, &s.settings, s.plan))) return s;
  if (stop(EnforceConditions(s.docs, s.settings, s.plan))) return s;
  if (stop(InjectObjects(s.docs, s.settings, s.plan))) return s;
  s.ok = true;
  return s;
}

/// Every diagnostic, formatted, one per line (for failure messages and exact comparisons).
inline std::string FormatAll(const Diagnostics& diagnostics) {
  std::string out;
  for (const Diagnostic& d : diagnostics) out += FormatDiagnostic(d) + "\n";
  return out;
}

/// Whether the plan has exactly this note.
inline bool HasNote(const Plan& plan, std::string_view note) {
  for (const std::string& n : plan.notes) {
    if (n == note) return true;
  }
  return false;
}

/// The first note of the plan that contains `needle`, or "".
inline std::string NoteWith(const Plan& plan, std::string_view needle) {
  for (const std::string& note : plan.notes) {
    if (note.find(needle) != std::string::npos) return note;
  }
  return {};
}

/// Every note of the plan, one per line (for failure messages).
inline std::string NotesText(const Plan& plan) {
  std::string out;
  for (const std::string& note : plan.notes) out += note + "\n";
  return out;
}

/// The documents not removed, generated ones included.
inline std::vector<const Document*> Kept(const std::vector<Document>& docs) {
  std::vector<const Document*> kept;
  for (const Document& doc : docs) {
    if (!doc.removed) kept.push_back(&doc);
  }
  return kept;
}

/// `doc` parsed (edits applied); fails the test if it does not parse.
inline YAML::Node Parsed(const Document& doc) {
  Diagnostics diagnostics;
  std::optional<YAML::Node> node = ParseDocument(doc, diagnostics);
  if (!node) throw std::runtime_error("does not parse: " + FormatAll(diagnostics));
  return *node;
}

/// Replaces the one occurrence of `from` in `text` by `to`; throws if there is not exactly one.
inline std::string ReplaceOnce(std::string text, std::string_view from, std::string_view to) {
  std::size_t at = text.find(from);
  if (at == std::string::npos || text.find(from, at + 1) != std::string::npos) {
    throw std::runtime_error("expected exactly one `" + std::string(from) + "`");
  }
  text.replace(at, from.size(), to);
  return text;
}

}  // namespace dotk8s::testing

#endif  // DOTK8S_POST_TEST_UTIL_H_
