#include "core/yaml/outline.h"
#include "core/yaml/outline_header.h"

#include <fmt/format.h>
#include <yaml.h>

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <functional>
#include <unordered_map>

namespace dotk8s {

const std::string* Outline::Annotation(std::string_view key) const {
  for (const auto& [k, v] : annotations) {
    if (k == key) return &v;
  }
  return nullptr;
}

const std::string* Outline::Label(std::string_view key) const {
  for (const auto& [k, v] : labels) {
    if (k == key) return &v;
  }
  return nullptr;
}

namespace {

/// libyaml's marks count characters, the edits count bytes. For ASCII text
/// (nearly every manifest) they are the same; otherwise a checkpoint every
/// 64 characters keeps the conversion short.
class CharToByte {
 public:
  explicit CharToByte(std::string_view text) : text_(text) {
    ascii_ = std::none_of(text.begin(), text.end(),
                          [](char c) { return static_cast<unsigned char>(c) >= 0x80; });
    if (ascii_) return;
    std::size_t chars = 0;
    for (std::size_t i = 0; i < text.size(); ++i) {
      if (IsLeadByte(text[i])) {
        if (chars % kStride == 0) checkpoints_.push_back(i);
        ++chars;
      }
    }
    checkpoints_.push_back(text.size());
  }

  std::size_t Byte(std::size_t char_index) const {
    if (ascii_) return std::min(char_index, text_.size());
    std::size_t slot = char_index / kStride;
    if (slot >= checkpoints_.size()) return text_.size();
    std::size_t byte = checkpoints_[slot];
    std::size_t remaining = char_index % kStride;
    while (remaining > 0 && byte < text_.size()) {
      ++byte;
      while (byte < text_.size() && !IsLeadByte(text_[byte])) ++byte;
      --remaining;
    }
    return byte;
  }

 private:
  static constexpr std::size_t kStride = 64;
  static bool IsLeadByte(char c) { return (static_cast<unsigned char>(c) & 0xC0) != 0x80; }

  std::string_view text_;
  bool ascii_ = true;
  std::vector<std::size_t> checkpoints_;
};

ScalarStyle StyleOf(yaml_scalar_style_t style) {
  switch (style) {
    case YAML_SINGLE_QUOTED_SCALAR_STYLE:
      return ScalarStyle::kSingleQuoted;
    case YAML_DOUBLE_QUOTED_SCALAR_STYLE:
      return ScalarStyle::kDoubleQuoted;
    case YAML_LITERAL_SCALAR_STYLE:
      return ScalarStyle::kLiteral;
    case YAML_FOLDED_SCALAR_STYLE:
      return ScalarStyle::kFolded;
    default:
      return ScalarStyle::kPlain;
  }
}

std::uint64_t HashKey(std::string_view key) {
  std::uint64_t hash = 1469598103934665603ull;  // FNV-1a
  for (char c : key) {
    hash ^= static_cast<unsigned char>(c);
    hash *= 1099511628211ull;
  }
  return hash;
}

struct Frame {
  bool is_mapping = false;
  bool expect_key = true;
  std::string key;
  std::size_t index = 0;
  std::vector<std::uint64_t> key_hashes;
  MappingSpan* span = nullptr;
  // Alias accounting for an anchored collection.
  std::string anchor;
  std::size_t expanded_at_start = 0;
};

class OutlineBuilder {
 public:
  OutlineBuilder(std::string_view raw, std::size_t body_offset, const OutlineOptions& options,
                 Outline* outline)
      : raw_(raw),
        body_offset_(body_offset),
        text_(raw.substr(body_offset)),
        chars_(text_),
        options_(options),
        outline_(outline) {
    body_lines_ = static_cast<std::size_t>(std::count(raw.begin(), raw.begin() + static_cast<std::ptrdiff_t>(body_offset), '\n'));
    for (const std::string& needle : options.needles) {
      if (needle.empty()) continue;
      std::size_t from = 0;
      while (true) {
        std::size_t at = raw_.find(needle, from);
        if (at == std::string_view::npos) break;
        needle_ends_.push_back({at, at + needle.size()});
        from = at + 1;
      }
    }
    std::sort(needle_ends_.begin(), needle_ends_.end());
  }

