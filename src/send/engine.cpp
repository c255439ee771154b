// The send engine (engine.hpp): one run per issue, a producer (the calling thread),
// workers that render and hand over, one log writer, and a watcher (stop, pause,
// cancel, lease). The queues, window and limits between them are in flow.hpp.
#include "send/engine.hpp"

#include <fmt/format.h>
#include <signal.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <condition_variable>
#include <mutex>
#include <optional>
#include <random>
#include <thread>
#include <utility>

#include "send/flow.hpp"

namespace broadsheet::send {
namespace {

struct Work {
  store::PendingDelivery reader;
};

struct Outcome {
  store::DeliveryUpdate update;
  bool holds_permit = true;
  bool record = true;  // false: the transport stopped first; the row stays as it is
};

}  // namespace

std::string_view to_string(RunOutcome o) {
  switch (o) {
    case RunOutcome::finished: return "finished";
    case RunOutcome::paused: return "paused";
    case RunOutcome::cancelled: return "cancelled";
    case RunOutcome::stopped: return "stopped";
    case RunOutcome::lease_lost: return "lease_lost";
    case RunOutcome::relay_refused: return "relay_refused";
    case RunOutcome::waiting: return "waiting";
    case RunOutcome::awaiting_release: return "awaiting_release";
  }
  return "finished";
}

std::string process_owner_id() {
  char host[256] = {};
  if (gethostname(host, sizeof host - 1) != 0) host[0] = '\0';
  std::random_device rd;
  return fmt::format("{}:{}:{:08x}", host, getpid(), rd());
}

SendEngine::SendEngine(Roles store, transport::Transport& transport, IssueMessagesFactory messages,
                       EngineOptions options, const Clock& clock, SendObserver observer)
    : store_(store),
      transport_(transport),
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

namespace {

UnixSeconds lease_until(const Clock& clock, const EngineOptions& options) {
  return clock.now() + options.lease_seconds;
}

}  // namespace

// One run of one issue. Its steps are the members below, called in this order by
// execute() on the producer's thread (the caller of SendEngine::run): start the
// threads; passes over the queued deliveries, then over the deferred ones as they fall
// due; stop the threads; finish (the issue's new status, the lease, the summary).
// The workers, the log writer and the watcher share the rest.
//
// Halting: whatever ends the run early (stop request, pause, cancel, lost lease, a
// store failure) sets `halt`, which every thread looks at before handing a message
// over; the first such verdict is the run's outcome. The status of the issue is read
// by one function, look(): from the watcher every quarter second, and between batches.
struct SendEngine::Run {
  using Progress = std::function<void(const SendProgress&)>;

  Run(SendEngine& e, Id id, const IssueMessages& m, UnixSeconds started, const Progress& p,
      bool issue_lease)
      : engine(e),
        options(e.options_),
        store(e.store_),
        issue_id(id),
        messages(m),
        started_at(started),
        progress(p),
        work(static_cast<std::size_t>(options.workers) * 8),
        results(1 << 16),
        window(options.in_flight),
        limits(options.rate, options.domain_in_flight, options.domain_rate),
        holds_issue_lease(issue_lease) {}

  Result<RunSummary> execute() {
    start_threads();
    send_passes();
    stop_threads();
    return finish();
  }

 private:
  static constexpr int kNoVerdict = -1;
  static constexpr auto kLookEvery = std::chrono::milliseconds(250);
  static constexpr auto kReportEvery = std::chrono::milliseconds(500);
  static constexpr auto kShareEvery = std::chrono::seconds(2);

  SendEngine& engine;
  const EngineOptions& options;
  const Roles& store;
  const Id issue_id;
  const IssueMessages& messages;
  const UnixSeconds started_at;
  const Progress& progress;

  send::BoundedQueue<Work> work;
  send::BoundedQueue<Outcome> results;
  send::Window window;        // handed to the transport, result not yet durable
  send::Counter outstanding;  // given to the workers, result not yet durable
  send::Limits limits;

  std::atomic<bool> halt{false};         // stop handing messages over
  std::atomic<int> verdict{kNoVerdict};  // the first RunOutcome that halted the run
  std::atomic<std::size_t> recorded{0};  // results made durable in this run
  // Whether this run holds the issue's lease (with EngineOptions::share it may not:
  // another node does). Watcher only.
  bool holds_issue_lease;
  int sharing_nodes = 1;  // the limits are shared by (producer, then watcher)
  // The row leases: while this run holds rows (claimed, result not yet recorded), the
  // earliest instant any of them may run out, as last written by a claim or renewal.
  std::mutex lease_mu;
  bool holding_rows = false;          // guarded by lease_mu
  UnixSeconds rows_leased_until = 0;  // guarded by lease_mu
  std::mutex error_mu;
  std::optional<Error> log_error;  // a store failure of the log writer (guarded by error_mu)
  std::optional<Error> failure;    // a store failure of the producer (producer only)
  std::string refusal;             // relay_refused: the first such reply (guarded by error_mu)

