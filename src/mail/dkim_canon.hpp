// The "relaxed" canonicalisation of DKIM (RFC 6376 sections 3.4.2 and 3.4.4) for the
// signer in dkim.cpp. Internal to src/mail.
//
// The body form is handed to a sink in as few pieces as possible, most of them spans of
// the message itself, so a body is hashed without being copied: only lines that
// change (a run of spaces or tabs, trailing whitespace) are rewritten.
//
// Pure functions; safe from any thread.
#pragma once

#include <string>
#include <string_view>

namespace broadsheet::mail_detail {

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

// Appends the relaxed form of one line (without its CRLF).
void append_relaxed_line(std::string_view line, std::string& out);

// Where the next TAB or the next two SP in a row is, at or after `from`; body.size()
// when none: the whitespace runs that relaxed canonicalisation shortens. Looks at 16
// bytes at a time, so a clean body costs one pass near memory speed.
std::size_t next_wsp_run(std::string_view body, std::size_t from);

template <typename Sink>
void relaxed_body(std::string_view body, Sink&& sink) {
  std::size_t end = relaxed_body_end(body);
  std::size_t span = 0;  // start of the bytes taken as they are, not yet given to sink
  std::size_t run = next_wsp_run(body, 0);
  std::string rewritten;
  for (std::size_t at = 0; at < end;) {
    std::size_t cr = body.find("\r\n", at);
    std::size_t line_end = cr == std::string_view::npos || cr >= end ? end : cr;
    if (run < at) run = next_wsp_run(body, at);
    bool changes = run < line_end || (line_end > at && is_wsp(body[line_end - 1]));
    std::size_t next = line_end == end ? end : line_end + 2;
    if (changes) {
      if (at > span) sink(body.substr(span, at - span));
      rewritten.clear();
      append_relaxed_line(body.substr(at, line_end - at), rewritten);
      rewritten += "\r\n";
      sink(std::string_view(rewritten));
      span = next;
    }
    at = next;
  }
  // `end` is past a CRLF unless the content's last line lacks one (a message without
  // a final line break); the canonical form always has it.
  bool ends_in_crlf = end >= 2 && body.substr(end - 2, 2) == "\r\n";
  if (end > span) sink(body.substr(span, end - span));
  if (end > 0 && !ends_in_crlf && span < end) sink(std::string_view("\r\n"));
}

}  // namespace broadsheet::mail_detail
