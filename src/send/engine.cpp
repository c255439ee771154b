// The send engine (engine.hpp): one run per issue, a producer (the calling thread),
// workers that render and hand over, one log writer, and a watcher (stop, pause, cancel, lease).
#include "send/engine.hpp"

#include <fmt/format.h>
#include <spdlog/spdlog.h>
#include <signal.h>
#include <unistd.h>

#include <cerrno>

#include <algorithm>
#include <condition_variable>
#include <deque>
#include <map>
#include <mutex>
#include <optional>
#include <random>
#include <thread>
#include <utility>

namespace broadsheet {
namespace {

using SteadyClock = std::chrono::steady_clock;

// A queue of at most `capacity` items; push waits for room, pop for an item, and
// close() releases everyone (pop then drains what is left, and returns nullopt).
// A full queue wakes its pushers only once pop has emptied half of it: they refill it
// in one go, instead of one context switch per item (the producer, on the work queue).
template <typename T>
class BoundedQueue {
 public:
  explicit BoundedQueue(std::size_t capacity) : capacity_(capacity) {}
  bool push(T item) {
    std::unique_lock lock(mu_);
    room_.wait(lock, [&] { return closed_ || items_.size() < capacity_; });
    if (closed_) return false;
    items_.push_back(std::move(item));
    ready_.notify_one();
    return true;
  }
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
    std::vector<T> out(std::make_move_iterator(items_.begin()), std::make_move_iterator(items_.end()));
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
  std::size_t capacity_;
  bool closed_ = false;
};

// Counts messages in flight: acquire() waits while `limit` are out.
class Window {
 public:
  explicit Window(std::size_t limit) : limit_(std::max<std::size_t>(1, limit)) {}
  void acquire() {
    std::unique_lock lock(mu_);
    cv_.wait(lock, [&] { return used_ < limit_; });
    ++used_;
  }
  void release(std::size_t n) {
    std::lock_guard lock(mu_);
    used_ -= std::min(n, used_);
    cv_.notify_all();
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  std::size_t limit_;
  std::size_t used_ = 0;
};

// Work given out and not yet finished; drained() waits until none is.
class Counter {
 public:
  void add() {
    std::lock_guard lock(mu_);
    ++count_;
  }
  void release(std::size_t n) {
    std::lock_guard lock(mu_);
    count_ -= std::min(n, count_);
    if (count_ == 0) cv_.notify_all();
  }
  void drained() {
    std::unique_lock lock(mu_);
    cv_.wait(lock, [&] { return count_ == 0; });
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  std::size_t count_ = 0;
};

// A token bucket of `rate` per second with a burst of one second's worth (at least
// one); a rate of 0 never waits.
class Bucket {
 public:
  explicit Bucket(double rate)
      : rate_(rate), burst_(std::max(1.0, rate)), tokens_(burst_), last_(SteadyClock::now()) {}
  // How long until a token is there (zero: now).
  std::chrono::nanoseconds wait() {
    if (rate_ <= 0) return {};
    auto now = SteadyClock::now();
    tokens_ = std::min(burst_, tokens_ + std::chrono::duration<double>(now - last_).count() * rate_);
    last_ = now;
    if (tokens_ >= 1) return {};
    return std::chrono::nanoseconds(static_cast<long long>((1 - tokens_) / rate_ * 1e9) + 1);
  }
  void take() {
    if (rate_ > 0) tokens_ -= 1;
  }

 private:
  double rate_, burst_, tokens_;
  SteadyClock::time_point last_;
};

// The global rate and, per recipient domain, a cap on messages in flight and a rate.
class Limits {
 public:
  explicit Limits(const EngineOptions& o)
      : global_(o.rate), domain_in_flight_(o.domain_in_flight), domain_rate_(o.domain_rate) {}

