// The "relaxed" canonicalisation of DKIM (RFC 6376 sections 3.4.2 and 3.4.4) for the
// signer (signer.cpp). Internal to src/dkim (namespace dkim::detail).
//
// The body form is handed to a sink in as few pieces as possible, all but the odd
// single SP spans of the message itself, so a body is hashed where it lies, without
// being copied: one vector scan finds the whitespace that changes (a TAB, a run of
// spaces, spaces at the end of a line), and the pieces are cut around it. A
// quoted-printable body has no trailing whitespace and few runs, so it is handed on in
// a few large pieces.
//
// Pure functions; safe from any thread.
#pragma once

#include <string>
#include <string_view>

namespace broadsheet::dkim::detail {

// Feeds the relaxed canonical form of `body` to `sink(std::string_view)`: in every line,
// runs of SP and HTAB become one SP and whitespace at the end goes; empty lines at the
// end go; a non-empty result ends in CRLF; an empty one is "". `body` is what follows
// the blank line of a CRLF message; a bare CR or LF is kept as it is.
template <typename Sink>
void relaxed_body(std::string_view body, Sink&& sink);

// Appends the relaxed form of one header field, "name:value" without CRLF: the name
// lowercased, the value unfolded, runs of SP and HTAB made one SP, whitespace at both
// ends of the value and before the colon removed. REQUIRES: `field` holds a ':'.
void append_relaxed_header(std::string_view field, std::string& out);

// --- implementation of relaxed_body ---

inline bool is_wsp(char c) { return c == ' ' || c == '\t'; }

// The end of the body's content: past its last line that holds anything but SP, HTAB.
std::size_t relaxed_body_end(std::string_view body);

// The first place in [from, end) where relaxed canonicalisation may change something:
// a TAB, or a SP followed by SP, by CR or by `end`; `end` when there is none. Looks at
// 32 bytes at a time with AVX2, else 16. REQUIRES: from <= end <= body.size().
std::size_t next_wsp_change(std::string_view body, std::size_t from, std::size_t end);

template <typename Sink>
void relaxed_body(std::string_view body, Sink&& sink) {
  const std::size_t end = relaxed_body_end(body);
  std::size_t span = 0;  // start of the bytes taken as they are, not yet given to sink
  auto take = [&](std::size_t to) {
    if (to > span) sink(body.substr(span, to - span));
  };
  for (std::size_t at = next_wsp_change(body, 0, end); at < end;
       at = next_wsp_change(body, at, end)) {
    // The whole run of SP and HTAB around `at`, which can start before it: in "x \ty"
    // the hit is the TAB.
    std::size_t run = at;
    while (run > span && is_wsp(body[run - 1])) --run;
    std::size_t after = at;
    while (after < end && is_wsp(body[after])) ++after;
    // Lines end in CRLF; a bare CR is an ordinary byte, and a run before it stays.
    bool trailing = after == end || body.compare(after, 2, "\r\n") == 0;
    if (trailing) {
      take(run);
      span = after;
    } else if (body[run] == '\t') {
      take(run);
      sink(std::string_view(" "));
      span = after;
    } else if (after - run > 1) {
      take(run + 1);  // keeps the run's first SP
      span = after;
    }
    at = after;
  }
  take(end);
  // `end` is past a CRLF unless the content's last line lacks one (a message without
  // a final line break); the canonical form always has it.
  bool ends_in_crlf = end >= 2 && body[end - 2] == '\r' && body[end - 1] == '\n';
  if (end > 0 && !ends_in_crlf) sink(std::string_view("\r\n"));
}

}  // namespace broadsheet::dkim::detail
