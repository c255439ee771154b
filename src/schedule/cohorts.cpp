// Cohorts of an edition: a thin layer over next_run.cpp's zone clocks (utc_time),
// so there is one time-zone engine. Trusts the Schedule to be what parse_schedule
// gives; re-checks the ranges it relies on.
#include "schedule/cohorts.hpp"

#include <algorithm>
#include <set>

namespace broadsheet::schedule {
std::optional<UnixSeconds> release_instant(const Schedule& schedule, Day date,
                                           std::string_view zone) {
  if (schedule.manual) return std::nullopt;
  if (schedule.hour < 0 || schedule.hour > 23 || schedule.minute < 0 || schedule.minute > 59) {
    return std::nullopt;
  }
  const UnixSeconds midnight = date.days_since_epoch * 86400;
  const UnixSeconds local = midnight + schedule.hour * 3600 + schedule.minute * 60;
  return utc_time(local, schedule.zone == "local" ? zone : std::string_view(schedule.zone));
}

std::string cohort_zone(std::string_view reader_zone, std::string_view default_zone) {
  if (!reader_zone.empty() && is_known_timezone(reader_zone)) return std::string(reader_zone);
  if (!default_zone.empty() && is_known_timezone(default_zone)) return std::string(default_zone);
  return "UTC";
}

std::vector<Cohort> edition_cohorts(const Schedule& schedule, Day date,
                                    const std::vector<std::string>& reader_zones,
                                    std::string_view default_zone) {
  std::vector<Cohort> out;
  if (!is_edition_day(schedule, date)) return out;
  if (schedule.zone != "local") {
    if (auto at = release_instant(schedule, date, "")) out.push_back(Cohort{"", *at});
    return out;
  }
  std::set<std::string> zones;
  for (const auto& z : reader_zones) zones.insert(cohort_zone(z, default_zone));
  // No reader yet: the edition still goes out (to nobody) at the default zone's time.
  if (zones.empty()) zones.insert(cohort_zone("", default_zone));
  for (const auto& z : zones) {
    if (auto at = release_instant(schedule, date, z)) out.push_back(Cohort{z, *at});
  }
  std::stable_sort(out.begin(), out.end(),
                   [](const Cohort& a, const Cohort& b) { return a.release_at < b.release_at; });
  return out;
}

}  // namespace broadsheet::schedule
