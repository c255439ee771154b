// Store role: the figures of the desk's dashboard (desk/dashboard.hpp), each read by a
// query that stays fast at a million readers: readers counted on the audience index,
// daily activity from the per-day counts that triggers keep (migration 0015), failures
// among the deliveries of the latest issues only.
// Thread-safe; each method is one transaction (store/store.hpp).
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "core/clock.hpp"
#include "core/result.hpp"
#include "core/types.hpp"

namespace broadsheet::store {

struct NewsletterReaders {
  Id newsletter_id = 0;
  std::string slug, name;
  std::int64_t confirmed = 0, unconfirmed = 0;
};

// One UTC day (Unix seconds / 86400) of every newsletter together.
struct ActivityDay {
  std::int64_t day = 0;
  std::int64_t signups = 0, confirmations = 0, unsubscribes = 0;
};

// A delivery that failed for good, or an issue whose sending stopped by itself
// (`recipient` empty, `reply` the reason).
struct RecentFailure {
  Id issue_id = 0;
  std::string subject;
  std::string recipient;
  std::string reply;
  UnixSeconds at = 0;
};

class Dashboard {
 public:
  virtual ~Dashboard() = default;

  // Every newsletter, by name.
  virtual Result<std::vector<NewsletterReaders>> readers_per_newsletter() = 0;
  // Days from `first_day` on that have any activity, in order.
  virtual Result<std::vector<ActivityDay>> activity_since(std::int64_t first_day) = 0;
  // The latest `limit` failures, newest first: failed deliveries of the 20 issues
  // begun last, and issues stopped by themselves.
  virtual Result<std::vector<RecentFailure>> recent_failures(std::size_t limit) = 0;
};

}  // namespace broadsheet::store
