#include "core/diagnostic.h"

#include <fmt/format.h>

#include <algorithm>
#include <iterator>

namespace dotk8s {

namespace {

const char* SeverityName(Severity severity) {
  switch (severity) {
    case Severity::kNote:
      return "note";
    case Severity::kWarning:
      return "warning";
    case Severity::kError:
      return "error";
  }
  return "error";
}

}  // namespace

std::string FormatDiagnostic(const Diagnostic& diagnostic) {
  std::string line = fmt::format("{}: ", SeverityName(diagnostic.severity));
  if (diagnostic.doc_index != Diagnostic::kNoDocument) {
    line += fmt::format("doc {}", diagnostic.doc_index);
    if (!diagnostic.source_path.empty()) {
      line += fmt::format(" ({})", diagnostic.source_path);
    }
    line += ' ';
  } else if (!diagnostic.source_path.empty()) {
    line += fmt::format("{} ", diagnostic.source_path);
  }
  if (!diagnostic.object.empty()) {
    line += diagnostic.object;
    line += ' ';
  }
  if (!diagnostic.field_path.empty()) {
    line += diagnostic.field_path;
    line += ' ';
  }
  if (line.back() == ' ' && line.size() > 2 && line[line.size() - 2] != ':') {
    line.back() = ':';
    line += ' ';
  }
  line += diagnostic.message;
  if (!diagnostic.hint.empty()) {
    line += fmt::format("; hint: {}", diagnostic.hint);
  }
  return line;
}

bool HasErrors(const Diagnostics& diagnostics) {
  return std::any_of(diagnostics.begin(), diagnostics.end(),
                     [](const Diagnostic& d) { return d.severity == Severity::kError; });
}

void Append(Diagnostics& into, Diagnostics more) {
  into.insert(into.end(), std::make_move_iterator(more.begin()),
              std::make_move_iterator(more.end()));
}

Diagnostic MakeError(std::string message, std::string hint) {
  Diagnostic d;
  d.severity = Severity::kError;
  d.message = std::move(message);
  d.hint = std::move(hint);
  return d;
}

Diagnostic MakeWarning(std::string message, std::string hint) {
  Diagnostic d = MakeError(std::move(message), std::move(hint));
  d.severity = Severity::kWarning;
  return d;
}

Diagnostic MakeNote(std::string message) {
  Diagnostic d = MakeError(std::move(message));
  d.severity = Severity::kNote;
  return d;
}

}  // namespace dotk8s
