// v1: find N such that SHA-256(salt + N) is the challenge. See the formats in altcha.hpp.
#include <cstring>
#include <optional>
#include <string>

#include "core/encoding.hpp"
#include "robot/crypto.hpp"
#include "robot/wire.hpp"

namespace broadsheet::robot::wire {
namespace {

constexpr std::string_view kAlgorithm = "SHA-256";
constexpr std::size_t kSaltRandomBytes = 12;

// The "expires" parameter of "<random>?expires=T&", exactly once; nullopt otherwise.
std::optional<UnixSeconds> salt_expiry(std::string_view salt) {
  std::size_t query = salt.find('?');
  if (query == std::string_view::npos) return std::nullopt;
  std::string_view rest = salt.substr(query + 1);
  std::optional<UnixSeconds> expiry;
  while (!rest.empty()) {
    std::size_t end = rest.find('&');
    std::string_view pair = rest.substr(0, end);
    rest = end == std::string_view::npos ? std::string_view() : rest.substr(end + 1);
    if (!pair.starts_with("expires=")) continue;
    std::string_view digits = pair.substr(std::strlen("expires="));
    if (expiry || digits.empty() || digits.size() > 12) return std::nullopt;
    UnixSeconds t = 0;
    for (char c : digits) {
      if (c < '0' || c > '9') return std::nullopt;
      t = t * 10 + (c - '0');
    }
    expiry = t;
  }
  return expiry;
}

bool is_printable_ascii(std::string_view text) {
  for (char c : text) {
    if (c < '!' || c > '~') return false;
  }
  return true;
}

}  // namespace

Result<boost::json::object> issue_v1(const RobotConfig& config, UnixSeconds now) {
  auto random = random_bytes(kSaltRandomBytes + sizeof(std::uint64_t));
  if (!random) return random.error();
  std::uint64_t draw = 0;
  std::memcpy(&draw, random->data() + kSaltRandomBytes, sizeof draw);
  // The modulo bias is below 2^-40 for any allowed maximum.
  std::uint64_t number = draw % (static_cast<std::uint64_t>(config.v1_max_number) + 1);
  std::string salt = to_hex({random->data(), kSaltRandomBytes}) +
                     "?expires=" + std::to_string(now + config.expires_seconds) + "&";
  std::string challenge = sha256_hex(salt + std::to_string(number));
  boost::json::object out;
  out["algorithm"] = kAlgorithm;
  out["challenge"] = challenge;
  out["maxnumber"] = config.v1_max_number;
  out["salt"] = salt;
  out["signature"] = hmac_sha256_hex(config.hmac_key, challenge);
  return out;
}

Result<Solution> verify_v1(const boost::json::object& payload, const RobotConfig& config,
                           UnixSeconds now) {
  auto algorithm = string_field(payload, "algorithm");
  if (!algorithm) return algorithm.error();
  if (*algorithm != kAlgorithm) {
    return make_error(Errc::invalid_argument,
                      "unsupported algorithm '" + std::string(*algorithm) + "'");
  }
  auto challenge = string_field(payload, "challenge");
  if (!challenge) return challenge.error();
  auto signature = string_field(payload, "signature");
  if (!signature) return signature.error();
  auto salt = string_field(payload, "salt");
  if (!salt) return salt.error();
  auto number = integer_field(payload, "number", 0, kMaxV1Number);
  if (!number) return number.error();
  if (challenge->size() != 64 || !is_lower_hex(*challenge)) {
    return malformed("'challenge' is not a SHA-256 in hex");
  }
  if (!is_printable_ascii(*salt)) return malformed("'salt' has characters the widget never sends");

  if (!equal_constant_time(hmac_sha256_hex(config.hmac_key, *challenge), *signature)) {
    return make_error(Errc::invalid_argument, "bad signature");
  }
  // The signature covers the challenge only; this is what binds the salt, and so the expiry.
  if (!equal_constant_time(sha256_hex(std::string(*salt) + std::to_string(*number)), *challenge)) {
    return make_error(Errc::invalid_argument,
                      "wrong number: SHA-256(salt + number) is not the challenge");
  }
  std::optional<UnixSeconds> expires_at = salt_expiry(*salt);
  if (!expires_at) return malformed("the salt carries no single 'expires' parameter");
  if (now > *expires_at) return expired(*expires_at);
  return Solution{challenge_id(1, *signature), *expires_at, 1};
}

}  // namespace broadsheet::robot::wire
