#include "core/validation/schema_check.h"

// valijson reports through exceptions (schema_adapter.h sets this too).
#define VALIJSON_USE_EXCEPTIONS 1

#include <fmt/format.h>
#include <valijson/schema.hpp>
#include <valijson/schema_parser.hpp>
#include <valijson/validation_results.hpp>
#include <valijson/validator.hpp>

#include <algorithm>
#include <regex>
#include <stdexcept>
#include <string_view>

#include "core/validation/schema_adapter.h"

namespace dotk8s {

struct CompiledSchema::Impl {
  const JsonValue& openapi;
  TranslationNotes notes;
  valijson::Schema schema;
  // Holds the compiled `pattern` regexes across objects.
  valijson::Validator validator{valijson::Validator::kStrongTypes};
};

namespace {

// An error as valijson reported it, with its context made a field path.
struct RawError {
  std::vector<std::string> context;
  FieldPath path;
  std::string description;
};

struct Finding {
  FieldPath path;
  std::string message;
  bool type_error = false;
};

bool StartsWith(std::string_view text, std::string_view prefix) { return text.substr(0, prefix.size()) == prefix; }

bool IsPrefix(const std::vector<std::string>& prefix, const std::vector<std::string>& context) {
  return prefix.size() <= context.size() && std::equal(prefix.begin(), prefix.end(), context.begin());
}

// valijson's context is ["<root>", "[spec]", "[from]", "[0]"]: a property and
// an index look alike, so the object itself says which each step is.
FieldPath ToPath(const std::vector<std::string>& context, const JsonValue& object) {
  FieldPath path;
  const JsonValue* at = &object;
  for (std::size_t i = 1; i < context.size(); ++i) {
    std::string_view part = context[i];
    if (part.size() >= 2 && part.front() == '[' && part.back() == ']') part = part.substr(1, part.size() - 2);
    const bool digits = !part.empty() && std::all_of(part.begin(), part.end(), [](char c) { return c >= '0' && c <= '9'; });
    if (at != nullptr && at->IsArray() && digits) {
      const std::size_t index = std::stoul(std::string(part));
      path.push_back(PathElement::Index(index));
      at = index < at->array.size() ? &at->array[index] : nullptr;
    } else {
      path.push_back(PathElement::Key(std::string(part)));
      at = at != nullptr ? at->Find(part) : nullptr;
    }
  }
  return path;
}

const JsonValue* ValueAt(const JsonValue& object, const FieldPath& path) {
  const JsonValue* at = &object;
  for (const PathElement& element : path) {
    if (element.is_index) {
      if (!at->IsArray() || element.index >= at->array.size()) return nullptr;
      at = &at->array[element.index];
    } else {
      at = at->Find(element.key);
      if (at == nullptr) return nullptr;
    }
  }
  return at;
}

// The line of the deepest node along `path` that exists.
std::size_t LineOf(const JsonValue& object, const FieldPath& path) {
  const JsonValue* at = &object;
  for (const PathElement& element : path) {
    const JsonValue* next = nullptr;
    if (element.is_index) {
      if (at->IsArray() && element.index < at->array.size()) next = &at->array[element.index];
    } else {
      next = at->Find(element.key);
    }
    if (next == nullptr) break;
    at = next;
  }
  return at->line;
}


std::string ShowNumber(const JsonValue* value) {
  if (value == nullptr) return "?";
  if (value->type == JsonValue::Type::kInteger) return fmt::format("{}", value->integer);
  if (value->type == JsonValue::Type::kNumber) return fmt::format("{}", value->number);
  return "?";
}

class ErrorWords {
 public:
  ErrorWords(const JsonValue& object, const JsonValue& openapi) : object_(object), openapi_(openapi) {}

