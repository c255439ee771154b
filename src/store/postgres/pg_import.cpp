// PostgreSQL backend of the Store: bulk import into one newsletter (store/imports.hpp);
// the SQL in queries/imports.sql.
//
// One transaction for the whole import on one leased connection: the all-or-nothing
// contract of ImportSession comes with it. Unlike SQLite's, the import does not keep
// other writers out (several nodes share the database), so nothing rests on "every id
// above a mark is ours". The rows go by COPY into import_rows, a temporary table of
// the connection; at commit a few set-wise statements drop the suppressed mailboxes,
// insert the new readers (the first row of each mailbox, ON CONFLICT DO NOTHING for
// the known ones), find every row's reader, subscribe them, count the unconfirmed and
// queue their confirmations. A sign-up of the same mailbox committing meanwhile is met
// by ON CONFLICT and then found as a known reader, as on SQLite had it come first.
#include <fmt/format.h>

#include <functional>

#include "core/text.hpp"
#include "store/mailbox_keys.hpp"
#include "store/postgres/copy_text.hpp"
#include "store/postgres/pg_store.hpp"
#include "store/postgres/query.hpp"

namespace broadsheet::store::postgres {
namespace {

// The COPY data is sent in pieces of about this size.
constexpr std::size_t kCopyChunk = 1 << 20;

class PgImportSession final : public ImportSession {
 public:
  PgImportSession(Pool::Lease lease, const ImportOptions& o, UnixSeconds now,
                  const MailboxKeys& keys, bool any_suppressed, std::function<void()> mail_queued)
      : lease_(std::move(lease)),
        tx_(*lease_),
        newsletter_id_(o.newsletter_id),
        status_(o.confirmed ? SubscriptionStatus::confirmed : SubscriptionStatus::unconfirmed),
        source_(o.source),
        send_confirmations_(o.send_confirmations),
        resend_after_(o.resend_after),
        now_(now),
        keys_(keys),
        any_suppressed_(any_suppressed),
        mail_queued_(std::move(mail_queued)) {}

  ~PgImportSession() override {
    if (copying_) {
      // No one is left to tell of a failure: the rollback (tx_) undoes everything.
      PGconn* conn = lease_->raw();
      PQputCopyEnd(conn, "the import was abandoned");
      while (PGresult* res = PQgetResult(conn)) PQclear(res);
    }
  }

  // Begins the transaction and the COPY.
  Status start();
  Status add(const ImportRow& row) override;
  Result<ImportCounts> commit() override;

 private:
  Error fail(const Error& e) {
    failed_ = true;
    return failed_to("import subscribers", e);
  }
  Status flush();
  Status end_copy();
  Result<std::int64_t> run_counted(Query& q);