  bool Run(YamlProblem* problem) {
    yaml_parser_t parser;
    if (!yaml_parser_initialize(&parser)) {
      problem->message = "out of memory";
      return false;
    }
    yaml_parser_set_input_string(&parser, reinterpret_cast<const unsigned char*>(text_.data()),
                                 text_.size());
    bool ok = true;
    bool done = false;
    while (!done) {
      yaml_event_t event;
      if (!yaml_parser_parse(&parser, &event)) {
        problem->line = LineOf(parser.problem_mark.line);
        problem->column = parser.problem_mark.column;
        std::string message = parser.problem != nullptr ? parser.problem : "invalid YAML";
        if (parser.context != nullptr) {
          message = fmt::format("{} {}", parser.context, message);
        }
        if (parser.error == YAML_READER_ERROR) ReaderErrorPlace(parser, problem, &message);
        problem->message = std::move(message);
        ok = false;
        break;
      }
      ok = Handle(event, problem);
      done = event.type == YAML_STREAM_END_EVENT;
      yaml_event_delete(&event);
      if (!ok) break;
    }
    yaml_parser_delete(&parser);
    return ok;
  }

 private:
  // libyaml counts lines from the start of its input; ours from the start of raw.
  std::size_t LineOf(std::size_t parser_line) const { return parser_line + body_lines_; }

  // libyaml's reader (control characters, invalid UTF-8) reports a byte offset
  // and the offending value, and leaves problem_mark at the start.
  void ReaderErrorPlace(const yaml_parser_t& parser, YamlProblem* problem, std::string* message) const {
    const std::size_t offset = std::min(parser.problem_offset, text_.size());
    const std::string_view before = text_.substr(0, offset);
    const std::size_t line_start = before.rfind('\n');
    problem->line = LineOf(static_cast<std::size_t>(std::count(before.begin(), before.end(), '\n')));
    problem->column = line_start == std::string_view::npos ? offset : offset - line_start - 1;
    if (parser.problem_value >= 0 && parser.problem_value <= 0xFF) {
      *message += fmt::format(" (byte 0x{:02X})", parser.problem_value);
    } else if (parser.problem_value > 0xFF) {
      *message += fmt::format(" (U+{:04X})", parser.problem_value);
    }
  }

  bool Fail(YamlProblem* problem, const yaml_mark_t& mark, std::string message) {
    problem->line = LineOf(mark.line);
    problem->column = mark.column;
    problem->message = std::move(message);
    return false;
  }

  bool Handle(const yaml_event_t& event, YamlProblem* problem) {
    switch (event.type) {
      case YAML_STREAM_START_EVENT:
      case YAML_STREAM_END_EVENT:
      case YAML_NO_EVENT:
        return true;
      case YAML_DOCUMENT_START_EVENT:
        if (++documents_ > 1) {
          return Fail(problem, event.start_mark,
                      "a second YAML document inside one; documents are separated by a line "
                      "holding only `---`");
        }
        return true;
      case YAML_DOCUMENT_END_EVENT:
        return true;
      case YAML_SCALAR_EVENT:
        return OnScalar(event, problem);
      case YAML_ALIAS_EVENT:
        return OnAlias(event, problem);
      case YAML_SEQUENCE_START_EVENT:
      case YAML_MAPPING_START_EVENT:
        return OnCollectionStart(event, problem);
      case YAML_SEQUENCE_END_EVENT:
      case YAML_MAPPING_END_EVENT:
        return OnCollectionEnd();
    }
    return true;
  }

  bool AtKey() const { return !frames_.empty() && frames_.back().is_mapping && frames_.back().expect_key; }

  FieldPath CurrentPath() const {
    FieldPath path;
    path.reserve(frames_.size());
    for (const Frame& frame : frames_) {
      path.push_back(frame.is_mapping ? PathElement::Key(frame.key) : PathElement::Index(frame.index));
    }
    return path;
  }

  void NodeDone() {
    if (frames_.empty()) return;
    Frame& parent = frames_.back();
    if (parent.is_mapping) {
      parent.expect_key = true;
    } else {
      ++parent.index;
    }
  }

