// Hex, base64 (RFC 4648 section 4) and base64url (section 5), and HMAC-SHA256 (RFC
// 2104, RFC 4231): the one implementation of each, for link tokens, DKIM, MIME, SMTP
// AUTH and the robot check. Strict: a decoder refuses anything an encoder would not
// have produced, so malformed input fails here, not deeper.
// Thread-safe: pure functions.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace broadsheet {

using Bytes = std::vector<std::uint8_t>;

// Lowercase hex, two characters a byte.
std::string to_hex(std::span<const std::uint8_t> bytes);
// The same, appended to `out` (for callers building a string in place).
void append_hex(std::string& out, std::span<const std::uint8_t> bytes);

// Accepts lowercase and uppercase digits; nullopt on odd length or a non-hex character.
std::optional<Bytes> from_hex(std::string_view hex);

// True when `text` is non-empty and made only of 0-9 a-f.
bool is_lower_hex(std::string_view text);

// Standard alphabet (RFC 4648 section 4) with '=' padding, as btoa() writes it.
std::string base64_encode(std::string_view bytes);

// Standard alphabet; the padding may be left off. nullopt on any other character,
// on an impossible length, or on non-zero bits after the last byte.
std::optional<std::string> base64_decode(std::string_view text);

// As base64_decode, but the '=' padding must be there (text.size() a multiple of 4).
std::optional<std::string> base64_decode_padded(std::string_view text);

// URL and file name safe alphabet (RFC 4648 section 5: '-' and '_'), no padding.
std::string base64url_encode(std::string_view bytes);
// nullopt on padding or any character outside that alphabet, an impossible length,
// or non-zero bits after the last byte.
std::optional<std::string> base64url_decode(std::string_view text);

// HMAC-SHA256 of `data` under `key` (RFC 2104), and its lowercase hex.
using Sha256Mac = std::array<std::uint8_t, 32>;
Sha256Mac hmac_sha256(std::string_view key, std::string_view data);
std::string hmac_sha256_hex(std::string_view key, std::string_view data);
// SHA-256 of `data` in lower-case hex (64 characters).
std::string sha256_hex(std::string_view data);

}  // namespace broadsheet