  Pool::Lease lease_;
  Transaction tx_;  // declared after lease_: rolls back before the connection goes back
  const Id newsletter_id_;
  const SubscriptionStatus status_;
  const std::string source_;
  const bool send_confirmations_;
  const UnixSeconds resend_after_;
  const UnixSeconds now_;  // one timestamp for the whole import
  const MailboxKeys& keys_;
  // Whether any mailbox is suppressed: when none is (the common case), rows carry no
  // hash and none is computed.
  const bool any_suppressed_;
  std::function<void()> mail_queued_;
  std::string buffer_;  // COPY data not yet sent
  std::size_t rows_ = 0;
  bool copying_ = false;
  bool open_ = true;
  bool failed_ = false;  // a step failed: the transaction is gone, refuse commit
};

Status PgImportSession::start() {
  if (auto s = tx_.begin(); !s) return failed_to("begin an import", s.error());
  PGconn* conn = lease_->raw();
  PGresult* res = PQexecPrepared(conn, "staged_import_copy", 0, nullptr, nullptr, nullptr, 0);
  if (PQresultStatus(res) != PGRES_COPY_IN) {
    Error e = pg_error(conn, res, "start the import's COPY");
    PQclear(res);
    return failed_to("begin an import", e);
  }
  PQclear(res);
  copying_ = true;
  buffer_.reserve(kCopyChunk + 4096);
  return {};
}

Status PgImportSession::add(const ImportRow& row) {
  if (!open_) return make_error(Errc::internal, "the import session has ended");
  if (failed_) return make_error(Errc::internal, "the import session failed earlier");
  const std::string key = keys_.of(row.email);
  ++rows_;
  buffer_ += std::to_string(rows_);
  for (std::string_view field :
       {std::string_view(row.email), std::string_view(row.email_display),
        std::string_view(row.name), std::string_view(row.timezone), std::string_view(key)}) {
    buffer_.push_back('\t');
    append_copy_field(buffer_, field);
  }
  buffer_.push_back('\t');
  if (any_suppressed_) append_copy_field(buffer_, suppression_hash(key));
  std::string attributes(1, '{');
  for (const ReaderAttribute& a : row.attributes) {
    if (attributes.size() > 1) attributes.push_back(',');
    append_json_string(attributes, a.key);
    attributes.push_back(':');
    append_json_string(attributes, a.value);
  }
  attributes.push_back('}');
  buffer_.push_back('\t');
  append_copy_field(buffer_, attributes);
  buffer_.push_back('\n');
  if (buffer_.size() >= kCopyChunk) return flush();
  return {};
}

Status PgImportSession::flush() {
  if (buffer_.empty()) return {};
  PGconn* conn = lease_->raw();
  if (PQputCopyData(conn, buffer_.data(), static_cast<int>(buffer_.size())) != 1) {
    return fail(pg_error(conn, nullptr, "send the import's rows"));
  }
  buffer_.clear();
  return {};
}

Status PgImportSession::end_copy() {
  if (auto s = flush(); !s) return s;
  PGconn* conn = lease_->raw();
  copying_ = false;
  if (PQputCopyEnd(conn, nullptr) != 1)
    return fail(pg_error(conn, nullptr, "end the import's COPY"));
  Status outcome;
  while (PGresult* res = PQgetResult(conn)) {
    if (PQresultStatus(res) != PGRES_COMMAND_OK && outcome) {
      outcome = fail(pg_error(conn, res, "copy the import's rows"));
    }
    PQclear(res);
  }
  return outcome;
}

Result<std::int64_t> PgImportSession::run_counted(Query& q) {
  if (auto s = q.run(); !s) return fail(s.error());
  return q.affected();
}

Result<ImportCounts> PgImportSession::commit() {
  if (!open_) return make_error(Errc::internal, "the import session has ended");
  if (failed_) {
    return make_error(Errc::database, "the import failed earlier; nothing was imported");
  }
  open_ = false;
  if (auto s = end_copy(); !s) return s.error();
  Connection& c = *lease_;
  ImportCounts counts;
  if (any_suppressed_) {
    Query q(c, "staged_import_drop_suppressed");
    auto dropped = run_counted(q);
    if (!dropped) return dropped.error();
    counts.suppressed_skipped = static_cast<std::size_t>(*dropped);
  }
  {
    Query q(c, "staged_import_subscribers");
    q.bind_int(1, now_);
    auto created = run_counted(q);
    if (!created) return created.error();
    counts.subscribers_created = static_cast<std::size_t>(*created);
  }
  {
    Query q(c, "staged_import_resolve");
    if (auto s = q.run(); !s) return fail(s.error());
  }
  {
    Query q(c, "staged_import_subscriptions");
    q.bind_int(1, newsletter_id_)
        .bind_text(2, to_string(status_))
        .bind_text(3, source_)
        .bind_int(4, now_);
    if (status_ == SubscriptionStatus::confirmed) {
      q.bind_int(5, now_);
    } else {
      q.bind_null(5);
    }
    auto added = run_counted(q);
    if (!added) return added.error();
    counts.subscriptions_added = static_cast<std::size_t>(*added);
  }
  counts.duplicates_skipped = rows_ - counts.suppressed_skipped - counts.subscriptions_added;
  {
    Query q(c, "staged_import_count_unconfirmed");
    q.bind_int(1, newsletter_id_);
    if (auto s = q.expect_row("staged_import_count_unconfirmed returned no row"); !s) {
      return fail(s.error());
    }
    counts.unconfirmed = static_cast<std::size_t>(q.int_at(0));
  }
  if (send_confirmations_) {
    Query q(c, "staged_import_queue_confirmations");
    q.bind_int(1, newsletter_id_).bind_int(2, now_).bind_int(3, resend_after_);
    auto queued = run_counted(q);
    if (!queued) return queued.error();
    counts.confirmations_queued = static_cast<std::size_t>(*queued);
  }
  if (auto s = tx_.commit(); !s) {
    failed_ = true;
    return failed_to("commit the import", s.error());
  }
  if (counts.confirmations_queued > 0 && mail_queued_) mail_queued_();
  return counts;
}

}  // namespace

Result<std::unique_ptr<ImportSession>> PgStore::begin_import(const ImportOptions& o) {
  auto c = lease();
  if (!c) return c.error();
  {
    Query q(**c, "newsletter_exists");
    q.bind_int(1, o.newsletter_id);
    if (auto s = q.expect_row(fmt::format("no newsletter with id {}", o.newsletter_id)); !s) {
      return failed_to("begin an import", s.error());
    }
  }
  bool any_suppressed = false;
  {
    Query q(**c, "any_suppression");
    if (auto s = q.expect_row("any_suppression returned no row"); !s) {
      return failed_to("begin an import", s.error());
    }
    any_suppressed = q.int_at(0) != 0;
  }
  if (auto s = Query(**c, "import_create_staging").run(); !s) {
    return failed_to("begin an import", s.error());
  }
  for (const NamedQuery& q : pool_->queries().all()) {
    if (!q.name.starts_with(Connection::kStagedPrefix)) continue;
    if (auto s = (*c)->prepare(q); !s) return failed_to("begin an import", s.error());
  }
  auto session = std::make_unique<PgImportSession>(std::move(*c), o, clock_.now(), keys_,
                                                   any_suppressed, [this] { notify_mail(); });
  if (auto s = session->start(); !s) return s.error();
  return std::unique_ptr<ImportSession>(std::move(session));
}

}  // namespace broadsheet::store::postgres
