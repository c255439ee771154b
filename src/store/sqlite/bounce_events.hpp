// The inbound events (bounces, complaints, unsubscribe mail) of one issue or one reader,
// read the same way wherever a SQLite role lists them (store/bounces.hpp, the reader's
// record of store/reader_directory.hpp).
#pragma once

#include <cstddef>
#include <vector>

#include "core/result.hpp"
#include "store/bounces.hpp"
#include "store/sqlite/query.hpp"

namespace broadsheet::store::sqlite {

// Runs `stmt` (bounce_events_of_issue or bounce_events_of_subscriber: ?1 the id, ?2 the
// limit) and reads its rows, oldest first.
Result<std::vector<BounceEventRow>> read_bounce_events(sqlite3* db, sqlite3_stmt* stmt, Id id,
                                                       std::size_t limit);

}  // namespace broadsheet::store::sqlite
