// The desk's readers (store/reader_directory.hpp) on SQLite: searches and filtered pages
// read through a reader of the pool, so a desk page never waits behind an import or a
// send's batch; changes and erasure take the writer.
#include <fmt/format.h>

#include "core/text.hpp"
#include "store/mailbox_keys.hpp"
#include "store/sqlite/bounce_events.hpp"
#include "store/sqlite/query.hpp"
#include "store/sqlite/reader_filter.hpp"
#include "store/sqlite/sqlite_store.hpp"

namespace broadsheet::store::sqlite {

void bind_reader_filter(Query& q, const ReaderFilter& f, const FilterText& text) {
  if (f.newsletter_id) {
    q.bind_int(3, *f.newsletter_id);
  } else {
    q.bind_null(3);
  }
  if (f.status) {
    q.bind_text(4, to_string(*f.status));
  } else {
    q.bind_null(4);
  }
  q.bind_opt_text(5, f.zone);
  q.bind_opt_int(6, f.signed_up_from);
  q.bind_opt_int(7, f.signed_up_until);
  q.bind_opt_text(8, f.source_page);
  q.bind_text(9, text.attributes);
}

namespace {

constexpr ColumnList<8> kFoundReaderColumns{
    {"id", "email", "email_display", "name", "timezone", "status", "created_at", "updated_at"}};
Subscriber found_reader(const Query& q) {
  Subscriber s;
  s.id = q.int_of(kFoundReaderColumns["id"]);
  s.email = q.text_of(kFoundReaderColumns["email"]);
  s.email_display = q.text_of(kFoundReaderColumns["email_display"]);
  s.name = q.text_of(kFoundReaderColumns["name"]);
  s.timezone = q.text_of(kFoundReaderColumns["timezone"]);
  s.status = subscriber_status_from(q.text_of(kFoundReaderColumns["status"]))
                 .value_or(SubscriberStatus::active);
  s.created_at = q.int_of(kFoundReaderColumns["created_at"]);
  s.updated_at = q.int_of(kFoundReaderColumns["updated_at"]);
  return s;
}

constexpr ColumnList<8> kRecordSubscriptionColumns{
    {"subscriber_id", "newsletter_id", "newsletter_slug", "status", "source", "created_at",
     "confirmed_at", "unsubscribed_at"}};

constexpr ColumnList<9> kConsentColumns{{"id", "newsletter_id", "newsletter_slug",
                                         "consent_text_version", "consent_kind", "granted",
                                         "source_page", "client_address", "created_at"}};

constexpr ColumnList<6> kReaderDeliveryColumns{
    {"issue_id", "subject", "status", "attempts", "last_reply", "updated_at"}};

constexpr ColumnList<6> kReaderAuditColumns{{"id", "at", "actor", "action", "subject", "detail"}};

std::string no_reader(Id id) { return fmt::format("no reader with id {}", id); }

// Errc::not_found unless reader `id` exists and is not erased.
Status known_reader(sqlite3* db, const Statements& sql, Id id) {
  Query q(db, sql.reader_erased_at);
  q.bind_int(1, id);
  if (auto s = q.expect_row(no_reader(id)); !s) return s;
  if (q.opt_int_at(0)) return make_error(Errc::not_found, fmt::format("reader {} was erased", id));
  return q.run();
}

Status record_lists(sqlite3* db, const Statements& sql, Id id, ReaderRecord& out) {
  const auto limit = as_sql_limit(kReaderRecordListLimit);
  {
    Query q(db, sql.subscriptions_of_subscriber);
    q.columns(kRecordSubscriptionColumns).bind_int(1, id);
    auto s = q.each_row([&] {
      Subscription x;
      x.subscriber_id = q.int_of(kRecordSubscriptionColumns["subscriber_id"]);
      x.newsletter_id = q.int_of(kRecordSubscriptionColumns["newsletter_id"]);
      x.newsletter_slug = q.text_of(kRecordSubscriptionColumns["newsletter_slug"]);
      x.status = subscription_status_from(q.text_of(kRecordSubscriptionColumns["status"]))
                     .value_or(SubscriptionStatus::unconfirmed);
      x.source = q.text_of(kRecordSubscriptionColumns["source"]);
      x.created_at = q.int_of(kRecordSubscriptionColumns["created_at"]);
      x.confirmed_at = q.opt_int_of(kRecordSubscriptionColumns["confirmed_at"]);
      x.unsubscribed_at = q.opt_int_of(kRecordSubscriptionColumns["unsubscribed_at"]);
      out.reader.subscriptions.push_back(std::move(x));
    });
    if (!s) return s;
  }
  {
    Query q(db, sql.attributes_of_subscriber);
    q.bind_int(1, id);
    auto s = q.each_row([&] { out.reader.attributes.push_back({q.text_at(0), q.text_at(1)}); });
    if (!s) return s;
  }
  {
    Query q(db, sql.consents_of_reader);
    q.columns(kConsentColumns).bind_int(1, id).bind_int(2, limit);
    auto s = q.each_row([&] {
      ConsentRecord c;
      c.id = q.int_of(kConsentColumns["id"]);
      c.newsletter_id = q.opt_int_of(kConsentColumns["newsletter_id"]);
      c.newsletter_slug = q.text_of(kConsentColumns["newsletter_slug"]);
      c.text_version = q.text_of(kConsentColumns["consent_text_version"]);
      c.kind = q.text_of(kConsentColumns["consent_kind"]);
      c.granted = q.int_of(kConsentColumns["granted"]) != 0;
      c.source_page = q.text_of(kConsentColumns["source_page"]);
      c.client_address = q.text_of(kConsentColumns["client_address"]);
      c.created_at = q.int_of(kConsentColumns["created_at"]);
      out.consents.push_back(std::move(c));
    });
    if (!s) return s;
  }
  {
    Query q(db, sql.deliveries_of_reader);
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
    Query q(db, sql.audit_of_reader);
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
    auto events = read_bounce_events(db, sql.bounce_events_of_subscriber, id,
                                     kReaderRecordListLimit);
    if (!events) return events.error();
    out.bounces = std::move(*events);
  }
  std::optional<std::string> key;
  {
    Query q(db, sql.subscriber_mailbox_key);
    q.bind_int(1, id);
    if (auto s = q.expect_row(no_reader(id)); !s) return s;
    key = q.opt_text_at(0);
    if (auto s = q.run(); !s) return s;
  }
  if (key) {
    Query q(db, sql.suppression_of);
    const std::string hash = suppression_hash(*key);
    q.bind_text(1, hash);
    auto row = q.step();
    if (!row) return row.error();
    if (*row) out.suppressed_since = q.int_at(0);
    if (auto s = q.run(); !s) return s;
  }
  return {};
}

}  // namespace

Result<std::vector<Subscriber>> SqliteStore::find_readers(const ReaderFilter& f, Id after,
                                                          std::size_t limit) {
  auto r = read();
  if (!r) return r.error();
  sqlite3_stmt* stmt = r->sql().filter_readers;
  if (!f.search.empty()) {
    stmt = r->sql().search_readers;
  } else if (f.newsletter_id && f.status) {
    stmt = r->sql().filter_readers_in_audience;
  }
  const FilterText text{attributes_json(f.attributes)};
  // Every text starting with the prefix sorts before it followed by the byte 0xFF,
  // which UTF-8 never uses; NOCASE folds ASCII case on both sides.
  const std::string& lower = f.search;
  const std::string upper = lower + '\xFF';
  Query q(r->db(), stmt);
  q.columns(kFoundReaderColumns);
  q.bind_int(1, after).bind_int(2, as_sql_limit(limit));
  bind_reader_filter(q, f, text);
  if (!f.search.empty()) q.bind_text(10, lower).bind_text(11, upper);
  std::vector<Subscriber> out;
  if (auto s = q.each_row([&] { out.push_back(found_reader(q)); }); !s) {
    return failed_to("find readers", s.error());
  }
  return out;
}

Result<std::size_t> SqliteStore::count_readers(const ReaderFilter& f) {
  auto r = read();
  if (!r) return r.error();
  const FilterText text{attributes_json(f.attributes)};
  Query q(r->db(), r->sql().count_readers);
  bind_reader_filter(q, f, text);
  if (auto s = q.expect_row("count returned no row"); !s) {
    return failed_to("count readers", s.error());
  }
  return static_cast<std::size_t>(q.int_at(0));
}

Result<ReaderRecord> SqliteStore::reader_record(Id id) {
  auto r = read();
  if (!r) return r.error();
  auto fail = [&](const Error& e) { return failed_to(fmt::format("read reader {}", id), e); };
  Transaction tx(r->db(), r->sql().commit, r->sql().rollback);
  if (auto s = tx.begin(r->sql().begin_read); !s) return fail(s.error());
  if (auto s = known_reader(r->db(), r->sql(), id); !s) return fail(s.error());
  ReaderRecord out;
  {
    Query q(r->db(), r->sql().subscriber_by_id);
    q.columns(kFoundReaderColumns).bind_int(1, id);
    if (auto s = q.expect_row(no_reader(id)); !s) return fail(s.error());
    out.reader.subscriber = found_reader(q);
  }
  if (auto s = record_lists(r->db(), r->sql(), id, out); !s) return fail(s.error());
  if (auto s = tx.commit(); !s) return fail(s.error());
  return out;
}

Status SqliteStore::set_attributes(Id id, const std::vector<ReaderAttribute>& attributes) {
  auto h = hold();
  if (!h) return h.error();
  const std::string json = attributes_json(attributes);
  Query q(db(), sql().set_reader_attributes);
  q.bind_int(1, id).bind_text(2, json).bind_int(3, clock_.now());
  if (auto s = q.returning_row(no_reader(id), [] {}); !s) {
    return failed_to(fmt::format("set the attributes of reader {}", id), s.error());
  }
  return {};
}

Status SqliteStore::set_reader_status(Id id, SubscriberStatus status) {
  auto h = hold();
  if (!h) return h.error();
  Query q(db(), sql().set_reader_status);
  q.bind_int(1, id).bind_text(2, to_string(status)).bind_int(3, clock_.now());
  if (auto s = q.returning_row(no_reader(id), [] {}); !s) {
    return failed_to(fmt::format("set the status of reader {}", id), s.error());
  }
  return {};
}

Status SqliteStore::erase_reader(Id id, const std::string& actor) {
  auto h = hold();
  if (!h) return h.error();
  auto fail = [&](const Error& e) { return failed_to(fmt::format("erase reader {}", id), e); };
  const UnixSeconds now = clock_.now();
  // Removed for good: what this transaction frees is overwritten with zeros in the
  // file (secure_delete), and the write-ahead log, which holds earlier versions of the
  // pages, is copied back and emptied once it commits.
  if (auto s = connection_->pragma("PRAGMA secure_delete = ON"); !s) return fail(s.error());
  struct SecureDeleteOff {
    Connection& c;
    ~SecureDeleteOff() { (void)c.pragma("PRAGMA secure_delete = OFF"); }
  } secure_delete_off{*connection_};
  Transaction tx(db(), sql().commit, sql().rollback);
  if (auto s = tx.begin(sql().begin_immediate); !s) return fail(s.error());
  std::string email, display;
  std::optional<std::string> key;
  {
    Query q(db(), sql().reader_for_erasure);
    q.bind_int(1, id);
    if (auto s = q.expect_row(no_reader(id)); !s) return fail(s.error());
    email = q.text_at(0);
    display = q.text_at(1);
    key = q.opt_text_at(2);
    if (auto s = q.run(); !s) return fail(s.error());
  }
  if (key) {
    const std::string hash = suppression_hash(*key);
    Query suppress(db(), sql().insert_suppression);
    suppress.bind_text(1, hash).bind_int(2, now).bind_text(3, std::string_view("erased"));
    if (auto s = suppress.run(); !s) return fail(s.error());
    Query forget(db(), sql().erase_suppressed_address);
    forget.bind_text(1, *key);
    if (auto s = forget.run(); !s) return fail(s.error());
  }
  {
    Query q(db(), sql().erase_reader_audit);
    q.bind_int(1, id).bind_text(2, email).bind_text(3, display);
    if (auto s = q.run(); !s) return fail(s.error());
  }
  for (sqlite3_stmt* stmt : {sql().erase_reader_row, sql().erase_reader_subscriptions}) {
    Query q(db(), stmt);
    q.bind_int(1, id).bind_int(2, now);
    if (auto s = q.run(); !s) return fail(s.error());
  }
  for (sqlite3_stmt* stmt : {sql().erase_reader_consents, sql().erase_reader_mail,
                             sql().erase_reader_bounces, sql().erase_reader_replies}) {
    Query q(db(), stmt);
    q.bind_int(1, id);
    if (auto s = q.run(); !s) return fail(s.error());
  }
  {
    Query q(db(), sql().insert_audit);
    const std::string subject = fmt::format("subscriber:{}", id);
    q.bind_int(1, now)
        .bind_text(2, actor)
        .bind_text(3, std::string_view("subscriber.erase"))
        .bind_text(4, subject)
        .bind_text(5, std::string_view("personal data erased; counts kept"));
    if (auto s = q.run(); !s) return fail(s.error());
  }
  if (auto s = tx.commit(); !s) return fail(s.error());
  // Best effort: a reader in another process holding an old snapshot keeps the log
  // until it ends, and the next checkpoint copies the zeroed pages.
  (void)connection_->pragma("PRAGMA wal_checkpoint(TRUNCATE)");
  return {};
}

}  // namespace broadsheet::store::sqlite
