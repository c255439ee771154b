// The SQLite backend of the Store (see store/store.hpp for the contract).
//
// One connection, the writer, serves every method, held exclusively for the length of a
// call (and of an import session). SQLite in WAL mode lets other processes read
// meanwhile; writers in other processes wait up to the busy timeout.
//
// Readers: the methods the public side calls on every request (the archive's, the
// newsletter lookups, the health probes; each is marked "Reads through a reader"
// below) run instead on one of kReaders read-only connections, so a page view never
// queues behind a sign-up's commit, an import or a send's batch, nor they behind it.
// Each such method is one read transaction on its reader: a snapshot of what was
// committed when it began, which includes every write that returned before the call.
// A thread waits only when all readers are busy. An in-memory database (tests) has no
// second connection to it: there the reading methods share the writer.
// Thread-safe: every method may be called from any thread.
#pragma once

#include <atomic>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <semaphore>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

#include "core/clock.hpp"
#include "core/resources.hpp"
#include "store/mailbox_keys.hpp"
#include "store/sqlite/connection.hpp"
#include "store/sqlite/group_commit.hpp"
#include "store/store.hpp"

namespace broadsheet::store::sqlite {

// The SQL the backend runs. By default the files built into the binary; tests pass
// their own to see a broken query or migration fail the open.
struct SqliteSql {
  std::vector<Resource> queries;     // the named queries, one file per role (queries/*.sql)
  std::vector<Resource> migrations;  // NNNN_what.sql files, sorted by path

  static SqliteSql embedded();
};

class SqliteStore final : public Store {
 public:
  // Opens or creates the database file at `path` (":memory:" for a private in-memory
  // one), migrates it and prepares every query. Errc::database names the file, the
  // migration or the query at fault. `keys` says which addresses are one reader
  // (store/mailbox_keys.hpp); keys made under another rule are remade, and readers that
  // share a mailbox merged, before it returns (sqlite/mailbox_keys.hpp).
  // REQUIRES: `clock` outlives the store.
  static Result<std::unique_ptr<SqliteStore>> open(const std::string& path, const Clock& clock,
                                                   const SqliteSql& sql = SqliteSql::embedded(),
                                                   MailboxKeys keys = {});

  // Reads through a reader.
  Result<int> schema_version() override;
  Status ping() override;

  Result<Newsletter> add_newsletter(const Newsletter& n) override;
  // Reads through a reader.
  Result<std::vector<Newsletter>> list_newsletters(bool public_only) override;
  Result<Newsletter> newsletter_by_slug(const std::string& slug) override;
  Result<Newsletter> update_newsletter(const std::string& slug, const NewsletterUpdate& u) override;
  Status remove_newsletter(const std::string& slug) override;

  Result<Subscriber> add_subscriber(const Subscriber& s) override;
  Result<SubscriberWithSubscriptions> subscriber_by_email(const std::string& email) override;
  Result<std::vector<Subscriber>> list_subscribers(const SubscriberQuery& q) override;
  Status remove_subscriber(const std::string& email) override;
  Result<std::optional<UnixSeconds>> suppressed_since(const std::string& email) override;
  Status set_name(Id subscriber_id, const std::string& name) override;
  Status set_subscription(Id subscriber_id, Id newsletter_id, SubscriptionStatus status,
                          const std::string& source) override;
  Result<std::size_t> count_subscriptions(Id newsletter_id, SubscriptionStatus status) override;

  // Sign-ups are queued and committed in groups (group_commit.hpp): one BEGIN IMMEDIATE
  // ... COMMIT for everyone queued, each request inside its own savepoint, so a request
  // that fails is undone alone. Returns after the group's COMMIT (synchronous=FULL).
  // Waits while an import session is open, like every other method.
  Result<SignupOutcome> record_signup(const SignupRequest& r) override;
  Result<Subscriber> subscriber_by_id(Id id) override;
  Result<Newsletter> newsletter_by_id(Id id) override;
  Result<std::vector<Subscription>> subscriptions_of(Id subscriber_id) override;
  Result<std::vector<Id>> confirm(Id subscriber_id, Id newsletter_id) override;
  Result<std::vector<Id>> unsubscribe(Id subscriber_id, Id newsletter_id,
                                      const std::string& source) override;
  Status set_timezone(Id subscriber_id, const std::string& timezone) override;

