// Editions: which days a schedule has one, and which are past. See editions.hpp.
#include "schedule/editions.hpp"

#include <date/date.h>
#include <fmt/format.h>

#include <algorithm>

namespace broadsheet::schedule {
namespace {

constexpr std::int64_t kFirstDay = 0;          // 1970-01-01
constexpr std::int64_t kLastDay = 2932896;     // 9999-12-31
constexpr UnixSeconds kBehindUtc = 12 * 3600;  // UTC-12, where a day ends last

Error malformed(std::string_view text) {
  std::string shown(text.substr(0, 40));
  return make_error(Errc::invalid_argument,
                    fmt::format("\"{}\" is not a date: write YYYY-MM-DD, e.g. 2026-12-08", shown));
}

}  // namespace

Result<Day> parse_day(std::string_view text) {
  if (text.size() != 10 || text[4] != '-' || text[7] != '-') return malformed(text);
  int fields[3] = {0, 0, 0};
  const std::size_t starts[3] = {0, 5, 8}, lengths[3] = {4, 2, 2};
  for (int f = 0; f < 3; ++f) {
    for (std::size_t i = starts[f]; i < starts[f] + lengths[f]; ++i) {
      if (text[i] < '0' || text[i] > '9') return malformed(text);
      fields[f] = fields[f] * 10 + (text[i] - '0');
    }
  }
  date::year_month_day ymd{date::year{fields[0]}, date::month{static_cast<unsigned>(fields[1])},
                           date::day{static_cast<unsigned>(fields[2])}};
  if (!ymd.ok()) {
    return make_error(Errc::invalid_argument, fmt::format("{} is not a day of the calendar", text));
  }
  const std::int64_t days = date::sys_days(ymd).time_since_epoch().count();
  if (days < kFirstDay || days > kLastDay) {
    return make_error(Errc::invalid_argument,
                      fmt::format("{} is outside the years 1970 to 9999", text));
  }
  return Day{days};
}

std::string format_day(Day d) {
  date::year_month_day ymd{date::sys_days{date::days{d.days_since_epoch}}};
  return fmt::format("{:04}-{:02}-{:02}", static_cast<int>(ymd.year()),
                     static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()));
}

int weekday_of(Day d) {
  date::weekday w{date::sys_days{date::days{d.days_since_epoch}}};
  return static_cast<int>((w.c_encoding() + 6) % 7);
}

Day day_at(UnixSeconds t, std::string_view zone) {
  const UnixSeconds local = local_time(t, zone);
  // Floor division: instants before 1970 belong to the day before.
  std::int64_t days = local / 86400;
  if (local % 86400 < 0) --days;
  return Day{days};
}

bool is_edition_day(const Schedule& s, Day d) {
  if (s.manual) return false;
  return s.days[static_cast<std::size_t>(weekday_of(d))];
}

std::vector<Day> edition_days(const Schedule& s, Day from, int days) {
  std::vector<Day> out;
  if (s.manual || days <= 0) return out;
  for (int i = 0; i < days; ++i) {
    Day d{from.days_since_epoch + i};
    if (d.days_since_epoch > kLastDay) break;
    if (is_edition_day(s, d)) out.push_back(d);
  }
  return out;
}

Day first_open_day(const Schedule& s, UnixSeconds now) {
  if (s.zone == "local") return day_at(now - kBehindUtc, "UTC");
  return day_at(now, s.zone);
}

std::string_view effective_zone(std::string_view reader_zone, std::string_view newsletter_zone,
                                std::string_view publication_zone) {
  for (std::string_view z : {reader_zone, newsletter_zone, publication_zone}) {
    if (!z.empty()) return z;
  }
  return "UTC";
}

}  // namespace broadsheet::schedule
