// PostgreSQL backend of the Store: subscribers and their subscriptions
// (store/readers.hpp), as sqlite/sqlite_subscribers.cpp has them; the SQL in
// queries/readers.sql. Several nodes share the tables: a subscription is set in one
// statement (ON CONFLICT), never read and then written.
#include <fmt/format.h>

#include <algorithm>

#include "store/postgres/pg_readers.hpp"
#include "store/postgres/pg_store.hpp"
#include "store/postgres/query.hpp"
#include "store/row_readers.hpp"

namespace broadsheet::store::postgres {
namespace {

// SQLSTATE foreign_key_violation: the subscriber or the newsletter is missing.
constexpr std::string_view kReaderOrNewsletterMissing = "23503";

constexpr ColumnList<2> kReaderAttributeColumns{{"key", "value"}};

std::string no_subscriber(const std::string& email) {
  return fmt::format("no subscriber with email '{}'", email);
}

// When the mailbox with this key was suppressed; nothing when it is not.
Result<std::optional<UnixSeconds>> mailbox_suppressed_since(Connection& c, std::string_view mailbox_key) {
  Query q(c, "suppression_of");
  q.bind_text(1, suppression_hash(mailbox_key));
  auto row = q.step();
  if (!row) return row.error();
  if (!*row) return std::optional<UnixSeconds>{};
  return std::optional<UnixSeconds>{q.int_at(0)};
}

}  // namespace

std::string no_subscriber(Id id) { return fmt::format("no subscriber with id {}", id); }

Status subscriber_exists(Connection& c, Id id) {
  Query q(c, "subscriber_exists");
  q.bind_int(1, id);
  return q.expect_row(no_subscriber(id));
}

Result<std::vector<Id>> changed_newsletters(Query& q, Connection& c, Id subscriber_id) {
  std::vector<Id> out;
  if (auto s = q.each_row([&] { out.push_back(q.int_at(0)); }); !s) return s.error();
  if (out.empty()) {
    if (auto s = subscriber_exists(c, subscriber_id); !s) return s.error();
  }
  std::sort(out.begin(), out.end());
  return out;
}

Status lift_suppression(Connection& c, Id subscriber_id) {
  std::optional<std::string> key;
  {
    Query q(c, "subscriber_mailbox_key");
    q.bind_int(1, subscriber_id);
    auto row = q.step();
    if (!row) return row.error();
    if (*row) key = q.opt_text_at(0);
  }
  if (!key) return {};
  Query q(c, "delete_suppression");
  q.bind_text(1, suppression_hash(*key));
  return q.run();
}

Result<bool> is_suppressed(Connection& c, std::string_view mailbox_key) {
  auto since = mailbox_suppressed_since(c, mailbox_key);
  if (!since) return since.error();
  return since->has_value();
}

Result<Subscriber> PgStore::add_subscriber(const Subscriber& s) {
  auto c = lease();
  if (!c) return c.error();
  Subscriber out = s;
  out.created_at = out.updated_at = clock_.now();
  const std::string key = keys_.of(s.email);
  auto suppressed = mailbox_suppressed_since(**c, key);
  if (!suppressed)
    return failed_to(fmt::format("add subscriber '{}'", s.email), suppressed.error());
  if (*suppressed) {
    return make_error(Errc::conflict,
                      fmt::format("{} is suppressed: a reader with this address was removed on "
                                  "{}; only their own confirmed sign-up brings them back",
                                  s.email, format_iso8601(**suppressed)));
  }
  Query q(**c, "insert_subscriber");
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

Result<std::optional<UnixSeconds>> PgStore::suppressed_since(const std::string& email) {
  auto c = lease();
  if (!c) return c.error();
  auto since = mailbox_suppressed_since(**c, keys_.of(email));
  if (!since)
    return failed_to(fmt::format("look up the suppression of '{}'", email), since.error());
  return since;
}

Status PgStore::set_name(Id subscriber_id, const std::string& name) {
  auto c = lease();
  if (!c) return c.error();
  Query q(**c, "set_subscriber_name");
  q.bind_int(1, subscriber_id).bind_text(2, name).bind_int(3, clock_.now());
  if (auto s = q.returning_row(no_subscriber(subscriber_id), [] {}); !s) {
    return failed_to(fmt::format("set the name of subscriber {}", subscriber_id), s.error());
  }
  return {};
}

Status PgStore::set_timezone(Id subscriber_id, const std::string& timezone) {
  auto c = lease();
  if (!c) return c.error();
  Query q(**c, "set_subscriber_timezone");
  q.bind_int(1, subscriber_id).bind_text(2, timezone).bind_int(3, clock_.now());
  if (auto s = q.returning_row(no_subscriber(subscriber_id), [] {}); !s) {
    return failed_to(fmt::format("set the time zone of subscriber {}", subscriber_id), s.error());
  }
  return {};
}

Result<SubscriberWithSubscriptions> PgStore::subscriber_by_email(const std::string& email) {
  auto c = lease();
  if (!c) return c.error();
  auto fail = [&](const Error& e) {
    return failed_to(fmt::format("read subscriber '{}'", email), e);
  };
  // One snapshot for the three reads, so the lists match the subscriber.
  Transaction tx(**c);
  if (auto s = tx.begin("REPEATABLE READ"); !s) return fail(s.error());

  SubscriberWithSubscriptions out;
  {
    Query q(**c, "subscriber_by_email");
    q.columns(kSubscriberColumns);
    q.bind_text(1, keys_.of(email));
    if (auto s = q.expect_row(no_subscriber(email)); !s) return fail(s.error());
    out.subscriber = read_subscriber(q);
  }
  {
    Query q(**c, "subscriptions_of_subscriber");
    q.columns(kSubscriptionColumns);
    q.bind_int(1, out.subscriber.id);
    if (auto s = q.each_row([&] { out.subscriptions.push_back(read_subscription(q)); }); !s) {
      return fail(s.error());
    }
  }
  Query attributes(**c, "attributes_of_subscriber");
  attributes.columns(kReaderAttributeColumns).bind_int(1, out.subscriber.id);
  if (auto s = attributes.each_row([&] {
        out.attributes.push_back({attributes.text_of(kReaderAttributeColumns["key"]),
                                  attributes.text_of(kReaderAttributeColumns["value"])});
      });
      !s) {
    return fail(s.error());
  }
  if (auto s = tx.commit(); !s) return fail(s.error());
  return out;
}

Result<std::vector<Subscriber>> PgStore::list_subscribers(const SubscriberQuery& filter) {
  auto c = lease();
  if (!c) return c.error();
  // Each filter has its own query, so each gets the plan that suits it.
  const char* name = "list_subscribers";
  if (filter.newsletter_id && filter.status) {
    name = "list_subscribers_in_newsletter_with_status";
  } else if (filter.newsletter_id) {
    name = "list_subscribers_in_newsletter";
  } else if (filter.status) {
    name = "list_subscribers_with_status";
  }
  Query q(**c, name);
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

Status PgStore::remove_subscriber(const std::string& email) {
  auto c = lease();
  if (!c) return c.error();
  auto fail = [&](const Error& e) {
    return failed_to(fmt::format("remove subscriber '{}'", email), e);
  };
  const std::string key = keys_.of(email);
  Transaction tx(**c);
  if (auto s = tx.begin(); !s) return fail(s.error());
  {
    Query q(**c, "delete_subscriber");
    q.bind_text(1, key);
    if (auto s = q.returning_row(no_subscriber(email), [] {}); !s) return fail(s.error());
  }
  {
    Query q(**c, "insert_suppression");
    q.bind_text(1, suppression_hash(key))
        .bind_int(2, clock_.now())
        .bind_text(3, std::string_view("removed"));
    if (auto s = q.run(); !s) return fail(s.error());
  }
  if (auto s = tx.commit(); !s) return fail(s.error());
  return {};
}

Status PgStore::set_subscription(Id subscriber_id, Id newsletter_id, SubscriptionStatus status,
                                 const std::string& source) {
  auto c = lease();
  if (!c) return c.error();
  std::string state;
  Status s = [&] {
    Query q(**c, "upsert_subscription");
    q.bind_int(1, subscriber_id)
        .bind_int(2, newsletter_id)
        .bind_text(3, to_string(status))
        .bind_text(4, source)
        .bind_int(5, clock_.now());
    Status st = q.run();
    state = q.sqlstate();
    return st;
  }();
  if (s) return {};
  if (state != kReaderOrNewsletterMissing) {
    return failed_to(fmt::format("set subscription of subscriber {} to newsletter {}",
                                 subscriber_id, newsletter_id),
                     s.error());
  }
  // The happy path pays nothing for telling the caller which of the two is missing.
  Status known = subscriber_exists(**c, subscriber_id);
  if (!known) return failed_to("set subscription", known.error());
  return make_error(Errc::not_found, fmt::format("no newsletter with id {}", newsletter_id));
}

Result<std::size_t> PgStore::count_subscriptions(Id newsletter_id, SubscriptionStatus status) {
  auto c = lease();
  if (!c) return c.error();
  Query q(**c, "count_subscriptions");
  q.bind_int(1, newsletter_id).bind_text(2, to_string(status));
  if (auto s = q.expect_row("count returned no row"); !s) {
    return failed_to("count subscriptions", s.error());
  }
  return static_cast<std::size_t>(q.int_at(0));
}

Result<Subscriber> PgStore::subscriber_by_id(Id id) {
  auto c = lease();
  if (!c) return c.error();
  Query q(**c, "subscriber_by_id");
  q.columns(kSubscriberColumns);
  q.bind_int(1, id);
  if (auto s = q.expect_row(no_subscriber(id)); !s) {
    return failed_to(fmt::format("read subscriber {}", id), s.error());
  }
  return read_subscriber(q);
}

Result<std::vector<Subscription>> PgStore::subscriptions_of(Id subscriber_id) {
  auto c = lease();
  if (!c) return c.error();
  auto fail = [&](const Error& e) {
    return failed_to(fmt::format("read the subscriptions of subscriber {}", subscriber_id), e);
  };
  std::vector<Subscription> out;
  {
    Query q(**c, "subscriptions_of_subscriber");
    q.columns(kSubscriptionColumns);
    q.bind_int(1, subscriber_id);
    if (auto s = q.each_row([&] { out.push_back(read_subscription(q)); }); !s) {
      return fail(s.error());
    }
  }
  if (out.empty()) {
    if (auto s = subscriber_exists(**c, subscriber_id); !s) return fail(s.error());
  }
  return out;
}

}  // namespace broadsheet::store::postgres
