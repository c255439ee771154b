// Store role: the leases on sending issues. A node sends an issue only while it holds
// its lease, so two nodes (or a CLI beside a server) never send the same issue. Used by
// the send engine and its dispatcher (src/send).
// Thread-safe; each method is one transaction (store/store.hpp).
#pragma once

#include <optional>
#include <string>

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
  // Frees the lease.
  virtual Status release_lease(Id issue_id, const std::string& owner) = 0;
};

}  // namespace broadsheet::store