  // Waits until a message to `domain` may go, and counts it in flight.
  void acquire(const std::string& domain) {
    std::unique_lock lock(mu_);
    for (;;) {
      auto& d = domains_.try_emplace(domain, domain_rate_).first->second;
      if (domain_in_flight_ > 0 && d.in_flight >= domain_in_flight_) {
        cv_.wait(lock);
        continue;
      }
      auto wait = std::max(global_.wait(), d.bucket.wait());
      if (wait.count() == 0) {
        global_.take();
        d.bucket.take();
        ++d.in_flight;
        return;
      }
      cv_.wait_for(lock, wait);
    }
  }
  void release(const std::string& domain) {
    std::lock_guard lock(mu_);
    auto it = domains_.find(domain);
    if (it != domains_.end() && it->second.in_flight > 0) {
      --it->second.in_flight;
      // Forget idle domains (when no per-domain rate needs their bucket), so memory
      // stays bounded by the domains in flight.
      if (it->second.in_flight == 0 && domain_rate_ <= 0) domains_.erase(it);
    }
    cv_.notify_all();
  }

 private:
  struct Domain {
    explicit Domain(double rate) : bucket(rate) {}
    int in_flight = 0;
    Bucket bucket;
  };

  std::mutex mu_;
  std::condition_variable cv_;
  Bucket global_;
  int domain_in_flight_;
  double domain_rate_;
  std::map<std::string, Domain, std::less<>> domains_;
};

std::string domain_of(const std::string& email) {
  auto at = email.rfind('@');
  return at == std::string::npos ? std::string() : email.substr(at + 1);
}

struct Work {
  store::PendingDelivery reader;
};

struct Outcome {
  store::DeliveryUpdate update;
  bool holds_permit = true;
};

}  // namespace

AsyncSend blocking_send(Transport& transport) {
  return [&transport](Envelope envelope, std::shared_ptr<const std::string> message,
                      std::function<void(DeliveryResult)> done) {
    done(transport.send(envelope, *message));
  };
}

std::string_view to_string(RunOutcome o) {
  switch (o) {
    case RunOutcome::finished: return "finished";
    case RunOutcome::paused: return "paused";
    case RunOutcome::cancelled: return "cancelled";
    case RunOutcome::stopped: return "stopped";
    case RunOutcome::lease_lost: return "lease_lost";
  }
  return "finished";
}

std::string process_owner_id() {
  char host[256] = {};
  if (gethostname(host, sizeof host - 1) != 0) host[0] = '\0';
  std::random_device rd;
  return fmt::format("{}:{}:{:08x}", host, getpid(), rd());
}

SendEngine::SendEngine(Roles store, AsyncSend send, IssueMessagesFactory messages,
                       EngineOptions options, const Clock& clock, SendObserver observer)
    : store_(store),
      send_(std::move(send)),
      messages_(std::move(messages)),
      options_(std::move(options)),
      clock_(clock),
      observer_(std::move(observer)) {
  if (options_.workers <= 0) {
    options_.workers = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  }
  if (options_.backoff.empty()) options_.backoff = {60};
  options_.batch_size = std::max<std::size_t>(1, options_.batch_size);
}

// Everything one run shares between its threads.
struct SendEngine::Run {
  Run(SendEngine& e, Id id, const IssueMessages& m, UnixSeconds started)
      : engine(e),
        issue_id(id),
        messages(m),
        mail_from(m.mail_from()),
        started_at(started),
        work(static_cast<std::size_t>(e.options_.workers) * 8),
        results(1 << 16),
        window(e.options_.in_flight),
        limits(e.options_) {}

  SendEngine& engine;
  const Id issue_id;
  const IssueMessages& messages;
  const std::string mail_from;
  const UnixSeconds started_at;
  BoundedQueue<Work> work;
  BoundedQueue<Outcome> results;
  Window window;       // handed to the sender, result not yet durable
  Counter outstanding;  // given to the workers, result not yet durable
  Limits limits;
  std::atomic<bool> halt{false};       // stop handing messages over
  std::atomic<bool> lease_lost{false};
  std::atomic<std::size_t> recorded{0};  // results made durable in this run
  std::mutex error_mu;
  std::optional<Error> log_error;      // a store failure that ended the run

