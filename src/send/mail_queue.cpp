#include "send/mail_queue.hpp"

#include <fmt/format.h>
#include <pthread.h>
#include <spdlog/spdlog.h>
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <utility>

namespace broadsheet::send {
namespace {

using SteadyClock = std::chrono::steady_clock;

// How long to wait before settling again when the store refuses; short, since every
// row of the batch is waiting on it.
constexpr std::chrono::milliseconds kSettleRetry{200};
constexpr std::size_t kPurgeBatch = 10000;
constexpr UnixSeconds kPurgeEvery = 3600;

std::string describe(const store::QueuedMail& row) {
  return fmt::format("{} email {} to subscriber {}", to_string(row.kind), row.id,
                     row.subscriber_id);
}

}  // namespace

MailQueueSender::MailQueueSender(Roles store, transport::Transport& transport, MailRenderer render,
                                 const Clock& clock, MailQueueOptions options)
    : store_(store),
      transport_(transport),
      render_(std::move(render)),
      clock_(clock),
      options_(options) {}

MailQueueSender::~MailQueueSender() { stop(); }

void MailQueueSender::start() {
  std::lock_guard lock(mutex_);
  if (thread_.joinable() || stopping_) return;
  woken_ = true;  // the first pass takes what the last run left
  thread_ = std::thread([this] { run(); });
}

void MailQueueSender::wake() {
  {
    std::lock_guard lock(mutex_);
    woken_ = true;
  }
  wake_.notify_one();
}

void MailQueueSender::stop() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_one();
  if (thread_.joinable()) thread_.join();
}

void MailQueueSender::run() {
  ::pthread_setname_np(::pthread_self(), "bs-mail-queue");  // for top, perf, gdb
  // On Linux a nice value is per thread: this lowers only the sender.
  if (options_.nice != 0 &&
      ::setpriority(PRIO_PROCESS, static_cast<id_t>(::gettid()), options_.nice) != 0) {
    spdlog::debug("mail queue: cannot lower the sender's priority: errno {}", errno);
  }
  std::unique_lock lock(mutex_);
  while (!stopping_) {
    if (!woken_) {
      wake_.wait_for(lock, options_.poll_interval, [this] { return woken_ || stopping_; });
      if (stopping_) break;
    }
    woken_ = false;
    lock.unlock();
    auto pass = run_pass(SteadyClock::time_point::max(), true);
    if (!pass) spdlog::warn("mail queue: {}", pass.error().message);
    purge_done_rows();
    lock.lock();
  }
  lock.unlock();
  auto drained = run_pass(SteadyClock::now() + options_.drain_time, false);
  if (!drained) spdlog::warn("mail queue: while stopping: {}", drained.error().message);
  if (!unsettled_.empty()) {
    spdlog::error(
        "mail queue: {} email(s) were sent but could not be recorded; they will be "
        "sent again at the next start",
        unsettled_.size());
  }
}

bool MailQueueSender::stop_requested() {
  std::lock_guard lock(mutex_);
  return stopping_;
}

Result<MailPass> MailQueueSender::send_due(SteadyClock::time_point deadline) {
  return run_pass(deadline, false);
}

Result<MailPass> MailQueueSender::run_pass(SteadyClock::time_point deadline, bool until_stop) {
  auto should_end = [&] {
    return SteadyClock::now() >= deadline || (until_stop && stop_requested());
  };
  MailPass pass;
  bool last = false;  // the batch before was the last one: settle it and end
  for (;;) {
    // What was sent is recorded before anything more is read: a row sent but not
    // recorded is still due in the store and would be sent twice.
    while (!unsettled_.empty()) {
      auto settled = store_.queue.settle_mail(unsettled_);
      if (settled) {
        unsettled_.clear();
        break;
      }
      if (should_end()) return settled.error();
      spdlog::warn("mail queue: {}; trying again", settled.error().message);
      std::this_thread::sleep_for(kSettleRetry);
    }
    if (last || should_end()) return pass;
    auto more = send_batch(pass);
    if (!more) return more.error();
    last = !*more;
  }
}

