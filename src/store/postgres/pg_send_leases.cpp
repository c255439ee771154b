// PostgreSQL backend of the Store: leases on sending issues (store/send_leases.hpp) and
// node locks and heartbeats (store/node_locks.hpp), as sqlite_deliveries.cpp has them;
// the SQL in queries/send_leases.sql. Each claim is one statement (FOR UPDATE SKIP
// LOCKED, ON CONFLICT), so nodes sharing the database never take the same lease; each
// runs again when the server gives it up for another node's (retry.hpp).
#include <fmt/format.h>

#include "store/postgres/pg_store.hpp"
#include "store/postgres/query.hpp"
#include "store/postgres/retry.hpp"

namespace broadsheet::store::postgres {

Result<std::optional<Id>> PgStore::claim_sending_issue(const std::string& owner, Id issue_id,
                                                       UnixSeconds until) {
  auto c = lease();
  if (!c) return c.error();
  return retry_transaction(**c, [&]() -> Result<std::optional<Id>> {
    Query q(**c, "claim_sending_issue");
    q.bind_text(1, owner).bind_int(2, clock_.now()).bind_int(3, until).bind_int(4, issue_id);
    std::optional<Id> claimed;
    if (auto s = q.each_row([&] { claimed = q.int_at(0); }); !s) {
      return failed_to("claim an issue to send", s.error());
    }
    return claimed;
  });
}

Result<bool> PgStore::renew_lease(Id issue_id, const std::string& owner, UnixSeconds until) {
  auto c = lease();
  if (!c) return c.error();
  return retry_transaction(**c, [&]() -> Result<bool> {
    Query q(**c, "renew_lease");
    q.bind_int(1, issue_id).bind_text(2, owner).bind_int(3, until);
    bool held = false;
    if (auto s = q.each_row([&] { held = true; }); !s) return failed_to("renew a lease", s.error());
    return held;
  });
}

Status PgStore::release_lease(Id issue_id, const std::string& owner) {
  auto c = lease();
  if (!c) return c.error();
  return retry_transaction(**c, [&]() -> Status {
    Transaction tx(**c);
    if (auto s = tx.begin(); !s) return failed_to("release a lease", s.error());
    for (const char* name : {"release_lease", "release_delivery_leases"}) {
      Query q(**c, name);
      q.bind_int(1, issue_id).bind_text(2, owner);
      if (auto s = q.run(); !s) return failed_to("release a lease", s.error());
    }
    if (auto s = tx.commit(); !s) return failed_to("release a lease", s.error());
    return {};
  });
}

Result<std::vector<Id>> PgStore::issues_with_claimable_work(UnixSeconds now) {
  auto c = lease();
  if (!c) return c.error();
  Query q(**c, "issues_with_claimable_work");
  q.bind_int(1, now);
  std::vector<Id> out;
  if (auto s = q.each_row([&] { out.push_back(q.int_at(0)); }); !s) {
    return failed_to("look for issues to send", s.error());
  }
  return out;
}

Result<bool> PgStore::hold_lock(const std::string& name, const std::string& owner, UnixSeconds now,
                                UnixSeconds until) {
  auto c = lease();
  if (!c) return c.error();
  return retry_transaction(**c, [&]() -> Result<bool> {
    Query q(**c, "hold_node_lock");
    q.bind_text(1, name).bind_text(2, owner).bind_int(3, now).bind_int(4, until);
    bool held = false;
    if (auto s = q.each_row([&] { held = true; }); !s) return failed_to("take a lock", s.error());
    return held;
  });
}

Status PgStore::release_lock(const std::string& name, const std::string& owner) {
  auto c = lease();
  if (!c) return c.error();
  return retry_transaction(**c, [&]() -> Status {
    Query q(**c, "release_node_lock");
    q.bind_text(1, name).bind_text(2, owner);
    if (auto s = q.run(); !s) return failed_to("release a lock", s.error());
    return {};
  });
}

Result<std::optional<LockHolder>> PgStore::lock_holder(const std::string& name) {
  auto c = lease();
  if (!c) return c.error();
  Query q(**c, "node_lock_holder");
  q.bind_text(1, name);
  std::optional<LockHolder> out;
  if (auto s = q.each_row([&] { out = LockHolder{q.text_at(0), q.int_at(1)}; }); !s) {
    return failed_to("read a lock", s.error());
  }
  return out;
}

Status PgStore::node_heartbeat(const std::string& owner, const std::string& roles,
                               UnixSeconds now) {
  auto c = lease();
  if (!c) return c.error();
  Query q(**c, "node_heartbeat");
  q.bind_text(1, owner).bind_text(2, roles).bind_int(3, now);
  if (auto s = q.run(); !s) return failed_to("record a heartbeat", s.error());
  return {};
}

Status PgStore::node_gone(const std::string& owner) {
  auto c = lease();
  if (!c) return c.error();
  return retry_transaction(**c, [&]() -> Status {
    Transaction tx(**c);
    if (auto s = tx.begin(); !s) return failed_to("forget a node", s.error());
    for (const char* name :
         {"free_node_deliveries", "free_node_mail", "free_node_locks", "node_gone"}) {
      Query q(**c, name);
      q.bind_text(1, owner);
      if (auto s = q.run(); !s) return failed_to("forget a node", s.error());
    }
    if (auto s = tx.commit(); !s) return failed_to("forget a node", s.error());
    return {};
  });
}

Result<std::vector<NodeSeen>> PgStore::live_nodes(UnixSeconds since) {
  auto c = lease();
  if (!c) return c.error();
  Query q(**c, "live_nodes");
  q.bind_int(1, since);
  std::vector<NodeSeen> out;
  if (auto s = q.each_row([&] {
        out.push_back(NodeSeen{q.text_at(0), q.text_at(1), q.int_at(2)});
      });
      !s) {
    return failed_to("read the nodes", s.error());
  }
  return out;
}

}  // namespace broadsheet::store::postgres
