// Header pieces of the MIME writer (mime.hpp), shared by its files and by the other
// writer of message headers, the issue renderer (src/render). A header value is built as tokens
// that are never split; folding may only happen at the single spaces between them.
//
// Pure functions; safe from any thread.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "address/mailbox.hpp"
#include "core/result.hpp"

namespace broadsheet::mime {

inline constexpr std::size_t kFoldAt = 78;            // RFC 5322 2.1.1 "should"
inline constexpr std::size_t kMaxLine = 998;          // RFC 5322 2.1.1 "must"
inline constexpr std::size_t kMaxHeaderValue = 4096;  // our bound on what we accept

// Errc::invalid_argument naming `field` unless `text` is valid UTF-8 of at most
// kMaxHeaderValue bytes without control characters other than TAB.
Status check_header_text(std::string_view field, std::string_view text);

// Joins `tokens` with single spaces, folding (CRLF SP) before a non-empty token that
// would carry the line past kFoldAt, given `used` columns already taken on the first
// line. The first token always stays on the first line. Errc::invalid_argument
// naming `field` when a line would exceed kMaxLine.
Result<std::string> fold(std::string_view field, const std::vector<std::string>& tokens,
                         std::size_t used);

// Splits `value` at each single space, the only places a header value written as it
// is (ASCII, e.g. List-Id or an extra header) may be folded: "a b" -> {"a", "b"};
// "a  b" -> {"a", "", "b"}; "" -> {""}.
std::vector<std::string> split_spaces(std::string_view value);

// RFC 2047 encoded words of `text` (UTF-8, Q or B, whichever is shorter), each at
// most 75 characters, the first fitting in what is left of a line whose first `used`
// columns are taken. Never splits a character. REQUIRES: `text` is valid UTF-8.
std::vector<std::string> encoded_words(std::string_view text, std::size_t used);

// The words of `text` when it can stand unencoded: non-empty, single spaces between
// words, every byte of a word `allowed`, no word too long to fold, nothing that looks
// like an encoded word ("=?"). nullopt otherwise.
std::optional<std::vector<std::string>> plain_words(std::string_view text, std::size_t used,
                                                    bool (*allowed)(unsigned char));

// Tokens of an unstructured value: the words of simple printable ASCII, else RFC 2047
// encoded words, the first fitting in what is left of the first line.
// REQUIRES: check_header_text(text) succeeded.
std::vector<std::string> unstructured_tokens(std::string_view text, std::size_t used);

// Tokens of a mailbox: the display name (atoms, one quoted string, or encoded words)
// and "<address>", or the bare address when there is no name. Errc::invalid_argument
// naming `field` for a bad name or an address that is not a plain ASCII addr-spec.
Result<std::vector<std::string>> mailbox_tokens(std::string_view field, const address::Mailbox& box,
                                                std::size_t used);

}  // namespace broadsheet::mime
