#include "mail/dkim_canon.hpp"

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace broadsheet::mail_detail {

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

std::size_t next_wsp_run(std::string_view body, std::size_t from) {
  const char* p = body.data();
  std::size_t n = body.size();
  std::size_t i = from;
#if defined(__SSE2__)
  const __m128i space = _mm_set1_epi8(' ');
  const __m128i tab = _mm_set1_epi8('\t');
  for (; i + 17 <= n; i += 16) {
    __m128i here = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p + i));
    __m128i next = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p + i + 1));
    __m128i pair = _mm_and_si128(_mm_cmpeq_epi8(here, space), _mm_cmpeq_epi8(next, space));
    int hits = _mm_movemask_epi8(_mm_or_si128(pair, _mm_cmpeq_epi8(here, tab)));
    if (hits) return i + static_cast<std::size_t>(__builtin_ctz(static_cast<unsigned>(hits)));
  }
#endif
  for (; i < n; ++i) {
    if (p[i] == '\t' || (p[i] == ' ' && i + 1 < n && p[i + 1] == ' ')) return i;
  }
  return n;
}

void append_relaxed_line(std::string_view line, std::string& out) {
  bool space = false;
  for (char c : line) {
    if (is_wsp(c)) {
      space = true;
      continue;
    }
    if (space) out += ' ';
    space = false;
    out += c;
  }
}

void append_relaxed_header(std::string_view field, std::string& out) {
  std::size_t colon = field.find(':');
  std::size_t name_end = colon;
  while (name_end > 0 && is_wsp(field[name_end - 1])) --name_end;
  for (char c : field.substr(0, name_end)) {
    out += (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
  }
  out += ':';
  bool space = false, started = false;
  for (char c : field.substr(colon + 1)) {
    if (c == '\r' || c == '\n') continue;  // unfolding
    if (is_wsp(c)) {
      space = true;
      continue;
    }
    if (space && started) out += ' ';
    space = false;
    started = true;
    out += c;
  }
}

}  // namespace broadsheet::mail_detail