  // The mail queue: sqlite_mail_queue.cpp.
  Result<std::vector<QueuedMail>> due_mail(UnixSeconds now, std::size_t limit) override;
  Status settle_mail(const std::vector<MailSettlement>& settlements) override;
  Result<MailQueueState> mail_queue_state() override;
  Result<std::size_t> purge_mail_queue(UnixSeconds before, std::size_t limit) override;
  void set_mail_listener(std::function<void()> listener) override;

  Status purge_spent_challenges(UnixSeconds now) override;

  // REQUIRES: the session ends (commit or destruction) before the store is destroyed,
  // and the thread that began it makes no other call on this store meanwhile (such a
  // call fails with Errc::internal instead of waiting forever for itself).
  Result<std::unique_ptr<ImportSession>> begin_import(const ImportOptions& o) override;

  Result<Article> add_article(const Article& a) override;
  Result<std::vector<Article>> latest_articles(std::size_t limit) override;
  Result<Article> article_by_slug(const std::string& slug) override;
  // Reads through a reader.
  Result<std::vector<Article>> list_articles(const ArticleQuery& q) override;
  Result<std::vector<Article>> newsletter_articles(Id newsletter_id, UnixSeconds since,
                                                   std::size_t limit) override;

  // Editions skipped: sqlite_editions.cpp.
  Result<bool> skip_edition(Id newsletter_id, const std::string& edition,
                            const std::string& reason, UnixSeconds now) override;
  Result<std::vector<EditionSkip>> edition_skips(Id newsletter_id, const std::string& first,
                                                 const std::string& last) override;

  // Feeds: sqlite_feeds.cpp.
  Result<std::size_t> add_feed_articles(Id feed_id, const std::vector<Article>& items) override;
  Result<Feed> add_feed(const Feed& f) override;
  Result<Feed> feed_by_id(Id id) override;
  Result<std::vector<Feed>> list_feeds() override;
  Status remove_feed(Id id) override;
  Result<std::vector<Feed>> due_feeds(UnixSeconds now, std::size_t limit) override;
  Status record_poll(Id feed_id, const FeedPollRecord& r) override;

  Result<Issue> add_issue(const Issue& i) override;
  Result<Issue> issue_by_id(Id id) override;
  Result<IssueStatus> issue_status(Id id) override;
  Result<std::vector<Issue>> list_issues(const IssueQuery& q) override;
  Result<Issue> update_issue(Id id, const IssueUpdate& u) override;
  Result<std::optional<Issue>> issue_of_edition(Id newsletter_id,
                                                const std::string& edition) override;
  Result<Issue> schedule_issue(Id id, const IssueSchedule& s, const std::string& actor) override;
  Result<Issue> unschedule_issue(Id id, const std::string& actor) override;
  Result<Issue> correct_issue(Id id, const IssueUpdate& u, const std::string& actor) override;
  Status remove_issue(Id id) override;

  // The public archive: sqlite_issues.cpp. Reads through a reader.
  Result<std::vector<ArchiveEntry>> archive_list(const ArchiveQuery& q) override;
  Result<Issue> archive_issue(Id newsletter_id, Id issue_id) override;

  Result<std::size_t> begin_sending(Id issue_id) override;
  Result<Issue> change_issue_status(Id issue_id, std::vector<IssueStatus> from,
                                    IssueStatus to) override;
  Result<Issue> stop_issue(Id issue_id, const std::string& reason) override;
  Result<std::optional<Id>> claim_sending_issue(const std::string& owner, Id issue_id,
                                                UnixSeconds until) override;
  Result<bool> renew_lease(Id issue_id, const std::string& owner, UnixSeconds until) override;
  Status release_lease(Id issue_id, const std::string& owner) override;
  Result<std::vector<PendingDelivery>> queued_deliveries(Id issue_id, Id after_id,
                                                         std::size_t limit) override;
  Result<std::vector<PendingDelivery>> due_deliveries(Id issue_id, UnixSeconds now, Id after_id,
                                                      std::size_t limit) override;
  Status record_deliveries(Id issue_id, const std::vector<DeliveryUpdate>& updates) override;
  Result<DeliveryCounts> delivery_counts(Id issue_id) override;
  Result<std::optional<UnixSeconds>> next_retry_at(Id issue_id) override;
  Result<std::vector<DeferralReason>> deferral_reasons(Id issue_id, std::size_t limit) override;
  Result<std::size_t> settled_since(Id issue_id, UnixSeconds since) override;
  // DeliveryReports
  Result<std::vector<DeliveryBucket>> delivery_buckets(Id issue_id, UnixSeconds width,
                                                       std::size_t limit) override;
  Result<std::vector<FailedDelivery>> failed_deliveries(Id issue_id, Id after_id,
                                                        std::size_t limit) override;
  Result<DeliveryTotals> delivery_totals() override;
  Result<DeliveryUpdate> delivery_of(Id issue_id, Id subscriber_id) override;
  Result<bool> finish_sending(Id issue_id) override;