  /// The finding for one leaf error; false for valijson's summaries of
  /// errors it reported already ("Failed to validate item #2 ...").
  bool Leaf(const RawError& error, Finding* finding) const {
    const std::string& d = error.description;
    finding->path = error.path;
    const JsonValue* value = ValueAt(object_, error.path);
    const JsonValue* schema = SchemaAtPath(openapi_, error.path);
    if (StartsWith(d, "Missing required property '")) {
      std::string name = d.substr(27, d.rfind('\'') - 27);
      finding->path.push_back(PathElement::Key(std::move(name)));
      finding->message = "required property missing";
    } else if (StartsWith(d, "Value type not permitted")) {
      std::string expected = schema != nullptr ? ExpectedTypes(*schema) : std::string();
      if (expected.empty() && IsMetadataString(error.path)) expected = "string";
      std::string got(value != nullptr ? JsonTypeName(value->type) : std::string_view("nothing"));
      finding->message = expected.empty() ? fmt::format("wrong type: {}", got) : fmt::format("expected {}, got {}", expected, got);
      finding->type_error = true;
    } else if (StartsWith(d, "Failed to match against any enum values")) {
      std::vector<std::string> allowed;
      const JsonValue* values = schema != nullptr ? schema->Find("enum") : nullptr;
      if (values != nullptr) {
        for (const JsonValue& v : values->array) allowed.push_back(DescribeValue(v));
      }
      finding->message = fmt::format("{} is not one of the allowed values: {}", value != nullptr ? DescribeValue(*value) : "the value",
                                     fmt::join(allowed, ", "));
    } else if (StartsWith(d, "Failed to match regex")) {
      std::string_view pattern = schema != nullptr ? schema->StringAt("pattern") : std::string_view();
      const std::string shown = value != nullptr ? DescribeValue(*value) : std::string("the value");
      if (pattern.empty() && IsMetadataString(error.path)) {
        // Our ObjectMeta checks: say the rule, not the regex.
        finding->message = error.path.size() == 3
                               ? fmt::format("{} is not a valid label value: at most 63 alphanumerics, '-', '_' or "
                                             "'.', starting and ending with an alphanumeric",
                                             shown)
                               : fmt::format("{} is not a valid name: lowercase letters, digits, '-' and '.', starting "
                                             "and ending with a letter or digit (RFC 1123)",
                                             shown);
      } else {
        finding->message = fmt::format("{} does not match the pattern {}", shown,
                                       pattern.empty() ? std::string_view("of the schema") : pattern);
      }
    } else if (StartsWith(d, "Expected number")) {
      const JsonValue* minimum = schema != nullptr ? schema->Find("minimum") : nullptr;
      const JsonValue* maximum = schema != nullptr ? schema->Find("maximum") : nullptr;
      std::string range;
      if (minimum != nullptr && maximum != nullptr) {
        range = fmt::format("between {} and {}", ShowNumber(minimum), ShowNumber(maximum));
      } else if (minimum != nullptr) {
        range = fmt::format("at least {}", ShowNumber(minimum));
      } else if (maximum != nullptr) {
        range = fmt::format("at most {}", ShowNumber(maximum));
      }
      finding->message = fmt::format("{} is out of range{}{}", value != nullptr ? DescribeValue(*value) : "the value",
                                     range.empty() ? "" : ": must be ", range);
    } else if (StartsWith(d, "Elements at indexes")) {
      finding->message = "duplicate items in a list whose items must be unique (x-kubernetes-list-type: set)";
    } else if (StartsWith(d, "Failed to validate exactly one") || StartsWith(d, "Failed to validate against exactly one")) {
      finding->message = "matches more than one of the alternatives of a oneOf; it must match exactly one";
    } else if (StartsWith(d, "Target should not validate")) {
      finding->message = "matches a form the schema forbids (not)";
    } else if (StartsWith(d, "Failed to validate") || StartsWith(d, "Cannot validate item")) {
      return false;  // a summary of errors reported one by one
    } else {
      // valijson's own words: "String should be no more than 63 characters."
      std::string message = d;
      if (!message.empty() && message.back() == '.') message.pop_back();
      if (!message.empty() && message[0] >= 'A' && message[0] <= 'Z') message[0] = static_cast<char>(message[0] - 'A' + 'a');
      finding->message = std::move(message);
    }
    return true;
  }

 private:
  static bool IsMetadataString(const FieldPath& path) {
    if (path.empty() || path[0].is_index || path[0].key != "metadata") return false;
    if (path.size() == 2) return path[1].key == "name" || path[1].key == "namespace";
    return path.size() == 3 && (path[1].key == "labels" || path[1].key == "annotations");
  }

