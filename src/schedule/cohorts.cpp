// Cohorts of an edition: a thin layer over next_run.cpp's zone clocks (utc_time),
// so there is one time-zone engine. Trusts the Schedule to be what parse_schedule
// gives; re-checks the ranges it relies on.
#include "schedule/cohorts.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <set>

namespace broadsheet::schedule {
namespace {

int monday_index(EditionDate date) {
  return static_cast<int>((std::chrono::weekday{std::chrono::sys_days{date}}.c_encoding() + 6) % 7);
}

}  // namespace

Result<EditionDate> parse_edition_date(std::string_view text) {
  auto bad = [&] {
    return make_error(Errc::invalid_argument,
                      "an edition is a date YYYY-MM-DD, such as 2026-12-08");
  };
  if (text.size() != 10 || text[4] != '-' || text[7] != '-') return bad();
  int y = 0;
  unsigned m = 0, d = 0;
  for (std::size_t i : {0u, 1u, 2u, 3u, 5u, 6u, 8u, 9u}) {
    if (text[i] < '0' || text[i] > '9') return bad();
  }
  auto num = [&](std::size_t at, std::size_t n) {
    int v = 0;
    for (std::size_t i = at; i < at + n; ++i) v = v * 10 + (text[i] - '0');
    return v;
  };
  y = num(0, 4);
  m = static_cast<unsigned>(num(5, 2));
  d = static_cast<unsigned>(num(8, 2));
  EditionDate date{std::chrono::year{y}, std::chrono::month{m}, std::chrono::day{d}};
  if (!date.ok() || y < 1970) return bad();
  return date;
}

std::string format_edition_date(EditionDate date) {
  return fmt::format("{:04}-{:02}-{:02}", static_cast<int>(date.year()),
                     static_cast<unsigned>(date.month()), static_cast<unsigned>(date.day()));
}

bool has_edition(const Schedule& schedule, EditionDate date) {
  return !schedule.manual && date.ok() && schedule.days[monday_index(date)];
}

std::optional<UnixSeconds> release_instant(const Schedule& schedule, EditionDate date,
                                           std::string_view zone) {
  if (schedule.manual || !date.ok()) return std::nullopt;
  if (schedule.hour < 0 || schedule.hour > 23 || schedule.minute < 0 || schedule.minute > 59) {
    return std::nullopt;
  }
  const UnixSeconds midnight = std::chrono::sys_days{date}.time_since_epoch().count() * 86400;
  const UnixSeconds local = midnight + schedule.hour * 3600 + schedule.minute * 60;
  return utc_time(local, schedule.zone == "local" ? zone : std::string_view(schedule.zone));
}

std::string cohort_zone(std::string_view reader_zone, std::string_view default_zone) {
  if (!reader_zone.empty() && is_known_timezone(reader_zone)) return std::string(reader_zone);
  if (!default_zone.empty() && is_known_timezone(default_zone)) return std::string(default_zone);
  return "UTC";
}

std::vector<Cohort> edition_cohorts(const Schedule& schedule, EditionDate date,
                                    const std::vector<std::string>& reader_zones,
                                    std::string_view default_zone) {
  std::vector<Cohort> out;
  if (!has_edition(schedule, date)) return out;
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

std::vector<EditionDate> editions_between(const Schedule& schedule, EditionDate from, int days) {
  std::vector<EditionDate> out;
  if (!from.ok()) return out;
  for (int i = 0; i < days; ++i) {
    EditionDate d{std::chrono::sys_days{from} + std::chrono::days{i}};
    if (has_edition(schedule, d)) out.push_back(d);
  }
  return out;
}

}  // namespace broadsheet::schedule
