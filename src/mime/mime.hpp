// The MIME writer: turns one OutgoingMessage into the exact bytes handed to SMTP or
// written to the outbox. Used for sign-up confirmations and for every issue.
//
// What it writes: CRLF line ends; the headers Date (RFC 5322, +0000), From, To,
// Reply-To (when set), Subject, Message-ID (<random@message_id_domain>),
// MIME-Version: 1.0, the extra headers in their order, then the body: text/plain
// alone, or multipart/alternative with text/plain first and text/html second. Every
// body part is UTF-8 and quoted-printable; the multipart boundary starts with "=_",
// which quoted-printable output can never contain, so it cannot occur in a body.
// Non-ASCII subjects and display names become RFC 2047 encoded words (UTF-8, B or Q,
// whichever is shorter), never splitting a character, each at most 75 characters.
// Header lines are folded at 78 characters where a space allows it and never exceed
// 998.
//
// What it trusts: nothing in the message. CR, LF or NUL in any header value or extra
// header is Errc::invalid_argument, never passed through; so are other control
// characters except TAB, invalid UTF-8, header values longer than 4096 bytes, extra
// header names that are not printable ASCII without ':' or that name a header the
// writer sets itself (Date, From, To, Reply-To, Subject, Message-ID, MIME-Version,
// Content-*), non-ASCII extra header values (encode them with encode_header_words
// first), addresses that are not plain ASCII addr-specs (the writer does not emit
// SMTPUTF8 messages), bodies that are not valid UTF-8, and dates outside 1970..9999.
//
// Pure functions apart from the random source; safe from any thread.
#pragma once

#include <cstddef>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "address/mailbox.hpp"
#include "core/clock.hpp"
#include "core/result.hpp"

namespace broadsheet::mime {

struct OutgoingMessage {
  address::Mailbox from;
  address::Mailbox to;
  std::optional<address::Mailbox> reply_to;
  std::string subject;
  std::string text_body;          // LF or CRLF line ends; both become CRLF hard breaks
  std::string html_body;          // empty: a text/plain message only
  std::string message_id_domain;  // e.g. "news.example.com"
  UnixSeconds date = 0;
  // In order, after MIME-Version: e.g. List-Id, List-Unsubscribe,
  // List-Unsubscribe-Post, Feedback-ID, X-Broadsheet-Delivery. Values are ASCII and
  // are folded at their spaces.
  std::vector<std::pair<std::string, std::string>> extra_headers;
};

// Fills `out` with unpredictable bytes; a failure is an Error, never a weak value.
using RandomSource = std::function<Status(std::span<unsigned char> out)>;

// OpenSSL's RAND_bytes. Safe from any thread.
Status system_random(std::span<unsigned char> out);

// The message as it goes on the wire, ending in CRLF. In a text-only message a
// non-empty text gains a final line break when it lacks one; in a multipart message
// each body decodes to exactly its text (line ends as CRLF).
// `random` supplies the Message-ID and the boundary; tests pass a fixed one.
Result<std::string> build_message(const OutgoingMessage& message,
                                  const RandomSource& random = system_random);

// "Sun, 29 Nov 2026 19:00:00 +0000". REQUIRES: 0 <= t <= 253402300799 (year 9999);
// values outside are clamped.
std::string rfc5322_date(UnixSeconds t);

// An unstructured header value (Subject and the like) ready to follow "Name: " on a
// line whose first `used` columns are taken (9 for "Subject: "). Printable ASCII
// with single spaces and short words is kept as it is; anything else becomes RFC 2047
// encoded words. Folded with CRLF SP so that lines stay within 78 characters; no
// final CRLF. Errc::invalid_argument for text the writer refuses (see above).
Result<std::string> encode_header_words(std::string_view text, std::size_t used = 0);

// Quoted-printable (RFC 2045 6.7) of `text`: LF and CRLF become CRLF hard breaks;
// '=', non-ASCII, control characters (bare CR too), a line's trailing space or tab
// and a '.' starting a line are escaped; soft breaks keep every line within 76
// characters. Total: any bytes are accepted.
std::string quoted_printable(std::string_view text);

}  // namespace broadsheet::mime
