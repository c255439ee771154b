// The server's side of sending: inside `serve`, a dispatcher looks every second for
// issues that are sending and that nobody holds (a CLI handed one over, a paused one
// was resumed, a node died and its lease ran out, or this server restarted after a
// crash) and runs each on its own thread with the engine, up to `max_issues` at once.
// stop() asks every run to stop (the issues stay sending, for the next start) and
// waits for them.
//
// Thread-safety: start() and stop() from one thread; the rest is internal.
#pragma once

#include <condition_variable>
#include <map>
#include <mutex>
#include <thread>

#include "send/engine.hpp"

namespace broadsheet {

class SendDispatcher {
 public:
  // REQUIRES: `store`, `engine` and `clock` outlive the dispatcher; `owner` is the
  // engine's lease owner.
  SendDispatcher(Store& store, SendEngine& engine, std::string owner, int lease_seconds,
                 const Clock& clock, int max_issues = 4);
  ~SendDispatcher();  // stop()

  void start();
  void stop();
  // Wakes the dispatcher now rather than at its next tick (after a hand-over).
  void poke();

 private:
  void loop();
  void free_dead_leases();

  Store& store_;
  SendEngine& engine_;
  const std::string owner_;
  const int lease_seconds_;
  const Clock& clock_;
  const int max_issues_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool stopping_ = false;
  bool poked_ = false;
  std::map<Id, std::thread> running_;
  std::vector<Id> finished_;
  std::thread thread_;
};

}  // namespace broadsheet
