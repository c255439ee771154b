#include "robot/altcha.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <chrono>
#include <string>

#include "core/encoding.hpp"
#include "robot/crypto.hpp"
#include "robot/kdf.hpp"

namespace broadsheet::robot {
namespace {

namespace json = boost::json;
using ::testing::HasSubstr;
using ::testing::MatchesRegex;

constexpr UnixSeconds kStart = 1'700'000'000;

RobotConfig small_config() {
  RobotConfig config;
  config.hmac_key = "test-key-that-is-long-enough";
  config.v1_max_number = 2000;
  config.v2_cost = 10;
  config.v2_prefix_digits = 2;
  config.version = 2;
  config.accept_previous = true;  // most tests try both versions
  return config;
}

std::string encode(const json::object& payload) { return base64_encode(json::serialize(payload)); }

json::object issue(int version, const RobotConfig& config, const Clock& clock) {
  auto challenge = issue_challenge(version, config, clock);
  EXPECT_TRUE(challenge.ok()) << challenge.error().message;
  return challenge.ok() ? *challenge : json::object{};
}

// Brute force, as the widget would: the payload for a v1 challenge.
json::object solve_v1(const json::object& c) {
  std::string salt(c.at("salt").as_string());
  std::int64_t max = c.at("maxnumber").as_int64();
  for (std::int64_t n = 0; n <= max; ++n) {
    if (sha256_hex(salt + std::to_string(n)) == c.at("challenge").as_string()) {
      return {{"algorithm", c.at("algorithm")},
              {"challenge", c.at("challenge")},
              {"number", n},
              {"salt", salt},
              {"signature", c.at("signature")},
              {"took", 12}};
    }
  }
  ADD_FAILURE() << "no v1 solution up to " << max;
  return {};
}

KdfParams kdf_params_of(const json::object& p) {
  KdfParams params;
  params.algorithm = *kdf_from_name(p.at("algorithm").as_string());
  params.cost = p.at("cost").as_int64();
  params.key_length = p.at("keyLength").as_int64();
  if (p.contains("memoryCost")) params.memory_cost = p.at("memoryCost").as_int64();
  if (p.contains("parallelism")) params.parallelism = p.at("parallelism").as_int64();
  return params;
}

Bytes password(const json::object& p, std::uint32_t counter) {
  Bytes out = *from_hex(p.at("nonce").as_string());
  for (int shift = 24; shift >= 0; shift -= 8)
    out.push_back(static_cast<std::uint8_t>(counter >> shift));
  return out;
}

std::string derived_hex(const json::object& p, std::uint32_t counter) {
  auto key =
      derive_key(kdf_params_of(p), *from_hex(p.at("salt").as_string()), password(p, counter));
  EXPECT_TRUE(key.ok());
  return to_hex(*key);
}

// Counter by counter until the key has the prefix: the payload for a v2 challenge.
json::object solve_v2(const json::object& c) {
  const json::object& p = c.at("parameters").as_object();
  std::string prefix(p.at("keyPrefix").as_string());
  for (std::uint32_t counter = 0; counter < 1'000'000; ++counter) {
    std::string key = derived_hex(p, counter);
    if (key.starts_with(prefix)) {
      return {{"challenge", {{"parameters", p}, {"signature", c.at("signature")}}},
              {"solution", {{"counter", counter}, {"derivedKey", key}, {"time", 31.4}}}};
    }
  }
  ADD_FAILURE() << "no v2 solution";
  return {};
}

json::object& parameters_of(json::object& payload) {
  return payload["challenge"].as_object()["parameters"].as_object();
}
json::object& solution_of(json::object& payload) { return payload["solution"].as_object(); }

// A v2 challenge we signed but would never issue: to reach the checks behind the signature.
json::object signed_v2(const RobotConfig& config, json::object parameters) {
  json::object sorted;
  std::vector<std::string> keys;
  for (const auto& entry : parameters) keys.emplace_back(entry.key());
  std::sort(keys.begin(), keys.end());
  for (const auto& key : keys) sorted[key] = parameters[key];
  std::string signature = hmac_sha256_hex(config.hmac_key, json::serialize(sorted));
  return {{"parameters", sorted}, {"signature", signature}};
}

Error refusal(std::string_view payload, const RobotConfig& config, const Clock& clock) {
  auto result = verify_solution(payload, config, clock);
  EXPECT_FALSE(result.ok());
  return result.ok() ? Error{Errc::internal, "accepted"} : result.error();
}

// Every test starts at kStart with a cheap configuration.
class RobotTest : public ::testing::Test {
 protected:
  FakeClock clock{kStart};
  RobotConfig config = small_config();
};
class RobotPayload : public RobotTest {};
class RobotReplay : public RobotTest {};
class RobotV1 : public RobotTest {};
class RobotV2 : public RobotTest {};

// ---- v1 ----

TEST_F(RobotV1, IssuesTheShapeTheWidgetFetches) {
  json::object c = issue(1, config, clock);
  EXPECT_EQ(c.at("algorithm").as_string(), "SHA-256");
  EXPECT_EQ(c.at("maxnumber").as_int64(), 2000);
  EXPECT_THAT(std::string(c.at("salt").as_string()),
              MatchesRegex("[0-9a-f]{24}\\?expires=1700000600&"));
  EXPECT_THAT(std::string(c.at("challenge").as_string()), MatchesRegex("[0-9a-f]{64}"));
  EXPECT_EQ(c.at("signature").as_string(),
            hmac_sha256_hex(config.hmac_key, c.at("challenge").as_string()));
  EXPECT_EQ(c.size(), 5u);
}

TEST_F(RobotV1, SolvedChallengeVerifiesAsBase64AndAsJson) {
  json::object payload = solve_v1(issue(1, config, clock));
  clock.advance(600);  // the last second of its life
  auto from_base64 = verify_solution(encode(payload), config, clock);
  ASSERT_TRUE(from_base64.ok()) << from_base64.error().message;
  EXPECT_EQ(from_base64->version, 1);
  EXPECT_EQ(from_base64->expires_at, kStart + 600);
  EXPECT_THAT(from_base64->challenge_id, MatchesRegex("[0-9a-f]{64}"));
  auto from_json = verify_solution(json::serialize(payload), config, clock);
  ASSERT_TRUE(from_json.ok()) << from_json.error().message;
  EXPECT_EQ(from_json->challenge_id, from_base64->challenge_id);
}

TEST_F(RobotV1, DistinctChallengesHaveDistinctIds) {
  auto a = verify_solution(encode(solve_v1(issue(1, config, clock))), config, clock);
  auto b = verify_solution(encode(solve_v1(issue(1, config, clock))), config, clock);
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_NE(a->challenge_id, b->challenge_id);
}

TEST_F(RobotV1, RefusesWrongNumber) {
  json::object payload = solve_v1(issue(1, config, clock));
  payload["number"] = payload["number"].as_int64() + 1;
  Error e = refusal(encode(payload), config, clock);
  EXPECT_EQ(e.code, Errc::invalid_argument);
  EXPECT_THAT(e.message, HasSubstr("wrong number"));
}

TEST_F(RobotV1, RefusesTamperedSignature) {
  json::object payload = solve_v1(issue(1, config, clock));
  std::string signature(payload["signature"].as_string());
  signature[10] = signature[10] == '0' ? '1' : '0';
  payload["signature"] = signature;
  EXPECT_EQ(refusal(encode(payload), config, clock).message, "bad signature");

  RobotConfig other = config;
  other.hmac_key = "another-key-that-is-long-enough";
  EXPECT_EQ(refusal(encode(solve_v1(issue(1, other, clock))), config, clock).message,
            "bad signature");
}

TEST_F(RobotV1, RefusesSaltWithMovedExpiry) {
  json::object payload = solve_v1(issue(1, config, clock));
  std::string salt(payload["salt"].as_string());
  salt.replace(salt.find("1700000600"), 10, "1800000000");
  payload["salt"] = salt;
  clock.advance(3600);
  EXPECT_THAT(refusal(encode(payload), config, clock).message, HasSubstr("wrong number"));
}

TEST_F(RobotV1, RefusesExpired) {
  json::object payload = solve_v1(issue(1, config, clock));
  clock.advance(601);
  EXPECT_EQ(refusal(encode(payload), config, clock).message,
            "challenge expired at 2023-11-14T22:23:20Z");
}

TEST_F(RobotV1, RefusesOtherAlgorithmsAndBadFields) {
  json::object good = solve_v1(issue(1, config, clock));

  json::object payload = good;
  payload["algorithm"] = "SHA-1";
  EXPECT_EQ(refusal(encode(payload), config, clock).message, "unsupported algorithm 'SHA-1'");

  payload = good;
  payload["number"] = 1.5;
  EXPECT_THAT(refusal(encode(payload), config, clock).message,
              HasSubstr("'number' is not an integer"));
  payload["number"] = "7";
  EXPECT_THAT(refusal(encode(payload), config, clock).message,
              HasSubstr("'number' is not an integer"));
  payload["number"] = kMaxV1Number + 1;
  EXPECT_THAT(refusal(encode(payload), config, clock).message,
              HasSubstr("'number' is out of range"));
  payload["number"] = -1;
  EXPECT_THAT(refusal(encode(payload), config, clock).message,
              HasSubstr("'number' is out of range"));

  payload = good;
  payload.erase("salt");
  EXPECT_THAT(refusal(encode(payload), config, clock).message, HasSubstr("missing 'salt'"));
  payload = good;
  payload["challenge"] = std::string(64, 'G');
  EXPECT_THAT(refusal(encode(payload), config, clock).message, HasSubstr("'challenge' is not"));
}

TEST_F(RobotV1, RefusesSaltWithoutSingleExpiry) {
  // Signed by us but without an expiry, or with two: never issued, so never accepted.
  for (std::string salt : {"abcdef", "abcdef?x=1&", "abcdef?expires=1700000600&expires=9&"}) {
    std::string challenge = sha256_hex(salt + "5");
    json::object payload{{"algorithm", "SHA-256"},
                         {"challenge", challenge},
                         {"number", 5},
                         {"salt", salt},
                         {"signature", hmac_sha256_hex(config.hmac_key, challenge)}};
    EXPECT_THAT(refusal(encode(payload), config, clock).message, HasSubstr("no single 'expires'"))
        << salt;
  }
}

// ---- v2 ----

TEST_F(RobotV2, IssuesTheShapeTheWidgetFetches) {
  json::object c = issue(2, config, clock);
  ASSERT_EQ(c.size(), 2u);
  const json::object& p = c.at("parameters").as_object();
  EXPECT_EQ(p.at("algorithm").as_string(), "PBKDF2/SHA-256");
  EXPECT_EQ(p.at("cost").as_int64(), 10);
  EXPECT_EQ(p.at("expiresAt").as_int64(), kStart + 600);
  EXPECT_EQ(p.at("keyLength").as_int64(), 32);
  EXPECT_EQ(p.at("keyPrefix").as_string(), "00");
  EXPECT_THAT(std::string(p.at("nonce").as_string()), MatchesRegex("[0-9a-f]{32}"));
  EXPECT_THAT(std::string(p.at("salt").as_string()), MatchesRegex("[0-9a-f]{32}"));
  EXPECT_FALSE(p.contains("memoryCost"));
  // The keys come sorted, so serialising them is JSON.stringify(sortKeys(parameters)).
  EXPECT_EQ(c.at("signature").as_string(), hmac_sha256_hex(config.hmac_key, json::serialize(p)));
}

TEST_F(RobotV2, SolvedChallengeVerifiesForEveryAlgorithm) {
  struct Case {
    const char* algorithm;
    int cost, key_length, memory_cost;
  };
  for (Case k : {Case{"PBKDF2/SHA-256", 10, 32, 0}, Case{"PBKDF2/SHA-384", 5, 24, 0},
                 Case{"PBKDF2/SHA-512", 5, 16, 0}, Case{"SHA-256", 3, 32, 0},
                 Case{"SHA-384", 2, 48, 0}, Case{"SHA-512", 1, 64, 0}, Case{"SCRYPT", 16, 32, 1}}) {
    SCOPED_TRACE(k.algorithm);
    RobotConfig v2 = config;
    v2.v2_algorithm = k.algorithm;
    v2.v2_cost = k.cost;
    v2.v2_key_length = k.key_length;
    v2.v2_memory_cost = k.memory_cost;
    json::object challenge = issue(2, v2, clock);
    EXPECT_EQ(challenge.at("parameters").as_object().contains("memoryCost"), k.memory_cost > 0);
    json::object payload = solve_v2(challenge);
    auto solution = verify_solution(encode(payload), v2, clock);
    ASSERT_TRUE(solution.ok()) << solution.error().message;
    EXPECT_EQ(solution->version, 2);
    EXPECT_EQ(solution->expires_at, kStart + 600);
  }
}

TEST_F(RobotV2, RefusesTamperedParametersAndSignature) {
  json::object good = solve_v2(issue(2, config, clock));

  json::object payload = good;
  parameters_of(payload)["cost"] = 1;
  EXPECT_EQ(refusal(encode(payload), config, clock).message, "bad signature");
  payload = good;
  parameters_of(payload)["expiresAt"] = kStart + 86'400;
  EXPECT_EQ(refusal(encode(payload), config, clock).message, "bad signature");
  payload = good;
  parameters_of(payload)["keyPrefix"] = "0";
  EXPECT_EQ(refusal(encode(payload), config, clock).message, "bad signature");
  payload = good;
  payload["challenge"].as_object()["signature"] = std::string(64, 'a');
  EXPECT_EQ(refusal(encode(payload), config, clock).message, "bad signature");
  payload = good;
  parameters_of(payload)["data"] = json::object{{"challengeId", "x"}};
  EXPECT_THAT(refusal(encode(payload), config, clock).message,
              HasSubstr("unexpected challenge parameter 'data'"));
}

TEST_F(RobotV2, RefusesExpired) {
  json::object payload = solve_v2(issue(2, config, clock));
  clock.advance(600);
  EXPECT_TRUE(verify_solution(encode(payload), config, clock).ok());
  clock.advance(1);
  EXPECT_THAT(refusal(encode(payload), config, clock).message, HasSubstr("challenge expired at"));
}

TEST_F(RobotV2, RefusesWrongKey) {
  json::object good = solve_v2(issue(2, config, clock));

  json::object payload = good;  // the right key, the wrong counter
  solution_of(payload)["counter"] = solution_of(payload)["counter"].to_number<std::int64_t>() + 1;
  EXPECT_EQ(refusal(encode(payload), config, clock).message,
            "wrong key: it is not the key derived from the counter");

  payload = good;  // a key that never had the prefix
  std::string key(solution_of(payload)["derivedKey"].as_string());
  key[0] = 'f';
  solution_of(payload)["derivedKey"] = key;
  EXPECT_EQ(refusal(encode(payload), config, clock).message,
            "wrong key: it does not start with the required prefix");

  payload = good;  // the prefix, made up
  solution_of(payload)["derivedKey"] = "00" + std::string(62, 'a');
  EXPECT_THAT(refusal(encode(payload), config, clock).message, HasSubstr("wrong key"));

  payload = good;
  std::string upper(solution_of(good)["derivedKey"].as_string());
  for (char& ch : upper) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
  solution_of(payload)["derivedKey"] = upper;
  EXPECT_THAT(refusal(encode(payload), config, clock).message, HasSubstr("'derivedKey' is not"));

  payload = good;
  solution_of(payload)["counter"] = std::int64_t{1} << 32;
  EXPECT_THAT(refusal(encode(payload), config, clock).message,
              HasSubstr("'counter' is out of range"));
}

TEST_F(RobotV2, RefusesUnsupportedAlgorithmEvenWhenSigned) {
  json::object challenge = signed_v2(config, {{"algorithm", "ARGON2ID"},
                                              {"cost", 2},
                                              {"expiresAt", kStart + 600},
                                              {"keyLength", 32},
                                              {"keyPrefix", "00"},
                                              {"memoryCost", 1024},
                                              {"nonce", std::string(32, 'a')},
                                              {"parallelism", 1},
                                              {"salt", std::string(32, 'b')}});
  json::object payload{{"challenge", challenge},
                       {"solution", {{"counter", 0}, {"derivedKey", "00" + std::string(62, '1')}}}};
  EXPECT_EQ(refusal(encode(payload), config, clock).message, "unsupported algorithm 'ARGON2ID'");
}

TEST_F(RobotV2, RefusesCostsBeyondTheLimitsBeforeAnyWork) {
  auto attempt = [&](json::object parameters) {
    json::object payload{
        {"challenge", signed_v2(config, std::move(parameters))},
        {"solution", {{"counter", 0}, {"derivedKey", "00" + std::string(62, '1')}}}};
    auto begin = std::chrono::steady_clock::now();
    Error e = refusal(encode(payload), config, clock);
    EXPECT_LT(std::chrono::steady_clock::now() - begin, std::chrono::milliseconds(200));
    return e.message;
  };
  json::object pbkdf2{{"algorithm", "PBKDF2/SHA-256"},
                      {"cost", 9'000'000},
                      {"expiresAt", kStart + 600},
                      {"keyLength", 32},
                      {"keyPrefix", "00"},
                      {"nonce", std::string(32, 'a')},
                      {"salt", std::string(32, 'b')}};
  EXPECT_THAT(attempt(pbkdf2), HasSubstr("out of range: cost 9000000"));
  json::object scrypt = pbkdf2;
  scrypt["algorithm"] = "SCRYPT";
  scrypt["cost"] = 1 << 16;
  scrypt["memoryCost"] = 64;
  scrypt["parallelism"] = 1;
  EXPECT_THAT(attempt(scrypt), HasSubstr("out of range: memoryCost 64"));
  scrypt["memoryCost"] = 16;
  scrypt["parallelism"] = 200;
  EXPECT_THAT(attempt(scrypt), HasSubstr("out of range: parallelism 200"));
  scrypt["parallelism"] = 2;
  EXPECT_THAT(attempt(scrypt), HasSubstr("out of range: scrypt memory"));
}

// ---- what both versions share ----

TEST_F(RobotPayload, RefusesOversizeAndGarbage) {
  EXPECT_THAT(refusal(std::string(kMaxPayloadBytes + 1, 'A'), config, clock).message,
              HasSubstr("larger than 4096 bytes"));
  EXPECT_THAT(refusal("", config, clock).message, HasSubstr("empty"));
  EXPECT_THAT(refusal("not base64!", config, clock).message, HasSubstr("not base64"));
  EXPECT_THAT(refusal(base64_encode("hello"), config, clock).message, HasSubstr("not JSON"));
  EXPECT_THAT(refusal(base64_encode("[1,2]"), config, clock).message,
              HasSubstr("not a JSON object"));
  EXPECT_THAT(refusal("{\"a\":{\"b\":{\"c\":{\"d\":{\"e\":1}}}}}", config, clock).message,
              HasSubstr("not JSON"));
  EXPECT_THAT(refusal("{}", config, clock).message, HasSubstr("neither a v1 nor a v2"));
  EXPECT_THAT(refusal("{\"challenge\":{},\"solution\":[]}", config, clock).message,
              HasSubstr("is not an object"));
  std::string test_mode = base64_encode(R"({"challenge":null,"solution":null,"test":true})");
  EXPECT_THAT(refusal(test_mode, config, clock).message, HasSubstr("test mode"));
}

// The store spends a challenge by the id verify_solution names (in the sign-up's own
// transaction): one challenge, one id, however often its solution is posted.
TEST_F(RobotReplay, ASolutionNamesItsChallengeTheSameEveryTime) {
  std::vector<std::string> ids;
  for (int version : {1, 2}) {
    json::object challenge = issue(version, config, clock);
    std::string payload = encode(version == 1 ? solve_v1(challenge) : solve_v2(challenge));
    auto first = verify_solution(payload, config, clock);
    ASSERT_TRUE(first.ok()) << first.error().message;
    auto again = verify_solution(payload, config, clock);
    ASSERT_TRUE(again.ok()) << again.error().message;
    EXPECT_EQ(again->challenge_id, first->challenge_id);
    EXPECT_EQ(again->expires_at, first->expires_at);
    ids.push_back(first->challenge_id);
  }
  EXPECT_NE(ids[0], ids[1]);
}

// ---- configuration ----

TEST(RobotConfigCheck, RefusesUnusableSettings) {
  EXPECT_TRUE(validate(small_config()).ok());
  RobotConfig defaults;
  defaults.hmac_key = "0123456789abcdef";
  EXPECT_TRUE(validate(defaults).ok()) << validate(defaults).error().message;

  auto refused = [](auto change) {
    RobotConfig config = small_config();
    change(config);
    Status status = validate(config);
    EXPECT_FALSE(status.ok());
    return status.ok() ? Errc::internal : status.error().code;
  };
  EXPECT_EQ(refused([](RobotConfig& c) { c.hmac_key = "short"; }), Errc::config);
  EXPECT_EQ(refused([](RobotConfig& c) { c.v1_max_number = 0; }), Errc::config);
  EXPECT_EQ(refused([](RobotConfig& c) { c.v1_max_number = kMaxV1Number + 1; }), Errc::config);
  EXPECT_EQ(refused([](RobotConfig& c) { c.expires_seconds = 0; }), Errc::config);
  EXPECT_EQ(refused([](RobotConfig& c) { c.version = 3; }), Errc::config);
  EXPECT_EQ(refused([](RobotConfig& c) { c.v2_algorithm = "ARGON2ID"; }), Errc::config);
  EXPECT_EQ(refused([](RobotConfig& c) { c.v2_algorithm = "pbkdf2/sha-256"; }), Errc::config);
  EXPECT_EQ(refused([](RobotConfig& c) { c.v2_key_length = 48; }), Errc::config);
  EXPECT_EQ(refused([](RobotConfig& c) { c.v2_cost = 200'000; }), Errc::config);
  EXPECT_EQ(refused([](RobotConfig& c) { c.v2_prefix_digits = 9; }), Errc::config);
  EXPECT_EQ(refused([](RobotConfig& c) {
              c.v2_algorithm = "SCRYPT";
              c.v2_cost = 1000;
            }),
            Errc::config);
  EXPECT_EQ(refused([](RobotConfig& c) { c.v2_limits.max_cost = kKdfHardMaxCost + 1; }),
            Errc::config);

  FakeClock clock(kStart);
  RobotConfig bad = small_config();
  bad.hmac_key.clear();
  EXPECT_EQ(issue_challenge(1, bad, clock).error().code, Errc::config);
  EXPECT_EQ(verify_solution("{}", bad, clock).error().code, Errc::config);
}

TEST(RobotConfigCheck, PicksTheVersion) {
  RobotConfig config = small_config();
  config.version = 1;
  config.accept_previous = false;
  EXPECT_EQ(*challenge_version("", config), 1);
  config.version = 2;
  EXPECT_EQ(*challenge_version("", config), 2);
  EXPECT_EQ(*challenge_version("2", config), 2);
  EXPECT_FALSE(challenge_version("3", config).ok());
  EXPECT_FALSE(challenge_version("01", config).ok());
  FakeClock clock(kStart);
  EXPECT_EQ(issue_challenge(3, config, clock).error().code, Errc::invalid_argument);
}

// The defect: with version 2, v1 challenges were still issued and their solutions,
// ten times cheaper, accepted.
TEST(RobotConfigCheck, AcceptsOnlyTheConfiguredVersion) {
  FakeClock clock(kStart);
  RobotConfig both = small_config();  // version 2 with accept_previous
  json::object v1 = issue(1, both, clock);
  json::object v2 = issue(2, both, clock);
  std::string v1_payload = encode(solve_v1(v1)), v2_payload = encode(solve_v2(v2));
  ASSERT_TRUE(verify_solution(v1_payload, both, clock).ok());
  ASSERT_TRUE(verify_solution(v2_payload, both, clock).ok());

  RobotConfig only2 = both;
  only2.accept_previous = false;
  EXPECT_EQ(challenge_version("1", only2).error().code, Errc::invalid_argument);
  EXPECT_THAT(challenge_version("1", only2).error().message, HasSubstr("v must be 2"));
  EXPECT_EQ(issue_challenge(1, only2, clock).error().code, Errc::invalid_argument);
  EXPECT_THAT(refusal(v1_payload, only2, clock).message, HasSubstr("v2 is required"));
  EXPECT_TRUE(verify_solution(v2_payload, only2, clock).ok());

  RobotConfig only1 = both;
  only1.version = 1;  // accept_previous means nothing below version 2
  EXPECT_EQ(challenge_version("2", only1).error().code, Errc::invalid_argument);
  EXPECT_EQ(*challenge_version("1", only1), 1);
  EXPECT_THAT(refusal(v2_payload, only1, clock).message, HasSubstr("v1 is required"));
  EXPECT_TRUE(verify_solution(v1_payload, only1, clock).ok());
}

}  // namespace
}  // namespace broadsheet::robot