  void CountNode() {
    ++outline_->node_count;
    ++expanded_;
  }

  bool HasNeedle(std::size_t begin, std::size_t end) const {
    auto it = std::lower_bound(needle_ends_.begin(), needle_ends_.end(),
                               std::pair<std::size_t, std::size_t>{begin, 0});
    return it != needle_ends_.end() && it->second <= end;
  }

  Scalar MakeScalar(const yaml_event_t& event, FieldPath path, bool is_key) const {
    Scalar scalar;
    scalar.path = std::move(path);
    scalar.value.assign(reinterpret_cast<const char*>(event.data.scalar.value), event.data.scalar.length);
    std::size_t begin = body_offset_ + chars_.Byte(event.start_mark.index);
    std::size_t end = body_offset_ + chars_.Byte(event.end_mark.index);
    scalar.offset = begin;
    scalar.length = end - begin;
    scalar.line = LineOf(event.start_mark.line);
    scalar.column = event.start_mark.column;
    scalar.style = StyleOf(event.data.scalar.style);
    scalar.is_key = is_key;
    return scalar;
  }

  void RecordAnchor(const unsigned char* anchor, std::size_t weight) {
    if (anchor != nullptr) anchors_[reinterpret_cast<const char*>(anchor)] = weight;
  }

  bool OnScalar(const yaml_event_t& event, YamlProblem* problem) {
    CountNode();
    RecordAnchor(event.data.scalar.anchor, 1);
    if (frames_.empty()) {
      outline_->shape = DocumentShape::kScalar;
      // A document holding only `~` or nothing is empty, like a comment-only one.
      std::string_view value(reinterpret_cast<const char*>(event.data.scalar.value), event.data.scalar.length);
      if (event.data.scalar.plain_implicit && (value.empty() || value == "~" || value == "null")) {
        outline_->shape = DocumentShape::kEmpty;
      }
      return true;
    }
    const bool interesting = !needle_ends_.empty() || options_.all_scalars;
    std::size_t begin = 0;
    std::size_t end = 0;
    if (interesting) {
      begin = body_offset_ + chars_.Byte(event.start_mark.index);
      end = body_offset_ + chars_.Byte(event.end_mark.index);
    }
    if (AtKey()) {
      Frame& frame = frames_.back();
      frame.key.assign(reinterpret_cast<const char*>(event.data.scalar.value), event.data.scalar.length);
      std::uint64_t hash = HashKey(frame.key);
      if (std::find(frame.key_hashes.begin(), frame.key_hashes.end(), hash) != frame.key_hashes.end()) {
        FieldPath path = CurrentPath();
        return Fail(problem, event.start_mark,
                    fmt::format("duplicate key `{}` in {}", frame.key,
                                path.size() > 1 ? FormatPath(FieldPath(path.begin(), path.end() - 1))
                                                : std::string("the top-level mapping")));
      }
      frame.key_hashes.push_back(hash);
      frame.expect_key = false;
      if (interesting) {
        bool hit = HasNeedle(begin, end);
        bool captured = options_.all_scalars && internal::UnderAny(frames_, options_.capture_under);
        if (hit || captured) {
          Scalar scalar = MakeScalar(event, CurrentPath(), /*is_key=*/true);
          if (hit) outline_->hits.push_back(scalar);
          if (captured) outline_->scalars.push_back(std::move(scalar));
        }
      }
      return true;
    }
    ReadHeaderField(event);
    if (interesting) {
      bool hit = HasNeedle(begin, end);
      bool captured = options_.all_scalars && internal::UnderAny(frames_, options_.capture_under);
      if (hit || captured) {
        Scalar scalar = MakeScalar(event, CurrentPath(), /*is_key=*/false);
        if (hit) outline_->hits.push_back(scalar);
        if (captured) outline_->scalars.push_back(std::move(scalar));
      }
    }
    NodeDone();
    return true;
  }

  void ReadHeaderField(const yaml_event_t& event) {
    std::string_view value(reinterpret_cast<const char*>(event.data.scalar.value), event.data.scalar.length);
    internal::CollectHeaderField(frames_, value, [&] { return MakeScalar(event, CurrentPath(), false); }, outline_);
  }

