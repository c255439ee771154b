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
// A reader's attributes are one JSON object in their row (migration 0006), written by
// the same statement. At commit the readers left unconfirmed are counted (one range
// query for the new ones, the known ones as they were met), and with
// send_confirmations their confirmation emails are queued by two statements per range
// (import_queue_confirmations, then import_stamp_confirmations).
//
// Nothing durable is relaxed: synchronous stays FULL (one sync at COMMIT, not per row)
// and foreign keys stay on. Only the page cache grows during the import, so the
// indexes being built stay in memory, and shrinks back after.
#include <fmt/format.h>

#include <limits>
#include <unordered_set>

#include "core/text.hpp"

#include "store/sqlite/mailbox_keys.hpp"
#include "store/sqlite/query.hpp"
#include "store/sqlite/sqlite_store.hpp"

namespace broadsheet::store::sqlite {

namespace {
// Negative: KiB rather than pages. About 200 MB, enough for the b-trees of a few
// million subscribers.
constexpr std::int64_t kImportCacheKiB = -200000;
constexpr int kParamsPerRow = 6;  // of import_subscribers_batch; one more for `now`
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
        send_confirmations_(o.send_confirmations),
        resend_after_(o.resend_after),
        now_(now),
        saved_cache_size_(saved_cache_size),
        high_water_(high_water),
        any_suppressed_(any_suppressed),
        pending_(batch_size) {}

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
  // A row waiting for its batch, with its mailbox key and its attributes as the JSON
  // the column holds.
  struct Pending {
    ImportRow row;
    std::string key;
    std::string attributes;
  };
  Status insert_batch();
  Status insert_one(const Pending& p);
  // For a row whose mailbox was already there: subscribes it if it was known before
  // the import; readers the import created are subscribed at commit.
  Status subscribe_known(const std::string& key);
  // Counts the unconfirmed among subscribers [first, last] and, with
  // send_confirmations_, queues their confirmations.
  Status settle_unconfirmed(Id first, Id last);
  Query& bind_subscription(Query& q);
  void end();  // gives back the cache and the connection