  // What a transport result means for the log.
  store::DeliveryUpdate update_for(const store::PendingDelivery& reader,
                                   const DeliveryResult& r) const {
    store::DeliveryUpdate u;
    u.subscriber_id = reader.subscriber_id;
    u.attempts = reader.attempts + 1;
    u.code = r.code;
    u.reply = r.reply;
    switch (r.kind) {
      case DeliveryResult::Kind::delivered: u.status = DeliveryStatus::sent; break;
      case DeliveryResult::Kind::failed: u.status = DeliveryStatus::failed; break;
      case DeliveryResult::Kind::deferred: {
        const auto& backoff = engine.options_.backoff;
        const int wait = backoff[std::min<std::size_t>(static_cast<std::size_t>(u.attempts - 1),
                                                       backoff.size() - 1)];
        const UnixSeconds next = engine.clock_.now() + wait;
        if (next > started_at + engine.options_.give_up_after) {
          u.status = DeliveryStatus::failed;
          u.reply = fmt::format("gave up after {} attempts: {}", u.attempts, r.reply);
        } else {
          u.status = DeliveryStatus::deferred;
          u.next_attempt_at = next;
        }
        break;
      }
    }
    return u;
  }

  void worker() {
    while (auto item = work.pop()) {
      if (halt.load()) {  // left as it is in the log, for the next run
        outstanding.release(1);
        continue;
      }
      const store::PendingDelivery& reader = item->reader;
      window.acquire();
      const std::string domain = domain_of(reader.email);
      limits.acquire(domain);
      if (halt.load()) {
        limits.release(domain);
        window.release(1);
        outstanding.release(1);
        continue;
      }
      auto message = messages.message_for(issue_id, reader);
      if (!message) {
        limits.release(domain);
        DeliveryResult r{DeliveryResult::Kind::failed, 0,
                         "cannot render the message: " + message.error().message};
        results.push(Outcome{update_for(reader, r)});
        continue;
      }
      auto shared = std::make_shared<const std::string>(std::move(*message));
      const auto start = SteadyClock::now();
      engine.send_(Envelope{mail_from, reader.email}, std::move(shared),
                   [this, reader, domain, start](DeliveryResult r) {
                     limits.release(domain);
                     if (engine.observer_.on_result) {
                       engine.observer_.on_result(r, SteadyClock::now() - start);
                     }
                     results.push(Outcome{update_for(reader, r)});
                   });
    }
  }

