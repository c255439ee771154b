// The pool's shared state and the calls its connections make into it. Internal to
// src/smtp.
//
// One mutex guards every queue, count and idle list; it is never held while a `done`
// callback runs or while waiting on the network. Each Connection runs as a coroutine
// on a strand of its own over the one io_context; the pool wakes an idle connection
// by posting to that strand.
#pragma once

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <unordered_set>
#include <vector>

#include "smtp/smtp.hpp"

namespace broadsheet::smtp {

namespace asio = boost::asio;
using SteadyClock = std::chrono::steady_clock;

class Connection;
struct Relay;

struct Job {
  transport::Envelope envelope;
  std::shared_ptr<const std::string> message;
  std::function<void(transport::DeliveryResult)> done;  // called once, by complete()
  int tries = 0;  // connections lost while it waited for its body to be sent
  SteadyClock::time_point queued_at;
  // Relays whose SIZE it exceeds, and their limits, for the reason when none takes it.
  std::vector<const Relay*> too_large_for;
  std::string size_limits;
};

struct Relay {
  RelayOptions options;
  std::string name;                         // "host:port" for messages
  std::unique_ptr<asio::ssl::context> tls;  // when options.tls != none
  std::deque<Job> queue;
  std::vector<std::shared_ptr<Connection>> idle;
  int open = 0;        // connections alive, set-up included
  int setting_up = 0;  // connections not yet ready for a MAIL
  int ready = 0;
  int failures = 0;  // set-ups failed since the last one that worked
  std::string last_error;
  std::unique_ptr<asio::steady_timer> retry;  // armed while backing off
  bool retry_pending = false;
  int current_weight = 0;  // smooth weighted round robin
};

struct Pool::Impl {
  explicit Impl(PoolOptions opts);

  const PoolOptions options;
  asio::io_context io;
  asio::executor_work_guard<asio::io_context::executor_type> work;
  std::vector<std::thread> threads;

  std::mutex mu;
  std::vector<std::unique_ptr<Relay>> relays;  // fixed after start
  std::unordered_set<std::shared_ptr<Connection>> connections;
  bool stopping = false;   // no new work: submit() and the queues answer not_sent
  bool stopped = false;    // stop() has begun
  bool cut_armed = false;  // stop_within() has set the deadline
  std::unique_ptr<asio::steady_timer> cut_timer;  // stop_within()'s deadline

  // --- called by connections (any pool thread) ---
  enum class Next { job, wait, stop };
  // The next queued job of `relay`; `wait` registers `conn` as idle (unless
  // !may_wait); `stop` once stop() has begun and the queue is empty.
  Next take(Relay& relay, const std::shared_ptr<Connection>& conn, bool may_wait,
            std::optional<Job>& job);
  // True when `conn` was still idle (and now is not): nobody gave it work.
  bool leave_idle(Relay& relay, const Connection* conn);
  void connection_ready(Relay& relay);
  // A set-up that failed with `why`: a configuration failure (diagnosis.hpp) completes
  // the relay's queued jobs at once when no other relay is up, as no retry can work.
  void connection_failed(Relay& relay, const std::shared_ptr<Connection>& conn, const Error& why);
  void connection_closed(Relay& relay, const std::shared_ptr<Connection>& conn);
  // A job whose body was not sent when its connection failed: tried once more, then
  // completed with `result`.
  void retry_or_complete(Relay& relay, Job job, transport::DeliveryResult result);
  // A job larger than `relay`'s SIZE `limit` (`size` bytes on the wire): queued for a
  // relay it has not been too large for yet, else failed naming every limit.
  void too_large(Relay& relay, Job job, std::uint64_t size, std::uint64_t limit);
  static void complete(Job& job, transport::DeliveryResult result);
  // A check of check_relays() ended; false when the pool is stopping (no report then).
  bool check_finished(const std::shared_ptr<Connection>& conn);
  // What a message that never left gets when the pool stops.
  static transport::DeliveryResult not_sent(std::string why);

  // --- stopping, under mu ---
  // Sets `stopping`: moves every queued job into `dropped` (to be completed not_sent
  // without mu), cancels the retry timers, wakes the idle connections to QUIT.
  void begin_stopping(std::vector<Job>& dropped);
  // The end of stop_within()'s grace: every connection is closed now.
  void cut();
  // A connection has ended: once stopping and none is left, nothing waits for the cut.
  void connection_gone();

  // --- under mu ---
  // The next relay by weight, never one of `except`; among those, the ones that are
  // up while any is. nullptr when all are excluded, or with `up_only` none is up.
  Relay* choose_relay(const std::vector<const Relay*>& except = {}, bool up_only = false);
  void enqueue(Relay& relay, Job job, bool front);
  void kick(Relay& relay);
  void open_connection(Relay& relay);
  void schedule_retry(Relay& relay);
  void probe_down_relays();
};

}  // namespace broadsheet::smtp
