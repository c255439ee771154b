// Store role: the leases on sending issues. The issue's lease names the run that
// started it (a CLI's foreground send refuses an issue a server holds); the rows of
// its delivery log have leases of their own (DeliveryLog::claim_deliveries), by which
// sender nodes share one issue. Used by the send engine and its dispatcher (src/send).
// Thread-safe; each method is one transaction (store/store.hpp).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "core/clock.hpp"
#include "core/result.hpp"
#include "core/types.hpp"

namespace broadsheet::store {

class SendLeases {
 public:
  virtual ~SendLeases() = default;

  // Takes the oldest sending issue whose lease is free or expired for `owner` until
  // `until` (with `issue_id` 0), or that one issue when it is free, expired or already
  // `owner`'s; none: nullopt.
  virtual Result<std::optional<Id>> claim_sending_issue(const std::string& owner, Id issue_id,
                                                        UnixSeconds until) = 0;
  // False when the lease was lost.
  virtual Result<bool> renew_lease(Id issue_id, const std::string& owner, UnixSeconds until) = 0;
  // Frees the issue's lease when `owner` holds it and, in the same transaction, every
  // lease `owner` holds on the issue's deliveries.
  virtual Status release_lease(Id issue_id, const std::string& owner) = 0;
  // Sending issues with deliveries a claimer may take at `now` (queued, or deferred
  // and due, with their lease free or run out), oldest send first: the issues a
  // sender node joins, whoever holds their lease.
  virtual Result<std::vector<Id>> issues_with_claimable_work(UnixSeconds now) = 0;
};

}  // namespace broadsheet::store
