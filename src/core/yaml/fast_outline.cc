// The fast outline reader: a line scanner for the block YAML that Helm emits.
//
// libyaml reads about 120 MB/s; a post-renderer that reads every byte with it
// costs more than helm's own rendering. Kubernetes manifests use a small part
// of YAML: block mappings and sequences, one-line scalars, literal blocks, a
// few one-line flow sequences and `{}`. This scanner reads exactly that part,
// checking it as strictly as libyaml would, and gives up on anything else
// (flow mappings, anchors, tags, multi-line plain scalars, tabs, non-ASCII,
// duplicate keys, anything malformed): libyaml then reads the document and
// reports its errors. tests/fast_outline_test.cc holds it to libyaml's result
// on every fixture document, tests/fast_outline_grammar_test.cc on thousands of
// generated block and flow documents, and fuzz/ compares the two on mutated input.

#include <algorithm>
#ifdef __SSE2__
#include <emmintrin.h>
#endif
#include <array>
#include <cstring>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/yaml/byte_search.h"
#include "core/yaml/outline.h"
#include "core/yaml/outline_header.h"

namespace dotk8s {

namespace {

struct FastFrame {
  bool is_mapping = false;
  std::size_t indent = 0;
  std::string_view key;      // mappings: the current key, in the raw text (keys have no escapes here)
  std::size_t index = 0;     // sequences: the current item
  bool has_item = false;
  std::size_t first_hash = 0;  // where its keys' hashes start in FastScanner::key_hashes_
  MappingSpan* span = nullptr;
};

// Per byte: what the scanners must stop at. Kept in a table so the hot loops
// test one load per byte.
enum : unsigned char { kPlainStop = 1 };

constexpr std::array<unsigned char, 256> MakeByteClasses() {
  std::array<unsigned char, 256> classes{};
  for (int c = 0; c < 256; ++c) {
    unsigned char cls = 0;
    if (c == ':' || c == '#' || c == '\t') cls |= kPlainStop;
    classes[static_cast<std::size_t>(c)] = cls;
  }
  return classes;
}

constexpr std::array<unsigned char, 256> kByteClasses = MakeByteClasses();

// Checks every byte of `text` at once, before the line scan: printable ASCII,
// tab, LF and CR only. Sets `has_cr` if a CR occurs (the line scan then makes
// sure each one ends a line).
bool AllBytesPlain(std::string_view text, bool* has_cr) {
  const char* data = text.data();
  const std::size_t size = text.size();
  std::size_t i = 0;
  bool cr = false;
#ifdef __SSE2__
  const __m128i space = _mm_set1_epi8(0x20);
  const __m128i del = _mm_set1_epi8(0x7f);
  const __m128i lf = _mm_set1_epi8('\n');
  const __m128i tab = _mm_set1_epi8('\t');
  const __m128i ret = _mm_set1_epi8('\r');
  for (; i + 16 <= size; i += 16) {
    const __m128i bytes = _mm_loadu_si128(reinterpret_cast<const __m128i*>(data + i));
    // Signed compare: bytes >= 0x80 are negative, so "below space" catches them too.
    const __m128i low = _mm_cmplt_epi8(bytes, space);
    const __m128i allowed = _mm_or_si128(_mm_cmpeq_epi8(bytes, lf), _mm_cmpeq_epi8(bytes, tab));
    const __m128i is_cr = _mm_cmpeq_epi8(bytes, ret);
    const __m128i bad = _mm_or_si128(_mm_andnot_si128(_mm_or_si128(allowed, is_cr), low), _mm_cmpeq_epi8(bytes, del));
    if (_mm_movemask_epi8(bad) != 0) return false;
    cr = cr || _mm_movemask_epi8(is_cr) != 0;
  }
#endif
  for (; i < size; ++i) {
    const unsigned char c = static_cast<unsigned char>(data[i]);
    if (c >= 0x20 && c < 0x7f) continue;
    if (c == '\n' || c == '\t') continue;
    if (c == '\r') {
      cr = true;
      continue;
    }
    return false;
  }
  *has_cr = cr;
  return true;
}

// The first position in [at, end) holding ':', '#' or a tab, or `end`.
std::size_t FindPlainStop(const char* data, std::size_t at, std::size_t end) {
#ifdef __SSE2__
  const __m128i colon = _mm_set1_epi8(':');
  const __m128i hash = _mm_set1_epi8('#');
  const __m128i tab = _mm_set1_epi8('\t');
  for (; at + 16 <= end; at += 16) {
    const __m128i bytes = _mm_loadu_si128(reinterpret_cast<const __m128i*>(data + at));
    const __m128i hit = _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(bytes, colon), _mm_cmpeq_epi8(bytes, hash)),
                                     _mm_cmpeq_epi8(bytes, tab));
    const int mask = _mm_movemask_epi8(hit);
    if (mask != 0) return at + static_cast<std::size_t>(__builtin_ctz(static_cast<unsigned>(mask)));
  }
#endif
  for (; at < end; ++at) {
    if (kByteClasses[static_cast<unsigned char>(data[at])] & kPlainStop) return at;
  }
  return end;
}

// The escapes libyaml takes after a backslash in a double-quoted scalar that
// need no digits. Anything else goes to libyaml: \x, \u and \U with their
// digits, and unknown escapes, which libyaml rejects ("found unknown escape
// character"): the scanner must not accept what libyaml refuses.
bool IsSimpleEscape(char c) {
  switch (c) {
    case '0': case 'a': case 'b': case 't': case '\t': case 'n': case 'v': case 'f': case 'r': case 'e':
    case ' ': case '"': case '\\': case 'N': case '_': case 'L': case 'P':
      return true;
    default:
      return false;
  }
}

