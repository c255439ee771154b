#include "cli/progress.hpp"

#include <fmt/format.h>
#include <unistd.h>

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

}  // namespace broadsheet::cli
