#ifndef DOTK8S_DIAGNOSTIC_H_
#define DOTK8S_DIAGNOSTIC_H_

#include <cstddef>
#include <string>
#include <vector>

namespace dotk8s {

enum class Severity { kNote, kWarning, kError };

/// One finding of a pass. Passes collect every problem they see instead of
/// stopping at the first, so a user fixes a whole values file in one round.
struct Diagnostic {
  Severity severity = Severity::kError;
  /// Position of the document in the input stream, or kNoDocument.
  std::size_t doc_index = kNoDocument;
  /// Where the document came from: "# Source:" path or Helm 4 filename.
  std::string source_path;
  /// Kind/name of the object, "Deployment dot-system/keda-operator", if known.
  std::string object;
  /// Field inside the object, "spec.from[0].namespace", if the finding is about one.
  std::string field_path;
  std::string message;
  /// What the user can do about it; empty when there is nothing to say.
  std::string hint;

  static constexpr std::size_t kNoDocument = static_cast<std::size_t>(-1);
};

using Diagnostics = std::vector<Diagnostic>;

/// "error: doc 12 (dot-apps/charts/keda/templates/x.yaml) Deployment keda/keda-operator
/// spec.x: message; hint: ..." on one line: location first, then what, then how to fix.
std::string FormatDiagnostic(const Diagnostic& diagnostic);

bool HasErrors(const Diagnostics& diagnostics);

/// Appends `more` to `into`.
void Append(Diagnostics& into, Diagnostics more);

Diagnostic MakeError(std::string message, std::string hint = {});
Diagnostic MakeWarning(std::string message, std::string hint = {});
Diagnostic MakeNote(std::string message);

}  // namespace dotk8s

#endif  // DOTK8S_DIAGNOSTIC_H_
