#include "admin/credentials.hpp"

#include <sodium.h>

#include <algorithm>
#include <array>
#include <stdexcept>

#include "core/encoding.hpp"

namespace broadsheet::admin {
namespace {

constexpr std::string_view kPrefix = "bs_";
constexpr std::size_t kSecretBytes = 32;
constexpr std::size_t kEncodedLength = 43;  // base64url of 32 bytes, no padding

void init_sodium() {
  if (sodium_init() < 0) throw std::runtime_error("libsodium could not start");
}

}  // namespace

NewApiToken generate_api_token() {
  init_sodium();
  std::array<unsigned char, kSecretBytes> raw{};
  randombytes_buf(raw.data(), raw.size());
  NewApiToken out;
  out.secret = std::string(kPrefix) +
               base64url_encode({reinterpret_cast<const char*>(raw.data()), raw.size()});
  sodium_memzero(raw.data(), raw.size());
  out.hash = api_token_hash(out.secret);
  return out;
}

std::string api_token_hash(std::string_view secret) {
  init_sodium();
  std::array<unsigned char, crypto_hash_sha256_BYTES> digest{};
  crypto_hash_sha256(digest.data(), reinterpret_cast<const unsigned char*>(secret.data()),
                     secret.size());
  return to_hex(digest);
}

bool looks_like_api_token(std::string_view secret) {
  if (!secret.starts_with(kPrefix) || secret.size() != kPrefix.size() + kEncodedLength) return false;
  for (char c : secret.substr(kPrefix.size())) {
    const bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                    c == '-' || c == '_';
    if (!ok) return false;
  }
  return true;
}

Result<std::string> hash_password(std::string_view password) {
  // Characters, not bytes: "éééééé" is six characters, not twelve.
  const auto characters = std::count_if(password.begin(), password.end(), [](char c) {
    return (static_cast<unsigned char>(c) & 0xC0) != 0x80;
  });
  if (characters < 12) {
    return make_error(Errc::invalid_argument, "the password must have at least 12 characters");
  }
  if (password.size() > 1024) {
    return make_error(Errc::invalid_argument, "the password must have at most 1024 characters");
  }
  init_sodium();
  std::array<char, crypto_pwhash_STRBYTES> out{};
  if (crypto_pwhash_str_alg(out.data(), password.data(), password.size(),
                            crypto_pwhash_OPSLIMIT_INTERACTIVE, crypto_pwhash_MEMLIMIT_INTERACTIVE,
                            crypto_pwhash_ALG_ARGON2ID13) != 0) {
    return make_error(Errc::internal, "not enough memory to hash the password");
  }
  return std::string(out.data());
}

bool verify_password(const std::string& stored, std::string_view password) {
  init_sodium();
  if (stored.empty()) return false;
  return crypto_pwhash_str_verify(stored.c_str(), password.data(), password.size()) == 0;
}

}  // namespace broadsheet::admin