  std::vector<std::thread> workers;
  std::thread writer, watcher;
  std::mutex watcher_mu;
  std::condition_variable watcher_cv;
  bool watcher_done = false;  // guarded by watcher_mu

  const SteadyClock::time_point run_started = SteadyClock::now();
  SteadyClock::time_point last_report = run_started - std::chrono::seconds(1);

  // --- the steps ---

  void start_threads() {
    share_limits();
    writer = std::thread([this] { log_writer(); });
    for (int i = 0; i < options.workers; ++i) workers.emplace_back([this] { worker(); });
    watcher = std::thread([this] { watch(); });
  }

  // Claims batches of the log (queued rows, and deferred ones due) and hands them to
  // the workers, until nothing is left to send or the run halts. The cursor moves on
  // through the log; when a claim past it finds nothing, one more from the start picks
  // up what fell due or was left by a node that died. When that finds nothing either,
  // the run drains what it has in flight and looks at the log: done; only retries not
  // yet due (wait for the first); or rows other nodes hold (look again shortly, to take
  // them over should their node die).
  void send_passes() {
    Id after = 0;
    while (going_on()) {
      const UnixSeconds now = engine.clock_.now();
      const UnixSeconds until = now + options.lease_seconds;
      auto batch = store.deliveries.claim_deliveries(issue_id, options.owner, now, until, after,
                                                     options.batch_size);
      if (!batch) {
        failure = batch.error();
        halt.store(true);
        break;
      }
      if (!batch->empty()) {
        rows_claimed(until);
        after = batch->back().subscriber_id;
        hand_over(*batch);
        report(false);
        continue;
      }
      if (after != 0) {
        after = 0;
        continue;
      }
      drain();
      rows_settled();
      auto counts = store.deliveries.delivery_counts(issue_id);
      if (!counts) {
        failure = counts.error();
        break;
      }
      report(true);
      if (counts->queued == 0 && counts->deferred == 0) break;
      auto next = store.deliveries.next_retry_at(issue_id);
      if (!next) {
        failure = next.error();
        break;
      }
      if (counts->queued == 0 && *next && **next > engine.clock_.now()) {
        if (options.end_when_waiting) {
          decide(RunOutcome::waiting);
          break;
        }
        wait_until(**next);
        continue;
      }
      // Rows other nodes hold: theirs to send, or ours once their leases run out.
      pause_briefly();
    }
  }

  // Hands one claimed batch to the workers; readers who left are dropped.
  void hand_over(std::vector<store::PendingDelivery>& batch) {
    for (auto& reader : batch) {
      if (!reader.still_subscribed) {
        store::DeliveryUpdate drop;
        drop.subscriber_id = reader.subscriber_id;
        drop.drop = true;
        results.push(Outcome{drop, false});
        continue;
      }
      if (halt.load()) break;  // the rest stay leased until finish() gives them back
      outstanding.add();
      if (!work.push(Work{std::move(reader)})) {
        outstanding.release(1);
        break;
      }
    }
  }