// The first '\n' in [at, end), or end. Inline: lines are short, and a
// library call per line costs more than the search.
std::size_t FindNewline(const char* data, std::size_t at, std::size_t end) {
#ifdef __SSE2__
  const __m128i lf = _mm_set1_epi8('\n');
  for (; at + 16 <= end; at += 16) {
    const __m128i bytes = _mm_loadu_si128(reinterpret_cast<const __m128i*>(data + at));
    const int mask = _mm_movemask_epi8(_mm_cmpeq_epi8(bytes, lf));
    if (mask != 0) return at + static_cast<std::size_t>(__builtin_ctz(static_cast<unsigned>(mask)));
  }
#endif
  for (; at < end; ++at) {
    if (data[at] == '\n') return at;
  }
  return end;
}

// A cheap hash of a key: its length and first and last eight bytes. Two keys
// with the same hash only send the document to libyaml, which decides; so a
// collision costs time, never a wrong answer.
std::uint64_t HashKey(std::string_view key) {
  std::uint64_t head = 0;
  std::uint64_t tail = 0;
  const std::size_t n = key.size();
  std::memcpy(&head, key.data(), std::min<std::size_t>(n, 8));
  if (n > 8) std::memcpy(&tail, key.data() + n - std::min<std::size_t>(n - 8, 8), std::min<std::size_t>(n - 8, 8));
  std::uint64_t hash = (head * 0x9E3779B97F4A7C15ull) ^ (tail + 0x632BE59BD9B4E019ull + (head << 6) + (head >> 2));
  return hash ^ (n * 0xC2B2AE3D27D4EB4Full);
}

// Characters that may not start a plain scalar in block context (when
// followed by a space for - ? :, always for the others).
bool IsIndicator(char c) {
  switch (c) {
    case '[': case ']': case '{': case '}': case ',': case '#': case '&': case '*': case '!':
    case '|': case '>': case '\'': case '"': case '%': case '@': case '`':
      return true;
    default:
      return false;
  }
}

class FastScanner {
 public:
  FastScanner(std::string_view raw, std::size_t body_offset, const OutlineOptions& options, Outline* outline)
      : raw_(raw),
        pos_(body_offset),
        max_depth_(options.max_depth),
        all_scalars_(options.all_scalars),
        capture_under_(options.capture_under),
        outline_(outline) {
    for (const std::string& needle : options.needles) {
      if (needle.empty()) continue;
      for (std::size_t begin = FindBytes(raw, needle); begin != std::string_view::npos;
           begin = FindBytes(raw, needle, begin + 1)) {
        needles_.emplace_back(begin, begin + needle.size());
      }
    }
    std::sort(needles_.begin(), needles_.end());
  }

  bool Run(std::string* why) {
    why_ = why;
    frames_.reserve(16);  // Kubernetes objects rarely nest deeper; saves the regrowth
    if (!AllBytesPlain(raw_.substr(pos_), &has_cr_)) return Defer("a byte outside printable ASCII");
    bool started = false;
    while (pos_ < raw_.size()) {
      if (!NextLine()) return false;
      if (content_ == line_end_) continue;  // blank line
      const char first = raw_[content_];
      if (first == '#') continue;           // comment line
      if (indent_ == 0 && Starts("---")) {
        if (started || !MarkerOnly(content_ + 3)) return Defer("document marker with content");
        continue;
      }
      if (indent_ == 0 && (Starts("...") || first == '%')) return Defer("document end or directive");
      started = true;
      if (!Line()) return false;
    }
    if (pending_ != Pending::kNone && !NullValue()) return false;
    while (!frames_.empty()) Pop();
    return true;
  }

 private:
  enum class Pending { kNone, kAfterKey, kAfterDash };

  bool Defer(const char* reason) {
    *why_ = reason;
    return false;
  }

  bool Starts(std::string_view prefix) const { return raw_.substr(content_, prefix.size()) == prefix; }

  // Only blanks or a comment from `at` to the end of the line.
  bool MarkerOnly(std::size_t at) const {
    if (at >= line_end_) return true;
    if (raw_[at] != ' ') return false;
    while (at < line_end_ && raw_[at] == ' ') ++at;
    return at == line_end_ || raw_[at] == '#';
  }

  // Reads the next line into line_start_/line_end_/indent_/content_, checking
  // its bytes: printable ASCII and tabs only, CR only before LF.
  bool NextLine() {
    line_start_ = pos_;
    const char* data = raw_.data();
    const std::size_t end = raw_.size();
    const std::size_t eol = FindNewline(data, pos_, end);
    if (has_cr_) {
      // A CR is a line break of its own to YAML; here it may only end a line.
      const void* cr = std::memchr(data + pos_, '\r', eol - pos_);
      if (cr != nullptr && (static_cast<const char*>(cr) != data + eol - 1 || eol == end)) {
        return Defer("a CR that does not end a line");
      }
    }
    line_end_ = eol;
    pos_ = eol < end ? eol + 1 : end;
    if (line_end_ > line_start_ && data[line_end_ - 1] == '\r') --line_end_;
    if (!first_line_) ++line_number_;
    first_line_ = false;
    std::size_t c = line_start_;
    constexpr std::uint64_t kSpaces = 0x2020202020202020ull;
    for (std::uint64_t word; c + 8 <= line_end_; c += 8) {
      std::memcpy(&word, data + c, 8);
      if (word != kSpaces) break;
    }
    while (c < line_end_ && data[c] == ' ') ++c;
    indent_ = c - line_start_;
    content_ = c;
    if (c < line_end_ && data[c] == '\t') {
      // A tab where indentation goes: allowed only on otherwise blank lines,
      // which libyaml handles with rules we do not repeat here.
      return Defer("a tab in indentation");
    }
    return true;
  }

