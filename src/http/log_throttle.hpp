// A warning that can repeat many times a second (a failed accept while file
// descriptors run out, connections refused over the cap) is written at most once per
// interval, saying how many times it happened. The first occurrence is written at
// once; those within the interval after it are counted and reported with the next
// one written.
//
// Thread safety: none; each throttle belongs to one strand or is guarded by its owner.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>

namespace broadsheet::http {

class LogThrottle {
 public:
  using Clock = std::chrono::steady_clock;

  explicit LogThrottle(Clock::duration interval) : interval_(interval) {}

  // Counts one occurrence at `now`. Returns how many occurrences the line to write
  // now stands for (this one and those kept quiet before it), or 0 when no line is
  // to be written.
  std::uint64_t occur(Clock::time_point now) {
    ++pending_;
    if (last_ && now - *last_ < interval_) return 0;
    last_ = now;
    auto count = pending_;
    pending_ = 0;
    return count;
  }

 private:
  Clock::duration interval_;
  std::optional<Clock::time_point> last_;
  std::uint64_t pending_ = 0;
};

}  // namespace broadsheet::http
