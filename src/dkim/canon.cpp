#include "dkim/canon.hpp"

#if defined(__SSE2__)
#include <emmintrin.h>
#endif
#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>
#define BROADSHEET_DKIM_AVX2 1
#endif

namespace broadsheet::dkim::detail {
namespace {

#if defined(BROADSHEET_DKIM_AVX2)
// next_wsp_change's test 32 bytes at a time, for CPUs with AVX2 (twice the SSE2 pace;
// the body is scanned once per message, beside one SHA-256 pass). Returns the first
// hit, or where it stopped: fewer than 33 bytes before `end`.
__attribute__((target("avx2"))) std::size_t scan_avx2(const char* p, std::size_t i,
                                                      std::size_t end) {
  const __m256i space = _mm256_set1_epi8(' ');
  const __m256i tab = _mm256_set1_epi8('\t');
  const __m256i cr = _mm256_set1_epi8('\r');
  for (; i + 33 <= end; i += 32) {
    __m256i here = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p + i));
    __m256i next = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p + i + 1));
    __m256i before_wsp_or_cr =
        _mm256_or_si256(_mm256_cmpeq_epi8(next, space), _mm256_cmpeq_epi8(next, cr));
    __m256i hit =
        _mm256_or_si256(_mm256_and_si256(_mm256_cmpeq_epi8(here, space), before_wsp_or_cr),
                        _mm256_cmpeq_epi8(here, tab));
    if (unsigned bits = static_cast<unsigned>(_mm256_movemask_epi8(hit))) {
      return i + static_cast<std::size_t>(__builtin_ctz(bits));
    }
  }
  return i;
}

bool has_avx2() {
  static const bool yes = __builtin_cpu_supports("avx2");
  return yes;
}
#endif

}  // namespace

std::size_t relaxed_body_end(std::string_view body) {
  std::size_t end = body.size();
  while (end > 0) {
    bool crlf = end >= 2 && body[end - 2] == '\r' && body[end - 1] == '\n';
    std::size_t line_end = crlf ? end - 2 : end;
    std::size_t start = 0;
    if (line_end >= 2) {
      auto prev = body.rfind("\r\n", line_end - 2);
      if (prev != std::string_view::npos) start = prev + 2;
    }
    for (std::size_t i = start; i < line_end; ++i) {
      if (!is_wsp(body[i])) return end;
    }
    end = start;
  }
  return 0;
}

std::size_t next_wsp_change(std::string_view body, std::size_t from, std::size_t end) {
  const char* p = body.data();
  std::size_t i = from;
#if defined(BROADSHEET_DKIM_AVX2)
  if (has_avx2()) i = scan_avx2(p, i, end);  // a hit it found is found again below
#endif
#if defined(__SSE2__)
  const __m128i space = _mm_set1_epi8(' ');
  const __m128i tab = _mm_set1_epi8('\t');
  const __m128i cr = _mm_set1_epi8('\r');
  // Each step also reads the byte after its 16, which is before `end`.
  for (; i + 17 <= end; i += 16) {
    __m128i here = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p + i));
    __m128i next = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p + i + 1));
    __m128i before_wsp_or_cr = _mm_or_si128(_mm_cmpeq_epi8(next, space), _mm_cmpeq_epi8(next, cr));
    __m128i hit = _mm_or_si128(_mm_and_si128(_mm_cmpeq_epi8(here, space), before_wsp_or_cr),
                               _mm_cmpeq_epi8(here, tab));
    if (int bits = _mm_movemask_epi8(hit)) {
      return i + static_cast<std::size_t>(__builtin_ctz(static_cast<unsigned>(bits)));
    }
  }
#endif
  for (; i < end; ++i) {
    if (p[i] == '\t') return i;
    if (p[i] == ' ' && (i + 1 == end || p[i + 1] == ' ' || p[i + 1] == '\r')) return i;
  }
  return end;
}

void append_relaxed_header(std::string_view field, std::string& out) {
  std::size_t colon = field.find(':');
  std::size_t name_end = colon;
  while (name_end > 0 && is_wsp(field[name_end - 1])) --name_end;
  // Written through a pointer into room for the longest result (relaxing never
  // lengthens a field), then cut to size.
  const std::size_t start = out.size();
  out.resize(start + field.size());
  char* w = out.data() + start;
  for (char c : field.substr(0, name_end)) {
    *w++ = (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
  }
  *w++ = ':';
  bool space = false, started = false;
  for (char c : field.substr(colon + 1)) {
    if (c == '\r' || c == '\n') continue;  // unfolding
    if (is_wsp(c)) {
      space = true;
      continue;
    }
    if (space && started) *w++ = ' ';
    space = false;
    started = true;
    *w++ = c;
  }
  out.resize(static_cast<std::size_t>(w - out.data()));
}

}  // namespace broadsheet::dkim::detail
