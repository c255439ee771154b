// Fixed-window counters per key (a client, an email address): at most `limit` attempts
// per `window` seconds. Memory is bounded and a full table degrades only for the keys
// it forgets: at most `max_keys` keys are tracked, and a new key evicts the one whose
// window started longest ago (an expired one whenever any has expired, since windows
// expire in the order they start). A flood of new keys thus resets old counts; it never
// refuses anyone new.
// Thread-safe.
#pragma once

#include <list>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>

#include "core/clock.hpp"

namespace broadsheet::http {

// The key that rate limits a client by its address: an IPv4 address as it is (an
// IPv4-mapped IPv6 one too), an IPv6 address by its /64 prefix, which one subscriber
// line usually gets whole; anything else as given.
std::string client_key(std::string_view address);

class RateLimiter {
 public:
  RateLimiter(int limit, int window_seconds, const Clock& clock, std::size_t max_keys = 100000);

  // Counts one attempt for `key`; true when it is within the limit.
  bool allow(const std::string& key);

  // Takes back one attempt allow(key) counted in the current window: for a caller that
  // counts an attempt before it knows its kind, then counts it elsewhere.
  void refund(const std::string& key);

  // Whether the next allow(key) would be refused, without counting anything.
  bool exhausted(const std::string& key);

  std::size_t size();

 private:
  struct Window {
    UnixSeconds start = 0;
    int count = 0;
    std::list<std::string>::iterator age;  // its place in oldest_first_
  };
  int limit_;
  int window_;
  const Clock& clock_;
  std::size_t max_keys_;
  std::mutex mu_;
  std::unordered_map<std::string, Window> windows_;
  std::list<std::string> oldest_first_;  // the keys by the start of their window
};

}  // namespace broadsheet::http