  std::size_t Column(std::size_t at) const { return at - line_start_; }

  // A key or item without a value reads as null; a header field that is null
  // needs libyaml's exact marks, so those go to libyaml.
  bool NullValue() {
    pending_ = Pending::kNone;
    if (Wanted()) return Defer("a wanted scalar with no value");
    return true;
  }

  // True if the value at the current position must be decoded: a header field,
  // or every scalar when all were asked for.
  bool Wanted() const { return Captured() || internal::IsHeaderPosition(frames_); }

  // True if every scalar is wanted here (all_scalars, within capture_under).
  bool Captured() const { return all_scalars_ && internal::UnderAny(frames_, capture_under_); }

  // True if a needle lies within the raw bytes [begin, end).
  bool HitIn(std::size_t begin, std::size_t end) const {
    if (needles_.empty()) return false;
    auto it = std::lower_bound(needles_.begin(), needles_.end(), std::pair<std::size_t, std::size_t>{begin, 0});
    return it != needles_.end() && it->second <= end;
  }

  bool Wanted(std::size_t begin, std::size_t end) const { return Wanted() || HitIn(begin, end); }

  bool Push(bool is_mapping, std::size_t indent, std::size_t first_offset) {
    if (frames_.size() + 1 > max_depth_) return Defer("nesting too deep");
    FastFrame frame;
    frame.is_mapping = is_mapping;
    frame.indent = indent;
    frame.first_hash = key_hashes_.size();
    if (is_mapping) {
      frame.span = internal::SpanAt(frames_, outline_);
      if (frame.span != nullptr) {
        frame.span->present = true;
        frame.span->flow = false;
        frame.span->offset = first_offset;
        frame.span->column = indent;
      }
    }
    if (frames_.empty()) outline_->shape = is_mapping ? DocumentShape::kMapping : DocumentShape::kSequence;
    frames_.push_back(std::move(frame));
    outline_->max_depth = std::max(outline_->max_depth, frames_.size());
    return true;
  }

  void Pop() {
    key_hashes_.resize(frames_.back().first_hash);
    frames_.pop_back();
  }

  // A `-` that starts a sequence entry: followed by a space or the line's end.
  bool IsDash(std::size_t at) const {
    return at < line_end_ && raw_[at] == '-' && (at + 1 == line_end_ || raw_[at + 1] == ' ');
  }

  bool Line() {
    const bool dash = IsDash(content_);
    if (pending_ != Pending::kNone) {
      const std::size_t parent = pending_indent_;
      const Pending pending = pending_;
      pending_ = Pending::kNone;
      if (indent_ > parent || (pending == Pending::kAfterKey && indent_ == parent && dash)) {
        if (dash || LooksLikeKey(content_)) {
          if (!Push(!dash, indent_, content_)) return false;
          return dash ? SequenceEntry(content_) : MappingEntry(content_);
        }
        // `key:` with its scalar or flow value on the next line.
        return Value(content_, parent);
      }
      // `key:` or `-` with nothing: a null value. The line belongs further out.
      if (!NullValue()) return false;
    }
    if (frames_.empty()) {
      if (root_seen_) return Defer("content after the document's root node");
      root_seen_ = true;
      if (!dash && !LooksLikeKey(content_)) return Defer("a document that is a single scalar");
      if (!Push(!dash, indent_, content_)) return false;
      return dash ? SequenceEntry(content_) : MappingEntry(content_);
    }
    while (!frames_.empty() && frames_.back().indent > indent_) Pop();
    if (frames_.empty()) return Defer("a line less indented than the root node");
    if (frames_.back().indent < indent_) return Defer("a continuation line (multi-line plain scalar?)");
    if (!frames_.back().is_mapping && !dash) {
      // `key:\n- a\nnext: b`: the sequence sat at its key's indentation and ended.
      Pop();
      if (frames_.empty() || !frames_.back().is_mapping || frames_.back().indent != indent_) {
        return Defer("a mapping key where a sequence entry belongs");
      }
    }
    if (frames_.back().is_mapping) {
      if (dash) return Defer("a sequence entry where a mapping key belongs");
      return MappingEntry(content_);
    }
    return SequenceEntry(content_);
  }

  bool SequenceEntry(std::size_t at) {
    FastFrame& frame = frames_.back();
    frame.index = frame.has_item ? frame.index + 1 : 0;
    frame.has_item = true;
    std::size_t r = at + 1;
    while (r < line_end_ && raw_[r] == ' ') ++r;
    if (r == line_end_ || raw_[r] == '#') {
      if (r < line_end_ && raw_[r - 1] != ' ') return Defer("comment without a space");
      pending_ = Pending::kAfterDash;
      pending_indent_ = frame.indent;
      return true;
    }
    if (IsDash(r)) {
      if (!Push(false, Column(r), r)) return false;
      return SequenceEntry(r);
    }
    if (LooksLikeKey(r)) {
      if (!Push(true, Column(r), r)) return false;
      return MappingEntry(r);
    }
    return Value(r, frame.indent);
  }