  bool OnAlias(const yaml_event_t& event, YamlProblem* problem) {
    if (AtKey()) {
      return Fail(problem, event.start_mark, "an alias used as a mapping key; Kubernetes objects need string keys");
    }
    ++outline_->node_count;
    std::string anchor = reinterpret_cast<const char*>(event.data.alias.anchor);
    auto it = anchors_.find(anchor);
    if (it == anchors_.end()) {
      return Fail(problem, event.start_mark, fmt::format("alias *{} refers to no anchor before it", anchor));
    }
    expanded_ += it->second;
    if (expanded_ > outline_->node_count + options_.max_alias_expansion) {
      return Fail(problem, event.start_mark,
                  fmt::format("aliases expand this document beyond {} extra nodes (a \"billion laughs\" "
                              "document?)",
                              options_.max_alias_expansion));
    }
    if (frames_.empty()) {
      outline_->shape = DocumentShape::kScalar;
      return true;
    }
    NodeDone();
    return true;
  }

  bool OnCollectionStart(const yaml_event_t& event, YamlProblem* problem) {
    const bool is_mapping = event.type == YAML_MAPPING_START_EVENT;
    if (AtKey()) {
      return Fail(problem, event.start_mark,
                  "a collection used as a mapping key; Kubernetes objects need string keys");
    }
    if (frames_.size() + 1 > options_.max_depth) {
      return Fail(problem, event.start_mark,
                  fmt::format("nesting deeper than {} levels", options_.max_depth));
    }
    if (frames_.empty()) {
      outline_->shape = is_mapping ? DocumentShape::kMapping : DocumentShape::kSequence;
    }
    const unsigned char* anchor = is_mapping ? event.data.mapping_start.anchor : event.data.sequence_start.anchor;
    Frame frame;
    frame.is_mapping = is_mapping;
    frame.expanded_at_start = expanded_;
    if (anchor != nullptr) frame.anchor = reinterpret_cast<const char*>(anchor);
    ++outline_->node_count;
    ++expanded_;
    if (is_mapping) {
      frame.span = internal::SpanAt(frames_, outline_);
      if (frame.span != nullptr) {
        frame.span->present = true;
        frame.span->flow = event.data.mapping_start.style == YAML_FLOW_MAPPING_STYLE;
        frame.span->offset = body_offset_ + chars_.Byte(event.start_mark.index);
        frame.span->column = event.start_mark.column;
      }
    }
    frames_.push_back(std::move(frame));
    outline_->max_depth = std::max(outline_->max_depth, frames_.size());
    return true;
  }

  bool OnCollectionEnd() {
    if (frames_.empty()) return true;
    Frame frame = std::move(frames_.back());
    frames_.pop_back();
    if (frame.span != nullptr && frame.key_hashes.empty()) frame.span->empty = true;
    if (!frame.anchor.empty()) anchors_[frame.anchor] = expanded_ - frame.expanded_at_start;
    NodeDone();
    return true;
  }

  std::string_view raw_;
  std::size_t body_offset_;
  std::string_view text_;
  std::size_t body_lines_ = 0;
  CharToByte chars_;
  const OutlineOptions& options_;
  Outline* outline_;
  std::vector<std::pair<std::size_t, std::size_t>> needle_ends_;  // (begin, end) of each occurrence
  std::vector<Frame> frames_;
  std::unordered_map<std::string, std::size_t> anchors_;
  std::size_t expanded_ = 0;
  int documents_ = 0;
};

}  // namespace

bool BuildOutline(std::string_view raw, std::size_t body_offset, const OutlineOptions& options,
                  Outline* outline, YamlProblem* problem) {
  if (options.allow_fast_path) {
    std::string why;
    if (TryFastOutline(raw, body_offset, options, outline, &why)) return true;
  }
  return BuildOutlineWithLibyaml(raw, body_offset, options, outline, problem);
}

bool BuildOutlineWithLibyaml(std::string_view raw, std::size_t body_offset, const OutlineOptions& options,
                             Outline* outline, YamlProblem* problem) {
  *outline = Outline{};
  OutlineBuilder builder(raw, body_offset, options, outline);
  return builder.Run(problem);
}

}  // namespace dotk8s
