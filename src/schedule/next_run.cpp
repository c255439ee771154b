// next_run: when a scheduled newsletter next goes out for one reader.
//
// Trusts the Schedule to hold what parse_schedule gives (it re-checks the ranges it
// relies on) and the system tzdata, read through Howard Hinnant's date/tz built with
// USE_OS_TZDB. That library knows only the transitions listed in a TZif file, which
// end in 2037 in Debian's files; after the last one the zone's POSIX rule from the
// file's footer takes over (date/ptz.h), so London still has summer time in 2040.
// Exceptions from either library are turned into "no answer" here, at the edge.
#include <date/tz.h>
// ptz.h names hh_mm_ss under both `using namespace date` and `using namespace
// std::chrono`, which is ambiguous in C++20; a declaration in Posix wins the lookup.
namespace Posix {
using date::hh_mm_ss;
}
#include <date/ptz.h>
#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <memory>
#include <mutex>

#include "schedule/schedule.hpp"
#include "schedule/zoneinfo.hpp"

namespace broadsheet::schedule {
namespace {

using date::local_seconds;
using date::sys_seconds;

constexpr UnixSeconds kFirst = 0;                                     // 1970-01-01T00:00:00Z
constexpr UnixSeconds kLast = 253402300799 - UnixSeconds{8} * 86400;  // a week before year 10000

// Turns wall-clock time in one zone into UTC and back. A null table means UTC.
class ZoneClock {
 public:
  ZoneClock() = default;
  ZoneClock(const date::time_zone* table, std::optional<Posix::time_zone> tail)
      : table_(table), tail_(std::move(tail)) {
    // The table's final period starts at its last listed transition; the footer rule
    // describes that period and everything after it.
    tail_from_ = table_->get_info(date::sys_days(date::year{9999} / 1 / 1)).begin;
  }

  local_seconds to_local(sys_seconds t) const {
    if (table_ == nullptr) return local_seconds{t.time_since_epoch()};
    if (tail_ && t >= tail_from_) return tail_->to_local(t);
    return table_->to_local(t);
  }

  // A time in a gap maps to the end of the gap; a time that occurs twice to the first.
  sys_seconds to_sys(local_seconds t) const {
    if (table_ == nullptr) return sys_seconds{t.time_since_epoch()};
    sys_seconds s = table_->to_sys(t, date::choose::earliest);
    if (tail_ && s >= tail_from_) return tail_->to_sys(t, date::choose::earliest);
    return s;
  }

 private:
  const date::time_zone* table_ = nullptr;
  std::optional<Posix::time_zone> tail_;
  sys_seconds tail_from_{};
};

const date::time_zone* find_table(std::string_view name) {
  const auto& zones = date::get_tzdb().zones;  // sorted by name
  auto it =
      std::lower_bound(zones.begin(), zones.end(), name,
                       [](const date::time_zone& z, std::string_view n) { return z.name() < n; });
  return (it != zones.end() && it->name() == name) ? &*it : nullptr;
}

std::shared_ptr<const ZoneClock> load_clock(std::string_view name) {
  const date::time_zone* table = find_table(name);
  if (table == nullptr) return nullptr;
  std::optional<Posix::time_zone> tail;
  if (auto rule = detail::read_posix_rule(name)) {
    // ptz.h cannot read every rule (negative transition times, as in America/Nuuk);
    // those zones keep the table alone, which is right until its last transition.
    try {
      tail.emplace(*rule);
    } catch (const std::exception&) {
    }
  }
  return std::make_shared<const ZoneClock>(table, std::move(tail));
}

// Clocks are cached per zone: next_run runs once per reader in a send, and a clock
// costs a file read. Only names found in the tzdb are cached, so the map stays small.
std::shared_ptr<const ZoneClock> clock_for(std::string_view name) {
  static const auto utc = std::make_shared<const ZoneClock>();
  if (name == "UTC") return utc;
  if (!detail::is_zone_name(name)) return nullptr;
  static std::mutex mutex;
  static std::map<std::string, std::shared_ptr<const ZoneClock>, std::less<>> cache;
  std::lock_guard lock(mutex);
  if (auto it = cache.find(name); it != cache.end()) return it->second;
  try {
    auto clock = load_clock(name);
    if (clock) cache.emplace(std::string(name), clock);
    return clock;
  } catch (const std::exception&) {  // e.g. no tzdata directory at all
    return nullptr;
  }
}

}  // namespace

std::optional<UnixSeconds> next_run(const Schedule& schedule, UnixSeconds after,
                                    std::string_view reader_zone) {
  const Schedule& s = schedule;
  if (s.manual || std::none_of(s.days.begin(), s.days.end(), [](bool d) { return d; })) {
    return std::nullopt;
  }
  if (s.hour < 0 || s.hour > 23 || s.minute < 0 || s.minute > 59) return std::nullopt;
  if (after < kFirst || after > kLast) return std::nullopt;
  bool local = s.zone == "local";
  auto clock = clock_for(local ? reader_zone : std::string_view(s.zone));
  if (!clock && local) clock = clock_for("UTC");
  if (!clock) return std::nullopt;

  sys_seconds now{std::chrono::seconds{after}};
  auto today = date::floor<date::days>(clock->to_local(now));
  auto time_of_day = std::chrono::hours{s.hour} + std::chrono::minutes{s.minute};
  // Eight days: today may already be past its time, and then the same weekday next
  // week is the latest possible answer.
  for (int i = 0; i < 8; ++i) {
    date::local_days day = today + date::days{i};
    int index = static_cast<int>((date::weekday{day}.c_encoding() + 6) % 7);  // Monday = 0
    if (!s.days[index]) continue;
    sys_seconds at = clock->to_sys(day + time_of_day);
    if (at > now) return at.time_since_epoch().count();
  }
  return std::nullopt;
}

UnixSeconds local_time(UnixSeconds t, std::string_view zone) {
  auto clock = zone.empty() ? nullptr : clock_for(zone);
  if (!clock) return t;
  return clock->to_local(sys_seconds{std::chrono::seconds{t}}).time_since_epoch().count();
}

std::optional<UnixSeconds> utc_time(UnixSeconds local, std::string_view zone) {
  if (local < kFirst || local > kLast) return std::nullopt;
  auto clock = zone.empty() ? nullptr : clock_for(zone);
  if (!clock) clock = clock_for("UTC");
  return clock->to_sys(local_seconds{std::chrono::seconds{local}}).time_since_epoch().count();
}

Result<UnixSeconds> instant_in_zone(std::string_view text, std::string_view zone) {
  // Without an offset, the wall clock read as if in UTC gives its local seconds.
  std::string wall(text);
  if (wall.size() == 16) wall += ":00";
  if (wall.size() == 19 && wall[13] == ':') {
    auto local = parse_rfc3339(wall + "Z");
    if (!local) {
      return make_error(Errc::invalid_argument,
                        fmt::format("'{}' is not a date and time such as 2026-12-08T06:00", text));
    }
    auto instant = utc_time(*local, zone);
    if (!instant) {
      return make_error(Errc::invalid_argument, fmt::format("'{}' is out of range", text));
    }
    return *instant;
  }
  return parse_rfc3339(text);
}

}  // namespace broadsheet::schedule
