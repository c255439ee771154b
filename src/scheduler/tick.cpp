// run_tick, TickLock and Runner: see tick.hpp.
#include "scheduler/tick.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <spdlog/spdlog.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

namespace broadsheet::scheduler {

Result<std::optional<TickLock>> TickLock::try_acquire(const std::string& data_dir) {
  const std::string path = (std::filesystem::path(data_dir) / "schedule.lock").string();
  int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0) {
    return make_error(Errc::io, fmt::format("cannot open {}: {}", path, std::strerror(errno)));
  }
  if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
    const int err = errno;
    ::close(fd);
    if (err == EWOULDBLOCK) return std::optional<TickLock>{};
    return make_error(Errc::io, fmt::format("cannot lock {}: {}", path, std::strerror(err)));
  }
  return std::optional<TickLock>{TickLock(fd)};
}

TickLock::~TickLock() {
  if (fd_ >= 0) ::close(fd_);  // closing lets the flock go
}

std::size_t TickReport::released_readers() const {
  std::size_t n = 0;
  for (const auto& r : releases) n += r.readers;
  return n;
}

Result<TickReport> run_tick(const TickParts& parts, const std::string& data_dir, UnixSeconds now,
                            const ReleaseOptions& options) {
  TickReport report;
  auto lock = TickLock::try_acquire(data_dir);
  if (!lock) return lock.error();
  if (!lock->has_value()) {
    report.busy = true;
    return report;
  }
  if (parts.poll_feeds) {
    auto polled = parts.poll_feeds(now);
    if (polled)
      report.feeds_polled = *polled;
    else
      report.warnings.push_back("feeds: " + polled.error().message);
  }
  if (parts.make_drafts) {
    auto made = parts.make_drafts(now);
    if (made) {
      report.drafts = std::move(made->lines);
      for (auto& w : made->warnings) report.warnings.push_back("drafts: " + w);
    } else {
      report.warnings.push_back("drafts: " + made.error().message);
    }
  }
  auto released = release_due(parts.releases, now, options);
  if (!released) return released.error();
  report.releases = std::move(*released);
  return report;
}

Runner::Runner(TickParts parts, std::string data_dir, ReleaseOptions options, const Clock& clock,
               std::chrono::milliseconds interval, std::function<void(const TickReport&)> after,
               std::function<bool()> may_step)
    : parts_(std::move(parts)),
      data_dir_(std::move(data_dir)),
      options_(std::move(options)),
      clock_(clock),
      interval_(interval),
      after_(std::move(after)),
      may_step_(std::move(may_step)) {}

Runner::~Runner() { stop(); }

void Runner::start() {
  thread_ = std::thread([this] { loop(); });
}

void Runner::request_stop() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
}

void Runner::stop() {
  request_stop();
  if (thread_.joinable()) thread_.join();
}

void Runner::loop() {
  std::unique_lock lock(mu_);
  while (!stopping_) {
    if (may_step_ && !may_step_()) {
      cv_.wait_for(lock, interval_, [this] { return stopping_; });
      continue;
    }
    lock.unlock();
    auto report = run_tick(parts_, data_dir_, clock_.now(), options_);
    if (!report) {
      spdlog::warn("schedule: the step failed (the next one goes on): {}", report.error().message);
    } else {
      for (const auto& w : report->warnings) spdlog::warn("schedule: {}", w);
      for (const auto& d : report->drafts) spdlog::info("schedule: {}", d);
      for (const auto& r : report->releases) {
        if (r.outcome == store::CohortOutcome::released) {
          spdlog::info("schedule: issue {} ({}) released to {}: {} readers", r.issue_id,
                       r.newsletter_slug, r.zone.empty() ? "everyone" : r.zone, r.readers);
        }
      }
      if (after_) after_(*report);
    }
    lock.lock();
    cv_.wait_for(lock, interval_, [this] { return stopping_; });
  }
}

}  // namespace broadsheet::scheduler
