// Hex and base64 as the ALTCHA widget writes them. Strict: a decoder refuses anything
// the widget would not have produced, so a malformed payload fails here, not deeper.
// Thread-safe: pure functions.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace broadsheet::robot {

using Bytes = std::vector<std::uint8_t>;

// Lowercase hex, two characters a byte.
std::string to_hex(std::span<const std::uint8_t> bytes);

// Accepts lowercase and uppercase digits; nullopt on odd length or a non-hex character.
std::optional<Bytes> from_hex(std::string_view hex);

// True when `text` is non-empty and made only of 0-9 a-f.
bool is_lower_hex(std::string_view text);

// Standard alphabet (RFC 4648 section 4) with '=' padding, as btoa() writes it.
std::string base64_encode(std::string_view bytes);

// Standard alphabet; the padding may be left off. nullopt on any other character,
// on an impossible length, or on non-zero bits after the last byte.
std::optional<std::string> base64_decode(std::string_view text);

}  // namespace broadsheet::robot
