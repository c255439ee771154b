#include "core/clock.hpp"

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

Result<std::vector<int>> parse_wait_list(std::string_view text) {
  std::vector<int> out;
  for (;;) {
    auto comma = text.find(',');
    std::string_view item = text.substr(0, comma);
    while (!item.empty() && item.front() == ' ') item.remove_prefix(1);
    while (!item.empty() && item.back() == ' ') item.remove_suffix(1);
    int unit = 1;
    if (!item.empty() && (item.back() == 's' || item.back() == 'm' || item.back() == 'h')) {
      unit = item.back() == 'h' ? 3600 : item.back() == 'm' ? 60 : 1;
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
