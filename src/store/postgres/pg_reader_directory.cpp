// PostgreSQL backend of the Store: the desk's readers (store/reader_directory.hpp), as
// sqlite_reader_directory.cpp has them; the SQL in queries/reader_directory.sql.
// A record is read in one REPEATABLE READ transaction, so its lists agree with each
// other; an erasure locks the reader's row for its transaction.
#include <fmt/format.h>

#include "store/mailbox_keys.hpp"
#include "store/postgres/pg_store.hpp"
#include "store/postgres/query.hpp"
#include "store/reader_attributes.hpp"
#include "store/row_readers.hpp"

namespace broadsheet::store::postgres {
namespace {

constexpr ColumnList<9> kConsentColumns{{"id", "newsletter_id", "newsletter_slug",
                                         "consent_text_version", "consent_kind", "granted",
                                         "source_page", "client_address", "created_at"}};

constexpr ColumnList<6> kReaderDeliveryColumns{
    {"issue_id", "subject", "status", "attempts", "last_reply", "updated_at"}};

constexpr ColumnList<6> kReaderAuditColumns{{"id", "at", "actor", "action", "subject", "detail"}};

std::string no_reader(Id id) { return fmt::format("no reader with id {}", id); }

// Binds $1..$7 of a reader filter query (queries/reader_directory.sql).
void bind_reader_filter(Query& q, const ReaderFilter& f) {
  q.bind_opt_int(1, f.newsletter_id);
  if (f.status) {
    q.bind_text(2, to_string(*f.status));
  } else {
    q.bind_null(2);
  }
  q.bind_opt_text(3, f.zone);
  q.bind_opt_int(4, f.signed_up_from);
  q.bind_opt_int(5, f.signed_up_until);
  q.bind_opt_text(6, f.source_page);
  q.bind_text(7, attributes_json(f.attributes));
}

// The LIKE pattern of a prefix search: lowered as lower() COLLATE "C" folds (ASCII), its
// wildcards and the escape character taken literally, then any tail.
std::string prefix_pattern(const std::string& prefix) {
  std::string out;
  out.reserve(prefix.size() + 2);
  for (char ch : prefix) {
    if (ch == '%' || ch == '_' || ch == '\\') out.push_back('\\');
    out.push_back(ch >= 'A' && ch <= 'Z' ? static_cast<char>(ch - 'A' + 'a') : ch);
  }
  out.push_back('%');
  return out;
}

// Errc::not_found unless reader `id` exists and is not erased.
Status known_reader(Connection& c, Id id) {
  Query q(c, "reader_erased_at");
  q.bind_int(1, id);
  if (auto s = q.expect_row(no_reader(id)); !s) return s;
  if (q.opt_int_at(0)) return make_error(Errc::not_found, fmt::format("reader {} was erased", id));
  return {};
}

Status record_lists(Connection& c, Id id, ReaderRecord& out) {
  const auto limit = as_sql_limit(kReaderRecordListLimit);
  {
    Query q(c, "subscriptions_of_subscriber");
    q.columns(kSubscriptionColumns).bind_int(1, id);
    auto s = q.each_row([&] { out.reader.subscriptions.push_back(read_subscription(q)); });
    if (!s) return s;
  }
  {
    Query q(c, "attributes_of_subscriber");
    q.bind_int(1, id);
    auto s = q.each_row([&] { out.reader.attributes.push_back({q.text_at(0), q.text_at(1)}); });
    if (!s) return s;
  }
  {
    Query q(c, "consents_of_reader");
    q.columns(kConsentColumns).bind_int(1, id).bind_int(2, limit);
    auto s = q.each_row([&] {
      ConsentRecord r;
      r.id = q.int_of(kConsentColumns["id"]);
      r.newsletter_id = q.opt_int_of(kConsentColumns["newsletter_id"]);
      r.newsletter_slug = q.text_of(kConsentColumns["newsletter_slug"]);
      r.text_version = q.text_of(kConsentColumns["consent_text_version"]);
      r.kind = q.text_of(kConsentColumns["consent_kind"]);
      r.granted = q.int_of(kConsentColumns["granted"]) != 0;
      r.source_page = q.text_of(kConsentColumns["source_page"]);
      r.client_address = q.text_of(kConsentColumns["client_address"]);
      r.created_at = q.int_of(kConsentColumns["created_at"]);
      out.consents.push_back(std::move(r));
    });
    if (!s) return s;
  }
  {
    Query q(c, "deliveries_of_reader");
    q.columns(kReaderDeliveryColumns).bind_int(1, id).bind_int(2, limit);
    auto s = q.each_row([&] {
      ReaderDelivery d;
      d.issue_id = q.int_of(kReaderDeliveryColumns["issue_id"]);
      d.issue_subject = q.text_of(kReaderDeliveryColumns["subject"]);
      d.status = q.text_of(kReaderDeliveryColumns["status"]);
      d.attempts = static_cast<int>(q.int_of(kReaderDeliveryColumns["attempts"]));
      d.last_reply = q.text_of(kReaderDeliveryColumns["last_reply"]);
      d.updated_at = q.int_of(kReaderDeliveryColumns["updated_at"]);
      out.deliveries.push_back(std::move(d));
    });
    if (!s) return s;
  }
  {
    Query q(c, "audit_of_reader");
    const std::string by_id = fmt::format("subscriber:{}", id);
    q.columns(kReaderAuditColumns)
        .bind_text(1, out.reader.subscriber.email)
        .bind_text(2, by_id)
        .bind_int(3, limit);
    auto s = q.each_row([&] {
      AuditEntry e;
      e.id = q.int_of(kReaderAuditColumns["id"]);
      e.at = q.int_of(kReaderAuditColumns["at"]);
      e.actor = q.text_of(kReaderAuditColumns["actor"]);
      e.action = q.text_of(kReaderAuditColumns["action"]);
      e.subject = q.text_of(kReaderAuditColumns["subject"]);
      e.detail = q.text_of(kReaderAuditColumns["detail"]);
      out.audit.push_back(std::move(e));
    });
    if (!s) return s;
  }
  {
    Query q(c, "bounce_events_of_subscriber");
    q.columns(kBounceEventColumns).bind_int(1, id).bind_int(2, limit);
    auto s = q.each_row([&] { out.bounces.push_back(read_bounce_event(q)); });
    if (!s) return s;
  }
  std::optional<std::string> key;
  {
    Query q(c, "subscriber_mailbox_key");
    q.bind_int(1, id);
    if (auto s = q.expect_row(no_reader(id)); !s) return s;
    key = q.opt_text_at(0);
  }
  if (key) {
    Query q(c, "suppression_of");
    q.bind_text(1, suppression_hash(*key));
    auto row = q.step();
    if (!row) return row.error();
    if (*row) out.suppressed_since = q.int_at(0);
  }
  return {};
}

}  // namespace

Result<std::vector<Subscriber>> PgStore::find_readers(const ReaderFilter& f, Id after,
                                                      std::size_t limit) {
  auto c = lease();
  if (!c) return c.error();
  const char* name = "filter_readers";
  if (!f.search.empty()) {
    name = "search_readers";
  } else if (f.newsletter_id && f.status) {
    name = "filter_readers_in_audience";
  }
  Query q(**c, name);
  q.columns(kSubscriberColumns);
  bind_reader_filter(q, f);
  q.bind_int(8, after).bind_int(9, as_sql_limit(limit));
  if (!f.search.empty()) q.bind_text(10, prefix_pattern(f.search));
  std::vector<Subscriber> out;
  if (auto s = q.each_row([&] { out.push_back(read_subscriber(q)); }); !s) {
    return failed_to("find readers", s.error());
  }
  return out;
}

Result<std::size_t> PgStore::count_readers(const ReaderFilter& f) {
  auto c = lease();
  if (!c) return c.error();
  Query q(**c, "count_readers");
  bind_reader_filter(q, f);
  if (auto s = q.expect_row("count returned no row"); !s) {
    return failed_to("count readers", s.error());
  }
  return static_cast<std::size_t>(q.int_at(0));
}

Result<ReaderRecord> PgStore::reader_record(Id id) {
  auto c = lease();
  if (!c) return c.error();
  auto fail = [&](const Error& e) { return failed_to(fmt::format("read reader {}", id), e); };
  Transaction tx(**c);
  if (auto s = tx.begin("REPEATABLE READ"); !s) return fail(s.error());
  if (auto s = known_reader(**c, id); !s) return fail(s.error());
  ReaderRecord out;
  {
    Query q(**c, "subscriber_by_id");
    q.columns(kSubscriberColumns).bind_int(1, id);
    if (auto s = q.expect_row(no_reader(id)); !s) return fail(s.error());
    out.reader.subscriber = read_subscriber(q);
  }
  if (auto s = record_lists(**c, id, out); !s) return fail(s.error());
  if (auto s = tx.commit(); !s) return fail(s.error());
  return out;
}

Status PgStore::set_attributes(Id id, const std::vector<ReaderAttribute>& attributes) {
  auto c = lease();
  if (!c) return c.error();
  Query q(**c, "set_reader_attributes");
  q.bind_int(1, id).bind_text(2, attributes_json(attributes)).bind_int(3, clock_.now());
  if (auto s = q.returning_row(no_reader(id), [] {}); !s) {
    return failed_to(fmt::format("set the attributes of reader {}", id), s.error());
  }
  return {};
}

Status PgStore::set_reader_status(Id id, SubscriberStatus status) {
  auto c = lease();
  if (!c) return c.error();
  Query q(**c, "set_reader_status");
  q.bind_int(1, id).bind_text(2, to_string(status)).bind_int(3, clock_.now());
  if (auto s = q.returning_row(no_reader(id), [] {}); !s) {
    return failed_to(fmt::format("set the status of reader {}", id), s.error());
  }
  return {};
}

Status PgStore::erase_reader(Id id, const std::string& actor) {
  auto c = lease();
  if (!c) return c.error();
  auto fail = [&](const Error& e) { return failed_to(fmt::format("erase reader {}", id), e); };
  const UnixSeconds now = clock_.now();
  Transaction tx(**c);
  if (auto s = tx.begin(); !s) return fail(s.error());
  std::string email, display;
  std::optional<std::string> key;
  {
    Query q(**c, "reader_for_erasure");
    q.bind_int(1, id);
    if (auto s = q.expect_row(no_reader(id)); !s) return fail(s.error());
    email = q.text_at(0);
    display = q.text_at(1);
    key = q.opt_text_at(2);
  }
  if (key) {
    Query suppress(**c, "insert_suppression");
    suppress.bind_text(1, suppression_hash(*key)).bind_int(2, now).bind_text(3, std::string_view("erased"));
    if (auto s = suppress.run(); !s) return fail(s.error());
    Query forget(**c, "erase_suppressed_address");
    forget.bind_text(1, *key);
    if (auto s = forget.run(); !s) return fail(s.error());
  }
  {
    Query q(**c, "erase_reader_audit");
    q.bind_int(1, id).bind_text(2, email).bind_text(3, display);
    if (auto s = q.run(); !s) return fail(s.error());
  }
  for (const char* name : {"erase_reader_row", "erase_reader_subscriptions"}) {
    Query q(**c, name);
    q.bind_int(1, id).bind_int(2, now);
    if (auto s = q.run(); !s) return fail(s.error());
  }
  for (const char* name : {"erase_reader_consents", "erase_reader_mail", "erase_reader_bounces",
                           "erase_reader_replies"}) {
    Query q(**c, name);
    q.bind_int(1, id);
    if (auto s = q.run(); !s) return fail(s.error());
  }
  {
    Query q(**c, "insert_audit");  // queries/audit_log.sql
    const std::string subject = fmt::format("subscriber:{}", id);
    q.bind_int(1, now)
        .bind_text(2, actor)
        .bind_text(3, std::string_view("subscriber.erase"))
        .bind_text(4, subject)
        .bind_text(5, std::string_view("personal data erased; counts kept"));
    if (auto s = q.run(); !s) return fail(s.error());
  }
  if (auto s = tx.commit(); !s) return fail(s.error());
  return {};
}

}  // namespace broadsheet::store::postgres
