// Schedules of newsletters, as an editor writes them:
//   "mon-fri 06:00 local"      weekdays at 06:00 in each reader's own time zone
//   "daily 07:30 Europe/London" every day at 07:30 London time
//   "sat 08:00 UTC"            every Saturday
//   "mon,wed,fri 12:00 local"  chosen days
//   "manual"                   sent when an editor decides (e.g. breaking news)
// Days: mon tue wed thu fri sat sun, ranges (mon-fri, fri-mon wraps), lists, "daily",
// "weekdays", "weekends". Time: HH:MM, 24-hour. Zone: "local" (the reader's zone,
// falling back to the newsletter's), "UTC", or an IANA name present in the system
// tzdata (/usr/share/zoneinfo).
//
// Pure functions; safe from any thread.
#pragma once

#include <array>
#include <string>
#include <string_view>

#include "core/result.hpp"

namespace broadsheet {

struct Schedule {
  bool manual = false;
  std::array<bool, 7> days{};  // index 0 = Monday
  int hour = 0, minute = 0;
  std::string zone;  // "local", "UTC" or an IANA name

  // Canonical text, e.g. "mon-fri 06:00 local"; parse(text()) == *this.
  std::string text() const;
  // What a reader reads in a sign-up box, e.g. "Every weekday at 06:00 (your time)".
  std::string describe() const;
};

Result<Schedule> parse_schedule(std::string_view text);

// True when `name` is an IANA time zone known to the system tzdata (or "UTC").
bool is_known_timezone(std::string_view name);

}  // namespace broadsheet