  // True if a plain or quoted key followed by `:` starts at `at`.
  bool LooksLikeKey(std::size_t at) const {
    const char c = raw_[at];
    if (c == '"' || c == '\'') {
      std::size_t close = raw_.find(c, at + 1);
      return close != std::string_view::npos && close + 1 < line_end_ && raw_[close + 1] == ':';
    }
    return PlainKeyEnd(at) != std::string_view::npos;
  }

  // The position of the `:` ending a plain key at `at`, or npos. Remembers
  // its last answer: a line is often asked twice (is it a key? read the key).
  std::size_t PlainKeyEnd(std::size_t at) const {
    if (at == key_probe_at_) return key_probe_colon_;
    key_probe_at_ = at;
    key_probe_colon_ = std::string_view::npos;
    const char c = raw_[at];
    if (IsIndicator(c)) return key_probe_colon_;
    if ((c == '-' || c == '?' || c == ':') && (at + 1 == line_end_ || raw_[at + 1] == ' ')) return key_probe_colon_;
    for (std::size_t i = at; (i = FindPlainStop(raw_.data(), i, line_end_)) < line_end_; ++i) {
      const char ch = raw_[i];
      if (ch == ':' && (i + 1 == line_end_ || raw_[i + 1] == ' ')) return key_probe_colon_ = i;
      if (ch == '#' && i > at && raw_[i - 1] == ' ') return key_probe_colon_;
      if (ch == '\t') return key_probe_colon_;  // tabs in keys: libyaml decides
    }
    return key_probe_colon_;
  }

  bool MappingEntry(std::size_t at) {
    FastFrame& frame = frames_.back();
    std::size_t colon = 0;
    std::string_view key;
    const char c = raw_[at];
    if (c == '"' || c == '\'') {
      std::size_t close = raw_.find(c, at + 1);
      if (close == std::string_view::npos || close >= line_end_ || close + 1 >= line_end_ || raw_[close + 1] != ':') {
        return Defer("an unusual quoted key");
      }
      key = raw_.substr(at + 1, close - at - 1);
      if (key.find_first_of(c == '"' ? "\\\"" : "'") != std::string_view::npos) return Defer("an escape in a key");
      colon = close + 1;
      if (colon + 1 < line_end_ && raw_[colon + 1] != ' ') return Defer("a key not followed by a space");
    } else {
      colon = PlainKeyEnd(at);
      if (colon == std::string_view::npos) return Defer("a line that is not `key: value`");
      std::size_t key_end = colon;
      while (key_end > at && raw_[key_end - 1] == ' ') --key_end;
      key = raw_.substr(at, key_end - at);
      if (key == "<<") return Defer("a merge key");
    }
    // YAML limits an implicit key to 1024 characters; libyaml rejects a longer one.
    if (colon - at >= 1024) return Defer("a key of 1024 characters or more");
    // The frames form a stack, so each mapping's key hashes sit together at
    // the end of one vector.
    const std::uint64_t hash = HashKey(key);
    const auto first = key_hashes_.begin() + static_cast<std::ptrdiff_t>(frame.first_hash);
    if (std::find(first, key_hashes_.end(), hash) != key_hashes_.end()) return Defer("a duplicate key");
    key_hashes_.push_back(hash);
    frame.key = key;
    const bool quoted = c == '"' || c == '\'';
    const std::size_t key_length = quoted ? key.size() + 2 : key.size();
    if (Captured() || HitIn(at, at + key_length)) {
      Record(key, at, key_length, line_number_, Column(at),
             c == '"' ? ScalarStyle::kDoubleQuoted : (c == '\'' ? ScalarStyle::kSingleQuoted : ScalarStyle::kPlain),
             nullptr, /*is_key=*/true);
    }
    std::size_t v = colon + 1;
    while (v < line_end_ && raw_[v] == ' ') ++v;
    if (v == line_end_ || raw_[v] == '#') {
      if (v < line_end_ && v == colon + 1) return Defer("comment without a space");
      pending_ = Pending::kAfterKey;
      pending_indent_ = frame.indent;
      return true;
    }
    return Value(v, frame.indent);
  }

  // Records a scalar at the current position (plus `item`, for an entry of a
  // flow sequence): as a header field if it is one, and in the list of all
  // scalars when those were asked for.
  void Record(std::string_view value, std::size_t offset, std::size_t length, std::size_t line, std::size_t column,
              ScalarStyle style, const PathElement* item = nullptr, bool is_key = false) {
    auto make = [&] {
      Scalar scalar;
      scalar.value = std::string(value);
      scalar.offset = offset;
      scalar.length = length;
      scalar.line = line;
      scalar.column = column;
      scalar.style = style;
      scalar.is_key = is_key;
      scalar.path = CurrentPath();
      if (item != nullptr) scalar.path.push_back(*item);
      return scalar;
    };
    if (item == nullptr && !is_key) internal::CollectHeaderField(frames_, value, make, outline_);
    if (HitIn(offset, offset + length)) outline_->hits.push_back(make());
    if (Captured()) outline_->scalars.push_back(make());
  }

  FieldPath CurrentPath() const {
    FieldPath path;
    path.reserve(frames_.size() + flow_path_.size());
    for (const FastFrame& frame : frames_) {
      path.push_back(frame.is_mapping ? PathElement::Key(std::string(frame.key)) : PathElement::Index(frame.index));
    }
    return path;
  }

