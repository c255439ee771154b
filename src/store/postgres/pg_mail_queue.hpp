// PostgreSQL backend of the Store: queuing the reader side's emails inside a
// transaction that a caller already holds (a sign-up, a confirmation). Internal to
// postgres/. Not thread-safe: callers hold the connection.
#pragma once

#include <vector>

#include "core/result.hpp"
#include "core/types.hpp"
#include "store/postgres/connection.hpp"

namespace broadsheet::store::postgres {

// Queues one confirmation email naming `newsletters` (not empty), due at once.
Status enqueue_confirmation(Connection& c, Id subscriber_id, const std::vector<Id>& newsletters,
                            UnixSeconds now);

// Queues the welcome email of `newsletter` when it has one (a welcome subject); true
// when it did.
Result<bool> enqueue_welcome(Connection& c, Id subscriber_id, Id newsletter, UnixSeconds now);

}  // namespace broadsheet::store::postgres