  void pause_briefly() {
    for (int i = 0; i < 5 && !halt.load(); ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
  }

  // --- the row leases ---

  void rows_claimed(UnixSeconds until) {
    std::lock_guard lock(lease_mu);
    rows_leased_until = holding_rows ? std::min(rows_leased_until, until) : until;
    holding_rows = true;
  }
  // Everything claimed has its result recorded (the run is drained).
  void rows_settled() {
    std::lock_guard lock(lease_mu);
    holding_rows = false;
  }
  // A renewal asked at `asked_at` extended every row lease to `until`. False when it
  // came too late: a lease may have run out first, and another node may hold its row.
  bool rows_renewed(UnixSeconds asked_at, UnixSeconds until) {
    std::lock_guard lock(lease_mu);
    if (!holding_rows) return true;
    if (asked_at >= rows_leased_until) return false;
    rows_leased_until = until;
    return true;
  }
  // Whether a message may be handed over now: the leases have at least a quarter of
  // their length to go (the renewals keep two thirds).
  bool rows_still_ours() {
    std::lock_guard lock(lease_mu);
    if (!holding_rows) return true;
    const UnixSeconds margin = std::max(1, options.lease_seconds / 4);
    return engine.clock_.now() + margin < rows_leased_until;
  }

  // Waits until every delivery handed to the workers has its result recorded (or was
  // skipped by a halt).
  void drain() { outstanding.drained(); }

  // Waits for the next retry to fall due; the watcher halts the wait.
  void wait_until(UnixSeconds due) {
    while (engine.clock_.now() < due && !halt.load()) {
      report(false);
      std::this_thread::sleep_for(std::chrono::milliseconds(200));
    }
  }

  void stop_threads() {
    halt.store(true);
    work.close();
    for (auto& t : workers) t.join();
    outstanding.drained();
    results.close();
    writer.join();
    {
      std::lock_guard lock(watcher_mu);
      watcher_done = true;
    }
    watcher_cv.notify_all();
    watcher.join();
  }

  // The issue becomes sent when nothing halted the run; the lease is released.
  Result<RunSummary> finish() {
    if (!failure && log_error) failure = log_error;
    RunSummary summary;
    const int code = verdict.load();
    if (code != kNoVerdict) {
      summary.outcome = static_cast<RunOutcome>(code);
      if (summary.outcome == RunOutcome::relay_refused) {
        {
          std::lock_guard lock(error_mu);
          summary.stopped_reason = refusal;
        }
        // Conflict: paused or cancelled meanwhile by someone, which stands.
        auto stopped = store.issues.stop_issue(issue_id, summary.stopped_reason);
        if (!stopped && stopped.error().code != Errc::conflict) failure = stopped.error();
      }
    } else if (!failure) {
      // Sent, unless the scheduler has cohorts of it left to release (releases.hpp).
      auto done = store.deliveries.finish_sending(issue_id);
      if (!done && done.error().code == Errc::conflict && options.share) {
        // Another node's run of the issue finished it first, or it was paused or
        // cancelled in the meantime: what its status says stands.
        auto status = store.issues.issue_status(issue_id);
        summary.outcome = status && *status == IssueStatus::paused      ? RunOutcome::paused
                          : status && *status == IssueStatus::cancelled ? RunOutcome::cancelled
                                                                        : RunOutcome::finished;
      } else {
        if (!done) failure = done.error();
        summary.outcome = done && !*done ? RunOutcome::awaiting_release : RunOutcome::finished;
      }
    }
    // The issue's lease when this run holds it, and the rows claimed and not sent.
    (void)store.leases.release_lease(issue_id, options.owner);
    auto counts = store.deliveries.delivery_counts(issue_id);
    if (counts) summary.counts = *counts;
    report(true);
    if (failure) return *failure;
    return summary;
  }

  // --- halting ---

  void decide(RunOutcome o) {
    int none = kNoVerdict;
    verdict.compare_exchange_strong(none, static_cast<int>(o));
    halt.store(true);
  }

  // The relay refuses what the configuration asks (any thread): the run stops.
  void refused(const std::string& reply) {
    {
      std::lock_guard lock(error_mu);
      if (refusal.empty()) refusal = reply;
    }
    decide(RunOutcome::relay_refused);
  }

  // The one look at what may end the run from outside: the stop request and the
  // issue's status (paused, cancelled).
  void look() {
    if (engine.stop_.load()) decide(RunOutcome::stopped);
    if (verdict.load() != kNoVerdict) return;
    auto now = store.issues.issue_status(issue_id);
    if (now && *now == IssueStatus::paused) decide(RunOutcome::paused);
    if (now && *now == IssueStatus::cancelled) decide(RunOutcome::cancelled);
  }

  // Whether the run goes on, looked at now (between batches).
  bool going_on() {
    look();
    return !halt.load();
  }

  // `progress` about twice a second (always when `force`).
  void report(bool force) {
    if (!progress) return;
    auto now = SteadyClock::now();
    if (!force && now - last_report < kReportEvery) return;
    last_report = now;
    auto counts = store.deliveries.delivery_counts(issue_id);
    if (!counts) return;
    const double secs = std::chrono::duration<double>(now - run_started).count();
    progress(SendProgress{*counts, secs > 0 ? static_cast<double>(recorded.load()) / secs : 0});
  }

  // --- the threads ---

  // Every quarter second: look(), and renew the lease at a third of its length.
  void watch() {
    std::unique_lock lock(watcher_mu);
    const auto renew_every =
        std::chrono::milliseconds(std::max(1, options.lease_seconds) * 1000 / 3);
    auto renewed = SteadyClock::now();
    auto shared = renewed;
    while (!watcher_cv.wait_for(lock, kLookEvery, [&] { return watcher_done; })) {
      look();
      if (SteadyClock::now() - shared >= kShareEvery) {
        shared = SteadyClock::now();
        share_limits();
      }
      if (SteadyClock::now() - renewed >= renew_every) {
        renewed = SteadyClock::now();
        renew();
      }
    }
  }

  // This run's part of the limits, for the sender nodes there are now.
  void share_limits() {
    if (!options.sender_nodes) return;
    const int nodes = std::max(1, options.sender_nodes());
    if (nodes == sharing_nodes) return;
    sharing_nodes = nodes;
    limits.share(nodes);
  }

  // Renews the issue's lease (when this run holds it) and the rows'.
  void renew() {
    const UnixSeconds asked_at = engine.clock_.now();
    const UnixSeconds until = lease_until(engine.clock_, options);
    if (holds_issue_lease) {
      auto held = store.leases.renew_lease(issue_id, options.owner, until);
      if (held && !*held) {
        if (!options.share) decide(RunOutcome::lease_lost);
        holds_issue_lease = false;  // sharing: the rows' leases are what count
      }
    }
    // A failed renewal is not retried here: the leases run out, and rows_still_ours()
    // stops the workers before they do.
    if (store.deliveries.renew_delivery_leases(issue_id, options.owner, until) &&
        !rows_renewed(asked_at, until)) {
      decide(RunOutcome::lease_lost);
    }
  }

  // What a transport result means for the log.
  store::DeliveryUpdate update_for(const store::PendingDelivery& reader,
                            const transport::DeliveryResult& r) const {
    store::DeliveryUpdate u;
    u.subscriber_id = reader.subscriber_id;
    u.attempts = reader.attempts + 1;
    u.code = r.code;
    u.reply = r.reply;
    if (r.configuration) {
      // Not the reader's fault nor a try: due again as soon as the issue is resumed.
      u.status = DeliveryStatus::deferred;
      u.attempts = reader.attempts;
      u.next_attempt_at = engine.clock_.now();
      return u;
    }
    switch (r.kind) {
      case transport::DeliveryResult::Kind::delivered:
        u.status = DeliveryStatus::sent;
        break;
      case transport::DeliveryResult::Kind::failed:
        u.status = DeliveryStatus::failed;
        break;
      case transport::DeliveryResult::Kind::not_sent:  // not recorded (worker)
      case transport::DeliveryResult::Kind::deferred: {
        const auto& backoff = options.backoff;
        const int wait = backoff[std::min<std::size_t>(static_cast<std::size_t>(u.attempts - 1),
                                                       backoff.size() - 1)];
        const UnixSeconds next = engine.clock_.now() + wait;
        if (next > started_at + options.give_up_after) {
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
      if (!halt.load() && !rows_still_ours()) {
        spdlog::warn("send: issue {}: the leases of this node's rows ran out before they were "
                     "renewed; stopping (another node takes them over)",
                     issue_id);
        decide(RunOutcome::lease_lost);
      }
      if (halt.load()) {
        limits.release(domain);
        window.release(1);
        outstanding.release(1);
        continue;
      }
      auto message = messages.message_for(issue_id, reader);
      if (!message) {
        limits.release(domain);
        transport::DeliveryResult r{transport::DeliveryResult::Kind::failed, 0,
                                    "cannot render the message: " + message.error().message};
        results.push(Outcome{update_for(reader, r)});
        continue;
      }
      auto shared = std::make_shared<const std::string>(std::move(*message));
      const auto start = SteadyClock::now();
      engine.transport_.submit_one(
          {transport::Envelope{messages.mail_from(issue_id, reader), reader.email}, std::move(shared)},
          [this, reader, domain, start](transport::DeliveryResult r) {
            limits.release(domain);
            if (engine.observer_.on_result) {
              engine.observer_.on_result(r, SteadyClock::now() - start);
            }
            if (r.configuration) refused(r.reply);
            // Stopping is not an attempt: the reader stays queued (or deferred) as the
            // log has them, for the next run.
            // A transport that stops takes nothing more: the run stops with it.
            const bool record = r.kind != transport::DeliveryResult::Kind::not_sent;
            if (!record) decide(RunOutcome::stopped);
            results.push(Outcome{update_for(reader, r), true, record});
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
    const std::size_t group = options.in_flight / 4;
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
        if (o.record) updates.push_back(std::move(o.update));
      }
      if (updates.empty()) {
        window.release(permits);
        outstanding.release(permits);
        continue;
      }
      Status s;
      for (int attempt = 0; attempt < 5; ++attempt) {
        auto written = store.deliveries.record_leased_deliveries(issue_id, options.owner, updates);
        if (written && *written < updates.size()) {
          spdlog::warn("send: issue {}: {} results not recorded: another node took their rows "
                       "over",
                       issue_id, updates.size() - *written);
        }
        s = written ? Status{} : Status{written.error()};
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
  auto claimed =
      store_.leases.claim_sending_issue(options_.owner, issue_id, lease_until(clock_, options_));
  if (!claimed) return claimed.error();
  if (!claimed->has_value() && !(options_.share && issue->status == IssueStatus::sending)) {
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
  Run run(*this, issue_id, **messages, issue->started_at.value_or(clock_.now()), progress,
          claimed->has_value());
  return run.execute();
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

}  // namespace broadsheet::send
