// Parses, prints and describes newsletter schedules ("mon-fri 06:00 local").
//
// Trusts nothing about the text: it comes from editors through the CLI and the admin
// pages. Input is bounded in length and checked for control characters and UTF-8
// before any part of it is quoted back in an error. Zone names are resolved through
// timezone.cpp against the system tzdata. Fails with Errc::invalid_argument.
#include "schedule/schedule.hpp"

#include <algorithm>
#include <vector>

#include "core/types.hpp"

namespace broadsheet::schedule {
namespace {

constexpr std::size_t kMaxText = 200;  // the longest sensible schedule is under 60
constexpr std::size_t kMaxQuoted = 40;
constexpr std::array<std::string_view, 7> kDayCodes{"mon", "tue", "wed", "thu",
                                                    "fri", "sat", "sun"};
constexpr std::array<std::string_view, 7> kDayNames{"Monday", "Tuesday",  "Wednesday", "Thursday",
                                                    "Friday", "Saturday", "Sunday"};
constexpr std::string_view kExpected = "expected DAYS HH:MM ZONE or 'manual'";
constexpr std::string_view kBadTime = "time must be HH:MM from 00:00 to 23:59";

using Days = std::array<bool, 7>;
constexpr Days kEveryDay{true, true, true, true, true, true, true};
constexpr Days kWeekdays{true, true, true, true, true, false, false};
constexpr Days kWeekends{false, false, false, false, false, true, true};

Error invalid(std::string message) {
  return make_error(Errc::invalid_argument, std::move(message));
}

std::string lowercase(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

// `s` in quotes, cut to kMaxQuoted bytes on a UTF-8 boundary. REQUIRES: valid UTF-8.
std::string quoted(std::string_view s) {
  if (s.size() > kMaxQuoted) {
    std::size_t cut = kMaxQuoted;
    while (cut > 0 && (static_cast<unsigned char>(s[cut]) & 0xC0) == 0x80) --cut;
    return "'" + std::string(s.substr(0, cut)) + "…'";
  }
  return "'" + std::string(s) + "'";
}

std::vector<std::string_view> split(std::string_view s, auto is_separator) {
  std::vector<std::string_view> parts;
  std::size_t i = 0;
  while (i < s.size()) {
    while (i < s.size() && is_separator(s[i])) ++i;
    std::size_t start = i;
    while (i < s.size() && !is_separator(s[i])) ++i;
    if (i > start) parts.push_back(s.substr(start, i - start));
  }
  return parts;
}

bool is_space(char c) { return c == ' ' || c == '\t'; }

std::optional<int> day_index(std::string_view code) {
  const auto* it = std::find(kDayCodes.begin(), kDayCodes.end(), code);
  if (it == kDayCodes.end()) return std::nullopt;
  return static_cast<int>(it - kDayCodes.begin());
}

// One list item: a day ("mon") or a range ("mon-fri", "fri-mon" wrapping the week).
Status add_days(std::string_view item, Days& days) {
  std::size_t dash = item.find('-');
  std::string_view first = item.substr(0, dash);
  std::string_view last = dash == std::string_view::npos ? first : item.substr(dash + 1);
  auto from = day_index(first);
  if (!from) return invalid("unknown day " + quoted(first));
  auto to = day_index(last);
  if (!to) return invalid("unknown day " + quoted(last));
  if (dash != std::string_view::npos && *from == *to) {
    return invalid("the day range " + quoted(item) + " needs two different days, as in mon-fri");
  }
  for (int d = *from;; d = (d + 1) % 7) {
    days[d] = true;
    if (d == *to) return {};
  }
}

Result<Days> parse_days(std::string_view text) {
  if (text == "daily") return kEveryDay;
  if (text == "weekdays") return kWeekdays;
  if (text == "weekends") return kWeekends;
  if (text.front() == ',' || text.back() == ',' || text.find(",,") != std::string_view::npos) {
    return invalid("the day list " + quoted(text) + " has an empty entry");
  }
  Days days{};
  for (std::string_view item : split(text, [](char c) { return c == ','; })) {
    if (item == "daily" || item == "weekdays" || item == "weekends") {
      return invalid(quoted(item) + " cannot be combined with other days");
    }
    if (auto added = add_days(item, days); !added) return added.error();
  }
  return days;
}

Result<std::pair<int, int>> parse_time(std::string_view text) {
  std::size_t colon = text.find(':');
  if (colon == std::string_view::npos || colon == 0 || colon > 2 || text.size() != colon + 3) {
    return invalid(std::string(kBadTime));
  }
  auto digits = [](std::string_view s) {
    int value = 0;
    for (char c : s) {
      if (c < '0' || c > '9') return -1;
      value = value * 10 + (c - '0');
    }
    return value;
  };
  int hour = digits(text.substr(0, colon));
  int minute = digits(text.substr(colon + 1));
  if (hour < 0 || hour > 23 || minute < 0 || minute > 59) return invalid(std::string(kBadTime));
  return std::pair{hour, minute};
}

Result<std::string> parse_zone(std::string_view text) {
  std::string lower = lowercase(text);
  if (lower == "local") return std::string("local");
  if (auto zone = canonical_timezone(text)) return *zone;
  return invalid("unknown time zone " + quoted(text));
}

// The start of the only run of consecutive days, counting Sunday to Monday as
// consecutive; nullopt when the days form more than one run (or none, or all).
std::optional<int> single_run_start(const Days& days) {
  std::optional<int> start;
  for (int d = 0; d < 7; ++d) {
    if (days[d] && !days[(d + 6) % 7]) {
      if (start) return std::nullopt;
      start = d;
    }
  }
  return start;
}

std::string two_digits(int n) {
  return std::string{static_cast<char>('0' + n / 10), static_cast<char>('0' + n % 10)};
}

std::string days_text(const Days& days) {
  int count = static_cast<int>(std::count(days.begin(), days.end(), true));
  if (count == 7) return "daily";
  auto start = single_run_start(days);
  if (start && count >= 2) {
    return std::string(kDayCodes[*start]) + "-" + std::string(kDayCodes[(*start + count - 1) % 7]);
  }
  std::string out;
  for (int d = 0; d < 7; ++d) {
    if (!days[d]) continue;
    if (!out.empty()) out += ",";
    out += kDayCodes[d];
  }
  return out;
}

// "Mondays, Wednesdays and Fridays"; a run keeps its own order ("Sundays and Mondays").
std::string plural_list(const Days& days) {
  int first = single_run_start(days).value_or(0);
  std::vector<std::string> names;
  for (int i = 0; i < 7; ++i) {
    int d = (first + i) % 7;
    if (days[d]) names.push_back(std::string(kDayNames[d]) + "s");
  }
  std::string out;
  for (std::size_t i = 0; i < names.size(); ++i) {
    if (i > 0) out += (i + 1 == names.size()) ? " and " : ", ";
    out += names[i];
  }
  return out;
}

std::string days_phrase(const Days& days) {
  int count = static_cast<int>(std::count(days.begin(), days.end(), true));
  if (count == 7) return "Every day";
  if (days == kWeekdays) return "Every weekday";
  auto start = single_run_start(days);
  if (count == 1) return "Every " + std::string(kDayNames[*start]);
  if (start && count >= 3) {
    return std::string(kDayNames[*start]) + " to " +
           std::string(kDayNames[(*start + count - 1) % 7]);
  }
  return plural_list(days);
}

}  // namespace

Result<Schedule> parse_schedule(std::string_view text) {
  if (text.size() > kMaxText) return invalid("a schedule is at most 200 characters");
  // Tabs separate words like spaces; any other control character is refused here so
  // that no part of the text quoted back in an error can carry one.
  bool has_controls = std::any_of(text.begin(), text.end(), [](char c) {
    return (static_cast<unsigned char>(c) < 0x20 && c != '\t') || c == 0x7F;
  });
  if (has_controls || !is_valid_utf8(text)) {
    return invalid("the schedule contains a control character or is not valid text");
  }
  auto words = split(text, is_space);
  if (words.size() == 1 && lowercase(words[0]) == "manual") {
    Schedule manual;
    manual.manual = true;
    return manual;
  }
  if (words.size() != 3) return invalid(std::string(kExpected));
  auto days = parse_days(lowercase(words[0]));
  if (!days) return days.error();
  auto time = parse_time(words[1]);
  if (!time) return time.error();
  auto zone = parse_zone(words[2]);
  if (!zone) return zone.error();
  Schedule schedule;
  schedule.days = *days;
  schedule.hour = time->first;
  schedule.minute = time->second;
  schedule.zone = std::move(*zone);
  return schedule;
}

std::string Schedule::text() const {
  if (manual) return "manual";
  return days_text(days) + " " + two_digits(hour) + ":" + two_digits(minute) + " " + zone;
}

std::string Schedule::describe() const {
  if (manual) return "When news breaks";
  std::string out = days_phrase(days) + " at " + two_digits(hour) + ":" + two_digits(minute);
  if (zone == "local") return out + ", your local time";
  if (zone == "UTC") return out + " UTC";
  return out + " (" + zone + ")";
}

}  // namespace broadsheet::schedule