  // After a scalar or flow value ending at `at`: only blanks or a comment.
  bool RestOfLine(std::size_t at) {
    if (at == line_end_) return true;
    if (raw_[at] != ' ') return Defer("text after a value");
    while (at < line_end_ && raw_[at] == ' ') ++at;
    if (at == line_end_ || raw_[at] == '#') return true;
    return Defer("text after a value");
  }

  // A value for the current position, starting at `at`; `parent_indent` is the
  // indentation of the collection holding it.
  bool Value(std::size_t at, std::size_t parent_indent) {
    const char c = raw_[at];
    const std::size_t line = line_number_;
    const std::size_t column = Column(at);
    switch (c) {
      case '"':
      case '\'':
        return Quoted(at);
      case '|':
      case '>':
        return Block(at, parent_indent);
      case '[':
      case '{':
        return Flow(at);
      default:
        break;
    }
    if (IsIndicator(c)) return Defer("an anchor, alias, tag or reserved indicator");
    if ((c == '-' || c == '?' || c == ':') && (at + 1 == line_end_ || raw_[at + 1] == ' ')) {
      return Defer("an indicator where a value belongs");
    }
    std::size_t end = at;
    std::size_t last = at;  // one past the last non-blank character
    for (; (end = FindPlainStop(raw_.data(), end, line_end_)) < line_end_; ++end) {
      const char ch = raw_[end];
      if (ch == ':' && (end + 1 == line_end_ || raw_[end + 1] == ' ')) return Defer("`: ` inside a plain value");
      if (ch == '#' && raw_[end - 1] == ' ') break;
      if (ch == '\t') return Defer("a tab in a plain value");
    }
    last = end;
    while (last > at && raw_[last - 1] == ' ') --last;
    const bool comment = end < line_end_;
    const std::size_t line_end = line_end_;
    if (!comment && !PlainContinuation(parent_indent)) return false;
    if (Wanted(at, line_end_ != line_end ? line_end_ : last)) {
      if (line_end_ != line_end) return Defer("a wanted multi-line plain scalar");
      Record(raw_.substr(at, last - at), at, last - at, line, column, ScalarStyle::kPlain);
    }
    return true;
  }

  // Consumes the lines that continue a plain scalar: blank lines and lines
  // indented past `parent_indent`, up to the next line that is neither.
  bool PlainContinuation(std::size_t parent_indent) {
    // Where a look-ahead past blank lines found the next continuation line: the
    // blank lines before it need no look-ahead of their own (one per blank line
    // made a long run of them quadratic: 80,000 took two minutes).
    std::size_t continuation_at = 0;
    while (pos_ < raw_.size()) {
      const std::size_t save_pos = pos_;
      const std::size_t save_line = line_number_;
      const std::size_t save_start = line_start_;
      const std::size_t save_end = line_end_;
      if (!NextLine()) return false;
      const bool blank = content_ == line_end_;
      if (!blank && (indent_ <= parent_indent || raw_[content_] == '#')) {
        // Not ours: the next line (or a comment ending the scalar).
        pos_ = save_pos;
        line_number_ = save_line;
        line_start_ = save_start;
        line_end_ = save_end;
        return true;
      }
      if (blank) {
        // A blank line continues the scalar only if a continuation follows;
        // look ahead without consuming.
        if (pos_ <= continuation_at) continue;
        std::size_t probe = pos_;
        bool continues = false;
        while (probe < raw_.size()) {
          std::size_t eol = raw_.find('\n', probe);
          std::string_view next = raw_.substr(probe, (eol == std::string_view::npos ? raw_.size() : eol) - probe);
          std::size_t first = next.find_first_not_of(' ');
          if (first == std::string_view::npos || (next[first] == '\r' && first + 1 == next.size())) {
            if (eol == std::string_view::npos) break;
            probe = eol + 1;
            continue;
          }
          continues = first > parent_indent && next[first] != '#';
          break;
        }
        if (!continues) {
          pos_ = save_pos;
          line_number_ = save_line;
          line_start_ = save_start;
          line_end_ = save_end;
          return true;
        }
        continuation_at = probe;
        continue;
      }
      if (indent_ == 0) return Defer("a document marker in a plain scalar");
      const char c = raw_[content_];
      if (IsIndicator(c) || ((c == '-' || c == '?' || c == ':') && (content_ + 1 == line_end_ || raw_[content_ + 1] == ' '))) {
        return Defer("an indicator starting a continuation line");
      }
      for (std::size_t i = content_; i < line_end_; ++i) {
        const char ch = raw_[i];
        if (ch == ':' && (i + 1 == line_end_ || raw_[i + 1] == ' ')) return Defer("`: ` in a continuation line");
        if (ch == '#' && raw_[i - 1] == ' ') return Defer("a comment after a multi-line plain scalar");
        if (ch == '\t') return Defer("a tab in a continuation line");
      }
    }
    return true;
  }

