// Progress on stderr for long commands, drawn only when stderr is a terminal (so logs
// and pipes stay clean) and at most ten times a second.
//
// Progress: a bar of bytes or rows (import). SendProgressLine: an issue being sent,
// `issue 7  1,245/1,994  512/s  0:02 left`: readers settled (sent or failed) of the
// audience, the rate over the last few seconds, and the time left at that rate; then
// a summary line, on a terminal or not. The pieces are small functions of their own,
// so that a line can carry more (deferral reasons) without another formatter.
//
// Not thread-safe: one object per command, used from one thread.
#pragma once

#include <chrono>
#include <cstddef>
#include <deque>
#include <optional>
#include <string>
#include <string_view>

#include "core/types.hpp"
#include "store/delivery_log.hpp"

namespace broadsheet::cli {

class Progress {
 public:
  // `total` in the unit of update() (bytes, rows); 0 when unknown.
  Progress(std::string label, std::size_t total);
  ~Progress();  // finishes the line if one was drawn

  void update(std::size_t done, std::size_t items);
  void finish();

 private:
  std::string label_;
  std::size_t total_;
  bool enabled_;
  bool drawn_ = false;
  std::chrono::steady_clock::time_point start_, last_;
};

// 1994 -> "1,994".
std::string thousands(std::size_t n);
// Whole seconds as "0:02", "12:05", "1:05:09".
std::string clock_duration(double seconds);
// A rate per second as "512/s" (no decimals from 10 on, one below: "0.5/s").
std::string per_second(double rate);

// The rate of a count that grows, over the last `window`: samples in, messages per
// second out. Unknown (nullopt) until two samples at least `min_span` apart.
class RateMeter {
 public:
  using Clock = std::chrono::steady_clock;
  explicit RateMeter(std::chrono::milliseconds window = std::chrono::seconds(3),
                     std::chrono::milliseconds min_span = std::chrono::milliseconds(500))
      : window_(window), min_span_(min_span) {}
  void add(Clock::time_point at, std::size_t count);
  std::optional<double> rate() const;

 private:
  std::chrono::milliseconds window_, min_span_;
  std::deque<std::pair<Clock::time_point, std::size_t>> samples_;
};

// What one progress line of a send shows.
struct SendLine {
  Id issue = 0;
  std::size_t done = 0, total = 0;  // settled (sent + failed) of the audience
  std::optional<double> rate;       // per second over the last interval
  std::string note;                 // appended as it is ("", or e.g. deferral reasons)
};
// "issue 7  1,245/1,994  512/s  0:02 left"; "--/s  --:-- left" while the rate is unknown.
std::string send_progress_line(const SendLine& line);
// "issue 7  1,994/1,994  498/s  in 0:04": the end, with the send's average rate.
std::string send_summary_line(Id issue, std::size_t done, std::size_t total,
                              std::optional<double> average, double seconds);

// The progress line of an issue being sent: update() with the log's counts as they
// change; finish() prints the summary line (also when stderr is no terminal).
class SendProgressLine {
 public:
  explicit SendProgressLine(Id issue);
  ~SendProgressLine();  // ends a drawn line

  void update(const store::DeliveryCounts& counts, std::string_view note = {});
  // `average`: the send's messages per second from its start to its end (or now).
  void finish(const store::DeliveryCounts& counts, std::optional<double> average);

 private:
  void end_line();
  Id issue_;
  bool enabled_;
  bool drawn_ = false;
  RateMeter meter_;
  RateMeter::Clock::time_point start_, last_draw_;
};

}  // namespace broadsheet::cli
