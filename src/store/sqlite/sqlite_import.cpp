// SQLite backend of the Store: bulk import into one newsletter.
//
// One transaction for the whole import (BEGIN IMMEDIATE ... COMMIT), holding the
// connection for its life: the all-or-nothing contract of ImportSession comes with it,
// and so does the fact the fast path rests on: while the session lives, no one else
// adds subscribers, so every subscriber id above the high-water mark read at the start
// belongs to a reader this import created.
//
// Readers are inserted a batch per statement (import_subscribers_batch); SQLite's
// fixed cost per statement, not the b-trees, dominates row-at-a-time inserts. A batch
// that inserted fewer rows than it holds had known or repeated addresses: only then
// are its rows looked up one by one, and those known before the import get their
// subscription there. The subscriptions of all new readers are inserted at commit by
// one statement over the ids above the high-water mark. So subscriptions_added is
// counted from the statements' changes, and duplicates_skipped is what is left over.
//
// Nothing durable is relaxed: synchronous stays FULL (one sync at COMMIT, not per row)
// and foreign keys stay on. Only the page cache grows during the import, so the
// indexes being built stay in memory, and shrinks back after.
#include <fmt/format.h>

#include "store/sqlite/mailbox_keys.hpp"
#include "store/sqlite/query.hpp"
#include "store/sqlite/sqlite_store.hpp"

namespace broadsheet::store::sqlite {

namespace {
// Negative: KiB rather than pages. About 200 MB, enough for the b-trees of a few
// million subscribers.
constexpr std::int64_t kImportCacheKiB = -200000;
constexpr int kParamsPerRow = 5;  // of import_subscribers_batch; one more for `now`
}  // namespace

class SqliteImportSession final : public ImportSession {
 public:
  SqliteImportSession(SqliteStore& store, SqliteStore::Hold hold, const ImportOptions& o,
                      UnixSeconds now, std::int64_t saved_cache_size, Id high_water,
                      std::size_t batch_size, bool any_suppressed)
      : store_(store),
        hold_(std::move(hold)),
        newsletter_id_(o.newsletter_id),
        status_(o.confirmed ? SubscriptionStatus::confirmed : SubscriptionStatus::unconfirmed),
        source_(o.source),
        now_(now),
        saved_cache_size_(saved_cache_size),
        high_water_(high_water),
        any_suppressed_(any_suppressed),
        pending_(batch_size),
        pending_keys_(batch_size) {}

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
    return failed_to("import subscribers", e);
  }
  Status insert_batch();
  Status insert_one(const ImportRow& row, const std::string& key);
  // For a row whose mailbox was already there: subscribes it if it was known before
  // the import; readers the import created are subscribed at commit.
  Status subscribe_known(const std::string& key);
  Query& bind_subscription(Query& q);
  void end();  // gives back the cache and the connection

  SqliteStore& store_;
  SqliteStore::Hold hold_;
  const Id newsletter_id_;
  const SubscriptionStatus status_;
  const std::string source_;
  const UnixSeconds now_;  // one timestamp for the whole import
  const std::int64_t saved_cache_size_;
  const Id high_water_;
  // Whether any mailbox is suppressed: when none is (the common case), rows are not
  // looked up one by one.
  const bool any_suppressed_;
  std::vector<ImportRow> pending_;  // one batch; strings keep their capacity
  std::vector<std::string> pending_keys_;  // the mailbox key of each pending row
  std::size_t pending_count_ = 0;
  std::size_t rows_ = 0;
  ImportCounts counts_;
  bool open_ = true;
  bool failed_ = false;  // an add() failed: the transaction may be gone, refuse commit
};

Status SqliteImportSession::add(const ImportRow& row) {
  if (!open_) return make_error(Errc::internal, "the import session has ended");
  if (failed_) return make_error(Errc::internal, "the import session failed earlier");
  std::string key = store_.keys_.of(row.email);
  if (any_suppressed_) {
    auto suppressed = is_suppressed(store_.db(), store_.sql(), key);
    if (!suppressed) return fail(suppressed.error());
    if (*suppressed) {
      ++counts_.suppressed_skipped;
      return {};
    }
  }
  pending_keys_[pending_count_] = std::move(key);
  ImportRow& slot = pending_[pending_count_++];
  slot.email = row.email;
  slot.email_display = row.email_display;
  slot.name = row.name;
  slot.timezone = row.timezone;
  ++rows_;
  if (pending_count_ == pending_.size()) return insert_batch();
  return {};
}

