// The one door to the time of day. Everything that stamps a row, expires a token or
// waits for a schedule asks a Clock, so tests swap in a FakeClock instead of sleeping.
// Thread-safe: both implementations may be read from any thread.
#pragma once

#include <atomic>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.hpp"

namespace broadsheet {

// Seconds since the Unix epoch, UTC. The unit every table stores.
using UnixSeconds = std::int64_t;

class Clock {
 public:
  virtual ~Clock() = default;
  virtual UnixSeconds now() const = 0;
};

class SystemClock final : public Clock {
 public:
  UnixSeconds now() const override;
  static const SystemClock& instance();
};

class FakeClock final : public Clock {
 public:
  explicit FakeClock(UnixSeconds start) : now_(start) {}
  UnixSeconds now() const override { return now_.load(); }
  void advance(UnixSeconds seconds) { now_ += seconds; }
  void set(UnixSeconds t) { now_ = t; }

 private:
  std::atomic<UnixSeconds> now_;
};

}  // namespace broadsheet

namespace broadsheet {

// "2026-11-29T19:00:00Z": how timestamps are shown in JSON, CSV and logs.
std::string format_iso8601(UnixSeconds t);

// An RFC 3339 instant, "2026-12-08T06:00:00Z" or "2026-12-08T07:00:00+01:00" (fractions
// of a second are dropped; 't', 'z' and a space for 'T' accepted), or with
// `date_alone` also a date "2026-12-08" (its midnight, UTC). Errc::invalid_argument
// saying what was expected.
Result<UnixSeconds> parse_rfc3339(std::string_view text, bool date_alone = false);

// Days from 1970-01-01 to the proleptic Gregorian date (month 1-12, day 1-31).
std::int64_t days_from_civil(std::int64_t year, unsigned month, unsigned day);

// A list of waits, "60,300,900" in seconds or with units "1m, 5m, 1h, 10s, 1d": each at
// least 1 s and at most 7 days, 1 to 32 of them. Errc::invalid_argument otherwise.
Result<std::vector<int>> parse_wait_list(std::string_view text);

}  // namespace broadsheet
