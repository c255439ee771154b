#include "robot/altcha.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/parse_options.hpp>
#include <string>

#include "core/encoding.hpp"
#include "robot/wire.hpp"

namespace broadsheet::robot {
namespace {

Error bad_config(const std::string& what) {
  return make_error(Errc::config, "robot check: " + what);
}

KdfParams issued_kdf_params(const RobotConfig& config, KdfAlgorithm algorithm) {
  bool memory = kdf_uses_memory(algorithm);
  return KdfParams{algorithm, config.v2_cost, memory ? config.v2_memory_cost : 0,
                   memory ? config.v2_parallelism : 0, config.v2_key_length};
}

// The widget posts base64 of the JSON; a caller may hand over the JSON itself.
Result<boost::json::object> decode_payload(std::string_view payload) {
  if (payload.size() > kMaxPayloadBytes) {
    return wire::malformed("larger than " + std::to_string(kMaxPayloadBytes) + " bytes");
  }
  if (payload.empty()) return wire::malformed("empty");
  std::string json;
  if (payload.front() == '{') {
    json = payload;
  } else {
    auto decoded = base64_decode(payload);
    if (!decoded) return wire::malformed("not base64");
    json = std::move(*decoded);
  }
  boost::json::parse_options options;
  options.max_depth = 4;  // v2 nests parameters two objects deep; nothing goes further
  boost::system::error_code ec;
  boost::json::value value = boost::json::parse(json, ec, {}, options);
  if (ec) return wire::malformed("not JSON (" + ec.message() + ")");
  if (!value.is_object()) return wire::malformed("not a JSON object");
  return std::move(value.as_object());
}

}  // namespace

Status validate(const RobotConfig& c) {
  if (c.hmac_key.size() < 16) return bad_config("hmac_key must be at least 16 bytes");
  if (c.v1_max_number < 1 || c.v1_max_number > kMaxV1Number) {
    return bad_config("v1_max_number must be from 1 to " + std::to_string(kMaxV1Number));
  }
  if (c.expires_seconds < 10 || c.expires_seconds > 86'400) {
    return bad_config("expires_seconds must be from 10 to 86400");
  }
  if (c.version != 1 && c.version != 2) return bad_config("version must be 1 or 2");
  auto algorithm = kdf_from_name(c.v2_algorithm);
  if (!algorithm) return bad_config("unsupported v2_algorithm '" + c.v2_algorithm + "'");
  if (c.v2_prefix_digits < 1 || c.v2_prefix_digits > 8) {
    return bad_config("v2_prefix_digits must be from 1 to 8");
  }
  if (c.v2_limits.max_cost > kKdfHardMaxCost) {
    return bad_config("v2_limits.max_cost must be at most " + std::to_string(kKdfHardMaxCost));
  }
  if (Status ok = check_kdf_params(issued_kdf_params(c, *algorithm), c.v2_limits); !ok) {
    return bad_config("v2 settings: " + ok.error().message);
  }
  return {};
}

bool accepts_version(int version, const RobotConfig& config) {
  return version == config.version ||
         (config.accept_previous && config.version == 2 && version == 1);
}

Result<int> challenge_version(std::string_view v_parameter, const RobotConfig& config) {
  if (v_parameter.empty()) return config.version;
  int version = v_parameter == "1" ? 1 : v_parameter == "2" ? 2 : 0;
  if (version != 0 && accepts_version(version, config)) return version;
  return make_error(Errc::invalid_argument,
                    "v must be " + std::to_string(config.version) + " (or left out)");
}

Result<boost::json::object> issue_challenge(int version, const RobotConfig& config,
                                            const Clock& clock) {
  if (Status ok = validate(config); !ok) return ok.error();
  if (!accepts_version(version, config)) {
    return make_error(Errc::invalid_argument,
                      "challenge version must be " + std::to_string(config.version));
  }
  switch (version) {
    case 1:
      return wire::issue_v1(config, clock.now());
    case 2:
      return wire::issue_v2(config, clock.now());
    default:
      return make_error(Errc::invalid_argument, "challenge version must be 1 or 2");
  }
}

Result<Solution> verify_solution(std::string_view payload, const RobotConfig& config,
                                 const Clock& clock) {
  if (Status ok = validate(config); !ok) return ok.error();
  auto object = decode_payload(payload);
  if (!object) return object.error();
  if (object->contains("test")) return wire::malformed("the widget's test mode proves nothing");
  if (object->contains("solution")) {
    if (!accepts_version(2, config)) return wire::malformed("a v2 solution; v1 is required");
    return wire::verify_v2(*object, config, clock.now());
  }
  const boost::json::value* challenge = object->if_contains("challenge");
  if (challenge != nullptr && challenge->is_string()) {
    if (!accepts_version(1, config)) return wire::malformed("a v1 solution; v2 is required");
    return wire::verify_v1(*object, config, clock.now());
  }
  return wire::malformed("neither a v1 nor a v2 solution");
}

}  // namespace broadsheet::robot