Status SqliteImportSession::insert_batch() {
  sqlite3* db = store_.db();
  {
    Query q(db, store_.sql().import_subscribers_batch);
    int p = 1;
    for (std::size_t i = 0; i < pending_.size(); ++i) {
      const ImportRow& r = pending_[i];
      q.bind_text(p, r.email)
          .bind_text(p + 1, r.email_display)
          .bind_text(p + 2, r.name)
          .bind_text(p + 3, r.timezone)
          .bind_text(p + 4, pending_keys_[i]);
      p += kParamsPerRow;
    }
    q.bind_int(p, now_);
    if (auto s = q.run(); !s) return fail(s.error());
  }
  auto inserted = static_cast<std::size_t>(sqlite3_changes(db));
  counts_.subscribers_created += inserted;
  if (inserted < pending_count_) {
    for (const std::string& key : pending_keys_) {
      if (auto s = subscribe_known(key); !s) return s;
    }
  }
  pending_count_ = 0;
  return {};
}

Status SqliteImportSession::insert_one(const ImportRow& row, const std::string& key) {
  sqlite3* db = store_.db();
  {
    Query q(db, store_.sql().import_subscriber);
    q.bind_text(1, row.email)
        .bind_text(2, row.email_display)
        .bind_text(3, row.name)
        .bind_text(4, row.timezone)
        .bind_int(5, now_)
        .bind_text(6, key);
    if (auto s = q.run(); !s) return fail(s.error());
  }
  if (sqlite3_changes(db) == 1) {
    ++counts_.subscribers_created;
    return {};
  }
  return subscribe_known(key);
}

Status SqliteImportSession::subscribe_known(const std::string& key) {
  sqlite3* db = store_.db();
  Id id = 0;
  {
    Query q(db, store_.sql().subscriber_id_by_email);
    q.bind_text(1, key);
    if (auto s = q.expect_row("a subscriber vanished during the import"); !s)
      return fail(s.error());
    id = q.int_at(0);
  }
  if (id > high_water_) return {};
  Query q(db, store_.sql().import_subscription);
  q.bind_int(1, id);
  if (auto s = bind_subscription(q).run(); !s) return fail(s.error());
  counts_.subscriptions_added += static_cast<std::size_t>(sqlite3_changes(db));
  return {};
}

// Binds ?2.. of import_subscription and import_new_subscriptions.
Query& SqliteImportSession::bind_subscription(Query& q) {
  q.bind_int(2, newsletter_id_)
      .bind_text(3, to_string(status_))
      .bind_text(4, source_)
      .bind_int(5, now_);
  return status_ == SubscriptionStatus::confirmed ? q.bind_int(6, now_) : q.bind_null(6);
}

Result<ImportCounts> SqliteImportSession::commit() {
  if (!open_) return make_error(Errc::internal, "the import session has ended");
  if (failed_) {
    return make_error(Errc::database, "the import failed earlier; nothing was imported");
  }
  for (std::size_t i = 0; i < pending_count_; ++i) {
    if (auto s = insert_one(pending_[i], pending_keys_[i]); !s) return s.error();
  }
  pending_count_ = 0;
  sqlite3* db = store_.db();
  {
    Query q(db, store_.sql().import_new_subscriptions);
    q.bind_int(1, high_water_);
    if (auto s = bind_subscription(q).run(); !s) return fail(s.error()).error();
  }
  counts_.subscriptions_added += static_cast<std::size_t>(sqlite3_changes(db));
  counts_.duplicates_skipped = rows_ - counts_.subscriptions_added;
  if (auto s = Query(db, store_.sql().commit).run(); !s) {
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
  const int params = sqlite3_bind_parameter_count(sql().import_subscribers_batch);
  if (params <= kParamsPerRow || (params - 1) % kParamsPerRow != 0) {
    return make_error(Errc::internal, "import_subscribers_batch has a malformed parameter list");
  }
  const auto batch_size = static_cast<std::size_t>((params - 1) / kParamsPerRow);

  auto saved = connection_->pragma_int("PRAGMA cache_size");
  if (!saved) return saved.error();
  Transaction tx(db(), sql().commit, sql().rollback);
  if (auto s = tx.begin(sql().begin_immediate); !s) return failed_to("begin an import", s.error());
  Id high_water = 0;
  {
    Query q(db(), sql().import_high_water);
    if (auto s = q.expect_row("import_high_water returned no row"); !s) {
      return failed_to("begin an import", s.error());
    }
    high_water = q.int_at(0);
  }
  bool any_suppressed = false;
  {
    Query q(db(), sql().count_suppressions);
    if (auto s = q.expect_row("count_suppressions returned no row"); !s) {
      return failed_to("begin an import", s.error());
    }
    any_suppressed = q.int_at(0) > 0;
  }
  std::string grow = fmt::format("PRAGMA cache_size = {}", kImportCacheKiB);
  if (auto s = connection_->pragma(grow.c_str()); !s) return s.error();
  tx.release();  // the session owns the transaction from here
  importer_.store(std::this_thread::get_id());
  return std::unique_ptr<ImportSession>(new SqliteImportSession(
      *this, std::move(*h), o, clock_.now(), *saved, high_water, batch_size, any_suppressed));
}

}  // namespace broadsheet::store::sqlite