  const JsonValue& object_;
  const JsonValue& openapi_;
};

bool IsAlternativesSummary(std::string_view description) {
  return StartsWith(description, "Failed to validate against any schemas allowed by anyOf") ||
         StartsWith(description, "Failed to validate against any child schemas allowed by oneOf");
}

// Turns valijson's flat error list into findings. anyOf/oneOf failures come as
// the failures of every alternative followed by a summary; they are folded:
// a value of the wrong type for every alternative (int-or-string, nullable)
// gives one "expected integer or string, got sequence", otherwise the
// alternatives' own findings stand and type mismatches of the branches that
// did not apply are dropped.
std::vector<Finding> Fold(const std::vector<RawError>& errors, const ErrorWords& words) {
  struct Pending {
    std::vector<std::string> context;
    Finding finding;
  };
  std::vector<Pending> out;
  for (const RawError& error : errors) {
    if (!IsAlternativesSummary(error.description)) {
      Finding finding;
      if (words.Leaf(error, &finding)) out.push_back(Pending{error.context, std::move(finding)});
      continue;
    }
    // The alternatives' findings are the run just before the summary under its context.
    std::size_t begin = out.size();
    while (begin > 0 && IsPrefix(error.context, out[begin - 1].context)) --begin;
    std::vector<Pending> group(std::make_move_iterator(out.begin() + static_cast<std::ptrdiff_t>(begin)),
                               std::make_move_iterator(out.end()));
    out.resize(begin);
    const bool all_type_errors_here =
        std::all_of(group.begin(), group.end(), [&](const Pending& p) { return p.finding.type_error && p.context == error.context; });
    if (group.empty() || all_type_errors_here) {
      RawError as_type{error.context, error.path, "Value type not permitted by 'type' constraint."};
      Finding finding;
      words.Leaf(as_type, &finding);
      out.push_back(Pending{error.context, std::move(finding)});
      continue;
    }
    for (Pending& p : group) {
      if (p.finding.type_error && p.context == error.context) continue;
      out.push_back(std::move(p));
    }
  }
  std::vector<Finding> findings;
  for (Pending& p : out) {
    const bool seen = std::any_of(findings.begin(), findings.end(), [&](const Finding& f) {
      return f.path == p.finding.path && f.message == p.finding.message;
    });
    if (!seen) findings.push_back(std::move(p.finding));
  }
  return findings;
}

}  // namespace

CompiledSchema::CompiledSchema(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
CompiledSchema::~CompiledSchema() = default;

std::unique_ptr<CompiledSchema> CompiledSchema::Compile(const JsonValue& openapi_schema, std::string* error) {
  auto impl = std::unique_ptr<Impl>(new Impl{openapi_schema, {}, {}});
  // valijson keeps what it needs of the translation: it is dropped after.
  const JsonValue translated = TranslateCrdSchema(impl->openapi, &impl->notes);
  try {
    valijson::SchemaParser parser(valijson::SchemaParser::kDraft4);
    parser.populateSchema(JsonValueAdapter(translated), impl->schema);
  } catch (const std::exception& e) {
    *error = fmt::format("the schema cannot be compiled: {}", e.what());
    return nullptr;
  }
  return std::unique_ptr<CompiledSchema>(new CompiledSchema(std::move(impl)));
}

const TranslationNotes& CompiledSchema::notes() const { return impl_->notes; }
const JsonValue& CompiledSchema::openapi_schema() const { return impl_->openapi; }

std::vector<SchemaProblem> CompiledSchema::Check(JsonValue& object) {
  std::vector<SchemaProblem> problems = PruneLikeApiServer(object, impl_->openapi);
  valijson::ValidationResults results;
  try {
    impl_->validator.validate(impl_->schema, JsonValueAdapter(object), &results);
  } catch (const std::exception& e) {
    // A `pattern` std::regex cannot compile or runs out of stack on: say so
    // rather than pass the object silently.
    problems.push_back(SchemaProblem{SchemaProblem::Kind::kNotChecked, {},
                                     fmt::format("could not be checked completely: {}", e.what())});
    return problems;
  }
  std::vector<RawError> errors;
  valijson::ValidationResults::Error error;
  while (results.popError(error)) {
    FieldPath path = ToPath(error.context, object);
    errors.push_back(RawError{std::move(error.context), std::move(path), std::move(error.description)});
  }
  ErrorWords words(object, impl_->openapi);
  for (Finding& finding : Fold(errors, words)) {
    problems.push_back(SchemaProblem{SchemaProblem::Kind::kInvalid, std::move(finding.path), std::move(finding.message)});
  }
  for (SchemaProblem& problem : problems) {
    if (problem.line == SchemaProblem::kNoLine) problem.line = LineOf(object, problem.path);
  }
  return problems;
}

}  // namespace dotk8s
