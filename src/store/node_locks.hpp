// Store role: what the nodes sharing one database know of each other (issue 15 item 3):
// locks with a lease, of which the scheduler's makes one node at a time run the
// scheduler's step, and the nodes' heartbeats, by which sender nodes share the
// configured sending rates.
//
// A lock is one row (name, owner, until). hold_lock takes it when it is free or ran
// out, or renews it for its owner; its holder renews it well before `until` and stops
// the work it guards when a renewal fails or comes late, so that two holders never
// overlap (given clocks that agree within a second, as NTP keeps them). A holder that
// dies stops renewing, and the next hold_lock after `until` hands the lock over.
// PostgreSQL implements it on the same row (INSERT ... ON CONFLICT ... WHERE), not an
// advisory lock, so that the hand-over waits for the lease whatever the connection.
// Thread-safe; each method is one transaction (store/store.hpp).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "core/clock.hpp"
#include "core/result.hpp"

namespace broadsheet::store {

struct LockHolder {
  std::string owner;
  UnixSeconds until = 0;
};

struct NodeSeen {
  std::string owner;
  std::string roles;  // "web,sender,scheduler": the roles it runs
  UnixSeconds seen_at = 0;
};

class NodeLocks {
 public:
  virtual ~NodeLocks() = default;

  // True when `owner` holds lock `name` until `until` after the call: it was free,
  // its lease ran out before `now`, or it was `owner`'s already (renewed).
  virtual Result<bool> hold_lock(const std::string& name, const std::string& owner,
                                 UnixSeconds now, UnixSeconds until) = 0;
  // Lets the lock go when `owner` holds it (a clean stop hands it over at once).
  virtual Status release_lock(const std::string& name, const std::string& owner) = 0;
  // Who holds the lock, or held it last (compare `until` with now); none: nullopt.
  virtual Result<std::optional<LockHolder>> lock_holder(const std::string& name) = 0;

  // Records that node `owner` runs `roles` and is alive at `now`.
  virtual Status node_heartbeat(const std::string& owner, const std::string& roles,
                                UnixSeconds now) = 0;
  // Forgets node `owner`, which stopped or died: its heartbeat, and every lease it
  // still holds (rows of delivery logs and of the mail queue, locks) is freed, so the
  // other nodes take its work over at once. One transaction.
  virtual Status node_gone(const std::string& owner) = 0;
  // The nodes seen at or after `since` (0: every node recorded), by owner.
  virtual Result<std::vector<NodeSeen>> live_nodes(UnixSeconds since) = 0;
};

}  // namespace broadsheet::store
