#include "robot/wire.hpp"

#include <string>

#include "core/clock.hpp"
#include "robot/crypto.hpp"

namespace broadsheet::robot::wire {

Error malformed(std::string_view what) {
  return make_error(Errc::invalid_argument, "malformed payload: " + std::string(what));
}

Result<std::string_view> string_field(const boost::json::object& object, std::string_view name) {
  const boost::json::value* value = object.if_contains(name);
  if (value == nullptr) return malformed("missing '" + std::string(name) + "'");
  const boost::json::string* text = value->if_string();
  if (text == nullptr) return malformed("'" + std::string(name) + "' is not a string");
  if (text->size() > kMaxFieldLength) return malformed("'" + std::string(name) + "' is too long");
  return std::string_view(*text);
}

Result<std::int64_t> integer_field(const boost::json::object& object, std::string_view name,
                                   std::int64_t min, std::int64_t max) {
  const boost::json::value* value = object.if_contains(name);
  if (value == nullptr) return malformed("missing '" + std::string(name) + "'");
  std::int64_t n = 0;
  if (const std::int64_t* i = value->if_int64()) {
    n = *i;
  } else if (const std::uint64_t* u = value->if_uint64()) {
    if (max < 0 || *u > static_cast<std::uint64_t>(max)) {
      return malformed("'" + std::string(name) + "' is out of range");
    }
    n = static_cast<std::int64_t>(*u);
  } else {
    return malformed("'" + std::string(name) + "' is not an integer");
  }
  if (n < min || n > max) return malformed("'" + std::string(name) + "' is out of range");
  return n;
}

std::string challenge_id(int version, std::string_view signature) {
  return sha256_hex("broadsheet-robot-v" + std::to_string(version) + ":" + std::string(signature));
}

Error expired(UnixSeconds expires_at) {
  return make_error(Errc::invalid_argument, "challenge expired at " + format_iso8601(expires_at));
}

}  // namespace broadsheet::robot::wire
