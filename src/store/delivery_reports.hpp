// Store role: an issue's delivery report (issue 14 item 5), read from the delivery log:
// how many copies were settled (sent, failed) in each interval of time, and which
// deliveries failed with the relay's last reply, in pages. Used by the API
// (GET /api/v1/issues/{id}/report, /failures.csv) and the desk.
// Thread-safe; each method is one transaction (store/store.hpp). Reads the issue's
// own rows only (the delivery log's primary key begins with the issue).
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "core/clock.hpp"
#include "core/result.hpp"
#include "core/types.hpp"

namespace broadsheet::store {

// The copies settled in [start, start + width): by the time their row last changed.
struct DeliveryBucket {
  UnixSeconds start = 0;
  std::size_t sent = 0, failed = 0;
};

// One failed delivery: the reader, how often it was tried, the relay's last reply.
struct FailedDelivery {
  Id subscriber_id = 0;
  std::string email;
  int attempts = 0;
  std::string reply;
  UnixSeconds at = 0;  // when it failed
};

class DeliveryReports {
 public:
  virtual ~DeliveryReports() = default;

  // The issue's settled copies in buckets of `width` seconds (REQUIRES: width > 0),
  // oldest first, at most `limit` buckets; empty buckets are left out.
  virtual Result<std::vector<DeliveryBucket>> delivery_buckets(Id issue_id, UnixSeconds width,
                                                               std::size_t limit) = 0;
  // Failed deliveries of the issue with subscriber_id > after_id, in that order (the
  // keyset cursor), at most `limit`.
  virtual Result<std::vector<FailedDelivery>> failed_deliveries(Id issue_id, Id after_id,
                                                                std::size_t limit) = 0;
};

}  // namespace broadsheet::store