  // A quoted scalar, possibly over several lines.
  bool Quoted(std::size_t at) {
    const char quote = raw_[at];
    const std::size_t line = line_number_;
    const std::size_t column = Column(at);
    std::size_t i = at + 1;
    bool multi_line = false;
    bool escapes = false;
    while (true) {
      if (i >= line_end_) {
        // The scalar goes on: the next line must be more indented than the
        // collection holding it, and no document marker.
        multi_line = true;
        if (pos_ >= raw_.size()) return Defer("an unterminated quoted scalar");
        if (!NextLine()) return false;
        // libyaml, our reference, does not hold continuation lines to any indentation.
        if (indent_ == 0 && (Starts("---") || Starts("..."))) return Defer("a document marker inside a quoted scalar");
        i = content_;
        continue;
      }
      const char ch = raw_[i];
      if (quote == '\'' && ch == '\'') {
        if (i + 1 < line_end_ && raw_[i + 1] == '\'') {
          escapes = true;
          i += 2;
          continue;
        }
        break;
      }
      if (quote == '"' && ch == '\\') {
        escapes = true;
        if (i + 1 >= line_end_) return Defer("an escaped line break");
        if (!IsSimpleEscape(raw_[i + 1])) return Defer("an escape with digits, or one libyaml rejects");
        i += 2;
        continue;
      }
      if (quote == '"' && ch == '"') break;
      ++i;
    }
    const std::size_t end = i + 1;
    if (!RestOfLine(end)) return false;
    if (Wanted(at, end)) {
      if (multi_line || escapes) {
        if (multi_line || quote == '"') return Defer("a wanted scalar needing unescaping");
        std::string value;
        for (std::size_t k = at + 1; k < i; ++k) {
          value += raw_[k];
          if (raw_[k] == '\'') ++k;
        }
        Record(value, at, end - at, line, column, ScalarStyle::kSingleQuoted);
        return true;
      }
      Record(raw_.substr(at + 1, i - at - 1), at, end - at, line, column,
             quote == '"' ? ScalarStyle::kDoubleQuoted : ScalarStyle::kSingleQuoted);
    }
    return true;
  }

  // A literal or folded block scalar: the header, then every following line
  // that is blank or indented past `parent_indent`.
  bool Block(std::size_t at, std::size_t parent_indent) {
    const char style = raw_[at];
    const std::size_t line = line_number_;
    const std::size_t column = Column(at);
    std::size_t h = at + 1;
    char chomp = 0;
    if (h < line_end_ && (raw_[h] == '-' || raw_[h] == '+')) chomp = raw_[h++];
    if (h < line_end_ && raw_[h] >= '0' && raw_[h] <= '9') return Defer("an indentation indicator");
    if (!RestOfLine(h)) return false;
    if (h < line_end_ && raw_[h] != ' ') return Defer("a block scalar header");

    // With needles the block's range is known only at its end: decode it anyway.
    const bool needed = Wanted() || !needles_.empty();
    std::string value;
    std::size_t content_indent = 0;
    std::size_t leading_blank_max = 0;
    std::size_t trailing_breaks = 0;
    bool any_content = false;
    bool last_broken = false;
    std::size_t end = pos_;
    while (pos_ < raw_.size()) {
      const std::size_t save_pos = pos_;
      const std::size_t save_line = line_number_;
      if (!NextLine()) return false;
      const bool blank = content_ == line_end_;
      // The input's last line may lack its line break; then it adds none to the value.
      const bool broken = raw_[pos_ - 1] == '\n';
      if (!blank && content_indent == 0) {
        if (indent_ <= parent_indent) {
          pos_ = save_pos;
          line_number_ = save_line;
          break;
        }
        if (leading_blank_max > indent_) return Defer("leading blank lines deeper than the block's content");
        content_indent = indent_;
      } else if (!blank && indent_ < content_indent) {
        pos_ = save_pos;
        line_number_ = save_line;
        break;
      } else if (blank && content_indent == 0) {
        leading_blank_max = std::max(leading_blank_max, indent_);
      }
      if (indent_ == 0 && !blank && (Starts("---") || Starts("..."))) return Defer("a document marker in a block scalar");
      end = pos_;
      if (!needed) continue;
      if (blank) {
        if (content_indent > 0 && line_end_ - line_start_ > content_indent) return Defer("spaces on a blank line of a wanted block");
        if (broken) ++trailing_breaks;
        continue;
      }
      if (any_content) value += '\n';
      value.append(trailing_breaks, '\n');
      trailing_breaks = 0;
      value.append(raw_.substr(line_start_ + content_indent, line_end_ - line_start_ - content_indent));
      any_content = true;
      last_broken = broken;
    }
    if (needed && Wanted(at, end)) {
      if (style == '>') return Defer("a wanted folded scalar");
      if (chomp == '+') {
        if (any_content && last_broken) value += '\n';
        value.append(trailing_breaks, '\n');
      } else if (chomp != '-' && any_content && last_broken) {
        value += '\n';
      }
      Record(value, at, end - at, line, column, style == '|' ? ScalarStyle::kLiteral : ScalarStyle::kFolded);
    }
    return true;
  }

  // A flow collection on one line (`{}`, `[a, "b"]`, `{key: x, values: [y]}`),
  // nested as deep as the depth limit allows. Anything else in flow style
  // (several lines, `?` or `:` as indicators, anchors, a key without a value)
  // goes to libyaml.
  bool Flow(std::size_t at) {
    if ((internal::IsHeaderPosition(frames_) || MayHoldHeaderFields()) && raw_.substr(at, 2) != "{}") {
      return Defer("a non-empty flow collection where header fields may be");
    }
    if (raw_.substr(at, 2) == "{}") {
      // The common empty mapping, possibly metadata.labels/annotations.
      MappingSpan* span = internal::SpanAt(frames_, outline_);
      if (span != nullptr) {
        span->present = true;
        span->flow = true;
        span->empty = true;
        span->offset = at;
        span->column = Column(at);
      }
    }
    flow_path_.clear();
    std::size_t end = at;
    if (!FlowNode(at, frames_.size() + 1, &end)) return false;
    return RestOfLine(end);
  }

