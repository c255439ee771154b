// Internal to the robot check: the two wire versions behind altcha.hpp, and the strict
// readers of the JSON fields they share. Not for use outside src/robot.
#pragma once

#include <boost/json/object.hpp>
#include <cstdint>
#include <string>
#include <string_view>

#include "core/clock.hpp"
#include "core/result.hpp"
#include "robot/altcha.hpp"

namespace broadsheet::robot::wire {

// The longest string field any payload carries (the v1 salt is the longest we issue).
inline constexpr std::size_t kMaxFieldLength = 256;

Error malformed(std::string_view what);

// Present, a string, at most kMaxFieldLength bytes.
Result<std::string_view> string_field(const boost::json::object& object, std::string_view name);

// Present, an integer literal (no fraction, no exponent) within [min, max].
Result<std::int64_t> integer_field(const boost::json::object& object, std::string_view name,
                                   std::int64_t min, std::int64_t max);

// The identifier the replay ledger keys on (Solution::challenge_id): stable for one
// challenge, opaque otherwise.
std::string challenge_id(int version, std::string_view signature);

Error expired(UnixSeconds expires_at);

// REQUIRES: validate(config).ok()
Result<boost::json::object> issue_v1(const RobotConfig& config, UnixSeconds now);
Result<boost::json::object> issue_v2(const RobotConfig& config, UnixSeconds now);

// `payload` is the decoded JSON object. REQUIRES: validate(config).ok()
Result<Solution> verify_v1(const boost::json::object& payload, const RobotConfig& config,
                           UnixSeconds now);
Result<Solution> verify_v2(const boost::json::object& payload, const RobotConfig& config,
                           UnixSeconds now);

}  // namespace broadsheet::robot::wire
