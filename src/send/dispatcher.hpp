// The server's side of sending: inside `serve`, a dispatcher looks every second for
// issues that are sending and that nobody holds (a CLI handed one over, a paused one
// was resumed, a node died and its lease ran out, or this server restarted after a
// crash) and runs each on its own thread with the engine, up to `max_issues` at once.
// stop() asks every run to stop (the issues stay sending, for the next start) and
// waits for them.
//
// Several nodes (`share`): the dispatcher of each sender node runs every sending issue
// with deliveries it may claim (store::SendLeases::issues_with_claimable_work), whoever
// holds the issue's lease, and the runs of the nodes share the issue by their row
// leases (engine.hpp). Without `share`, it runs only the issues whose lease it takes.
//
// One sender thread per issue: a run releases the issue's lease a moment before its
// thread ends, so a resume in that moment lets the dispatcher claim the issue again
// while the old thread still exists. The old thread is then joined before the new one
// takes its place, and its end is recorded on its own Sender, which goes with it.
//
// Thread-safety: start() and stop() from one thread; poke() and request_stop() from any
// thread; the rest is internal.
#pragma once

#include <condition_variable>
#include <map>
#include <memory>
#include <mutex>
#include <thread>

#include "send/engine.hpp"

namespace broadsheet::send {

class SendDispatcher {
 public:
  // The roles of the store it uses: the sending issues and their leases.
  struct Roles {
    store::Issues& issues;
    store::SendLeases& leases;
  };

  // REQUIRES: `store`, `engine` and `clock` outlive the dispatcher; `owner` is the
  // engine's lease owner.
  // REQUIRES with `share`: the engine's EngineOptions::share.
  SendDispatcher(Roles store, SendEngine& engine, std::string owner, int lease_seconds,
                 const Clock& clock, int max_issues = 4, bool share = false);
  ~SendDispatcher();  // stop()

  void start();
  // The first half of stop(), for a signal: no new run begins and every run is asked
  // to end now (its issue stays sending). Returns at once; safe from any thread.
  void request_stop();
  void stop();
  // Wakes the dispatcher now rather than at its next tick (after a hand-over).
  void poke();

 private:
  // A run of the engine on its own thread. `finished` (guarded by mu_) is set by that
  // thread as its last act; whoever removes a Sender from running_ joins its thread.
  struct Sender {
    std::thread thread;
    bool finished = false;
  };

  void loop();
  void free_dead_leases();
  std::unique_ptr<Sender> start_sender(Id id);
  // REQUIRES: `lock` holds mu_. Starts runs of the issues to send, as many as allowed.
  void start_claimed(std::unique_lock<std::mutex>& lock);
  void start_shared(std::unique_lock<std::mutex>& lock);
  // REQUIRES: `lock` holds mu_. Joins (with mu_ released) the senders that finished.
  void reap_finished(std::unique_lock<std::mutex>& lock);

  Roles store_;
  SendEngine& engine_;
  const std::string owner_;
  const int lease_seconds_;
  const Clock& clock_;
  const int max_issues_;
  const bool share_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool stopping_ = false;
  bool poked_ = false;
  bool reap_ = false;                              // a sender has finished
  std::map<Id, std::unique_ptr<Sender>> running_;  // at most one per issue
  std::thread thread_;
};

}  // namespace broadsheet::send
