#include "cli/progress.hpp"

#include <fmt/format.h>
#include <unistd.h>

#include <cmath>
#include <cstdio>

namespace broadsheet::cli {

Progress::Progress(std::string label, std::size_t total)
    : label_(std::move(label)),
      total_(total),
      enabled_(::isatty(STDERR_FILENO) == 1),
      start_(std::chrono::steady_clock::now()),
      last_(start_) {}

Progress::~Progress() { finish(); }

void Progress::update(std::size_t done, std::size_t items) {
  if (!enabled_) return;
  auto now = std::chrono::steady_clock::now();
  if (drawn_ && now - last_ < std::chrono::milliseconds(100)) return;
  last_ = now;
  drawn_ = true;
  double secs = std::chrono::duration<double>(now - start_).count();
  double rate = secs > 0 ? items / secs : 0;
  constexpr int kWidth = 30;
  std::string bar;
  if (total_ > 0) {
    double frac = done > total_ ? 1.0 : static_cast<double>(done) / total_;
    int fill = static_cast<int>(frac * kWidth);
    bar = fmt::format("[{}{}] {:3.0f}%", std::string(fill, '#'), std::string(kWidth - fill, '.'),
                      frac * 100);
  }
  std::fprintf(stderr, "\r%s %s %zu rows (%.0f/s)\x1b[K", label_.c_str(), bar.c_str(), items,
               rate);
  std::fflush(stderr);
}

void Progress::finish() {
  if (enabled_ && drawn_) {
    std::fprintf(stderr, "\n");
    drawn_ = false;
  }
}

std::string thousands(std::size_t n) {
  std::string digits = std::to_string(n);
  std::string out;
  out.reserve(digits.size() + digits.size() / 3);
  for (std::size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return out;
}

std::string clock_duration(double seconds) {
  const auto s = static_cast<long long>(seconds < 0 ? 0 : seconds + 0.5);
  if (s >= 3600) return fmt::format("{}:{:02}:{:02}", s / 3600, s / 60 % 60, s % 60);
  return fmt::format("{}:{:02}", s / 60, s % 60);
}

std::string per_second(double rate) {
  if (rate < 10) return fmt::format("{:.1f}/s", rate);
  return fmt::format("{}/s", thousands(static_cast<std::size_t>(rate + 0.5)));
}

void RateMeter::add(Clock::time_point at, std::size_t count) {
  samples_.emplace_back(at, count);
  // Keep one sample older than the window: the base the rate is measured from.
  while (samples_.size() > 2 && at - samples_[1].first >= window_) samples_.pop_front();
}

std::optional<double> RateMeter::rate() const {
  if (samples_.size() < 2) return std::nullopt;
  const auto& [t0, n0] = samples_.front();
  const auto& [t1, n1] = samples_.back();
  if (t1 - t0 < min_span_) return std::nullopt;
  const double secs = std::chrono::duration<double>(t1 - t0).count();
  return n1 >= n0 ? static_cast<double>(n1 - n0) / secs : 0.0;
}

std::string send_progress_line(const SendLine& line) {
  std::string left = "--:-- left";
  if (line.rate && *line.rate > 0) {
    const std::size_t remaining = line.total > line.done ? line.total - line.done : 0;
    // Rounded up: "0:00 left" only when nothing is.
    left = clock_duration(std::ceil(static_cast<double>(remaining) / *line.rate)) + " left";
  }
  std::string out =
      fmt::format("issue {}  {}/{}  {}  {}", line.issue, thousands(line.done),
                  thousands(line.total), line.rate ? per_second(*line.rate) : "--/s", left);
  if (!line.note.empty()) out += "  " + line.note;
  return out;
}

std::string send_summary_line(Id issue, std::size_t done, std::size_t total,
                              std::optional<double> average, double seconds) {
  return fmt::format("issue {}  {}/{}  {}  in {}", issue, thousands(done), thousands(total),
                     average ? per_second(*average) : "--/s", clock_duration(seconds));
}

SendProgressLine::SendProgressLine(Id issue)
    : issue_(issue),
      enabled_(::isatty(STDERR_FILENO) == 1),
      start_(RateMeter::Clock::now()),
      last_draw_(start_) {}

SendProgressLine::~SendProgressLine() { end_line(); }

void SendProgressLine::update(const store::DeliveryCounts& counts, std::string_view note) {
  const auto now = RateMeter::Clock::now();
  const std::size_t done = counts.sent + counts.failed;
  meter_.add(now, done);
  if (!enabled_) return;
  if (drawn_ && now - last_draw_ < std::chrono::milliseconds(100)) return;
  last_draw_ = now;
  drawn_ = true;
  const std::string line =
      send_progress_line({issue_, done, counts.total(), meter_.rate(), std::string(note)});
  std::fprintf(stderr, "\r%s\x1b[K", line.c_str());
  std::fflush(stderr);
}

void SendProgressLine::finish(const store::DeliveryCounts& counts, std::optional<double> average) {
  const double secs = std::chrono::duration<double>(RateMeter::Clock::now() - start_).count();
  const std::string line =
      send_summary_line(issue_, counts.sent + counts.failed, counts.total(), average, secs);
  if (enabled_ && drawn_) {
    std::fprintf(stderr, "\r%s\x1b[K\n", line.c_str());
  } else {
    std::fprintf(stderr, "%s\n", line.c_str());
  }
  std::fflush(stderr);
  drawn_ = false;
}

void SendProgressLine::end_line() {
  if (enabled_ && drawn_) {
    std::fprintf(stderr, "\n");
    drawn_ = false;
  }
}

}  // namespace broadsheet::cli