  SqliteStore& store_;
  SqliteStore::Hold hold_;
  const Id newsletter_id_;
  const SubscriptionStatus status_;
  const std::string source_;
  const bool send_confirmations_;
  const UnixSeconds resend_after_;
  const UnixSeconds now_;  // one timestamp for the whole import
  const std::int64_t saved_cache_size_;
  const Id high_water_;
  // Whether any mailbox is suppressed: when none is (the common case), rows are not
  // looked up one by one.
  const bool any_suppressed_;
  std::vector<Pending> pending_;  // one batch; strings keep their capacity
  std::size_t pending_count_ = 0;
  std::size_t rows_ = 0;
  std::unordered_set<Id> known_unconfirmed_;  // readers known before, unconfirmed here
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
  Pending& slot = pending_[pending_count_++];
  slot.key = std::move(key);
  slot.row.email = row.email;
  slot.row.email_display = row.email_display;
  slot.row.name = row.name;
  slot.row.timezone = row.timezone;
  slot.attributes.assign(1, '{');
  for (const ReaderAttribute& a : row.attributes) {
    if (slot.attributes.size() > 1) slot.attributes.push_back(',');
    append_json_string(slot.attributes, a.key);
    slot.attributes.push_back(':');
    append_json_string(slot.attributes, a.value);
  }
  slot.attributes.push_back('}');
  ++rows_;
  if (pending_count_ == pending_.size()) return insert_batch();
  return {};
}

Status SqliteImportSession::insert_batch() {
  sqlite3* db = store_.db();
  {
    Query q(db, store_.sql().import_subscribers_batch);
    int p = 1;
    for (const Pending& r : pending_) {
      q.bind_text(p, r.row.email)
          .bind_text(p + 1, r.row.email_display)
          .bind_text(p + 2, r.row.name)
          .bind_text(p + 3, r.row.timezone)
          .bind_text(p + 4, r.key)
          .bind_text(p + 5, r.attributes);
      p += kParamsPerRow;
    }
    q.bind_int(p, now_);
    if (auto s = q.run(); !s) return fail(s.error());
  }
  auto inserted = static_cast<std::size_t>(sqlite3_changes(db));
  counts_.subscribers_created += inserted;
  if (inserted < pending_count_) {
    for (const Pending& r : pending_) {
      if (auto s = subscribe_known(r.key); !s) return s;
    }
  }
  pending_count_ = 0;
  return {};
}

Status SqliteImportSession::insert_one(const Pending& p) {
  sqlite3* db = store_.db();
  const ImportRow& row = p.row;
  {
    Query q(db, store_.sql().import_subscriber);
    q.bind_text(1, row.email)
        .bind_text(2, row.email_display)
        .bind_text(3, row.name)
        .bind_text(4, row.timezone)
        .bind_text(5, p.key)
        .bind_text(6, p.attributes)
        .bind_int(7, now_);
    if (auto s = q.run(); !s) return fail(s.error());
  }
  if (sqlite3_changes(db) == 1) {
    ++counts_.subscribers_created;
    return {};
  }
  return subscribe_known(p.key);
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
  {
    Query q(db, store_.sql().import_subscription);
    q.bind_int(1, id);
    if (auto s = bind_subscription(q).run(); !s) return fail(s.error());
    counts_.subscriptions_added += static_cast<std::size_t>(sqlite3_changes(db));
  }
  // Added unconfirmed now, or left unconfirmed by an earlier import or sign-up.
  Query q(db, store_.sql().import_count_unconfirmed);
  q.bind_int(1, id).bind_int(2, id).bind_int(3, newsletter_id_);
  if (auto s = q.expect_row("import_count_unconfirmed returned no row"); !s) return fail(s.error());
  if (q.int_at(0) > 0) known_unconfirmed_.insert(id);
  return {};
}

Status SqliteImportSession::settle_unconfirmed(Id first, Id last) {
  sqlite3* db = store_.db();
  {
    Query q(db, store_.sql().import_count_unconfirmed);
    q.bind_int(1, first).bind_int(2, last).bind_int(3, newsletter_id_);
    if (auto s = q.expect_row("import_count_unconfirmed returned no row"); !s)
      return fail(s.error());
    counts_.unconfirmed += static_cast<std::size_t>(q.int_at(0));
  }
  if (!send_confirmations_) return {};
  for (sqlite3_stmt* stmt :
       {store_.sql().import_queue_confirmations, store_.sql().import_stamp_confirmations}) {
    Query q(db, stmt);
    q.bind_int(1, first)
        .bind_int(2, last)
        .bind_int(3, newsletter_id_)
        .bind_int(4, now_)
        .bind_int(5, resend_after_);
    if (auto s = q.run(); !s) return fail(s.error());
    if (stmt == store_.sql().import_queue_confirmations) {
      counts_.confirmations_queued += static_cast<std::size_t>(sqlite3_changes(db));
    }
  }
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
    if (auto s = insert_one(pending_[i]); !s) return s.error();
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
  if (auto s = settle_unconfirmed(high_water_ + 1, std::numeric_limits<Id>::max()); !s) {
    return s.error();
  }
  for (Id id : known_unconfirmed_) {
    if (auto s = settle_unconfirmed(id, id); !s) return s.error();
  }
  if (auto s = Query(db, store_.sql().commit).run(); !s) {
    failed_ = true;
    return failed_to("commit the import", s.error());  // the destructor rolls back
  }
  end();
  if (counts_.confirmations_queued > 0) store_.mail_queued();
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

  bool any_suppressed = false;
  {
    Query q(db(), sql().count_suppressions);
    if (auto s = q.expect_row("count_suppressions returned no row"); !s) {
      return failed_to("begin an import", s.error());
    }
    any_suppressed = q.int_at(0) > 0;
  }
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
  std::string grow = fmt::format("PRAGMA cache_size = {}", kImportCacheKiB);
  if (auto s = connection_->pragma(grow.c_str()); !s) return s.error();
  tx.release();  // the session owns the transaction from here
  importer_.store(std::this_thread::get_id());
  return std::unique_ptr<ImportSession>(new SqliteImportSession(
      *this, std::move(*h), o, clock_.now(), *saved, high_water, batch_size, any_suppressed));
}

}  // namespace broadsheet::store::sqlite
