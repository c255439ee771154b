#include "links/token.hpp"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <array>
#include <cstdint>

namespace broadsheet::links {
namespace {

constexpr unsigned char kVersion = 1;
constexpr std::size_t kBodySize = 1 + 1 + 8 + 8 + 8;
constexpr std::size_t kTagSize = 16;
constexpr std::size_t kTokenBytes = kBodySize + kTagSize;
constexpr std::string_view kAlphabet =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

void put64(unsigned char* p, std::uint64_t v) {
  for (int i = 7; i >= 0; --i, v >>= 8) p[i] = static_cast<unsigned char>(v & 0xFF);
}

std::uint64_t get64(const unsigned char* p) {
  std::uint64_t v = 0;
  for (int i = 0; i < 8; ++i) v = (v << 8) | p[i];
  return v;
}

std::array<unsigned char, 32> mac(std::string_view key, const unsigned char* data, std::size_t n) {
  std::array<unsigned char, 32> out{};
  unsigned int len = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()), data, n, out.data(), &len);
  return out;
}

std::string base64url(const unsigned char* data, std::size_t n) {
  std::string out;
  std::uint32_t acc = 0;
  int bits = 0;
  for (std::size_t i = 0; i < n; ++i) {
    acc = (acc << 8) | data[i];
    bits += 8;
    while (bits >= 6) {
      bits -= 6;
      out.push_back(kAlphabet[(acc >> bits) & 0x3F]);
    }
  }
  if (bits > 0) out.push_back(kAlphabet[(acc << (6 - bits)) & 0x3F]);
  return out;
}

bool unbase64url(std::string_view s, unsigned char* out, std::size_t n) {
  std::uint32_t acc = 0;
  int bits = 0;
  std::size_t j = 0;
  for (char c : s) {
    auto pos = kAlphabet.find(c);
    if (pos == std::string_view::npos) return false;
    acc = (acc << 6) | static_cast<std::uint32_t>(pos);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      if (j == n) return false;
      out[j++] = static_cast<unsigned char>((acc >> bits) & 0xFF);
    }
  }
  return j == n;
}

}  // namespace

std::string sign_token(const TokenClaims& claims, std::string_view key) {
  std::array<unsigned char, kTokenBytes> raw{};
  raw[0] = kVersion;
  raw[1] = static_cast<unsigned char>(claims.purpose);
  put64(&raw[2], static_cast<std::uint64_t>(claims.subscriber_id));
  put64(&raw[10], static_cast<std::uint64_t>(claims.newsletter_id));
  put64(&raw[18], static_cast<std::uint64_t>(claims.expires_at));
  auto tag = mac(key, raw.data(), kBodySize);
  std::copy(tag.begin(), tag.begin() + kTagSize, raw.begin() + kBodySize);
  return base64url(raw.data(), raw.size());
}

Result<TokenClaims> verify_token(std::string_view token, TokenPurpose expected,
                                 std::string_view key, UnixSeconds now) {
  std::array<unsigned char, kTokenBytes> raw{};
  if (token.size() != (kTokenBytes * 8 + 5) / 6 || !unbase64url(token, raw.data(), raw.size()) ||
      raw[0] != kVersion) {
    return make_error(Errc::invalid_argument, "malformed token");
  }
  auto tag = mac(key, raw.data(), kBodySize);
  if (CRYPTO_memcmp(tag.data(), raw.data() + kBodySize, kTagSize) != 0) {
    return make_error(Errc::invalid_argument, "bad signature");
  }
  TokenClaims claims;
  claims.purpose = static_cast<TokenPurpose>(raw[1]);
  if (claims.purpose != expected) return make_error(Errc::invalid_argument, "wrong purpose");
  claims.subscriber_id = static_cast<Id>(get64(&raw[2]));
  claims.newsletter_id = static_cast<Id>(get64(&raw[10]));
  claims.expires_at = static_cast<UnixSeconds>(get64(&raw[18]));
  if (claims.expires_at != 0 && now >= claims.expires_at) {
    return make_error(Errc::invalid_argument, "expired");
  }
  return claims;
}

}  // namespace broadsheet::links
