// A progress bar on stderr for long commands, drawn only when stderr is a terminal
// (so logs and pipes stay clean) and at most ten times a second.
#pragma once

#include <chrono>
#include <cstddef>
#include <string>

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

}  // namespace broadsheet::cli
