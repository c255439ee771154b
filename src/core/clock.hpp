// The one door to the time of day. Everything that stamps a row, expires a token or
// waits for a schedule asks a Clock, so tests swap in a FakeClock instead of sleeping.
// Thread-safe: both implementations may be read from any thread.
#pragma once

#include <atomic>
#include <cstdint>
#include <string>

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

}  // namespace broadsheet
