// v2: find a counter whose derived key starts with the prefix. See the formats in
// altcha.hpp and the key derivations in kdf.hpp.
#include <algorithm>
#include <array>
#include <optional>
#include <string>

#include "core/encoding.hpp"
#include "robot/crypto.hpp"
#include "robot/kdf.hpp"
#include "robot/wire.hpp"

namespace broadsheet::robot::wire {
namespace {

constexpr std::size_t kNonceBytes = 16;
constexpr std::size_t kSaltBytes = 16;
constexpr std::int64_t kMaxSafeInteger = (std::int64_t{1} << 53) - 1;  // JSON numbers in JS
constexpr std::int64_t kMaxCounter = 0xffffffff;                       // four bytes

// The signed parameters, as they came. Each string holds only printable ASCII without
// '"' or '\\', so JSON.stringify writes it as it is and canonical_json() can too.
struct Parameters {
  std::string algorithm;
  std::int64_t cost = 0;
  std::optional<std::int64_t> expires_at;
  std::int64_t key_length = 0;
  std::string key_prefix;
  std::optional<std::int64_t> memory_cost;
  std::string nonce;
  std::optional<std::int64_t> parallelism;
  std::string salt;
};

constexpr std::array<std::string_view, 9> kParameterNames{
    "algorithm",  "cost",  "expiresAt",   "keyLength", "keyPrefix",
    "memoryCost", "nonce", "parallelism", "salt"};  // sorted, as the signature wants them

bool needs_no_escaping(std::string_view text) {
  for (char c : text) {
    if (c < ' ' || c > '~' || c == '"' || c == '\\') return false;
  }
  return true;
}

// JSON.stringify of the parameters with their keys sorted: what altcha signs.
std::string canonical_json(const Parameters& p) {
  std::string out = "{";
  auto add = [&out](std::string_view name, const std::string& json_value) {
    if (out.size() > 1) out += ',';
    out += '"';
    out += name;
    out += "\":";
    out += json_value;
  };
  auto quoted = [](const std::string& s) { return "\"" + s + "\""; };
  add("algorithm", quoted(p.algorithm));
  add("cost", std::to_string(p.cost));
  if (p.expires_at) add("expiresAt", std::to_string(*p.expires_at));
  add("keyLength", std::to_string(p.key_length));
  add("keyPrefix", quoted(p.key_prefix));
  if (p.memory_cost) add("memoryCost", std::to_string(*p.memory_cost));
  add("nonce", quoted(p.nonce));
  if (p.parallelism) add("parallelism", std::to_string(*p.parallelism));
  add("salt", quoted(p.salt));
  return out + "}";
}

Result<Parameters> read_parameters(const boost::json::object& object) {
  for (const auto& entry : object) {
    if (std::find(kParameterNames.begin(), kParameterNames.end(), entry.key()) ==
        kParameterNames.end()) {
      return malformed("unexpected challenge parameter '" + std::string(entry.key()) + "'");
    }
  }
  Parameters p;
  for (auto [name, field] :
       {std::pair{"algorithm", &p.algorithm}, std::pair{"keyPrefix", &p.key_prefix},
        std::pair{"nonce", &p.nonce}, std::pair{"salt", &p.salt}}) {
    auto text = string_field(object, name);
    if (!text) return text.error();
    if (!needs_no_escaping(*text))
      return malformed("'" + std::string(name) + "' has characters we never issue");
    *field = *text;
  }
  for (auto [name, field] : {std::pair{"cost", &p.cost}, std::pair{"keyLength", &p.key_length}}) {
    auto n = integer_field(object, name, 0, kMaxSafeInteger);
    if (!n) return n.error();
    *field = *n;
  }
  for (auto [name, field] :
       {std::pair{"expiresAt", &p.expires_at}, std::pair{"memoryCost", &p.memory_cost},
        std::pair{"parallelism", &p.parallelism}}) {
    if (!object.contains(name)) continue;
    auto n = integer_field(object, name, 0, kMaxSafeInteger);
    if (!n) return n.error();
    *field = *n;
  }
  return p;
}

Result<const boost::json::object*> object_field(const boost::json::object& object,
                                                std::string_view name) {
  const boost::json::value* value = object.if_contains(name);
  if (value == nullptr || !value->is_object())
    return malformed("'" + std::string(name) + "' is not an object");
  return &value->get_object();
}

Bytes password_for(const Bytes& nonce, std::uint32_t counter) {
  Bytes password = nonce;
  for (int shift = 24; shift >= 0; shift -= 8)
    password.push_back(static_cast<std::uint8_t>(counter >> shift));
  return password;
}

}  // namespace

Result<boost::json::object> issue_v2(const RobotConfig& config, UnixSeconds now) {
  auto random = random_bytes(kNonceBytes + kSaltBytes);
  if (!random) return random.error();
  KdfAlgorithm algorithm = *kdf_from_name(config.v2_algorithm);  // validate() checked it
  Parameters p;
  p.algorithm = config.v2_algorithm;
  p.cost = config.v2_cost;
  p.expires_at = now + config.expires_seconds;
  p.key_length = config.v2_key_length;
  p.key_prefix = std::string(static_cast<std::size_t>(config.v2_prefix_digits), '0');
  if (kdf_uses_memory(algorithm)) {
    p.memory_cost = config.v2_memory_cost;
    p.parallelism = config.v2_parallelism;
  }
  p.nonce = to_hex({random->data(), kNonceBytes});
  p.salt = to_hex({random->data() + kNonceBytes, kSaltBytes});

  boost::json::object parameters;
  parameters["algorithm"] = p.algorithm;
  parameters["cost"] = p.cost;
  parameters["expiresAt"] = *p.expires_at;
  parameters["keyLength"] = p.key_length;
  parameters["keyPrefix"] = p.key_prefix;
  if (p.memory_cost) parameters["memoryCost"] = *p.memory_cost;
  parameters["nonce"] = p.nonce;
  if (p.parallelism) parameters["parallelism"] = *p.parallelism;
  parameters["salt"] = p.salt;
  boost::json::object out;
  out["parameters"] = std::move(parameters);
  out["signature"] = hmac_sha256_hex(config.hmac_key, canonical_json(p));
  return out;
}

Result<Solution> verify_v2(const boost::json::object& payload, const RobotConfig& config,
                           UnixSeconds now) {
  auto challenge = object_field(payload, "challenge");
  if (!challenge) return challenge.error();
  auto solution = object_field(payload, "solution");
  if (!solution) return solution.error();
  auto parameters_object = object_field(**challenge, "parameters");
  if (!parameters_object) return parameters_object.error();
  auto signature = string_field(**challenge, "signature");
  if (!signature) return signature.error();
  auto parameters = read_parameters(**parameters_object);
  if (!parameters) return parameters.error();
  const Parameters& p = *parameters;

  if (!equal_constant_time(hmac_sha256_hex(config.hmac_key, canonical_json(p)), *signature)) {
    return make_error(Errc::invalid_argument, "bad signature");
  }
  if (!p.expires_at) return malformed("the challenge carries no 'expiresAt'");
  if (now > *p.expires_at) return expired(*p.expires_at);
  auto algorithm = kdf_from_name(p.algorithm);
  if (!algorithm)
    return make_error(Errc::invalid_argument, "unsupported algorithm '" + p.algorithm + "'");
  KdfParams kdf{*algorithm, p.cost, p.memory_cost.value_or(0), p.parallelism.value_or(0),
                p.key_length};
  if (Status ok = check_kdf_params(kdf, config.v2_limits); !ok) return ok.error();
  auto nonce = from_hex(p.nonce);
  auto salt = from_hex(p.salt);
  if (!nonce || !salt) return malformed("'nonce' or 'salt' is not hex");
  if (!is_lower_hex(p.key_prefix) ||
      p.key_prefix.size() > 2 * static_cast<std::size_t>(p.key_length)) {
    return malformed("'keyPrefix' is not a hex prefix of the key");
  }

  auto counter = integer_field(**solution, "counter", 0, kMaxCounter);
  if (!counter) return counter.error();
  auto derived_key = string_field(**solution, "derivedKey");
  if (!derived_key) return derived_key.error();
  if (derived_key->size() != 2 * static_cast<std::size_t>(p.key_length) ||
      !is_lower_hex(*derived_key)) {
    return malformed("'derivedKey' is not keyLength bytes in hex");
  }
  if (!derived_key->starts_with(p.key_prefix)) {
    return make_error(Errc::invalid_argument,
                      "wrong key: it does not start with the required prefix");
  }
  auto key = derive_key(kdf, *salt, password_for(*nonce, static_cast<std::uint32_t>(*counter)));
  if (!key) return key.error();
  if (!equal_constant_time(to_hex(*key), *derived_key)) {
    return make_error(Errc::invalid_argument,
                      "wrong key: it is not the key derived from the counter");
  }
  return Solution{challenge_id(2, *signature), *p.expires_at, 2};
}

}  // namespace broadsheet::robot::wire
