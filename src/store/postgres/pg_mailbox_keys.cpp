// PostgreSQL backend of the Store: keying the readers under a mailbox rule when the
// store opens, as sqlite/mailbox_keys.hpp says (readers that become one are merged into
// the earliest, each merge audited "subscriber.merge"; a failure rolls everything back
// and fails the open). Nodes opening together take an advisory lock for the
// transaction, and the rule is read again under it, so the keys are remade once.
#include <fmt/format.h>

#include <algorithm>
#include <unordered_map>
#include <utility>

#include "store/postgres/pg_readers.hpp"
#include "store/reader_merge.hpp"
#include "store/row_readers.hpp"

namespace broadsheet::store::postgres {
namespace {

// Whether the keys were made under `rule`.
Result<bool> keys_made_under(Connection& c, const std::string& rule) {
  Query q(c, "mailbox_key_rule");
  auto row = q.step();
  if (!row) return row.error();
  return *row && q.text_at(0) == rule;
}

Result<std::vector<Subscription>> subscriptions_of_row(Connection& c, Id id) {
  std::vector<Subscription> out;
  Query q(c, "subscriptions_of_subscriber");
  q.columns(kSubscriptionColumns);
  q.bind_int(1, id);
  if (auto s = q.each_row([&] { out.push_back(read_subscription(q)); }); !s) return s.error();
  return out;
}

// Runs a named statement of two ids, $1 the reader kept and $2 the one merged into it.
Status run_kept_merged(Connection& c, const char* name, Id kept, Id merged) {
  Query q(c, name);
  q.bind_int(1, kept).bind_int(2, merged);
  return q.run();
}

// Merges reader `merged` into `kept`, inside the caller's transaction.
Status merge_reader_rows(Connection& c, Id kept, Id merged, UnixSeconds now) {
  if (auto s = run_kept_merged(c, "merge_reader_fields", kept, merged); !s) return s;
  auto ours = subscriptions_of_row(c, kept);
  if (!ours) return ours.error();
  auto theirs = subscriptions_of_row(c, merged);
  if (!theirs) return theirs.error();
  for (const Subscription& other : *theirs) {
    auto same = std::find_if(ours->begin(), ours->end(), [&](const Subscription& x) {
      return x.newsletter_id == other.newsletter_id;
    });
    if (same == ours->end()) continue;  // moved as it is below
    const Subscription m = merge_subscription(*same, other);
    Query q(c, "overwrite_subscription");
    q.bind_int(1, kept)
        .bind_int(2, m.newsletter_id)
        .bind_text(3, to_string(m.status))
        .bind_text(4, m.source)
        .bind_int(5, m.created_at)
        .bind_opt_int(6, m.confirmed_at)
        .bind_opt_int(7, m.unsubscribed_at);
    if (auto s = q.run(); !s) return s;
  }
  for (const char* move :
       {"move_subscriptions", "move_consents", "move_queued_mail", "move_deliveries"}) {
    if (auto s = run_kept_merged(c, move, kept, merged); !s) return s;
  }
  {
    Query q(c, "delete_subscriber_by_id");
    q.bind_int(1, merged);
    if (auto s = q.run(); !s) return s;
  }
  Query q(c, "insert_merge_audit");
  q.bind_int(1, now)
      .bind_text(2, std::string_view("store"))
      .bind_text(3, std::string_view("subscriber.merge"))
      .bind_text(4, fmt::format("subscriber:{}", kept))
      .bind_text(5, fmt::format("subscriber {} merged into {}: the same mailbox", merged, kept));
  return q.run();
}

}  // namespace

Result<std::size_t> apply_mailbox_keys(Connection& c, const MailboxKeys& keys, UnixSeconds now) {
  auto current = keys_made_under(c, keys.rule);
  if (!current) return current.error();
  if (*current) return std::size_t{0};
  Transaction tx(c);
  if (auto s = tx.begin(); !s) return s.error();
  if (auto s = Query(c, "lock_mailbox_keys").run(); !s) return s.error();
  current = keys_made_under(c, keys.rule);  // another node may have just done it
  if (!current) return current.error();
  if (*current) return std::size_t{0};
  std::vector<std::pair<Id, std::string>> readers;  // id order: the earliest first
  {
    Query q(c, "all_subscriber_addresses");
    if (auto s = q.each_row([&] { readers.emplace_back(q.int_at(0), q.text_at(1)); }); !s) {
      return s.error();
    }
  }
  std::unordered_map<std::string, Id> first_of_key;
  std::vector<std::pair<Id, std::string>> keyed;
  std::vector<std::pair<Id, Id>> merges;  // kept, merged
  for (const auto& [id, email] : readers) {
    std::string key = keys.of(email);
    auto [at, fresh] = first_of_key.emplace(key, id);
    if (fresh) {
      keyed.emplace_back(id, std::move(key));
    } else {
      merges.emplace_back(at->second, id);
    }
  }
  if (auto s = Query(c, "clear_mailbox_keys").run(); !s) return s.error();
  for (const auto& [kept, merged] : merges) {
    if (auto s = merge_reader_rows(c, kept, merged, now); !s) return s.error();
  }
  for (const auto& [id, key] : keyed) {
    Query q(c, "set_mailbox_key");
    q.bind_int(1, id).bind_text(2, key);
    if (auto s = q.run(); !s) return s.error();
  }
  {
    Query q(c, "set_mailbox_key_rule");
    q.bind_text(1, keys.rule);
    if (auto s = q.run(); !s) return s.error();
  }
  if (auto s = tx.commit(); !s) return s.error();
  return merges.size();
}

}  // namespace broadsheet::store::postgres