Result<bool> MailQueueSender::send_batch(MailPass& pass) {
  const UnixSeconds now = clock_.now();
  auto rows = store_.queue.claim_mail(options_.owner, now, now + options_.lease_seconds,
                                     options_.batch_size);
  if (!rows) return rows.error();
  if (rows->empty()) return false;
  auto newsletters = store_.newsletters.list_newsletters(false);
  if (!newsletters) return newsletters.error();

  std::size_t retried = 0;
  std::string retry_reason;  // of the first row retried, for the log
  auto not_sent = [&](const store::QueuedMail& row, std::string error, UnixSeconds at) {
    if (retried == 0) retry_reason = error;
    unsettled_.push_back(retry_or_give_up(row, std::move(error), at));
    if (unsettled_.back().next_attempt_at) {
      ++retried;
    } else {
      ++pass.given_up;
    }
  };
  std::vector<transport::Mail> mails;
  std::vector<const store::QueuedMail*> sent_rows;  // the row of each of `mails`
  mails.reserve(rows->size());
  for (const store::QueuedMail& row : *rows) {
    if (row.blocked) {
      unsettled_.push_back(
          {row.id, std::nullopt, std::nullopt, "not sent: the address is blocked"});
      ++pass.given_up;
      continue;
    }
    auto rendered = render_(row, *newsletters);
    if (!rendered) {
      not_sent(row, rendered.error().message, now);
      continue;
    }
    if (!*rendered) {
      spdlog::info("mail queue: {} not sent: its newsletters no longer exist", describe(row));
      unsettled_.push_back({row.id, std::nullopt, std::nullopt, "not sent: no such newsletter"});
      ++pass.given_up;
      continue;
    }
    mails.push_back(std::move(**rendered));
    sent_rows.push_back(&row);
  }

  auto results = transport::send_and_wait(transport_, std::move(mails));
  const UnixSeconds done_at = clock_.now();
  bool transport_stopped = false;
  for (std::size_t i = 0; i < sent_rows.size(); ++i) {
    const store::QueuedMail& row = *sent_rows[i];
    const transport::DeliveryResult r =
        i < results.size() ? results[i] : transport::DeliveryResult{};
    switch (r.kind) {
      case transport::DeliveryResult::Kind::delivered:
        unsettled_.push_back({row.id, done_at, std::nullopt, ""});
        ++pass.sent;
        break;
      case transport::DeliveryResult::Kind::deferred:
        not_sent(row, r.reply.empty() ? "the transport gave no result" : r.reply, done_at);
        break;
      case transport::DeliveryResult::Kind::not_sent:
        // The transport is shutting down: the row stays due as it is, for the next start.
        transport_stopped = true;
        break;
      case transport::DeliveryResult::Kind::failed:
        spdlog::error("mail queue: {} failed for good: {}", describe(row), r.reply);
        unsettled_.push_back({row.id, std::nullopt, std::nullopt, r.reply});
        ++pass.given_up;
        break;
    }
  }
  if (retried > 0) {
    spdlog::warn("mail queue: {} email(s) not sent, to be tried again: {}", retried, retry_reason);
  }
  pass.retried += retried;
  return !transport_stopped;
}

store::MailSettlement MailQueueSender::retry_or_give_up(const store::QueuedMail& row, std::string error,
                                                 UnixSeconds now) {
  if (now - row.created_at >= options_.give_up_after) {
    spdlog::error("mail queue: giving up on {} after {} attempts: {}", describe(row),
                  row.attempts + 1, error);
    return {row.id, std::nullopt, std::nullopt, std::move(error)};
  }
  UnixSeconds delay = std::max<UnixSeconds>(options_.first_retry, 1);
  for (int i = 0; i < row.attempts && delay < options_.max_retry; ++i) delay *= 2;
  delay = std::min(delay, std::max<UnixSeconds>(options_.max_retry, 1));
  return {row.id, std::nullopt, now + delay, std::move(error)};
}

void MailQueueSender::purge_done_rows() {
  const UnixSeconds now = clock_.now();
  if (now - last_purge_ < kPurgeEvery) return;
  last_purge_ = now;
  auto purged = store_.queue.purge_mail_queue(now - options_.keep_done, kPurgeBatch);
  if (!purged) spdlog::warn("mail queue: purging done rows: {}", purged.error().message);
}

}  // namespace broadsheet::send
