#ifndef DOTK8S_BYTE_SEARCH_H_
#define DOTK8S_BYTE_SEARCH_H_

#include <cstddef>
#include <cstring>
#include <string_view>

#ifdef __SSE2__
#include <emmintrin.h>
#endif

namespace dotk8s {

/// The first occurrence of `needle` in `text` at or after `from`, or npos:
/// what std::string_view::find returns. Placement looks for the release
/// namespace in every document it may move; glibc's memmem spends about one
/// instruction a byte there, while comparing the needle's first and last
/// bytes at sixteen positions at once skips most of the text, and a Kubernetes
/// namespace rarely starts and ends with the bytes that sit that far apart.
inline std::size_t FindBytes(std::string_view text, std::string_view needle, std::size_t from = 0) {
  const std::size_t n = needle.size();
  if (n == 0) return from <= text.size() ? from : std::string_view::npos;
  if (from > text.size() || text.size() - from < n) return std::string_view::npos;
  const char* data = text.data();
  const std::size_t last_start = text.size() - n;  // the last position a match may start at
  std::size_t at = from;
#ifdef __SSE2__
  const __m128i first = _mm_set1_epi8(needle.front());
  const __m128i last = _mm_set1_epi8(needle.back());
  for (; at + 15 <= last_start; at += 16) {
    const __m128i head = _mm_loadu_si128(reinterpret_cast<const __m128i*>(data + at));
    const __m128i tail = _mm_loadu_si128(reinterpret_cast<const __m128i*>(data + at + n - 1));
    auto mask = static_cast<unsigned>(_mm_movemask_epi8(_mm_and_si128(_mm_cmpeq_epi8(head, first), _mm_cmpeq_epi8(tail, last))));
    while (mask != 0) {
      const std::size_t candidate = at + static_cast<std::size_t>(__builtin_ctz(mask));
      if (std::memcmp(data + candidate + 1, needle.data() + 1, n > 2 ? n - 2 : 0) == 0) return candidate;
      mask &= mask - 1;
    }
  }
#endif
  for (; at <= last_start; ++at) {
    if (data[at] == needle.front() && std::memcmp(data + at, needle.data(), n) == 0) return at;
  }
  return std::string_view::npos;
}

}  // namespace dotk8s

#endif  // DOTK8S_BYTE_SEARCH_H_