  // True at metadata, metadata.labels, metadata.annotations, spec and
  // spec.names: a collection there may hold header fields.
  bool MayHoldHeaderFields() const {
    if (frames_.empty() || !frames_[0].is_mapping) return false;
    const std::string_view top = frames_[0].key;
    if (frames_.size() == 1) return top == "metadata" || top == "spec";
    if (frames_.size() == 2 && frames_[1].is_mapping) {
      const std::string_view second = frames_[1].key;
      return (top == "metadata" && (second == "labels" || second == "annotations")) || (top == "spec" && second == "names");
    }
    return false;
  }

  void SkipFlowBlanks(std::size_t& i) const {
    while (i < line_end_ && raw_[i] == ' ') ++i;
  }

  // One flow node at `i`, `depth` levels deep; sets `end` past it.
  bool FlowNode(std::size_t i, std::size_t depth, std::size_t* end) {
    if (i >= line_end_) return Defer("a flow collection over several lines");
    const char c = raw_[i];
    if (c == '[' || c == '{') {
      if (depth > max_depth_) return Defer("nesting too deep");
      outline_->max_depth = std::max(outline_->max_depth, depth);
      return c == '[' ? FlowSequence(i, depth, end) : FlowMapping(i, depth, end);
    }
    return FlowScalar(i, /*is_key=*/false, end);
  }

  bool FlowSequence(std::size_t i, std::size_t depth, std::size_t* end) {
    ++i;
    std::size_t index = 0;
    while (true) {
      SkipFlowBlanks(i);
      if (i >= line_end_) return Defer("a flow collection over several lines");
      if (raw_[i] == ']') {
        *end = i + 1;
        return true;
      }
      flow_path_.push_back(PathElement::Index(index++));
      std::size_t item_end = i;
      if (!FlowNode(i, depth + 1, &item_end)) return false;
      flow_path_.pop_back();
      i = item_end;
      SkipFlowBlanks(i);
      if (i < line_end_ && raw_[i] == ',') {
        ++i;
        continue;
      }
      if (i < line_end_ && raw_[i] == ']') continue;
      return Defer("flow entries without a comma");
    }
  }

  bool FlowMapping(std::size_t i, std::size_t depth, std::size_t* end) {
    ++i;
    std::vector<std::string_view> keys;
    while (true) {
      SkipFlowBlanks(i);
      if (i >= line_end_) return Defer("a flow collection over several lines");
      if (raw_[i] == '}') {
        *end = i + 1;
        return true;
      }
      std::size_t key_end = i;
      flow_key_ = {};
      if (!FlowScalar(i, /*is_key=*/true, &key_end)) return false;
      if (std::find(keys.begin(), keys.end(), flow_key_) != keys.end()) return Defer("a duplicate flow key");
      keys.push_back(flow_key_);
      i = key_end;
      SkipFlowBlanks(i);
      if (i >= line_end_ || raw_[i] != ':') return Defer("a flow key without a value");
      ++i;
      if (i < line_end_ && raw_[i] != ' ') return Defer("a flow value without a space");
      SkipFlowBlanks(i);
      if (i < line_end_ && (raw_[i] == ',' || raw_[i] == '}')) return Defer("a flow key without a value");
      flow_path_.push_back(PathElement::Key(std::string(keys.back())));
      std::size_t value_end = i;
      if (!FlowNode(i, depth + 1, &value_end)) return false;
      flow_path_.pop_back();
      i = value_end;
      SkipFlowBlanks(i);
      if (i < line_end_ && raw_[i] == ',') {
        ++i;
        continue;
      }
      if (i < line_end_ && raw_[i] == '}') continue;
      return Defer("flow entries without a comma");
    }
  }

