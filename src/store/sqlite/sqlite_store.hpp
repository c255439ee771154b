// The SQLite backend of the Store (see store/store.hpp for the contract).
//
// One connection serves every method, held exclusively for the length of a call (and of
// an import session). SQLite in WAL mode lets other processes read meanwhile; writers
// in other processes wait up to the busy timeout.
// Thread-safe: every method may be called from any thread.
#pragma once

#include <atomic>
#include <memory>
#include <semaphore>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "core/clock.hpp"
#include "core/resources.hpp"
#include "store/sqlite/connection.hpp"
#include "store/store.hpp"

namespace broadsheet::sqlite {

// The SQL the backend runs. By default the files built into the binary; tests pass
// their own to see a broken query or migration fail the open.
struct SqliteSql {
  std::string_view queries;          // text of queries.sql
  std::string queries_origin;        // its name, for messages
  std::vector<Resource> migrations;  // NNNN_what.sql files, sorted by path

  static SqliteSql embedded();
};

class SqliteStore final : public Store {
 public:
  // Opens or creates the database file at `path` (":memory:" for a private in-memory
  // one), migrates it and prepares every query. Errc::database names the file, the
  // migration or the query at fault.
  // REQUIRES: `clock` outlives the store.
  static Result<std::unique_ptr<SqliteStore>> open(const std::string& path, const Clock& clock,
                                                   const SqliteSql& sql = SqliteSql::embedded());

  Result<int> schema_version() override;
  Status ping() override;

  Result<Newsletter> add_newsletter(const Newsletter& n) override;
  Result<std::vector<Newsletter>> list_newsletters(bool public_only) override;
  Result<Newsletter> newsletter_by_slug(const std::string& slug) override;
  Result<Newsletter> update_newsletter(const std::string& slug, const NewsletterUpdate& u) override;
  Status remove_newsletter(const std::string& slug) override;

  Result<Subscriber> add_subscriber(const Subscriber& s) override;
  Result<SubscriberWithSubscriptions> subscriber_by_email(const std::string& email) override;
  Result<std::vector<Subscriber>> list_subscribers(const SubscriberQuery& q) override;
  Status remove_subscriber(const std::string& email) override;
  Status set_subscription(Id subscriber_id, Id newsletter_id, SubscriptionStatus status,
                          const std::string& source) override;
  Result<std::size_t> count_subscriptions(Id newsletter_id, SubscriptionStatus status) override;

  // REQUIRES: the session ends (commit or destruction) before the store is destroyed,
  // and the thread that began it makes no other call on this store meanwhile (such a
  // call fails with Errc::internal instead of waiting forever for itself).
  Result<std::unique_ptr<ImportSession>> begin_import(const ImportOptions& o) override;

  Result<Article> add_article(const Article& a) override;
  Result<std::vector<Article>> latest_articles(std::size_t limit) override;
  Result<Article> article_by_slug(const std::string& slug) override;

  Status audit(const std::string& actor, const std::string& action, const std::string& subject,
               const std::string& detail) override;
  Result<std::vector<AuditEntry>> recent_audit(std::size_t limit) override;

 private:
  friend class SqliteImportSession;

  // Exclusive use of the connection. A semaphore rather than a mutex because an import
  // session may be ended by a thread other than the one that began it.
  class Hold {
   public:
    explicit Hold(std::binary_semaphore& gate) : gate_(&gate) { gate.acquire(); }
    Hold(Hold&& other) noexcept : gate_(other.gate_) { other.gate_ = nullptr; }
    Hold& operator=(Hold&&) = delete;
    ~Hold() {
      if (gate_) gate_->release();
    }

   private:
    std::binary_semaphore* gate_;
  };

  SqliteStore(std::unique_ptr<Connection> connection, const Clock& clock)
      : connection_(std::move(connection)), clock_(clock) {}

  Result<Hold> hold();
  sqlite3* db() const { return connection_->db(); }
  const Statements& sql() const { return connection_->statements(); }

  std::unique_ptr<Connection> connection_;
  const Clock& clock_;
  std::binary_semaphore gate_{1};
  std::atomic<std::thread::id> importer_{};  // the thread that began the open import
};

}  // namespace broadsheet::sqlite
