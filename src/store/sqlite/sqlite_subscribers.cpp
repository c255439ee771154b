// SQLite backend of the Store: subscribers and their subscriptions.
// See sqlite_store.cpp for what the backend trusts and how it fails.
#include <fmt/format.h>

#include <algorithm>
#include <unordered_map>
#include <utility>

#include "store/sqlite/mailbox_keys.hpp"
#include "store/row_readers.hpp"
#include "store/sqlite/query.hpp"
#include "store/sqlite/sqlite_mail_queue.hpp"
#include "store/sqlite/sqlite_store.hpp"

namespace broadsheet::store::sqlite {
namespace {

// The columns of attributes_of_subscriber.
constexpr ColumnList<2> kAttributeColumns{{"key", "value"}};

std::string no_subscriber(const std::string& email) {
  return fmt::format("no subscriber with email '{}'", email);
}

std::string no_subscriber(Id id) { return fmt::format("no subscriber with id {}", id); }

// Errc::not_found when there is no subscriber `id`. For telling "nothing matched"
// apart from "no such reader" after the fact, so the happy path pays nothing for it.
Status subscriber_exists(sqlite3* db, sqlite3_stmt* stmt, Id id) {
  Query q(db, stmt);
  q.bind_int(1, id);
  if (auto s = q.expect_row(no_subscriber(id)); !s) return s;
  return q.run();
}

// Runs `q` (confirm_subscriptions or unsubscribe_subscriptions, already bound) and
// returns the newsletters that changed, in id order; none changed for an unknown
// subscriber is Errc::not_found.
Result<std::vector<Id>> changed_newsletters(Query& q, sqlite3* db, sqlite3_stmt* exists,
                                            Id subscriber_id) {
  std::vector<Id> out;
  if (auto s = q.each_row([&] { out.push_back(q.int_at(0)); }); !s) return s.error();
  if (out.empty()) {
    if (auto s = subscriber_exists(db, exists, subscriber_id); !s) return s.error();
  }
  std::sort(out.begin(), out.end());
  return out;
}

// When the mailbox with this key was suppressed; nothing when it is not.
Result<std::optional<UnixSeconds>> suppression_of(sqlite3* db, const Statements& sql,
                                                  std::string_view mailbox_key) {
  Query q(db, sql.suppression_of);
  const std::string hash = suppression_hash(mailbox_key);
  q.bind_text(1, hash);
  auto row = q.step();
  if (!row) return row.error();
  if (!*row) return std::optional<UnixSeconds>{};
  std::optional<UnixSeconds> since = q.int_at(0);
  if (auto s = q.run(); !s) return s.error();
  return since;
}

}  // namespace

Status lift_suppression(sqlite3* db, const Statements& sql, Id subscriber_id) {
  std::optional<std::string> key;
  {
    Query q(db, sql.subscriber_mailbox_key);
    q.bind_int(1, subscriber_id);
    auto row = q.step();
    if (!row) return row.error();
    if (*row) key = q.text_at(0);
    if (auto s = q.run(); !s) return s;
  }
  if (!key) return {};
  Query q(db, sql.delete_suppression);
  const std::string hash = suppression_hash(*key);
  q.bind_text(1, hash);
  return q.run();
}

Result<bool> is_suppressed(sqlite3* db, const Statements& sql, std::string_view mailbox_key) {
  auto since = suppression_of(db, sql, mailbox_key);
  if (!since) return since.error();
  return since->has_value();
}

Result<Subscriber> SqliteStore::add_subscriber(const Subscriber& s) {
  auto h = hold();
  if (!h) return h.error();
  Subscriber out = s;
  out.created_at = out.updated_at = clock_.now();
  const std::string key = keys_.of(s.email);
  auto suppressed = suppression_of(db(), sql(), key);
  if (!suppressed)
    return failed_to(fmt::format("add subscriber '{}'", s.email), suppressed.error());
  if (*suppressed) {
    return make_error(Errc::conflict,
                      fmt::format("{} is suppressed: a reader with this address was removed on "
                                  "{}; only their own confirmed sign-up brings them back",
                                  s.email, format_iso8601(**suppressed)));
  }
  Query q(db(), sql().insert_subscriber);
  q.bind_text(1, s.email)
      .bind_text(2, s.email_display)
      .bind_text(3, s.name)
      .bind_text(4, s.timezone)
      .bind_text(5, to_string(s.status))
      .bind_int(6, out.created_at)
      .bind_text(7, key);
  Status st = q.returning_row("insert_subscriber returned no id", [&] { out.id = q.int_at(0); });
  if (!st) {
    return failed_to(fmt::format("add subscriber '{}'", s.email), st.error(),
                     fmt::format("a subscriber with email '{}' already exists", s.email));
  }
  return out;
}

Result<std::optional<UnixSeconds>> SqliteStore::suppressed_since(const std::string& email) {
  auto h = hold();
  if (!h) return h.error();
  auto since = suppression_of(db(), sql(), keys_.of(email));
  if (!since)
    return failed_to(fmt::format("look up the suppression of '{}'", email), since.error());
  return since;
}

Status SqliteStore::set_name(Id subscriber_id, const std::string& name) {
  auto h = hold();
  if (!h) return h.error();
  Query q(db(), sql().set_subscriber_name);
  q.bind_int(1, subscriber_id).bind_text(2, name).bind_int(3, clock_.now());
  if (auto s = q.returning_row(no_subscriber(subscriber_id), [] {}); !s) {
    return failed_to(fmt::format("set the name of subscriber {}", subscriber_id), s.error());
  }
  return {};
}

Result<SubscriberWithSubscriptions> SqliteStore::subscriber_by_email(const std::string& email) {
  auto h = hold();
  if (!h) return h.error();
  auto fail = [&](const Error& e) {
    return failed_to(fmt::format("read subscriber '{}'", email), e);
  };
  // One snapshot for both reads, so the list matches the subscriber.
  Transaction tx(db(), sql().commit, sql().rollback);
  if (auto s = tx.begin(sql().begin_read); !s) return fail(s.error());

  SubscriberWithSubscriptions out;
  {
    Query q(db(), sql().subscriber_by_email);
    q.columns(kSubscriberColumns);
    const std::string key = keys_.of(email);
    q.bind_text(1, key);
    if (auto s = q.expect_row(no_subscriber(email)); !s) return fail(s.error());
    out.subscriber = read_subscriber(q);
  }
  Query q(db(), sql().subscriptions_of_subscriber);
  q.columns(kSubscriptionColumns);
  q.bind_int(1, out.subscriber.id);
  if (auto s = q.each_row([&] { out.subscriptions.push_back(read_subscription(q)); }); !s) {
    return fail(s.error());
  }
  Query attributes(db(), sql().attributes_of_subscriber);
  attributes.columns(kAttributeColumns).bind_int(1, out.subscriber.id);
  if (auto s = attributes.each_row([&] {
        out.attributes.push_back({attributes.text_of(kAttributeColumns["key"]),
                                  attributes.text_of(kAttributeColumns["value"])});
      });
      !s) {
    return fail(s.error());
  }
  if (auto s = tx.commit(); !s) return fail(s.error());
  return out;
}

Result<std::vector<Subscriber>> SqliteStore::list_subscribers(const SubscriberQuery& filter) {
  auto h = hold();
  if (!h) return h.error();
  // Each filter has its own query, so each gets the plan that suits it.
  sqlite3_stmt* stmt = sql().list_subscribers;
  if (filter.newsletter_id && filter.status) {
    stmt = sql().list_subscribers_in_newsletter_with_status;
  } else if (filter.newsletter_id) {
    stmt = sql().list_subscribers_in_newsletter;
  } else if (filter.status) {
    stmt = sql().list_subscribers_with_status;
  }
  Query q(db(), stmt);
  q.columns(kSubscriberColumns);
  q.bind_int(1, filter.after_id).bind_int(2, as_sql_limit(filter.limit));
  if (filter.newsletter_id) {
    q.bind_int(3, *filter.newsletter_id);
    if (filter.status) q.bind_text(4, to_string(*filter.status));
  } else if (filter.status) {
    q.bind_text(3, to_string(*filter.status));
  }
  std::vector<Subscriber> out;
  out.reserve(std::min<std::size_t>(filter.limit, 4096));
  if (auto s = q.each_row([&] { out.push_back(read_subscriber(q)); }); !s) {
    return failed_to("list subscribers", s.error());
  }
  return out;
}

Status SqliteStore::remove_subscriber(const std::string& email) {
  auto h = hold();
  if (!h) return h.error();
  auto fail = [&](const Error& e) {
    return failed_to(fmt::format("remove subscriber '{}'", email), e);
  };
  const std::string key = keys_.of(email);
  Transaction tx(db(), sql().commit, sql().rollback);
  if (auto s = tx.begin(sql().begin_immediate); !s) return fail(s.error());
  {
    Query q(db(), sql().delete_subscriber);
    q.bind_text(1, key);
    if (auto s = q.returning_row(no_subscriber(email), [] {}); !s) return fail(s.error());
  }
  {
    Query q(db(), sql().insert_suppression);
    const std::string hash = suppression_hash(key);
    q.bind_text(1, hash).bind_int(2, clock_.now()).bind_text(3, std::string_view("removed"));
    if (auto s = q.run(); !s) return fail(s.error());
  }
  if (auto s = tx.commit(); !s) return fail(s.error());
  return {};
}

Status SqliteStore::set_subscription(Id subscriber_id, Id newsletter_id, SubscriptionStatus status,
                                     const std::string& source) {
  auto h = hold();
  if (!h) return h.error();
  int code = SQLITE_OK;
  Status s = [&] {
    Query q(db(), sql().upsert_subscription);
    q.bind_int(1, subscriber_id)
        .bind_int(2, newsletter_id)
        .bind_text(3, to_string(status))
        .bind_text(4, source)
        .bind_int(5, clock_.now());
    Status st = q.run();
    code = q.last_code();
    return st;
  }();
  if (s) return {};
  if (code != SQLITE_CONSTRAINT_FOREIGNKEY) {
    return failed_to(fmt::format("set subscription of subscriber {} to newsletter {}",
                                 subscriber_id, newsletter_id),
                     s.error());
  }
  // The happy path pays nothing for telling the caller which of the two is missing.
  Status known = subscriber_exists(db(), sql().subscriber_exists, subscriber_id);
  if (!known) return failed_to("set subscription", known.error());
  return make_error(Errc::not_found, fmt::format("no newsletter with id {}", newsletter_id));
}

Result<std::size_t> SqliteStore::count_subscriptions(Id newsletter_id, SubscriptionStatus status) {
  auto h = hold();
  if (!h) return h.error();
  Query q(db(), sql().count_subscriptions);
  q.bind_int(1, newsletter_id).bind_text(2, to_string(status));
  if (auto s = q.expect_row("count returned no row"); !s) {
    return failed_to("count subscriptions", s.error());
  }
  return static_cast<std::size_t>(q.int_at(0));
}

Result<Subscriber> SqliteStore::subscriber_by_id(Id id) {
  auto h = hold();
  if (!h) return h.error();
  Query q(db(), sql().subscriber_by_id);
  q.columns(kSubscriberColumns);
  q.bind_int(1, id);
  if (auto s = q.expect_row(no_subscriber(id)); !s) {
    return failed_to(fmt::format("read subscriber {}", id), s.error());
  }
  return read_subscriber(q);
}

Result<std::vector<Subscription>> SqliteStore::subscriptions_of(Id subscriber_id) {
  auto h = hold();
  if (!h) return h.error();
  auto fail = [&](const Error& e) {
    return failed_to(fmt::format("read the subscriptions of subscriber {}", subscriber_id), e);
  };
  std::vector<Subscription> out;
  {
    Query q(db(), sql().subscriptions_of_subscriber);
    q.columns(kSubscriptionColumns);
    q.bind_int(1, subscriber_id);
    if (auto s = q.each_row([&] { out.push_back(read_subscription(q)); }); !s) {
      return fail(s.error());
    }
  }
  if (out.empty()) {
    if (auto s = subscriber_exists(db(), sql().subscriber_exists, subscriber_id); !s) {
      return fail(s.error());
    }
  }
  return out;
}

// The confirmation and the welcome emails it makes due (sqlite_mail_queue.hpp) are one
// transaction: a confirmed reader is never left without the welcome.
Result<std::vector<Id>> SqliteStore::confirm(Id subscriber_id, Id newsletter_id) {
  bool queued_mail = false;
  auto confirmed = [&]() -> Result<std::vector<Id>> {
    auto fail = [&](const Error& e) {
      return failed_to(fmt::format("confirm subscriber {}", subscriber_id), e);
    };
    auto h = hold();
    if (!h) return h.error();
    const UnixSeconds now = clock_.now();
    Transaction tx(db(), sql().commit, sql().rollback);
    if (auto s = tx.begin(sql().begin_immediate); !s) return fail(s.error());
    Result<std::vector<Id>> changed = std::vector<Id>{};
    {
      Query q(db(), sql().confirm_subscriptions);
      q.bind_int(1, subscriber_id).bind_int(2, newsletter_id).bind_int(3, now);
      changed = changed_newsletters(q, db(), sql().subscriber_exists, subscriber_id);
    }
    if (!changed) return fail(changed.error());
    // A confirmed sign-up is the reader's fresh consent: a suppression left by an
    // earlier removal of the mailbox ends with it.
    if (!changed->empty()) {
      if (auto s = lift_suppression(db(), sql(), subscriber_id); !s) return fail(s.error());
    }
    for (Id id : *changed) {
      auto queued = enqueue_welcome(db(), sql(), subscriber_id, id, now);
      if (!queued) return fail(queued.error());
      queued_mail = queued_mail || *queued;
    }
    if (auto s = tx.commit(); !s) return fail(s.error());
    return changed;
  }();
  if (confirmed && queued_mail) mail_queued();
  return confirmed;
}

Result<std::vector<Id>> SqliteStore::unsubscribe(Id subscriber_id, Id newsletter_id,
                                                 const std::string& source) {
  auto h = hold();
  if (!h) return h.error();
  Query q(db(), sql().unsubscribe_subscriptions);
  q.bind_int(1, subscriber_id)
      .bind_int(2, newsletter_id)
      .bind_int(3, clock_.now())
      .bind_text(4, source);
  auto changed = changed_newsletters(q, db(), sql().subscriber_exists, subscriber_id);
  if (!changed) {
    return failed_to(fmt::format("unsubscribe subscriber {}", subscriber_id), changed.error());
  }
  return changed;
}

Status SqliteStore::set_timezone(Id subscriber_id, const std::string& timezone) {
  auto h = hold();
  if (!h) return h.error();
  Query q(db(), sql().set_subscriber_timezone);
  q.bind_int(1, subscriber_id).bind_text(2, timezone).bind_int(3, clock_.now());
  if (auto s = q.returning_row(no_subscriber(subscriber_id), [] {}); !s) {
    return failed_to(fmt::format("set the time zone of subscriber {}", subscriber_id), s.error());
  }
  return {};
}

namespace {

Result<std::vector<Subscription>> read_subscriptions(sqlite3* db, const Statements& sql, Id id) {
  std::vector<Subscription> out;
  Query q(db, sql.subscriptions_of_subscriber);
  q.columns(kSubscriptionColumns);
  q.bind_int(1, id);
  if (auto s = q.each_row([&] { out.push_back(read_subscription(q)); }); !s) return s.error();
  return out;
}

// Runs a statement of two ids, ?1 the reader kept and ?2 the one merged into it.
Status run_pair(sqlite3* db, sqlite3_stmt* stmt, Id kept, Id merged) {
  Query q(db, stmt);
  q.bind_int(1, kept).bind_int(2, merged);
  return q.run();
}

// Merges reader `merged` into `kept` (see mailbox_keys.hpp), inside the caller's
// transaction.
Status merge_reader(sqlite3* db, const Statements& sql, Id kept, Id merged, UnixSeconds now) {
  if (auto s = run_pair(db, sql.merge_reader_fields, kept, merged); !s) return s;
  auto ours = read_subscriptions(db, sql, kept);
  if (!ours) return ours.error();
  auto theirs = read_subscriptions(db, sql, merged);
  if (!theirs) return theirs.error();
  for (const Subscription& other : *theirs) {
    auto same = std::find_if(ours->begin(), ours->end(), [&](const Subscription& x) {
      return x.newsletter_id == other.newsletter_id;
    });
    if (same == ours->end()) continue;  // moved as it is below
    const Subscription m = merge_subscription(*same, other);
    Query q(db, sql.overwrite_subscription);
    q.bind_int(1, kept)
        .bind_int(2, m.newsletter_id)
        .bind_text(3, to_string(m.status))
        .bind_text(4, m.source)
        .bind_int(5, m.created_at)
        .bind_opt_int(6, m.confirmed_at)
        .bind_opt_int(7, m.unsubscribed_at);
    if (auto s = q.run(); !s) return s;
  }
  for (sqlite3_stmt* move :
       {sql.move_subscriptions, sql.move_consents, sql.move_queued_mail, sql.move_deliveries}) {
    if (auto s = run_pair(db, move, kept, merged); !s) return s;
  }
  {
    Query q(db, sql.delete_subscriber_by_id);
    q.bind_int(1, merged);
    if (auto s = q.run(); !s) return s;
  }
  Query q(db, sql.insert_audit);
  const std::string subject = fmt::format("subscriber:{}", kept);
  const std::string detail =
      fmt::format("subscriber {} merged into {}: the same mailbox", merged, kept);
  q.bind_int(1, now)
      .bind_text(2, std::string_view("store"))
      .bind_text(3, std::string_view("subscriber.merge"))
      .bind_text(4, subject)
      .bind_text(5, detail);
  return q.run();
}

}  // namespace

Result<std::size_t> apply_mailbox_keys(Connection& connection, const MailboxKeys& keys,
                                       UnixSeconds now) {
  sqlite3* db = connection.db();
  const Statements& sql = connection.statements();
  {
    Query q(db, sql.mailbox_key_rule);
    auto row = q.step();
    if (!row) return row.error();
    const bool current = *row && q.text_at(0) == keys.rule;
    if (auto s = q.run(); !s) return s.error();
    if (current) return std::size_t{0};
  }
  Transaction tx(db, sql.commit, sql.rollback);
  if (auto s = tx.begin(sql.begin_immediate); !s) return s.error();
  std::vector<std::pair<Id, std::string>> readers;  // id order: the earliest first
  {
    Query q(db, sql.all_subscriber_addresses);
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
  if (auto s = Query(db, sql.clear_mailbox_keys).run(); !s) return s.error();
  for (const auto& [kept, merged] : merges) {
    if (auto s = merge_reader(db, sql, kept, merged, now); !s) return s.error();
  }
  for (const auto& [id, key] : keyed) {
    Query q(db, sql.set_mailbox_key);
    q.bind_int(1, id).bind_text(2, key);
    if (auto s = q.run(); !s) return s.error();
  }
  {
    Query q(db, sql.set_mailbox_key_rule);
    q.bind_text(1, keys.rule);
    if (auto s = q.run(); !s) return s.error();
  }
  if (auto s = tx.commit(); !s) return s.error();
  return merges.size();
}

}  // namespace broadsheet::store::sqlite
