// The few OpenSSL primitives the robot check needs, turned into values once, here.
// Thread-safe: OpenSSL 3 needs no locking for these calls.
#pragma once

#include <cstddef>
#include <span>
#include <string>
#include <string_view>

#include "core/encoding.hpp"
#include "core/result.hpp"

namespace broadsheet::robot {

enum class Digest { sha256, sha384, sha512 };

std::size_t digest_size(Digest digest);

Bytes digest_of(Digest digest, std::span<const std::uint8_t> data);

// SHA-256 of the UTF-8 bytes of `text`, lowercase hex.
std::string sha256_hex(std::string_view text);

// Compares in time that depends only on the lengths (which are public: hex of a known
// digest), never on where the first difference is.
bool equal_constant_time(std::string_view a, std::string_view b);

// PBKDF2-HMAC and scrypt into `key` (its size is the key length). Errc::internal when
// OpenSSL refuses, which the callers' parameter checks are there to prevent.
Status pbkdf2_hmac(Digest digest, std::span<const std::uint8_t> password,
                   std::span<const std::uint8_t> salt, int iterations, std::span<std::uint8_t> key);
Status scrypt(std::span<const std::uint8_t> password, std::span<const std::uint8_t> salt,
              std::uint64_t n, std::uint64_t r, std::uint64_t p, std::uint64_t max_memory,
              std::span<std::uint8_t> key);

// `count` bytes from OpenSSL's CSPRNG. Errc::internal if it cannot deliver.
Result<Bytes> random_bytes(std::size_t count);

}  // namespace broadsheet::robot
