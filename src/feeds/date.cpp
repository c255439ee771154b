#include "feeds/date.hpp"

#include <array>
#include <cctype>
#include <string>
#include <vector>

#include "core/text.hpp"

namespace broadsheet::feeds {
namespace {

bool digit(char c) { return c >= '0' && c <= '9'; }
bool alpha(char c) { return std::isalpha(static_cast<unsigned char>(c)) != 0; }

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// 1..12 for a month's name or its first three letters ("Sept" too); 0 otherwise.
int month_of(std::string_view word) {
  static constexpr std::array<std::string_view, 12> kMonths = {
      "january", "february", "march",     "april",   "may",      "june",
      "july",    "august",   "september", "october", "november", "december"};
  const std::string w = lower(word);
  if (w.size() < 3) return 0;
  for (std::size_t i = 0; i < kMonths.size(); ++i) {
    if (kMonths[i].substr(0, w.size()) == w) return static_cast<int>(i) + 1;
  }
  return 0;
}

bool day_name(std::string_view word) {
  static constexpr std::array<std::string_view, 7> kDays = {
      "monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"};
  const std::string w = lower(word);
  if (w.size() < 3) return false;
  for (auto d : kDays) {
    if (d.substr(0, w.size()) == w || (w.size() == 4 && d.substr(0, 3) == w.substr(0, 3))) {
      return true;
    }
  }
  return false;
}

// Seconds east of UTC for a zone name of RFC 822 (and a few more); nullopt if unknown.
std::optional<int> named_zone(std::string_view word) {
  struct Zone {
    std::string_view name;
    int hours;
  };
  static constexpr std::array<Zone, 16> kZones = {{{"ut", 0},
                                                   {"utc", 0},
                                                   {"gmt", 0},
                                                   {"z", 0},
                                                   {"est", -5},
                                                   {"edt", -4},
                                                   {"cst", -6},
                                                   {"cdt", -5},
                                                   {"mst", -7},
                                                   {"mdt", -6},
                                                   {"pst", -8},
                                                   {"pdt", -7},
                                                   {"bst", 1},
                                                   {"cet", 1},
                                                   {"cest", 2},
                                                   {"wet", 0}}};
  const std::string w = lower(word);
  for (const auto& z : kZones) {
    if (z.name == w) return z.hours * 3600;
  }
  if (w.size() == 1 && alpha(w[0])) return 0;  // military zones: RFC 1123 says treat as 0
  return std::nullopt;
}

// "+0100", "-05:00", "+01", "+1" → seconds east; nullopt otherwise.
std::optional<int> numeric_zone(std::string_view s) {
  if (s.size() < 2 || (s[0] != '+' && s[0] != '-')) return std::nullopt;
  std::string d;
  for (char c : s.substr(1)) {
    if (digit(c)) {
      d += c;
    } else if (c != ':') {
      return std::nullopt;
    }
  }
  int h = 0, m = 0;
  if (d.size() == 4) {
    h = std::stoi(d.substr(0, 2));
    m = std::stoi(d.substr(2));
  } else if (d.size() == 1 || d.size() == 2) {
    h = std::stoi(d);
  } else {
    return std::nullopt;
  }
  if (h > 14 || m > 59) return std::nullopt;
  return (h * 3600 + m * 60) * (s[0] == '-' ? -1 : 1);
}

bool valid(int y, int mo, int d, int h, int mi, int s) {
  static constexpr std::array<int, 12> kDays = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  if (y < 1970 || y > 9999 || mo < 1 || mo > 12 || d < 1 || d > kDays[mo - 1]) return false;
  const bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
  if (mo == 2 && d == 29 && !leap) return false;
  return h >= 0 && h <= 23 && mi >= 0 && mi <= 59 && s >= 0 && s <= 60;
}

std::optional<UnixSeconds> instant(int y, int mo, int d, int h, int mi, int s, int offset) {
  if (!valid(y, mo, d, h, mi, s)) return std::nullopt;
  return days_from_civil(y, static_cast<unsigned>(mo), static_cast<unsigned>(d)) * 86400 +
         h * 3600 + mi * 60 + std::min(s, 59) - offset;
}

// "HH:MM" or "HH:MM:SS" (fractions dropped) into h, m, s.
bool clock_time(std::string_view t, int& h, int& m, int& s) {
  std::vector<int> parts;
  std::string cur;
  for (std::size_t i = 0; i <= t.size(); ++i) {
    if (i == t.size() || t[i] == ':') {
      if (cur.empty() || cur.size() > 2) return false;
      parts.push_back(std::stoi(cur));
      cur.clear();
      continue;
    }
    if (t[i] == '.' && parts.size() == 2) break;  // fractions of a second
    if (!digit(t[i])) return false;
    cur += t[i];
  }
  if (!cur.empty()) parts.push_back(std::stoi(cur));  // after a fraction: unreachable
  if (parts.size() < 2 || parts.size() > 3) return false;
  h = parts[0];
  m = parts[1];
  s = parts.size() == 3 ? parts[2] : 0;
  return true;
}

// RFC 3339 and the ISO 8601 shapes feeds use: "2026-12-07T10:00:00Z", "…+01:00",
// "…+0100", "2026-12-07T10:00Z", "2026-12-07 10:00:00", "2026-12-07".
std::optional<UnixSeconds> iso_date(std::string_view t) {
  if (t.size() < 10 || !digit(t[0]) || t[4] != '-' || t[7] != '-') return std::nullopt;
  for (std::size_t i : {0, 1, 2, 3, 5, 6, 8, 9}) {
    if (!digit(t[i])) return std::nullopt;
  }
  const int y = std::stoi(std::string(t.substr(0, 4)));
  const int mo = std::stoi(std::string(t.substr(5, 2)));
  const int d = std::stoi(std::string(t.substr(8, 2)));
  if (t.size() == 10) return instant(y, mo, d, 0, 0, 0, 0);
  if (t[10] != 'T' && t[10] != 't' && t[10] != ' ') return std::nullopt;
  std::string_view rest = t.substr(11);
  std::size_t zone_at = rest.find_first_of("Zz+-");
  std::string_view time = rest.substr(0, zone_at);
  int offset = 0;
  if (zone_at != std::string_view::npos) {
    std::string_view zone = rest.substr(zone_at);
    if (zone == "Z" || zone == "z") {
      offset = 0;
    } else if (auto z = numeric_zone(zone)) {
      offset = *z;
    } else {
      return std::nullopt;
    }
  }
  int h = 0, mi = 0, s = 0;
  if (!clock_time(time, h, mi, s)) return std::nullopt;
  return instant(y, mo, d, h, mi, s, offset);
}

// RFC 822 and its breakage, read as words: a day name is skipped, a month name, a day,
// a year, a time with colons and a zone are recognised wherever they stand.
std::optional<UnixSeconds> rfc822_date(std::string_view t) {
  std::vector<std::string> words;
  std::string cur;
  int comment = 0;
  for (char c : t) {
    if (c == '(') ++comment;
    if (comment > 0) {
      if (c == ')') --comment;
      continue;
    }
    if (c == ' ' || c == ',' || c == '\t' || c == '\n' || c == '\r') {
      if (!cur.empty()) words.push_back(std::move(cur));
      cur.clear();
    } else {
      cur += c;
    }
  }
  if (!cur.empty()) words.push_back(std::move(cur));
  int day = -1, month = 0, year = -1, h = 0, mi = 0, s = 0;
  bool have_time = false;
  std::optional<int> offset;
  for (std::string& w : words) {
    // "GMT+0100", "UTC-5": a name then an offset.
    if (w.size() > 3 && (lower(w.substr(0, 3)) == "gmt" || lower(w.substr(0, 3)) == "utc") &&
        (w[3] == '+' || w[3] == '-')) {
      w = w.substr(3);
    }
    if (w.find(':') != std::string::npos && digit(w[0])) {
      if (have_time || !clock_time(w, h, mi, s)) return std::nullopt;
      have_time = true;
    } else if (w[0] == '+' || w[0] == '-') {
      offset = numeric_zone(w);
      if (!offset) return std::nullopt;
    } else if (digit(w[0])) {
      for (char c : w) {
        if (!digit(c)) return std::nullopt;
      }
      if (w.size() > 4) return std::nullopt;
      const int n = std::stoi(w);
      if (w.size() <= 2 && day < 0) {
        day = n;
      } else if (year < 0) {
        // Two-digit years: 70-99 are the 1900s, the rest this century (RFC 2822 4.3).
        year = w.size() == 4 ? n : w.size() == 3 ? n + 1900 : n < 70 ? 2000 + n : 1900 + n;
      } else {
        return std::nullopt;
      }
    } else if (int m = month_of(w); m != 0 && month == 0) {
      month = m;
    } else if (day_name(w)) {
      continue;
    } else if (auto z = named_zone(w)) {
      offset = z;
    } else {
      return std::nullopt;
    }
  }
  if (day < 0 || month == 0 || year < 0) return std::nullopt;
  return instant(year, month, day, h, mi, s, offset.value_or(0));
}

}  // namespace

std::optional<UnixSeconds> parse_feed_date(std::string_view text) {
  std::string_view t = trim_whitespace(text);
  if (t.empty() || t.size() > 100) return std::nullopt;
  if (auto iso = iso_date(t)) return iso;
  return rfc822_date(t);
}

}  // namespace broadsheet::feeds