  // Records results in batches; a permit is returned only once its result is durable.
  // Group commit: a COMMIT is a sync to the disk (synchronous=FULL) and costs the CPU
  // of recording dozens of results, so after a commit of under a quarter of the window
  // the writer waits until, at the rate of the last round, a quarter of the window has
  // come (10 ms at most), and commits that. The results waiting meanwhile hold about a
  // quarter of the permits, so the window does not fill and the workers go on, whatever
  // its size; bigger commits never wait.
  static constexpr auto kLongestGroupWait = std::chrono::milliseconds(10);
  void log_writer() {
    const std::size_t group = engine.options_.in_flight / 4;
    auto last_round = SteadyClock::now();
    for (;;) {
      auto batch = results.pop_all(std::chrono::milliseconds(50));
      if (batch.empty()) {
        if (results.closed_and_empty()) return;
        continue;
      }
      const auto round_began = std::exchange(last_round, SteadyClock::now());
      std::vector<store::DeliveryUpdate> updates;
      updates.reserve(batch.size());
      std::size_t permits = 0;
      for (auto& o : batch) {
        permits += o.holds_permit ? 1 : 0;
        updates.push_back(std::move(o.update));
      }
      Status s;
      for (int attempt = 0; attempt < 5; ++attempt) {
        s = engine.store_.deliveries.record_deliveries(issue_id, updates);
        if (s) break;
        spdlog::warn("send: issue {}: cannot record {} deliveries (try {}): {}", issue_id,
                     updates.size(), attempt + 1, s.error().message);
        std::this_thread::sleep_for(std::chrono::milliseconds(200 << attempt));
      }
      if (!s) {
        // The results stay unrecorded: those readers are queued or deferred in the log
        // and the next run sends them again. Stop handing over more.
        std::lock_guard lock(error_mu);
        if (!log_error) log_error = s.error();
        halt.store(true);
      } else {
        recorded.fetch_add(updates.size());
      }
      window.release(permits);
      outstanding.release(permits);
      if (updates.size() < group && !results.closed_and_empty()) {
        // `updates` came in one round: a group takes group / size rounds.
        const auto round = last_round - round_began;
        std::this_thread::sleep_for(
            std::min<SteadyClock::duration>(kLongestGroupWait, round * group / updates.size()));
      }
    }
  }
};

Result<RunSummary> SendEngine::run(Id issue_id,
                                   const std::function<void(const SendProgress&)>& progress) {
  auto issue = store_.issues.issue_by_id(issue_id);
  if (!issue) return issue.error();
  const auto lease_until = [&] { return clock_.now() + options_.lease_seconds; };
  auto claimed = store_.leases.claim_sending_issue(options_.owner, issue_id, lease_until());
  if (!claimed) return claimed.error();
  if (!claimed->has_value()) {
    if (issue->status != IssueStatus::sending) {
      return make_error(Errc::conflict, fmt::format("issue {} is {}, not sending", issue_id,
                                                    to_string(issue->status)));
    }
    return make_error(Errc::conflict,
                      fmt::format("issue {} is being sent by another process", issue_id));
  }
  auto messages = messages_(*issue);
  if (!messages) {
    (void)store_.leases.release_lease(issue_id, options_.owner);
    return messages.error();
  }
  Run run(*this, issue_id, **messages, issue->started_at.value_or(clock_.now()));

  std::vector<std::thread> threads;
  threads.emplace_back([&] { run.log_writer(); });
  for (int i = 0; i < options_.workers; ++i) threads.emplace_back([&] { run.worker(); });

  // The watcher: every quarter second it looks at the stop request and the issue's
  // status (pause, cancel), and renews the lease at a third of its length; whatever
  // it finds halts the run at once, even in the middle of a batch.
  constexpr int kNoVerdict = -1;
  std::atomic<int> verdict_code{kNoVerdict};
  auto decide = [&](RunOutcome o) {
    int none = kNoVerdict;
    verdict_code.compare_exchange_strong(none, static_cast<int>(o));
    run.halt.store(true);
  };
  std::mutex watcher_mu;
  std::condition_variable watcher_cv;
  bool watcher_done = false;
  std::thread watcher([&] {
    std::unique_lock lock(watcher_mu);
    const auto renew_every = std::chrono::milliseconds(std::max(1, options_.lease_seconds) * 1000 / 3);
    auto renewed = SteadyClock::now();
    while (!watcher_cv.wait_for(lock, std::chrono::milliseconds(250), [&] { return watcher_done; })) {
      if (stop_.load()) decide(RunOutcome::stopped);
      if (auto now = store_.issues.issue_status(issue_id)) {
        if (*now == IssueStatus::paused) decide(RunOutcome::paused);
        if (*now == IssueStatus::cancelled) decide(RunOutcome::cancelled);
      }
      if (SteadyClock::now() - renewed >= renew_every) {
        renewed = SteadyClock::now();
        auto held = store_.leases.renew_lease(issue_id, options_.owner, lease_until());
        if (held && !*held) {
          run.lease_lost.store(true);
          decide(RunOutcome::lease_lost);
        }
      }
    }
  });

  const auto run_started = SteadyClock::now();
  auto last_report = SteadyClock::now() - std::chrono::seconds(1);
  auto report = [&](bool force) {
    if (!progress) return;
    auto now = SteadyClock::now();
    if (!force && now - last_report < std::chrono::milliseconds(500)) return;
    last_report = now;
    auto counts = store_.deliveries.delivery_counts(issue_id);
    if (!counts) return;
    const double secs = std::chrono::duration<double>(now - run_started).count();
    progress(SendProgress{*counts, secs > 0 ? static_cast<double>(run.recorded.load()) / secs : 0});
  };

  // Whether the run goes on; between batches the status is read at once as well.
  auto check = [&]() -> bool {
    if (stop_.load()) decide(RunOutcome::stopped);
    if (verdict_code.load() == kNoVerdict) {
      auto now = store_.issues.issue_status(issue_id);
      if (now && *now == IssueStatus::paused) decide(RunOutcome::paused);
      if (now && *now == IssueStatus::cancelled) decide(RunOutcome::cancelled);
    }
    return !run.halt.load();
  };

  std::optional<Error> failure;
  // One pass over a kind of delivery, keyset by subscriber id; ends drained: every
  // message handed over in it has its result recorded.
  auto pass = [&](bool retries) {
    Id after = 0;
    while (check()) {
      auto batch =
          retries
              ? store_.deliveries.due_deliveries(issue_id, clock_.now(), after, options_.batch_size)
              : store_.deliveries.queued_deliveries(issue_id, after, options_.batch_size);
      if (!batch) {
        failure = batch.error();
        run.halt.store(true);
        break;
      }
      if (batch->empty()) break;
      after = batch->back().subscriber_id;
      for (auto& reader : *batch) {
        if (!reader.still_subscribed) {
          store::DeliveryUpdate drop;
          drop.subscriber_id = reader.subscriber_id;
          drop.drop = true;
          run.results.push(Outcome{drop, false});
          continue;
        }
        if (run.halt.load()) break;
        run.outstanding.add();
        if (!run.work.push(Work{std::move(reader)})) {
          run.outstanding.release(1);
          break;
        }
      }
      report(false);
      if (batch->size() < options_.batch_size) break;
    }
  };
  // Waits until every delivery handed to the workers has its result recorded (or was
  // skipped by a halt), so the next pass reads the log as it really is.
  auto drain = [&] { run.outstanding.drained(); };

  pass(false);
  drain();
  while (check()) {
    auto counts = store_.deliveries.delivery_counts(issue_id);
    if (!counts) {
      failure = counts.error();
      break;
    }
    report(true);
    if (counts->queued > 0) {
      pass(false);
      drain();
      continue;
    }
    if (counts->deferred == 0) break;
    auto next = store_.deliveries.next_retry_at(issue_id);
    if (!next) {
      failure = next.error();
      break;
    }
    // Wait for the next retry to fall due, watching for pause, cancel and stop.
    while (next->has_value() && clock_.now() < **next && check()) {
      report(false);
      std::this_thread::sleep_for(std::chrono::milliseconds(200));
    }
    if (run.halt.load()) break;
    pass(true);
    drain();
  }

  run.halt.store(true);
  run.work.close();
  for (std::size_t i = 1; i < threads.size(); ++i) threads[i].join();  // workers
  run.outstanding.drained();
  run.results.close();
  threads[0].join();  // log writer
  {
    std::lock_guard lock(watcher_mu);
    watcher_done = true;
  }
  watcher_cv.notify_all();
  watcher.join();

  if (!failure && run.log_error) failure = run.log_error;
  RunSummary summary;
  std::optional<RunOutcome> verdict;
  if (verdict_code.load() != kNoVerdict) verdict = static_cast<RunOutcome>(verdict_code.load());
  if (!verdict && !failure) {
    auto done =
        store_.issues.change_issue_status(issue_id, {IssueStatus::sending}, IssueStatus::sent);
    if (!done) failure = done.error();
    summary.outcome = RunOutcome::finished;
  } else if (verdict) {
    summary.outcome = *verdict;
  }
  (void)store_.leases.release_lease(issue_id, options_.owner);
  auto counts = store_.deliveries.delivery_counts(issue_id);
  if (counts) summary.counts = *counts;
  report(true);
  if (failure) return *failure;
  return summary;
}

// True when `owner` ("host:pid:random") is a process on this host that is gone.
bool lease_owner_is_dead(const std::string& owner) {
  auto first = owner.find(':');
  auto second = owner.find(':', first + 1);
  if (first == std::string::npos || second == std::string::npos) return false;
  char host[256] = {};
  if (gethostname(host, sizeof host - 1) != 0) return false;
  if (owner.substr(0, first) != host) return false;
  pid_t pid = 0;
  try {
    pid = static_cast<pid_t>(std::stol(owner.substr(first + 1, second - first - 1)));
  } catch (...) {
    return false;
  }
  if (pid <= 0 || pid == getpid()) return false;
  return ::kill(pid, 0) != 0 && errno == ESRCH;
}

}  // namespace broadsheet