  // The scheduler's releases: sqlite_releases.cpp.
  Result<std::vector<ReleaseCandidate>> release_candidates() override;
  Result<std::vector<std::string>> reader_zones() override;
  Result<std::vector<CohortRelease>> cohort_releases(Id issue_id) override;
  Result<std::size_t> release_cohort(Id issue_id, const std::string& zone,
                                     const CohortMembers& members, UnixSeconds release_at,
                                     UnixSeconds now, std::size_t batch_size) override;
  Status skip_cohort(Id issue_id, const std::string& zone, UnixSeconds release_at,
                     UnixSeconds now, const std::string& why) override;
  Result<IssueStatus> finish_releasing(Id issue_id, UnixSeconds now) override;
  Result<std::uint64_t> skipped_cohorts_total() override;
  Result<std::vector<std::pair<std::string, std::size_t>>> readers_by_zone(
      Id newsletter_id) override;

  Result<User> add_user(const User& u) override;
  Result<User> user_by_name(const std::string& username) override;
  Result<User> set_user_role(const std::string& username, UserRole role) override;
  Result<std::vector<User>> list_users() override;
  Result<ApiToken> add_api_token(Id user_id, const std::string& name,
                                 const std::string& token_hash) override;
  Result<ApiToken> api_token_by_hash(const std::string& token_hash) override;
  Result<std::vector<ApiToken>> list_api_tokens() override;
  Status revoke_api_token(Id token_id) override;
  Status touch_api_token(Id token_id, UnixSeconds used_at) override;
  Status remove_user(const std::string& username) override;
  Status set_password_hash(const std::string& username, const std::string& password_hash) override;
  Status add_session(const DeskSession& session) override;
  Result<SessionUser> session_by_hash(const std::string& id_hash) override;
  Status touch_session(const std::string& id_hash, UnixSeconds seen_at) override;
  Status remove_session(const std::string& id_hash) override;
  Status purge_sessions(UnixSeconds idle_before, UnixSeconds created_before,
                        UnixSeconds failures_before) override;
  Status add_sign_in_failure(const std::string& key, UnixSeconds at) override;
  Result<SignInFailures> sign_in_failures(const std::string& key, UnixSeconds since) override;
  Status clear_sign_in_failures(const std::string& key) override;
  Result<std::vector<NewsletterReaders>> readers_per_newsletter() override;
  Result<std::vector<ActivityDay>> activity_since(std::int64_t first_day) override;
  Result<std::vector<RecentFailure>> recent_failures(std::size_t limit) override;

  Status audit(const std::string& actor, const std::string& action, const std::string& subject,
               const std::string& detail) override;
  Result<std::vector<AuditEntry>> recent_audit(std::size_t limit) override;

  // Bounces and suppressions: sqlite_bounces.cpp.
  // Bounces are committed in groups like sign-ups (group_commit.hpp): concurrent
  // callers (the inbound listener's sessions) share one COMMIT, each event inside its
  // own savepoint, so one that fails (a reader gone) is undone alone.
  Result<BounceRecord> record_bounce(const BounceEvent& event, const BouncePolicy& policy,
                                     UnixSeconds now) override;
  Result<std::vector<BounceEventRow>> bounce_events_of_issue(Id issue_id,
                                                             std::size_t limit) override;
  Result<std::vector<BounceEventRow>> bounce_events_of_subscriber(Id subscriber_id,
                                                                  std::size_t limit) override;
  Result<std::map<BounceKind, std::uint64_t>> bounce_totals() override;
  Result<std::vector<DomainCounts>> domain_counts_of_issue(Id issue_id,
                                                           std::size_t limit) override;
  Result<std::vector<Suppression>> list_suppressions(const std::string& after_hash,
                                                     std::size_t limit) override;
  Result<bool> add_suppression(const std::string& email, const std::string& reason,
                               const std::string& source) override;
  Result<bool> remove_suppression(const std::string& email) override;

  // For tests: transactions record_signup has committed, and callers queued for the next.
  std::uint64_t signup_commits() const { return signups_.batches(); }
  std::size_t signups_waiting() const { return signups_.waiting(); }

