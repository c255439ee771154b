// SQLite backend of the Store: the robot check's replay store (table robot_spent).
// See sqlite_store.cpp for what the backend trusts and how it fails.
//
// One statement per spend, so two concurrent spends of one id are decided by the
// primary key: exactly one inserts. An id whose row has expired counts as new and takes
// the row over; it would have been purged anyway, and the robot check refuses an
// expired challenge before it asks here.
#include <fmt/format.h>

#include "store/sqlite/query.hpp"
#include "store/sqlite/sqlite_store.hpp"

namespace broadsheet::sqlite {

Result<bool> SqliteStore::spend_challenge(const std::string& challenge_id, UnixSeconds expires_at) {
  auto h = hold();
  if (!h) return h.error();
  Query q(db(), sql().spend_challenge);
  q.bind_text(1, challenge_id).bind_int(2, expires_at).bind_int(3, clock_.now());
  bool newly_spent = false;  // the statement returns a row only then
  if (auto s = q.each_row([&] { newly_spent = true; }); !s) {
    return failed_to("record a spent robot-check challenge", s.error());
  }
  return newly_spent;
}

Status SqliteStore::purge_spent_challenges(UnixSeconds now) {
  auto h = hold();
  if (!h) return h.error();
  Query q(db(), sql().purge_spent_challenges);
  q.bind_int(1, now);
  if (auto s = q.run(); !s) return failed_to("purge spent robot-check challenges", s.error());
  return {};
}

}  // namespace broadsheet::sqlite
