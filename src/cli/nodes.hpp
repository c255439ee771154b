// Several nodes on one database (issue 15 item 3): the roles `serve --role` runs, and
// the node's beacon, which tells the others it is alive and holds the scheduler's lock
// for one node at a time.
//
// Roles: web answers readers, the desk and the API (an issue it begins sending is left
// in the store for the sender nodes); sender runs the send engine and the sign-up mail
// queue; scheduler runs the scheduler's step (feeds, drafts, releases) and the bounce
// mailbox poller, on the node that holds the scheduler's lock. `all` (the default) is
// the three: one node does everything, as before.
//
// The beacon, every `every` on its own thread: records the node's heartbeat
// (store::NodeLocks); with the scheduler role, takes or renews the lock "scheduler" for
// `lock_seconds`; frees the leases of nodes of this host that died (killed: their
// leases need not run out first); counts the sender nodes alive, whose limits are shared
// (send/engine.hpp EngineOptions::sender_nodes). The node runs a scheduler's step only
// while holds_scheduler() (the lease it last wrote has a third of its length to go), so
// two nodes never step at once; a holder that dies stops renewing and the lock passes
// when it runs out, at once when the holder is a process of this host that is gone.
// A store failure is logged and the lock held on only until its lease runs out.
//
// Thread-safety: beat() from one thread at a time (the beacon's, or a test's);
// holds_scheduler() and sender_nodes() from any thread.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "core/clock.hpp"
#include "core/result.hpp"
#include "store/node_locks.hpp"

namespace broadsheet::cli {

struct NodeRoles {
  bool web = true, sender = true, scheduler = true;
  // "web", "sender", "scheduler", in that order, for the roles the node runs.
  std::vector<std::string> names() const;
  std::string text() const;  // names() joined by ','
};

// "all", or a comma list of web, sender, scheduler (spaces around names allowed; each
// at most once). Errc::invalid_argument naming what is wrong.
Result<NodeRoles> parse_roles(std::string_view text);

class NodeBeacon {
 public:
  static constexpr const char* kSchedulerLock = "scheduler";

  struct Options {
    std::string owner;  // unique per process (send::process_owner_id)
    NodeRoles roles;
    int lock_seconds = 15;
    std::chrono::milliseconds every{2000};
  };

  // `holder_is_dead` (optional) says whether a lock holder is a process of this host
  // that is gone (send::lease_owner_is_dead). REQUIRES: `locks` and `clock` outlive it.
  NodeBeacon(store::NodeLocks& locks, Options options, const Clock& clock,
             std::function<bool(const std::string&)> holder_is_dead = {});
  ~NodeBeacon();  // stop()

  // One beat (see above).
  void beat();
  bool holds_scheduler() const;
  // Sender nodes alive (this one included when it sends), at least 1.
  int sender_nodes() const { return senders_.load(); }

  void start();
  // Ends the thread; lets the scheduler's lock go and forgets the node, so another
  // takes over at once.
  void stop();

 private:
  void hold_scheduler(UnixSeconds now);

  store::NodeLocks& locks_;
  const Options options_;
  const Clock& clock_;
  std::function<bool(const std::string&)> holder_is_dead_;
  std::atomic<UnixSeconds> scheduler_until_{0};  // 0: not held
  std::atomic<int> senders_{1};
  std::mutex mu_;
  std::condition_variable cv_;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace broadsheet::cli
