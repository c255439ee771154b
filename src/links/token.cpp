#include "links/token.hpp"

#include <openssl/crypto.h>

#include <array>
#include <cstdint>

#include "core/encoding.hpp"

namespace broadsheet::links {
namespace {

constexpr unsigned char kVersion = 1;
constexpr std::size_t kBodySize = 1 + 1 + 8 + 8 + 8;
constexpr std::size_t kTagSize = 16;
constexpr std::size_t kTokenBytes = kBodySize + kTagSize;

void put64(unsigned char* p, std::uint64_t v) {
  for (int i = 7; i >= 0; --i, v >>= 8) p[i] = static_cast<unsigned char>(v & 0xFF);
}

std::uint64_t get64(const unsigned char* p) {
  std::uint64_t v = 0;
  for (int i = 0; i < 8; ++i) v = (v << 8) | p[i];
  return v;
}

// The signed part of a token: everything before the tag.
std::string_view body(const std::array<unsigned char, kTokenBytes>& raw) {
  return {reinterpret_cast<const char*>(raw.data()), kBodySize};
}

}  // namespace

std::string sign_token(const TokenClaims& claims, std::string_view key) {
  std::array<unsigned char, kTokenBytes> raw{};
  raw[0] = kVersion;
  raw[1] = static_cast<unsigned char>(claims.purpose);
  put64(&raw[2], static_cast<std::uint64_t>(claims.subscriber_id));
  put64(&raw[10], static_cast<std::uint64_t>(claims.newsletter_id));
  put64(&raw[18], static_cast<std::uint64_t>(claims.expires_at));
  const auto tag = hmac_sha256(key, body(raw));
  std::copy(tag.begin(), tag.begin() + kTagSize, raw.begin() + kBodySize);
  return base64url_encode(std::string_view(reinterpret_cast<const char*>(raw.data()), raw.size()));
}

Result<TokenClaims> verify_token(std::string_view token, TokenPurpose expected,
                                 std::string_view key, UnixSeconds now) {
  std::array<unsigned char, kTokenBytes> raw{};
  const auto decoded =
      token.size() == (kTokenBytes * 8 + 5) / 6 ? base64url_decode(token) : std::nullopt;
  if (!decoded || decoded->size() != kTokenBytes || (*decoded)[0] != kVersion) {
    return make_error(Errc::invalid_argument, "malformed token");
  }
  std::copy(decoded->begin(), decoded->end(), raw.begin());
  const auto tag = hmac_sha256(key, body(raw));
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

namespace {

constexpr std::size_t kReturnBodySize = 1 + 8 + 8;
constexpr std::size_t kReturnTagSize = 10;
constexpr std::string_view kReturnLabel = "broadsheet return path\n";

Sha256Mac return_tag(std::string_view key, std::string_view body) {
  std::string data(kReturnLabel);
  data.append(body);
  return hmac_sha256(key, data);
}

}  // namespace

std::string sign_return_token(const ReturnClaims& claims, std::string_view key) {
  std::array<unsigned char, kReturnBodySize + kReturnTagSize> raw{};
  raw[0] = static_cast<unsigned char>(claims.kind);
  put64(&raw[1], static_cast<std::uint64_t>(claims.subscriber_id));
  put64(&raw[9], static_cast<std::uint64_t>(claims.ref));
  const auto tag =
      return_tag(key, {reinterpret_cast<const char*>(raw.data()), kReturnBodySize});
  std::copy(tag.begin(), tag.begin() + kReturnTagSize, raw.begin() + kReturnBodySize);
  return to_hex(raw);
}

std::string return_path(const ReturnClaims& claims, std::string_view key,
                        std::string_view domain) {
  std::string out(kReturnPrefix);
  out += sign_return_token(claims, key);
  out += '@';
  out += domain;
  return out;
}

Result<ReturnClaims> verify_return_token(std::string_view token, std::string_view key) {
  const auto raw = token.size() == (kReturnBodySize + kReturnTagSize) * 2
                       ? from_hex(token)
                       : std::nullopt;
  if (!raw || ((*raw)[0] != static_cast<unsigned char>(ReturnKind::issue) &&
               (*raw)[0] != static_cast<unsigned char>(ReturnKind::reader_mail))) {
    return make_error(Errc::invalid_argument, "malformed return token");
  }
  const auto tag =
      return_tag(key, {reinterpret_cast<const char*>(raw->data()), kReturnBodySize});
  if (CRYPTO_memcmp(tag.data(), raw->data() + kReturnBodySize, kReturnTagSize) != 0) {
    return make_error(Errc::invalid_argument, "bad signature");
  }
  ReturnClaims claims;
  claims.kind = static_cast<ReturnKind>((*raw)[0]);
  claims.subscriber_id = static_cast<Id>(get64(raw->data() + 1));
  claims.ref = static_cast<Id>(get64(raw->data() + 9));
  return claims;
}

}  // namespace broadsheet::links
