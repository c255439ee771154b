// SQLite backend of the Store: bulk import into one newsletter.
//
// One transaction for the whole import (BEGIN IMMEDIATE ... COMMIT), holding the
// connection for its life: SQLite's fastest bulk path is many reused prepared
// statements inside a single transaction, and the all-or-nothing contract of
// ImportSession comes with it. Nothing durable is relaxed: synchronous stays FULL (it
// costs one sync at COMMIT, not per row); only the page cache grows during the
// import so the indexes being built stay in memory, and shrinks back after.
#include <fmt/format.h>

#include "store/sqlite/query.hpp"
#include "store/sqlite/sqlite_store.hpp"

namespace broadsheet::sqlite {

namespace {
// Negative: KiB rather than pages. About 200 MB, enough for the b-trees of a few
// million subscribers.
constexpr std::int64_t kImportCacheKiB = -200000;
}  // namespace

class SqliteImportSession final : public ImportSession {
 public:
  SqliteImportSession(SqliteStore& store, SqliteStore::Hold hold, const ImportOptions& o,
                      UnixSeconds now, std::int64_t saved_cache_size)
      : store_(store),
        hold_(std::move(hold)),
        newsletter_id_(o.newsletter_id),
        status_(o.confirmed ? SubscriptionStatus::confirmed : SubscriptionStatus::unconfirmed),
        source_(o.source),
        now_(now),
        saved_cache_size_(saved_cache_size) {}

  ~SqliteImportSession() override {
    if (open_) {
      (void)Query(store_.db(), store_.sql().rollback).run();  // no one left to tell
      end();
    }
  }

  Status add(const ImportRow& row) override;
  Result<ImportCounts> commit() override;

 private:
  Status fail(const Error& e) {
    failed_ = true;
    return failed_to("import a subscriber", e);
  }
  Result<Id> subscriber_id(const ImportRow& row);
  // Gives back the cache and the connection.
  void end();

  SqliteStore& store_;
  SqliteStore::Hold hold_;
  const Id newsletter_id_;
  const SubscriptionStatus status_;
  const std::string source_;
  const UnixSeconds now_;  // one timestamp for the whole import
  const std::int64_t saved_cache_size_;
  ImportCounts counts_;
  bool open_ = true;
  bool failed_ = false;  // an add() failed: the transaction may be gone, refuse commit
};

Result<Id> SqliteImportSession::subscriber_id(const ImportRow& row) {
  sqlite3* db = store_.db();
  {
    Query q(db, store_.sql().import_subscriber);
    q.bind_text(1, row.email).bind_text(2, row.email_display).bind_text(3, row.name)
        .bind_text(4, row.timezone).bind_int(5, now_);
    if (auto s = q.run(); !s) return s.error();
  }
  // changes() and last_insert_rowid() spare the statement a RETURNING clause, which
  // SQLite implements with a temporary table: measurable at a million rows.
  if (sqlite3_changes(db) == 1) {
    ++counts_.subscribers_created;
    return sqlite3_last_insert_rowid(db);
  }
  Query q(db, store_.sql().subscriber_id_by_email);
  q.bind_text(1, row.email);
  if (auto s = q.expect_row("the subscriber vanished during the import"); !s) return s.error();
  return q.int_at(0);
}

Status SqliteImportSession::add(const ImportRow& row) {
  if (!open_) return make_error(Errc::internal, "the import session has ended");
  if (failed_) return make_error(Errc::internal, "the import session failed earlier");
  auto id = subscriber_id(row);
  if (!id) return fail(id.error());

  sqlite3* db = store_.db();
  Query q(db, store_.sql().import_subscription);
  q.bind_int(1, *id).bind_int(2, newsletter_id_).bind_text(3, to_string(status_))
      .bind_text(4, source_).bind_int(5, now_);
  if (status_ == SubscriptionStatus::confirmed) {
    q.bind_int(6, now_);
  } else {
    q.bind_null(6);
  }
  if (auto s = q.run(); !s) return fail(s.error());
  if (sqlite3_changes(db) == 1) {
    ++counts_.subscriptions_added;
  } else {
    ++counts_.duplicates_skipped;
  }
  return {};
}

Result<ImportCounts> SqliteImportSession::commit() {
  if (!open_) return make_error(Errc::internal, "the import session has ended");
  if (failed_) {
    return make_error(Errc::database, "the import failed earlier; nothing was imported");
  }
  if (auto s = Query(store_.db(), store_.sql().commit).run(); !s) {
    failed_ = true;
    return failed_to("commit the import", s.error());  // the destructor rolls back
  }
  end();
  return counts_;
}

void SqliteImportSession::end() {
  open_ = false;
  // A failure only leaves the cache larger than configured; the import stands.
  (void)store_.connection_->pragma(
      fmt::format("PRAGMA cache_size = {}", saved_cache_size_).c_str());
  store_.importer_.store(std::thread::id{});
  SqliteStore::Hold released = std::move(hold_);
}

Result<std::unique_ptr<ImportSession>> SqliteStore::begin_import(const ImportOptions& o) {
  auto h = hold();
  if (!h) return h.error();
  {
    Query q(db(), sql().newsletter_exists);
    q.bind_int(1, o.newsletter_id);
    if (auto s = q.expect_row(fmt::format("no newsletter with id {}", o.newsletter_id)); !s) {
      return failed_to("begin an import", s.error());
    }
  }
  auto saved = connection_->pragma_int("PRAGMA cache_size");
  if (!saved) return saved.error();
  std::string grow = fmt::format("PRAGMA cache_size = {}", kImportCacheKiB);
  if (auto s = connection_->pragma(grow.c_str()); !s) return s.error();
  if (auto s = Query(db(), sql().begin_immediate).run(); !s) {
    (void)connection_->pragma(fmt::format("PRAGMA cache_size = {}", *saved).c_str());
    return failed_to("begin an import", s.error());
  }
  importer_.store(std::this_thread::get_id());
  return std::unique_ptr<ImportSession>(
      new SqliteImportSession(*this, std::move(*h), o, clock_.now(), *saved));
}

}  // namespace broadsheet::sqlite
