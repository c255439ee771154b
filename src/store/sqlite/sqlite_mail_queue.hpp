// SQLite backend of the Store: queuing the reader side's emails inside a transaction
// that a caller already holds (a sign-up's group, a confirmation). Internal to sqlite/.
// Not thread-safe: callers hold the store's connection.
#pragma once

#include <sqlite3.h>

#include <vector>

#include "core/result.hpp"
#include "core/types.hpp"
#include "store/sqlite/connection.hpp"

namespace broadsheet::store::sqlite {

// Queues one confirmation email naming `newsletters` (not empty), due at once.
Status enqueue_confirmation(sqlite3* db, const Statements& sql, Id subscriber_id,
                            const std::vector<Id>& newsletters, UnixSeconds now);

// Queues the welcome email of `newsletter` when it has one (a welcome subject); true
// when it did.
Result<bool> enqueue_welcome(sqlite3* db, const Statements& sql, Id subscriber_id, Id newsletter,
                             UnixSeconds now);

}  // namespace broadsheet::store::sqlite
