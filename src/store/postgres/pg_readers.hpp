// Steps on readers that the PostgreSQL backend's sign-ups and mailbox keys share with
// pg_readers.cpp, each run inside the caller's transaction on the caller's connection.
// Not thread-safe: the caller holds the connection.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "core/result.hpp"
#include "core/types.hpp"
#include "store/mailbox_keys.hpp"
#include "store/postgres/connection.hpp"
#include "store/postgres/query.hpp"

namespace broadsheet::store::postgres {

// "no subscriber with id N", the store's words for a missing reader.
std::string no_subscriber(Id id);
// Errc::not_found when there is no subscriber `id`.
Status subscriber_exists(Connection& c, Id id);
// Runs `q` (confirm_subscriptions or unsubscribe_subscriptions, already bound) and
// returns the newsletters that changed, in id order; none changed for an unknown
// subscriber is Errc::not_found.
Result<std::vector<Id>> changed_newsletters(Query& q, Connection& c, Id subscriber_id);
// Ends the suppression of the reader's mailbox, if any (a confirmed sign-up is fresh
// consent).
Status lift_suppression(Connection& c, Id subscriber_id);
// Whether the mailbox with this key is suppressed.
Result<bool> is_suppressed(Connection& c, std::string_view mailbox_key);


// Remakes every reader's mailbox key when the database's were made under another rule
// than `keys.rule`, merging the readers that become one (pg_mailbox_keys.cpp); runs at
// open, in a transaction of its own. Returns how many reader rows were merged away.
Result<std::size_t> apply_mailbox_keys(Connection& c, const MailboxKeys& keys, UnixSeconds now);

}  // namespace broadsheet::store::postgres
