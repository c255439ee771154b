// Editions: the days a recurring newsletter goes out. A newsletter whose schedule is
// "mon-fri 06:00 local" has one edition each weekday; an issue is tied to one by its
// date, "2026-12-08", a day of the schedule's calendar (the schedule's zone, or for
// "local" each reader's own: the edition of Tuesday leaves Tokyo before New York).
// When each reader gets it is the cohorts' business (release instants per zone); this
// file knows only which days are editions and which are already past.
//
// Also the one rule for the zone of a reader who has none (effective_zone).
//
// Pure functions of their arguments and the system tzdata; safe from any thread.
#pragma once

#include <compare>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/clock.hpp"
#include "core/result.hpp"
#include "schedule/schedule.hpp"

namespace broadsheet::schedule {

// A calendar day, counted from 1970-01-01 (a Thursday).
struct Day {
  std::int64_t days_since_epoch = 0;
  auto operator<=>(const Day&) const = default;
};

// "2026-12-08": exactly YYYY-MM-DD, a date that exists, years 1970 to 9999.
// Errc::invalid_argument saying what was expected.
Result<Day> parse_day(std::string_view text);
// "2026-12-08". REQUIRES: a day of years 1970 to 9999.
std::string format_day(Day d);
// 0 = Monday ... 6 = Sunday.
int weekday_of(Day d);
// The day it is at `t` in `zone` (UTC when empty or unknown).
Day day_at(UnixSeconds t, std::string_view zone);

// True when the schedule has an edition on day `d`; never for a manual schedule.
bool is_edition_day(const Schedule& s, Day d);

// The edition days among `days` days from `from` (inclusive), in order. Empty for a
// manual schedule or days <= 0.
std::vector<Day> edition_days(const Schedule& s, Day from, int days);

// The earliest day whose edition is not in the past at `now`: today in the schedule's
// zone, or for "local" schedules today where the day ends last (UTC-12), since a
// reader somewhere may still be before that day's release. An edition before it is
// refused when scheduling; a later one's cohorts may still be late, which the
// scheduler judges against schedule.late_window. REQUIRES: !s.manual.
Day first_open_day(const Schedule& s, UnixSeconds now);

// The zone a reader's copy follows: the reader's own, else the newsletter's default
// (newsletter update --default-timezone), else the publication's (publication.timezone),
// else "UTC". Empty strings count as unset. The result views one of the arguments or
// the literal "UTC".
std::string_view effective_zone(std::string_view reader_zone, std::string_view newsletter_zone,
                                std::string_view publication_zone);

}  // namespace broadsheet::schedule
