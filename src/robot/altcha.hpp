// The robot check: a proof of work the ALTCHA widget (npm `altcha` 3.x) solves in the
// reader's browser before a sign-up is accepted. The server issues HMAC-signed challenges
// that expire, and verifies the solutions the widget posts back; the sign-up spends the
// challenge a solution names in its own transaction (store/signups.hpp), so each
// solution counts once.
//
// Trusts: nothing in a payload until its HMAC signature checks out; the KDF parameters
// even then only within RobotConfig's limits. Holds one secret, hmac_key, which must be
// used for nothing else (derive it, e.g. HMAC(hmac.key, "robot"); never the link key).
// Fails: every refusal is Errc::invalid_argument with a one-line reason, unusable
// configuration is Errc::config (a replay is refused by the sign-up, Errc::conflict).
// Thread-safe: no shared state.
//
// Wire formats, as read from altcha@3.2.2 (the widget) and altcha-lib@2.8.0 (the
// reference server library). Hex is lowercase; times are Unix seconds; the widget posts
// its payload in the form field "altcha" as base64 (btoa) of the JSON shown.
//
// v1, SHA-256 (GET /api/v1/public/challenge?v=1):
//   challenge  {"algorithm":"SHA-256","challenge":C,"maxnumber":M,"salt":S,"signature":G}
//     S = 24 random hex digits + "?expires=" + T + "&"   (the '&' stops parameter splicing)
//     C = hex SHA-256(S + decimal(N)), N secret and uniform in [0, M]
//     G = hex HMAC-SHA256(hmac_key, C)
//   payload    {"algorithm":"SHA-256","challenge":C,"number":N,"salt":S,"signature":G,"took":ms}
//   The expiry is bound by C, not G: a changed S no longer hashes to C. Widget 3 solves v1
//   by rewriting it as v2 (SHA-256, cost 1, nonce = hex of S, salt "", keyPrefix = C,
//   counter as decimal text) and ignores maxnumber, so N must stay small enough to find.
//
// v2, key derivation (GET /api/v1/public/challenge?v=2):
//   challenge  {"parameters":P,"signature":G}
//     P = {"algorithm":A,"cost":c,"expiresAt":T,"keyLength":L,"keyPrefix":X,
//          ["memoryCost":r,"parallelism":p,]  (SCRYPT only)
//          "nonce":16 random bytes in hex,"salt":16 random bytes in hex}
//     G = hex HMAC-SHA256(hmac_key, JSON.stringify(P, keys sorted, no spaces))
//     A is one of SHA-256|384|512, PBKDF2/SHA-256|384|512 (both bundled in the widget),
//     SCRYPT (a separate widget worker); see robot/kdf.hpp. X = "0" repeated.
//   solving    for counter = 0, 1, 2, ...: key = KDF_A(password = nonce bytes ||
//              counter as 4 big-endian bytes, salt bytes, c, r, p, L) until hex(key)
//              starts with X
//   payload    {"challenge":{"parameters":P,"signature":G},
//               "solution":{"counter":n,"derivedKey":hex(key),"time":ms}}
//   Verified: G over the canonical P, expiresAt >= now, the KDF parameters within limits,
//   derivedKey starts with X, and KDF(counter) == derivedKey (one derivation, bounded).
//
// Not used: altcha-lib's "deterministic" v2 mode (server-chosen counter, keySignature),
// `data`, code challenges, ARGON2ID; the widget's test-mode payload ({"test":true}) is
// refused.
#pragma once

#include <boost/json/object.hpp>
#include <string>
#include <string_view>

#include "core/clock.hpp"
#include "core/result.hpp"
#include "robot/kdf.hpp"

namespace broadsheet::robot {

inline constexpr std::size_t kMaxPayloadBytes = 4096;
inline constexpr int kMaxV1Number = 10'000'000;

struct RobotConfig {
  std::string hmac_key;         // at least 16 bytes, used for nothing else
  int v1_max_number = 100'000;  // 1..10,000,000; expected work is half this many hashes
  int expires_seconds = 600;    // 10..86,400: how long an issued challenge stays good
  std::string v2_algorithm = "PBKDF2/SHA-256";
  int v2_cost = 5'000;       // iterations, rounds, or scrypt's N (a power of two)
  int v2_memory_cost = 8;    // scrypt's r; ignored by the other algorithms
  int v2_parallelism = 1;    // scrypt's p; ignored by the other algorithms
  int v2_key_length = 32;    // bytes; PBKDF2 takes 16, 24 or 32, SHA its digest size
  int v2_prefix_digits = 2;  // 1..8 zero hex digits; each one is 16 times the work
  KdfLimits v2_limits;       // what verification derives at most, whatever was issued
  // The version issued and accepted: a downgrade to v1, ten times cheaper to solve,
  // would make v2's cost protect nothing. accept_previous (with version 2, during a
  // change of version only) issues and accepts v1 as well.
  int version = 1;
  bool accept_previous = false;
};

// Errc::config naming the first unusable setting.
Status validate(const RobotConfig& config);

// Whether config issues and accepts challenges of `version`.
bool accepts_version(int version, const RobotConfig& config);

// The version for the `v` query parameter: "" is config.version, else "1" or "2" when
// accepted; Errc::invalid_argument saying which version to ask for otherwise.
Result<int> challenge_version(std::string_view v_parameter, const RobotConfig& config);

// The JSON the widget fetches (see the formats above), expiring expires_seconds from now;
// Errc::invalid_argument for a version config does not accept. Serve it with
// Cache-Control: no-store.
Result<boost::json::object> issue_challenge(int version, const RobotConfig& config,
                                            const Clock& clock);

struct Solution {
  std::string challenge_id;  // hex SHA-256 naming the challenge: what the store spends
  UnixSeconds expires_at = 0;
  int version = 0;  // 1 or 2
};

// Checks a payload as the widget posts it (base64 of the JSON, or the JSON itself), up
// to kMaxPayloadBytes; the solution of a version config does not accept is refused
// before any work. Does not consult the replay ledger: the sign-up spends challenge_id.
Result<Solution> verify_solution(std::string_view payload, const RobotConfig& config,
                                 const Clock& clock);

}  // namespace broadsheet::robot
