#include "robot/kdf.hpp"

#include <array>
#include <string>

#include "robot/crypto.hpp"

namespace broadsheet::robot {
namespace {

struct Named {
  KdfAlgorithm algorithm;
  std::string_view name;
};
constexpr std::array<Named, 7> kNames{{
    {KdfAlgorithm::sha256, "SHA-256"},
    {KdfAlgorithm::sha384, "SHA-384"},
    {KdfAlgorithm::sha512, "SHA-512"},
    {KdfAlgorithm::pbkdf2_sha256, "PBKDF2/SHA-256"},
    {KdfAlgorithm::pbkdf2_sha384, "PBKDF2/SHA-384"},
    {KdfAlgorithm::pbkdf2_sha512, "PBKDF2/SHA-512"},
    {KdfAlgorithm::scrypt, "SCRYPT"},
}};

Digest digest_for(KdfAlgorithm algorithm) {
  switch (algorithm) {
    case KdfAlgorithm::sha384:
    case KdfAlgorithm::pbkdf2_sha384:
      return Digest::sha384;
    case KdfAlgorithm::sha512:
    case KdfAlgorithm::pbkdf2_sha512:
      return Digest::sha512;
    default:
      return Digest::sha256;
  }
}

bool is_plain_sha(KdfAlgorithm a) {
  return a == KdfAlgorithm::sha256 || a == KdfAlgorithm::sha384 || a == KdfAlgorithm::sha512;
}

std::int64_t scrypt_bytes(const KdfParams& p) {  // what OpenSSL allocates: 128·r·(N + 2 + p)
  return 128 * p.memory_cost * (p.cost + 2 + p.parallelism);
}

Error out_of_range(const std::string& what) {
  return make_error(Errc::invalid_argument, "key derivation parameter out of range: " + what);
}

Bytes derive_plain_sha(const KdfParams& params, std::span<const std::uint8_t> salt,
                       std::span<const std::uint8_t> password) {
  Digest digest = digest_for(params.algorithm);
  Bytes input(salt.begin(), salt.end());
  input.insert(input.end(), password.begin(), password.end());
  Bytes key = digest_of(digest, input);
  for (std::int64_t round = 1; round < params.cost; ++round) key = digest_of(digest, key);
  key.resize(static_cast<std::size_t>(params.key_length));
  return key;
}

}  // namespace

std::optional<KdfAlgorithm> kdf_from_name(std::string_view name) {
  for (const auto& n : kNames) {
    if (n.name == name) return n.algorithm;
  }
  return std::nullopt;
}

std::string_view kdf_name(KdfAlgorithm algorithm) {
  for (const auto& n : kNames) {
    if (n.algorithm == algorithm) return n.name;
  }
  return "?";
}

bool kdf_uses_memory(KdfAlgorithm algorithm) { return algorithm == KdfAlgorithm::scrypt; }

Status check_kdf_params(const KdfParams& p, const KdfLimits& limits) {
  if (p.cost < 1 || p.cost > limits.max_cost || p.cost > kKdfHardMaxCost) {
    return out_of_range("cost " + std::to_string(p.cost));
  }
  // The widget truncates the plain-SHA key every round, altcha-lib only at the end: they
  // agree only when nothing is truncated. Its PBKDF2 derives an AES key: 16, 24 or 32 bytes.
  if (is_plain_sha(p.algorithm)) {
    if (p.key_length != static_cast<std::int64_t>(digest_size(digest_for(p.algorithm)))) {
      return out_of_range("keyLength " + std::to_string(p.key_length));
    }
  } else if (p.algorithm != KdfAlgorithm::scrypt) {
    if (p.key_length != 16 && p.key_length != 24 && p.key_length != 32) {
      return out_of_range("keyLength " + std::to_string(p.key_length));
    }
  } else if (p.key_length < 16 || p.key_length > 64) {
    return out_of_range("keyLength " + std::to_string(p.key_length));
  }
  if (!kdf_uses_memory(p.algorithm)) {
    if (p.memory_cost != 0 || p.parallelism != 0) return out_of_range("memoryCost or parallelism");
    return {};
  }
  if (p.cost < 2 || (p.cost & (p.cost - 1)) != 0) {
    return out_of_range("cost " + std::to_string(p.cost) + " (scrypt's N is a power of two)");
  }
  if (p.memory_cost < 1 || p.memory_cost > limits.max_memory_cost) {
    return out_of_range("memoryCost " + std::to_string(p.memory_cost));
  }
  if (p.parallelism < 1 || p.parallelism > limits.max_parallelism) {
    return out_of_range("parallelism " + std::to_string(p.parallelism));
  }
  // Each factor is bounded above, so the product cannot overflow.
  if (scrypt_bytes(p) > kScryptMaxBytes) return out_of_range("scrypt memory");
  return {};
}

Result<Bytes> derive_key(const KdfParams& params, std::span<const std::uint8_t> salt,
                         std::span<const std::uint8_t> password) {
  if (is_plain_sha(params.algorithm)) return derive_plain_sha(params, salt, password);
  Bytes key(static_cast<std::size_t>(params.key_length));
  Status derived = params.algorithm == KdfAlgorithm::scrypt
                       ? scrypt(password, salt, static_cast<std::uint64_t>(params.cost),
                                static_cast<std::uint64_t>(params.memory_cost),
                                static_cast<std::uint64_t>(params.parallelism),
                                static_cast<std::uint64_t>(scrypt_bytes(params)) + 4096, key)
                       : pbkdf2_hmac(digest_for(params.algorithm), password, salt,
                                     static_cast<int>(params.cost), key);
  if (!derived) return derived.error();
  return key;
}

}  // namespace broadsheet::robot
