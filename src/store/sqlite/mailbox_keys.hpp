// Keying the readers of a SQLite database under a mailbox rule (store/mailbox_keys.hpp),
// and merging the readers that turn out to share a mailbox.
//
// Runs when the store opens, after the migrations: a database whose keys were made
// under another rule (or none: migration 5 adds the column empty) has every key
// remade in one transaction. Readers with equal keys become the earliest of them (the
// lowest id, which is the first created): its address, name and time zone stay (empty
// fields are filled from the others), consents, queued mail and deliveries move to it,
// and their subscriptions are merged newsletter by newsletter (store/reader_merge.hpp).
// Each merge leaves an audit entry "subscriber.merge". A failure rolls everything back
// and fails the open. Not thread-safe: runs on the writer before anyone else has it.
#pragma once

#include <string_view>

#include "core/clock.hpp"
#include "core/result.hpp"
#include "core/types.hpp"
#include "store/mailbox_keys.hpp"
#include "store/reader_merge.hpp"
#include "store/sqlite/connection.hpp"

namespace broadsheet::store::sqlite {

// Remakes the keys when the recorded rule is not `keys.rule`; see above. Returns how
// many reader rows were merged away.
Result<std::size_t> apply_mailbox_keys(Connection& connection, const MailboxKeys& keys,
                                       UnixSeconds now);

// Suppressions, inside the caller's transaction. Whether the mailbox with this key is
// suppressed:
Result<bool> is_suppressed(sqlite3* db, const Statements& sql, std::string_view mailbox_key);
// Ends the suppression of the reader's mailbox, if any (their confirmed sign-up).
Status lift_suppression(sqlite3* db, const Statements& sql, Id subscriber_id);

}  // namespace broadsheet::store::sqlite