  // The desk's readers and segments: sqlite_reader_directory.cpp, sqlite_segments.cpp.
  Result<std::vector<Subscriber>> find_readers(const ReaderFilter& f, Id after,
                                               std::size_t limit) override;
  Result<std::size_t> count_readers(const ReaderFilter& f) override;
  Result<ReaderRecord> reader_record(Id id) override;
  Status set_attributes(Id id, const std::vector<ReaderAttribute>& attributes) override;
  Status set_reader_status(Id id, SubscriberStatus status) override;
  Status erase_reader(Id id, const std::string& actor) override;
  Result<Segment> add_segment(const Segment& s) override;
  Result<Segment> update_segment(const Segment& s) override;
  Result<Segment> segment_by_id(Id id) override;
  Result<Segment> segment_by_name(const std::string& name) override;
  Result<std::vector<Segment>> list_segments() override;
  Status remove_segment(Id id) override;
  Status set_issue_segment(Id issue_id, std::optional<Id> segment_id) override;
  Result<std::optional<Id>> issue_segment(Id issue_id) override;

 private:
  friend class SqliteImportSession;
  // change_issue_status and stop_issue: the move, with the reason it stopped by itself.
  Result<Issue> move_issue(Id issue_id, const std::vector<IssueStatus>& from, IssueStatus to,
                           const std::string& stopped_reason);
  using SignupGroup = GroupCommit<SignupRequest, SignupOutcome>;
  struct BounceRequest {
    const BounceEvent& event;
    const BouncePolicy& policy;
    UnixSeconds now;
  };
  using BounceGroup = GroupCommit<BounceRequest, BounceRecord>;
  // Runs as the leader of a group of bounce events: one transaction, one COMMIT.
  void commit_bounces(BounceGroup::Batch batch);
  // At most this many sign-ups share a transaction, which bounds how long it holds the
  // write lock (and the connection) away from everyone else.
  static constexpr std::size_t kMaxSignupBatch = 256;

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

  // Read-only connections beside the writer; see "Readers" above.
  static constexpr std::size_t kReaders = 4;

  // A connection for one method that only reads: a reader of the pool, given back on
  // destruction, or the writer held exclusively when there is no pool.
  class Read {
   public:
    Read(SqliteStore& store, Connection& reader) : store_(&store), connection_(&reader) {}
    Read(Hold writer, Connection& connection)
        : connection_(&connection), writer_(std::move(writer)) {}
    Read(Read&& other) noexcept
        : store_(std::exchange(other.store_, nullptr)),
          connection_(other.connection_),
          writer_(std::move(other.writer_)) {}
    Read& operator=(Read&&) = delete;
    ~Read() {
      if (store_) store_->give_back(*connection_);
    }
    sqlite3* db() const { return connection_->db(); }
    const Statements& sql() const { return connection_->statements(); }

   private:
    SqliteStore* store_ = nullptr;  // set when the connection is the pool's
    Connection* connection_;
    std::optional<Hold> writer_;
  };

  SqliteStore(std::unique_ptr<Connection> connection,
              std::vector<std::unique_ptr<Connection>> readers, const Clock& clock,
              MailboxKeys keys);

  Result<Hold> hold();
  // feed_by_id for a caller that holds the writer.
  Result<Feed> feed_by_id_held(Id id);
  // A reader, waiting while every one is in use.
  Result<Read> read();
  void give_back(Connection& reader);
  // Errc::internal on the thread holding an import session: it would wait for itself.
  Status refuse_importer() const;
  // Runs as the leader of a group of sign-ups: one transaction, one COMMIT. True when
  // the committed group queued mail.
  bool commit_signups(SignupGroup::Batch batch);
  // Tells the mail listener that a commit queued mail. Call with no Hold.
  void mail_queued();
  sqlite3* db() const { return connection_->db(); }
  const Statements& sql() const { return connection_->statements(); }

  std::unique_ptr<Connection> connection_;
  const Clock& clock_;
  const MailboxKeys keys_;
  std::binary_semaphore gate_{1};
  const std::vector<std::unique_ptr<Connection>> readers_;  // empty: in-memory database
  std::mutex readers_mutex_;
  std::condition_variable reader_returned_;
  std::vector<Connection*> idle_readers_;    // guarded by readers_mutex_
  std::atomic<std::thread::id> importer_{};  // the thread that began the open import
  SignupGroup signups_{kMaxSignupBatch};
  BounceGroup bounces_{kMaxSignupBatch};
  std::mutex mail_listener_mutex_;
  std::function<void()> mail_listener_;  // guarded by mail_listener_mutex_
};

}  // namespace broadsheet::store::sqlite
