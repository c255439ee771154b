// The flow control of a send run (engine.hpp): what bounds its memory and paces it.
// A bounded queue between the threads of a run, the in-flight window, a count of work
// given out and not yet finished, token buckets, and the limits of a run (a global
// rate and, per recipient domain, a cap on messages in flight and a rate).
//
// Nothing here knows of issues, stores or transports; each piece is tested alone in
// flow_test.cpp.
//
// Thread-safety: every class here is safe from any thread, except TokenBucket, which
// its owner guards (Limits does, under its mutex).
#pragma once

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace broadsheet::send {

using SteadyClock = std::chrono::steady_clock;

// A queue of at most `capacity` items; push waits for room, pop for an item, and
// close() releases everyone (pop then drains what is left, and returns nullopt).
// A full queue wakes its pushers only once pop has emptied half of it: they refill it
// in one go, instead of one context switch per item (the producer, on the work queue).
template <typename T>
class BoundedQueue {
 public:
  explicit BoundedQueue(std::size_t capacity) : capacity_(std::max<std::size_t>(1, capacity)) {}

  // False, and `item` dropped, once the queue is closed.
  bool push(T item) {
    std::unique_lock lock(mu_);
    room_.wait(lock, [&] { return closed_ || items_.size() < capacity_; });
    if (closed_) return false;
    items_.push_back(std::move(item));
    ready_.notify_one();
    return true;
  }
  // The oldest item; nullopt once the queue is closed and empty.
  std::optional<T> pop() {
    std::unique_lock lock(mu_);
    ready_.wait(lock, [&] { return closed_ || !items_.empty(); });
    if (items_.empty()) return std::nullopt;
    T item = std::move(items_.front());
    items_.pop_front();
    if (items_.size() <= capacity_ / 2) room_.notify_one();
    return item;
  }
  // Everything queued now, waiting up to `wait` for the first item.
  std::vector<T> pop_all(std::chrono::milliseconds wait) {
    std::unique_lock lock(mu_);
    ready_.wait_for(lock, wait, [&] { return closed_ || !items_.empty(); });
    std::vector<T> out(std::make_move_iterator(items_.begin()),
                       std::make_move_iterator(items_.end()));
    items_.clear();
    room_.notify_all();
    return out;
  }
  void close() {
    std::lock_guard lock(mu_);
    closed_ = true;
    ready_.notify_all();
    room_.notify_all();
  }
  bool closed_and_empty() {
    std::lock_guard lock(mu_);
    return closed_ && items_.empty();
  }

 private:
  std::mutex mu_;
  std::condition_variable ready_, room_;
  std::deque<T> items_;
  const std::size_t capacity_;
  bool closed_ = false;
};

// Counts messages in flight: acquire() waits while `limit` (at least 1) are out.
class Window {
 public:
  explicit Window(std::size_t limit);
  void acquire();
  void release(std::size_t n);

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  const std::size_t limit_;
  std::size_t used_ = 0;
};

// Work given out and not yet finished; drained() waits until none is.
class Counter {
 public:
  void add();
  void release(std::size_t n);
  void drained();

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  std::size_t count_ = 0;
};

// A token bucket of `rate` per second with a burst of one second's worth (at least
// one), full at `start`; a rate of 0 never waits. Not thread-safe.
class TokenBucket {
 public:
  explicit TokenBucket(double rate, SteadyClock::time_point start = SteadyClock::now());
  // How long from `now` until a token is there (zero: now). `now` never goes back.
  std::chrono::nanoseconds wait(SteadyClock::time_point now);
  // Spends a token. REQUIRES: wait() just said zero.
  void take();
  // A new rate from now on (the burst follows it; tokens above it are dropped).
  void set_rate(double rate);

 private:
  double rate_, burst_, tokens_;
  SteadyClock::time_point last_;
};

// The limits of a run: the global rate and, per recipient domain, a cap on messages in
// flight and a rate. 0 is no limit for each. Sender nodes that share an issue share
// its limits: share(n) gives this run its part (a rate over n, a cap over n rounded up). Memory: one entry per domain in flight
// (per domain ever seen when a per-domain rate needs its bucket).
class Limits {
 public:
  Limits(double rate, int domain_in_flight, double domain_rate);

  // Waits until a message to `domain` may go, and counts it in flight.
  void acquire(const std::string& domain);
  // The message to `domain` is no longer in flight.
  void release(const std::string& domain);
  // This run's part of the limits when `nodes` (at least 1) send at once.
  void share(int nodes);

 private:
  struct Domain {
    explicit Domain(double rate) : bucket(rate) {}
    int in_flight = 0;
    TokenBucket bucket;
  };

  std::mutex mu_;
  std::condition_variable cv_;
  TokenBucket global_;
  const double rate_all_;          // the limits of all nodes together
  const int domain_in_flight_all_;
  const double domain_rate_all_;
  int domain_in_flight_;           // this run's part of them (guarded by mu_)
  double domain_rate_;
  std::map<std::string, Domain, std::less<>> domains_;
};

// The domain of an address: after its last '@'; empty when it has none.
std::string domain_of(std::string_view email);

}  // namespace broadsheet::send
