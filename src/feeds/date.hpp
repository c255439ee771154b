// The dates feeds carry, as sites really write them: RFC 822 in RSS ("Mon, 07 Dec 2026
// 10:00:00 +0000") with its usual breakage (no day name or comma, full day and month
// names, "Sept", two-digit years, single-digit days, zone names such as EST or none,
// "+01:00", a trailing comment), and RFC 3339 in Atom and Dublin Core (also without
// seconds or zone, or a date alone). A missing zone is UTC.
// Pure; safe from any thread.
#pragma once

#include <optional>
#include <string_view>

#include "core/clock.hpp"

namespace broadsheet::feeds {

// nullopt when no date can be read, or it lies outside the years 1970 to 9999.
std::optional<UnixSeconds> parse_feed_date(std::string_view text);

}  // namespace broadsheet::feeds
