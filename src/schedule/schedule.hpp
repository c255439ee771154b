// Schedules of newsletters, as an editor writes them:
//   "mon-fri 06:00 local"      weekdays at 06:00 in each reader's own time zone
//   "daily 07:30 Europe/London" every day at 07:30 London time
//   "sat 08:00 UTC"            every Saturday
//   "mon,wed,fri 12:00 local"  chosen days
//   "manual"                   sent when an editor decides (e.g. breaking news)
// Days: mon tue wed thu fri sat sun, ranges (mon-fri, fri-mon wraps), lists, "daily",
// "weekdays", "weekends". Time: HH:MM, 24-hour. Zone: "local" (the reader's zone,
// or UTC when the reader has none), "UTC", or an IANA name present in the system
// tzdata (/usr/share/zoneinfo).
//
// Pure functions of the text and the system tzdata; safe from any thread.
#pragma once

#include <array>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/clock.hpp"
#include "core/result.hpp"

namespace broadsheet::schedule {

struct Schedule {
  bool manual = false;
  std::array<bool, 7> days{};  // index 0 = Monday
  int hour = 0, minute = 0;
  std::string zone;  // "local", "UTC" or an IANA name

  // Canonical text, e.g. "mon-fri 06:00 local"; parse(text()) == *this.
  // REQUIRES: manual, or at least one day set (as parse_schedule guarantees).
  std::string text() const;
  // What a reader reads in a sign-up box, e.g. "Every weekday at 06:00, your local time".
  std::string describe() const;

  bool operator==(const Schedule&) const = default;
};

// Case-insensitive; the error message names the part that is wrong.
Result<Schedule> parse_schedule(std::string_view text);

// True when `name` is an IANA time zone known to the system tzdata (or "UTC").
// Exact case, as the files are named: "Europe/London", not "europe/london".
bool is_known_timezone(std::string_view name);

// The IANA spelling of `name` matched without regard to case ("europe/london" gives
// "Europe/London", "utc" gives "UTC"), or nullopt when no known zone matches.
std::optional<std::string> canonical_timezone(std::string_view name);

// The zones offered to a reader to choose from: every zone of the system tzdata's
// zone.tab (at least one per country) that is_known_timezone, and "UTC", sorted. Read
// once; only "UTC" when the file cannot be read. Safe from any thread.
const std::vector<std::string>& selectable_timezones();

// The first send instant strictly after `after`, or nullopt for a manual schedule.
// "local" schedules use `reader_zone`, or UTC when that is empty or unknown. A day
// whose time falls in a daylight-saving gap sends when the gap ends; a time that
// occurs twice sends at the first. Also nullopt outside years 1970 to 9999.
std::optional<UnixSeconds> next_run(const Schedule& schedule, UnixSeconds after,
                                    std::string_view reader_zone);

// The wall-clock time in `zone` at instant `t`, as seconds since 1970-01-01 00:00
// local (UTC seconds plus the zone's offset then). UTC when `zone` is empty or
// unknown. Zones are cached, as for next_run; safe from any thread.
UnixSeconds local_time(UnixSeconds t, std::string_view zone);

// The inverse of local_time: the instant at which the wall clock in `zone` reads
// `local` (seconds since 1970-01-01 00:00 local). A wall-clock time in a daylight-saving
// gap gives the instant the gap ends; one that occurs twice gives the first. UTC when
// `zone` is empty or unknown; nullopt outside years 1970 to 9999. Same zone cache.
std::optional<UnixSeconds> utc_time(UnixSeconds local, std::string_view zone);

// An instant as a person writes it for `zone`: "2026-12-08T06:00" or "2026-12-08T06:00:00"
// (a browser's datetime-local field; a space for 'T' too) is that wall-clock time in
// `zone` (utc_time's rules for gaps and repeated hours; UTC when `zone` is empty or
// unknown); a text with its own offset ("...Z", "...+01:00") is that instant, whatever
// `zone`. Errc::invalid_argument saying what was expected.
Result<UnixSeconds> instant_in_zone(std::string_view text, std::string_view zone);

}  // namespace broadsheet::schedule
