#include "core/clock.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <chrono>
#include <ctime>

namespace broadsheet {

UnixSeconds SystemClock::now() const {
  using namespace std::chrono;
  return duration_cast<seconds>(system_clock::now().time_since_epoch()).count();
}

const SystemClock& SystemClock::instance() {
  static const SystemClock clock;
  return clock;
}

}  // namespace broadsheet

namespace broadsheet {

std::string format_iso8601(UnixSeconds t) {
  std::time_t tt = static_cast<std::time_t>(t);
  std::tm tm{};
  gmtime_r(&tt, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

std::int64_t days_from_civil(std::int64_t year, unsigned month, unsigned day) {
  // Howard Hinnant's days_from_civil: exact for every proleptic Gregorian date.
  year -= month <= 2 ? 1 : 0;
  const std::int64_t era = (year >= 0 ? year : year - 399) / 400;
  const auto yoe = static_cast<unsigned>(year - era * 400);
  const unsigned doy = (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<std::int64_t>(doe) - 719468;
}

namespace {

// `count` digits at `pos` of `text`, or -1.
int digits_at(std::string_view text, std::size_t pos, std::size_t count) {
  if (pos + count > text.size()) return -1;
  int v = 0;
  for (std::size_t i = pos; i < pos + count; ++i) {
    if (text[i] < '0' || text[i] > '9') return -1;
    v = v * 10 + (text[i] - '0');
  }
  return v;
}

bool leap_year(int y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

int days_in_month(int y, int m) {
  static constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return m == 2 && leap_year(y) ? 29 : kDays[m - 1];
}

}  // namespace

Result<UnixSeconds> parse_rfc3339(std::string_view text, bool date_alone) {
  const auto bad = [&] {
    return make_error(Errc::invalid_argument,
                      fmt::format("'{}' is not an RFC 3339 instant such as 2026-12-08T06:00:00Z{}",
                                  text, date_alone ? " or a date such as 2026-12-08" : ""));
  };
  const int year = digits_at(text, 0, 4), month = digits_at(text, 5, 2), day = digits_at(text, 8, 2);
  if (year < 0 || month < 1 || month > 12 || day < 1 || text[4] != '-' || text[7] != '-' ||
      day > days_in_month(year, month)) {
    return bad();
  }
  const UnixSeconds midnight = days_from_civil(year, static_cast<unsigned>(month),
                                               static_cast<unsigned>(day)) * 86400;
  if (text.size() == 10) {
    if (date_alone) return midnight;
    return bad();
  }
  if (text.size() < 20 || (text[10] != 'T' && text[10] != 't' && text[10] != ' ')) return bad();
  const int hour = digits_at(text, 11, 2), minute = digits_at(text, 14, 2),
            second = digits_at(text, 17, 2);
  if (hour < 0 || hour > 23 || minute < 0 || minute > 59 || second < 0 || second > 60 ||
      text[13] != ':' || text[16] != ':') {
    return bad();
  }
  std::size_t pos = 19;
  if (text[pos] == '.') {
    ++pos;
    const std::size_t start = pos;
    while (pos < text.size() && text[pos] >= '0' && text[pos] <= '9') ++pos;
    if (pos == start) return bad();
  }
  int offset = 0;
  if (pos < text.size() && (text[pos] == 'Z' || text[pos] == 'z') && pos + 1 == text.size()) {
    offset = 0;
  } else if (pos + 6 == text.size() && (text[pos] == '+' || text[pos] == '-') &&
             text[pos + 3] == ':') {
    const int oh = digits_at(text, pos + 1, 2), om = digits_at(text, pos + 4, 2);
    if (oh < 0 || oh > 23 || om < 0 || om > 59) return bad();
    offset = (oh * 3600 + om * 60) * (text[pos] == '-' ? -1 : 1);
  } else {
    return bad();
  }
  return midnight + hour * 3600 + minute * 60 + std::min(second, 59) - offset;
}

Result<std::vector<int>> parse_wait_list(std::string_view text) {
  std::vector<int> out;
  for (;;) {
    auto comma = text.find(',');
    std::string_view item = text.substr(0, comma);
    while (!item.empty() && item.front() == ' ') item.remove_prefix(1);
    while (!item.empty() && item.back() == ' ') item.remove_suffix(1);
    int unit = 1;
    if (!item.empty() && (item.back() == 's' || item.back() == 'm' || item.back() == 'h' ||
                          item.back() == 'd')) {
      unit = item.back() == 'd' ? 86400 : item.back() == 'h' ? 3600 : item.back() == 'm' ? 60 : 1;
      item.remove_suffix(1);
    }
    int value = 0;
    auto [end, ec] = std::from_chars(item.data(), item.data() + item.size(), value);
    if (item.empty() || ec != std::errc() || end != item.data() + item.size() || value < 1 ||
        value > 7 * 24 * 3600 / unit) {
      return make_error(Errc::invalid_argument,
                        "must be a list of waits such as \"60,300,900\" or \"1m,5m,1h\" "
                        "(each at least 1 s and at most 7 days)");
    }
    out.push_back(value * unit);
    if (comma == std::string_view::npos) break;
    text.remove_prefix(comma + 1);
  }
  if (out.empty() || out.size() > 32) {
    return make_error(Errc::invalid_argument, "must list between 1 and 32 waits");
  }
  return out;
}

}  // namespace broadsheet
