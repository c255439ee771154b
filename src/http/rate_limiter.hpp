// A fixed-window counter per key (client address, email address): at most `limit`
// attempts per `window` seconds. Memory is bounded: at most `max_keys` keys are
// tracked; when full, expired windows are swept, and if none has expired the new key
// is refused rather than letting an attacker grow the table.
// Thread-safe.
#pragma once

#include <mutex>
#include <string>
#include <unordered_map>

#include "core/clock.hpp"

namespace broadsheet::http {

class RateLimiter {
 public:
  RateLimiter(int limit, int window_seconds, const Clock& clock, std::size_t max_keys = 100000);

  // Counts one attempt for `key`; true when it is within the limit.
  bool allow(const std::string& key);

 private:
  struct Window {
    UnixSeconds start = 0;
    int count = 0;
  };
  int limit_;
  int window_;
  const Clock& clock_;
  std::size_t max_keys_;
  std::mutex mu_;
  std::unordered_map<std::string, Window> windows_;
};

}  // namespace broadsheet::http
