#include "robot/crypto.hpp"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

#include <stdexcept>

namespace broadsheet::robot {
namespace {

const EVP_MD* evp_md(Digest digest) {
  switch (digest) {
    case Digest::sha256:
      return EVP_sha256();
    case Digest::sha384:
      return EVP_sha384();
    case Digest::sha512:
      return EVP_sha512();
  }
  throw std::logic_error("unknown digest");
}

std::span<const std::uint8_t> bytes_of(std::string_view text) {
  return {reinterpret_cast<const std::uint8_t*>(text.data()), text.size()};
}

}  // namespace

std::size_t digest_size(Digest digest) {
  return static_cast<std::size_t>(EVP_MD_get_size(evp_md(digest)));
}

Bytes digest_of(Digest digest, std::span<const std::uint8_t> data) {
  Bytes out(EVP_MAX_MD_SIZE);
  unsigned int length = 0;
  // One-shot EVP_Digest fails only on allocation failure: a bug-level condition.
  if (EVP_Digest(data.data(), data.size(), out.data(), &length, evp_md(digest), nullptr) != 1) {
    throw std::runtime_error("EVP_Digest failed");
  }
  out.resize(length);
  return out;
}

std::string sha256_hex(std::string_view text) {
  return to_hex(digest_of(Digest::sha256, bytes_of(text)));
}

bool equal_constant_time(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  return CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

Status pbkdf2_hmac(Digest digest, std::span<const std::uint8_t> password,
                   std::span<const std::uint8_t> salt, int iterations,
                   std::span<std::uint8_t> key) {
  if (PKCS5_PBKDF2_HMAC(reinterpret_cast<const char*>(password.data()),
                        static_cast<int>(password.size()), salt.data(),
                        static_cast<int>(salt.size()), iterations, evp_md(digest),
                        static_cast<int>(key.size()), key.data()) != 1) {
    return make_error(Errc::internal, "PBKDF2 failed in OpenSSL");
  }
  return {};
}

Status scrypt(std::span<const std::uint8_t> password, std::span<const std::uint8_t> salt,
              std::uint64_t n, std::uint64_t r, std::uint64_t p, std::uint64_t max_memory,
              std::span<std::uint8_t> key) {
  if (EVP_PBE_scrypt(reinterpret_cast<const char*>(password.data()), password.size(), salt.data(),
                     salt.size(), n, r, p, max_memory, key.data(), key.size()) != 1) {
    return make_error(Errc::internal, "scrypt failed in OpenSSL");
  }
  return {};
}

Result<Bytes> random_bytes(std::size_t count) {
  Bytes out(count);
  if (RAND_bytes(out.data(), static_cast<int>(count)) != 1) {
    return make_error(Errc::internal, "the random number generator failed");
  }
  return out;
}

}  // namespace broadsheet::robot
