// The cohorts of an edition: when each group of readers gets one day's issue.
//
// A newsletter with a recurring schedule has one edition per scheduled day. A "local"
// schedule ("mon-fri 06:00 local") releases each edition once per time zone of its
// readers, at the schedule's time on the edition's date in that zone, so Tuesday's
// edition reaches Asia/Tokyo at Monday 21:00 UTC and America/New_York at Tuesday 11:00
// UTC in December. A schedule with a fixed zone ("daily 07:30 Europe/London") releases
// each edition once, to everyone, at that zone's time. Daylight saving follows
// next_run's rules (schedule.hpp): a time in a gap releases when the gap ends, a time
// that occurs twice releases at the first.
//
// Pure functions of their arguments and the system tzdata; safe from any thread.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/clock.hpp"
#include "core/result.hpp"
#include "schedule/editions.hpp"
#include "schedule/schedule.hpp"

namespace broadsheet::schedule {

// The release instant of the edition of `date` for readers in `zone`: the schedule's
// time of day on that date in `zone` for a local schedule, or in the schedule's own
// zone otherwise (then `zone` does not matter). An empty or unknown `zone` counts as
// UTC. nullopt for a manual schedule and for dates outside years 1970 to 9999.
std::optional<UnixSeconds> release_instant(const Schedule& schedule, Day date,
                                           std::string_view zone);

// One release of an edition: the readers whose zone is `zone` ("" for everyone, the
// single release of a fixed-zone schedule) at `release_at`.
struct Cohort {
  std::string zone;
  UnixSeconds release_at = 0;
  bool operator==(const Cohort&) const = default;
};

// The cohorts of the edition of `date`, in release order (earliest first, then by
// zone name). A local schedule gives one cohort per distinct zone of `reader_zones`,
// where "" and names unknown to the tzdata stand for `default_zone` (cohort_zone), and with no zone
// at all the default zone's cohort; a fixed-zone schedule gives one cohort, zone "", whatever the
// readers' zones. Empty for a manual schedule or a day without an edition.
std::vector<Cohort> edition_cohorts(const Schedule& schedule, Day date,
                                    const std::vector<std::string>& reader_zones,
                                    std::string_view default_zone);

// The cohort of a reader whose stored zone is `reader_zone` in a local schedule: that
// zone when the tzdata knows it, else `default_zone` (effective_zone's answer for a
// reader without one), itself UTC when unknown.
std::string cohort_zone(std::string_view reader_zone, std::string_view default_zone);

}  // namespace broadsheet::schedule
