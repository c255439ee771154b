// The scheduler's one step: everything due at an instant. `broadsheet schedule tick`
// runs it once (cron may run it every minute); `serve` runs it every few seconds on
// its own thread (Runner). In order: poll the feeds that are due, make the drafts that
// are due (and cut off those whose first release has come), release the cohorts that
// are due (releases.hpp). The first two are hooks the caller fills (feeds/poll.hpp's
// poll_due_feeds; drafts/maker.hpp's make_due_drafts), so this folder needs neither
// network nor rendering.
//
// Idempotent: a second step at the same instant finds everything recorded and does
// nothing. Safe from cron beside `serve`: a step holds DATA/schedule.lock (flock, let
// go when the process dies, even by kill -9) and a step that finds it held does
// nothing and says so. A hook that fails is reported and the step goes on; a store
// failure of the releases ends the step with it (the next one finishes the work).
//
// Thread-safety: run_tick from any thread; a Runner is started and stopped by one.
#pragma once

#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "core/clock.hpp"
#include "core/result.hpp"
#include "scheduler/releases.hpp"
#include "store/releases.hpp"

namespace broadsheet::scheduler {

// DATA/schedule.lock, held for the length of a step.
class TickLock {
 public:
  // The lock, or nullopt when another step holds it; Errc::io when the file cannot be
  // opened.
  static Result<std::optional<TickLock>> try_acquire(const std::string& data_dir);
  TickLock(TickLock&& other) noexcept : fd_(other.fd_) { other.fd_ = -1; }
  TickLock& operator=(TickLock&&) = delete;
  ~TickLock();

 private:
  explicit TickLock(int fd) : fd_(fd) {}
  int fd_;
};

// What the drafts hook did: one line per draft made, edition skipped or draft cut off,
// and one per newsletter whose drafts failed.
struct DraftsDone {
  std::vector<std::string> lines;
  std::vector<std::string> warnings;
};

struct TickParts {
  store::Releases& releases;
  // Polls the feeds due at the instant; returns how many were polled. Empty: none.
  std::function<Result<std::size_t>(UnixSeconds now)> poll_feeds;
  // Makes the drafts due at the instant and applies the cutoff of those whose first
  // release has come (drafts/maker.hpp), before the releases. Empty: none.
  std::function<Result<DraftsDone>(UnixSeconds now)> make_drafts;
};

struct TickReport {
  bool busy = false;  // another step held the lock: nothing was done
  std::size_t feeds_polled = 0;
  std::vector<std::string> drafts;  // DraftsDone::lines
  std::vector<ReleaseReport> releases;
  std::vector<std::string> warnings;  // hooks that failed, one line each
  std::size_t released_readers() const;
};

// One step at `now`, under DATA/schedule.lock of `data_dir`.
Result<TickReport> run_tick(const TickParts& parts, const std::string& data_dir, UnixSeconds now,
                            const ReleaseOptions& options);

// Runs a step every `interval` on the real clock, on its own thread, until stop().
// `after` (optional) sees each report: serve wakes its send dispatcher with it.
// `may_step` (optional) is asked before each step; false skips it: with several nodes,
// only the one holding the scheduler's lock steps (cli/nodes.hpp).
class Runner {
 public:
  // REQUIRES: `parts` and `clock` outlive the runner.
  Runner(TickParts parts, std::string data_dir, ReleaseOptions options, const Clock& clock,
         std::chrono::milliseconds interval, std::function<void(const TickReport&)> after = {},
         std::function<bool()> may_step = {});
  ~Runner();  // stop()
  void start();
  // No further step begins; returns at once (safe from any thread, e.g. a signal's).
  void request_stop();
  // request_stop(), then waits for a step under way to end.
  void stop();

 private:
  void loop();
  TickParts parts_;
  const std::string data_dir_;
  const ReleaseOptions options_;
  const Clock& clock_;
  const std::chrono::milliseconds interval_;
  std::function<void(const TickReport&)> after_;
  std::function<bool()> may_step_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace broadsheet::scheduler
