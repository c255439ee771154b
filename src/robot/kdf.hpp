// The key-derivation functions of ALTCHA's v2 proof of work, computed the way the widget
// (altcha 3) and the reference server library (altcha-lib 2) compute them:
//   SHA-256|384|512        key = H(salt || password), then key = H(key) cost-1 times
//   PBKDF2/SHA-256|384|512 PBKDF2-HMAC(password, salt, iterations = cost)
//   SCRYPT                 scrypt(password, salt, N = cost, r = memoryCost, p = parallelism)
// ARGON2ID is not offered: OpenSSL 3.0 lacks it, and the widget needs a separate worker.
// Every parameter is checked against limits before any work, so no input can make the
// server derive for longer than the limits allow. Thread-safe: pure functions.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string_view>

#include "core/encoding.hpp"
#include "core/result.hpp"

namespace broadsheet::robot {

enum class KdfAlgorithm {
  sha256,
  sha384,
  sha512,
  pbkdf2_sha256,
  pbkdf2_sha384,
  pbkdf2_sha512,
  scrypt
};

// The exact spelling on the wire ("PBKDF2/SHA-256"); nullopt for anything else.
std::optional<KdfAlgorithm> kdf_from_name(std::string_view name);
std::string_view kdf_name(KdfAlgorithm algorithm);

// memoryCost and parallelism appear on the wire only for the algorithms that use them.
bool kdf_uses_memory(KdfAlgorithm algorithm);

struct KdfParams {
  KdfAlgorithm algorithm = KdfAlgorithm::pbkdf2_sha256;
  std::int64_t cost = 1;         // rounds, iterations, or scrypt's N
  std::int64_t memory_cost = 0;  // scrypt's r (block size); 0 elsewhere
  std::int64_t parallelism = 0;  // scrypt's p; 0 elsewhere
  std::int64_t key_length = 32;  // bytes
};

struct KdfLimits {
  std::int64_t max_cost = 100'000;
  std::int64_t max_memory_cost = 16;
  std::int64_t max_parallelism = 2;
};

// Ceilings that no configuration lifts.
inline constexpr std::int64_t kKdfHardMaxCost = 10'000'000;
inline constexpr std::int64_t kScryptMaxBytes = 64 * 1024 * 1024;

// Errc::invalid_argument naming the first parameter that is out of range, including a
// key length the widget cannot produce for the algorithm (see kdf.cpp).
Status check_kdf_params(const KdfParams& params, const KdfLimits& limits);

// REQUIRES: check_kdf_params(params, limits).ok() for the limits in force.
Result<Bytes> derive_key(const KdfParams& params, std::span<const std::uint8_t> salt,
                         std::span<const std::uint8_t> password);

}  // namespace broadsheet::robot