  // A plain or quoted scalar inside a flow collection. For a key, `flow_key_`
  // gets its text (quoted keys with escapes go to libyaml).
  bool FlowScalar(std::size_t i, bool is_key, std::size_t* end) {
    const char c = raw_[i];
    std::string_view value;
    std::size_t value_begin = i;
    std::size_t value_end = i;
    ScalarStyle style = ScalarStyle::kPlain;
    bool escapes = false;
    if (c == '"' || c == '\'') {
      std::size_t j = i + 1;
      while (j < line_end_) {
        if (c == '"' && raw_[j] == '\\') {
          escapes = true;
          if (j + 1 < line_end_ && !IsSimpleEscape(raw_[j + 1])) return Defer("an escape with digits, or one libyaml rejects");
          j += 2;
          continue;
        }
        if (raw_[j] == c) {
          if (c == '\'' && j + 1 < line_end_ && raw_[j + 1] == '\'') {
            escapes = true;
            j += 2;
            continue;
          }
          break;
        }
        ++j;
      }
      if (j >= line_end_) return Defer("an unterminated quoted flow scalar");
      value = raw_.substr(i + 1, j - i - 1);
      value_end = j + 1;
      style = c == '"' ? ScalarStyle::kDoubleQuoted : ScalarStyle::kSingleQuoted;
      if (value_end < line_end_ && raw_[value_end] != ',' && raw_[value_end] != ']' && raw_[value_end] != '}' &&
          raw_[value_end] != ' ' && raw_[value_end] != ':') {
        return Defer("text after a quoted flow scalar");
      }
    } else {
      // In a flow collection libyaml takes `?` and `:` as indicators (a key,
      // a value) whatever follows them: `[?x]` is the mapping {x: null} and
      // `[:a]` an error. Such collections go to libyaml.
      if (c == '?' || c == ':') return Defer("`?` or `:` starting a flow scalar");
      if (IsIndicator(c) ||
          (c == '-' && (i + 1 >= line_end_ || raw_[i + 1] == ' ' || raw_[i + 1] == ',' || raw_[i + 1] == ']' ||
                        raw_[i + 1] == '}'))) {
        return Defer("an unusual flow scalar");
      }
      std::size_t j = i;
      while (j < line_end_) {
        const char ch = raw_[j];
        if (ch == ',' || ch == ']' || ch == '}' || ch == '[' || ch == '{') break;
        if (ch == ':' && (j + 1 >= line_end_ || raw_[j + 1] == ' ')) break;
        // libyaml rejects `:` before a flow indicator or `?` inside a plain
        // scalar ("found unexpected ':'"), and `a:` before `,`, `]` or `}`.
        if (ch == ':' && std::string_view(",?[]{}").find(raw_[j + 1]) != std::string_view::npos) {
          return Defer("`:` before a flow indicator");
        }
        if (ch == '#' && raw_[j - 1] == ' ') return Defer("a comment inside a flow collection");
        if (ch == '\t') return Defer("a tab in a flow scalar");
        ++j;
      }
      if (j < line_end_ && (raw_[j] == '[' || raw_[j] == '{')) return Defer("a flow indicator inside a flow scalar");
      value_end = j;
      while (value_end > i && raw_[value_end - 1] == ' ') --value_end;
      value = raw_.substr(i, value_end - i);
      if (value.empty()) return Defer("an empty flow scalar");
      if (!is_key && j < line_end_ && raw_[j] == ':') return Defer("a flow pair in a sequence");
    }
    *end = value_end;
    if (is_key) {
      if (escapes) return Defer("an escape in a flow key");
      flow_key_ = value;
      if (!all_scalars_ && !HitIn(value_begin, value_end)) return true;
      // The key's own path: the current position plus the flow path to it.
      flow_path_.push_back(PathElement::Key(std::string(value)));
      RecordFlow(value, value_begin, value_end, style, /*is_key=*/true);
      flow_path_.pop_back();
      return true;
    }
    if (!CapturedInFlow() && !HitIn(value_begin, value_end)) return true;
    if (escapes) {
      if (style == ScalarStyle::kDoubleQuoted) return Defer("a wanted flow scalar needing unescaping");
      std::string unescaped;
      for (std::size_t k = 0; k < value.size(); ++k) {
        unescaped += value[k];
        if (value[k] == '\'') ++k;
      }
      RecordFlow(unescaped, value_begin, value_end, style, false);
      return true;
    }
    RecordFlow(value, value_begin, value_end, style, false);
    return true;
  }

  void RecordFlow(std::string_view value, std::size_t begin, std::size_t end, ScalarStyle style, bool is_key) {
    Scalar scalar;
    scalar.value = std::string(value);
    scalar.offset = begin;
    scalar.length = end - begin;
    scalar.line = line_number_;
    scalar.column = Column(begin);
    scalar.style = style;
    scalar.is_key = is_key;
    scalar.path = CurrentPath();
    scalar.path.insert(scalar.path.end(), flow_path_.begin(), flow_path_.end());
    if (HitIn(begin, end)) outline_->hits.push_back(scalar);
    if (CapturedInFlow()) outline_->scalars.push_back(std::move(scalar));
  }

  // Captured() for a scalar inside a flow collection: the prefixes may reach
  // into the collection, so the whole path counts.
  bool CapturedInFlow() const {
    if (!all_scalars_) return false;
    if (capture_under_.empty()) return true;
    FieldPath full = CurrentPath();
    full.insert(full.end(), flow_path_.begin(), flow_path_.end());
    for (const FieldPath& prefix : capture_under_) {
      if (full.size() >= prefix.size() && std::equal(prefix.begin(), prefix.end(), full.begin())) return true;
    }
    return false;
  }

  std::string_view raw_;
  std::size_t pos_;
  std::size_t max_depth_;
  bool all_scalars_;
  const std::vector<FieldPath>& capture_under_;
  Outline* outline_;
  std::vector<std::pair<std::size_t, std::size_t>> needles_;  // (begin, end) of each occurrence, sorted
  mutable std::size_t key_probe_at_ = std::string_view::npos;
  FieldPath flow_path_;           // the path inside the flow collection being read
  std::string_view flow_key_;     // the last flow key read
  mutable std::size_t key_probe_colon_ = std::string_view::npos;
  std::string* why_ = nullptr;

  std::size_t line_start_ = 0;
  std::size_t line_end_ = 0;
  std::size_t indent_ = 0;
  std::size_t content_ = 0;
  std::size_t line_number_ = 0;
  bool first_line_ = true;
  bool has_cr_ = false;

  std::vector<FastFrame> frames_;
  std::vector<std::uint64_t> key_hashes_;
  Pending pending_ = Pending::kNone;
  std::size_t pending_indent_ = 0;
  bool root_seen_ = false;
};

}  // namespace

bool TryFastOutline(std::string_view raw, std::size_t body_offset, const OutlineOptions& options, Outline* outline,
                    std::string* why) {
  *outline = Outline{};
  FastScanner scanner(raw, body_offset, options, outline);
  // Lines count from the start of raw: the BOM sits on the first line.
  if (!scanner.Run(why)) return false;
  outline->fast_path = true;
  return true;
}

}  // namespace dotk8s
