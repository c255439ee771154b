#include "send/dispatcher.hpp"

#include <spdlog/spdlog.h>

#include <vector>

namespace broadsheet::send {

SendDispatcher::SendDispatcher(Roles store, SendEngine& engine, std::string owner,
                               int lease_seconds, const Clock& clock, int max_issues,
                               bool share)
    : store_(store),
      engine_(engine),
      owner_(std::move(owner)),
      lease_seconds_(lease_seconds),
      clock_(clock),
      max_issues_(std::max(1, max_issues)),
      share_(share) {}

SendDispatcher::~SendDispatcher() { stop(); }

void SendDispatcher::start() {
  thread_ = std::thread([this] { loop(); });
}

void SendDispatcher::poke() {
  std::lock_guard lock(mu_);
  poked_ = true;
  cv_.notify_all();
}

void SendDispatcher::request_stop() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
    cv_.notify_all();
  }
  engine_.request_stop();
}

void SendDispatcher::stop() {
  {
    std::lock_guard lock(mu_);
    if (stopping_ && !thread_.joinable()) return;
    stopping_ = true;
    cv_.notify_all();
  }
  engine_.request_stop();
  if (thread_.joinable()) thread_.join();
  std::map<Id, std::unique_ptr<Sender>> running;
  {
    std::lock_guard lock(mu_);
    running.swap(running_);
  }
  for (auto& [id, sender] : running) sender->thread.join();
}

// A sender of this host killed with -9 keeps its lease until it expires; free it now,
// so a restarted server resumes at once.
void SendDispatcher::free_dead_leases() {
  store::IssueQuery q;
  q.status = IssueStatus::sending;
  auto sending = store_.issues.list_issues(q);
  if (!sending) return;
  for (const auto& issue : *sending) {
    if (!issue.lease_owner.empty() && issue.lease_owner != owner_ &&
        lease_owner_is_dead(issue.lease_owner)) {
      spdlog::info("send: issue {}: its sender {} is gone; taking over", issue.id,
                   issue.lease_owner);
      (void)store_.leases.release_lease(issue.id, issue.lease_owner);
    }
  }
}

std::unique_ptr<SendDispatcher::Sender> SendDispatcher::start_sender(Id id) {
  auto sender = std::make_unique<Sender>();
  sender->thread = std::thread([this, id, self = sender.get()] {
    auto summary = engine_.run(id);
    if (summary && summary->outcome == RunOutcome::relay_refused) {
      spdlog::error("send: issue {} stopped (paused): {}", id, summary->stopped_reason);
    } else if (summary) {
      spdlog::info("send: issue {}: {} (sent {}, deferred {}, failed {})", id,
                   to_string(summary->outcome), summary->counts.sent, summary->counts.deferred,
                   summary->counts.failed);
    } else {
      spdlog::error("send: issue {}: {}", id, summary.error().message);
      (void)store_.leases.release_lease(id, owner_);
    }
    std::lock_guard done(mu_);
    self->finished = true;
    reap_ = true;
    cv_.notify_all();
  });
  return sender;
}

void SendDispatcher::reap_finished(std::unique_lock<std::mutex>& lock) {
  if (!reap_) return;
  reap_ = false;
  std::vector<std::unique_ptr<Sender>> done;
  for (auto it = running_.begin(); it != running_.end();) {
    if (it->second->finished) {
      done.push_back(std::move(it->second));
      it = running_.erase(it);
    } else {
      ++it;
    }
  }
  lock.unlock();
  for (auto& sender : done) sender->thread.join();
  done.clear();
  lock.lock();
}

void SendDispatcher::start_claimed(std::unique_lock<std::mutex>& lock) {
  while (static_cast<int>(running_.size()) < max_issues_ && !stopping_) {
    lock.unlock();
    auto claimed = store_.leases.claim_sending_issue(owner_, 0, clock_.now() + lease_seconds_);
    lock.lock();
    if (!claimed) {
      spdlog::warn("send: cannot look for issues to send: {}", claimed.error().message);
      break;
    }
    if (!claimed->has_value()) break;
    const Id id = **claimed;
    if (auto it = running_.find(id); it != running_.end()) {
      // The issue's last run has released its lease (it was paused and resumed at
      // once) but its thread has not ended yet. It must be gone before another run
      // of the issue begins; it ends without waiting for anything (unless its lease
      // ran out while it still ran: then this waits for its end, and the new run
      // takes the issue as that one left it). mu_ is released meanwhile, as that
      // thread takes it to record its end.
      std::unique_ptr<Sender> previous = std::move(it->second);
      running_.erase(it);
      lock.unlock();
      previous->thread.join();
      previous.reset();
      lock.lock();
    }
    spdlog::info("send: issue {}: sending", id);
    running_.emplace(id, start_sender(id));
  }
}

void SendDispatcher::start_shared(std::unique_lock<std::mutex>& lock) {
  if (static_cast<int>(running_.size()) >= max_issues_) return;
  lock.unlock();
  auto issues = store_.leases.issues_with_claimable_work(clock_.now());
  lock.lock();
  if (!issues) {
    spdlog::warn("send: cannot look for issues to send: {}", issues.error().message);
    return;
  }
  for (const Id id : *issues) {
    if (stopping_ || static_cast<int>(running_.size()) >= max_issues_) break;
    // A run of it here already: it claims what there is (or, finished, is reaped at
    // the next look and the issue taken up again then).
    if (running_.count(id) != 0) continue;
    spdlog::info("send: issue {}: sending", id);
    running_.emplace(id, start_sender(id));
  }
}

void SendDispatcher::loop() {
  std::unique_lock lock(mu_);
  while (!stopping_) {
    reap_finished(lock);
    lock.unlock();
    free_dead_leases();
    lock.lock();
    if (share_) {
      start_shared(lock);
    } else {
      start_claimed(lock);
    }
    cv_.wait_for(lock, std::chrono::seconds(1), [&] { return stopping_ || poked_ || reap_; });
    poked_ = false;
  }
}

}  // namespace broadsheet::send
