#include "inbound/poller.hpp"

#include <fmt/format.h>

namespace broadsheet::inbound {

std::string PollReport::summary() const {
  return fmt::format(
      "{} message{}: {} processed, {} too large, {} kept for the next poll, {} deleted", listed,
      listed == 1 ? "" : "s", processed, too_large, kept, deleted);
}

PollReport poll_once(MailboxClient& client, const ProcessMessage& process, const PollLimits& limits,
                     const std::atomic<bool>& stop) {
  PollReport report;
  auto listed = client.list();
  if (!listed) {
    report.failure = listed.error().message;
    report.stopped = stop.load();
    return report;
  }
  report.listed = listed->size();
  std::vector<std::string> done;  // handled or deliberately ignored: deleted
  std::size_t read = 0;
  for (const auto& entry : *listed) {
    if (stop.load()) {
      report.stopped = true;
      break;
    }
    if (read == limits.max_messages) {
      report.lines.push_back(fmt::format("{} more message{} wait for the next poll",
                                         listed->size() - read,
                                         listed->size() - read == 1 ? "" : "s"));
      break;
    }
    ++read;
    const std::string name = fmt::format("message {}", entry.id);
    auto too_large = [&](std::size_t size) {
      ++report.too_large;
      done.push_back(entry.id);
      report.lines.push_back(
          fmt::format("{}: too large ({} bytes, bounce.max_message_bytes is {}): deleted unread",
                      name, size, limits.max_bytes));
    };
    if (entry.size > limits.max_bytes) {
      too_large(entry.size);
      continue;
    }
    auto raw = client.fetch(entry, limits.max_bytes);
    if (!raw) {
      if (raw.error().code == Errc::invalid_argument) {
        too_large(limits.max_bytes + 1);
        continue;
      }
      report.failure = raw.error().message;
      report.stopped = stop.load();
      break;
    }
    auto outcome = process(*raw);
    if (!outcome) {
      ++report.kept;
      report.failure =
          fmt::format("{}: not stored, kept for the next poll: {}", name, outcome.error().message);
      break;
    }
    ++report.processed;
    done.push_back(entry.id);
    report.lines.push_back(fmt::format("{}: {}", name, outcome->summary()));
  }
  if (!done.empty() && !stop.load()) {
    if (auto removed = client.remove(done); !removed) {
      const std::string why = fmt::format(
          "deleting the {} message{} handled failed (they will be seen again and count once): {}",
          done.size(), done.size() == 1 ? "" : "s", removed.error().message);
      report.failure = report.failure.empty() ? why : report.failure + "; " + why;
    } else {
      report.deleted = done.size();
    }
  }
  if (stop.load()) report.stopped = true;
  return report;
}

Poller::Poller(Connect connect, ProcessMessage process, PollLimits limits,
               std::chrono::milliseconds interval, std::function<void(const PollReport&)> log)
    : connect_(std::move(connect)),
      process_(std::move(process)),
      limits_(limits),
      interval_(interval),
      log_(std::move(log)) {}

Poller::~Poller() { stop(); }

void Poller::start() {
  thread_ = std::thread([this] { loop(); });
}

void Poller::request_stop() {
  stop_.store(true);
  // Taking the lock orders the store before the waiter's check: no lost wake-up.
  std::lock_guard lock(mu_);
  cv_.notify_all();
}

void Poller::stop() {
  request_stop();
  if (thread_.joinable()) thread_.join();
}

void Poller::loop() {
  while (!stop_.load()) {
    PollReport report;
    if (auto client = connect_(stop_)) {
      report = poll_once(**client, process_, limits_, stop_);
    } else {
      report.failure = client.error().message;
    }
    if (log_) log_(report);
    std::unique_lock lock(mu_);
    cv_.wait_for(lock, interval_, [this] { return stop_.load(); });
  }
}

}  // namespace broadsheet::inbound
