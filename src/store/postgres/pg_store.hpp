// The PostgreSQL backend of the Store (see store/store.hpp for the contract).
//
// Every method leases one connection of the pool (pool.hpp) for its length and runs as
// one transaction on it, unless its comment says otherwise; several web and sender nodes
// share the database, so claims of work use row locks (FOR UPDATE SKIP LOCKED) and the
// node-wide facts live in tables (node_locks, nodes), never in this process. The methods
// that claim or move work across nodes run their transaction again when the server gives
// it up for another's (deadlock, serialization failure: retry.hpp).
// The roles' code is split by role: pg_<role>.cpp beside this file, each mirroring the
// SQLite backend's sqlite_<role>.cpp, with its queries in queries/<role>.sql.
// Thread-safe: every method may be called from any thread.
#pragma once

#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "core/clock.hpp"
#include "core/resources.hpp"
#include "store/mailbox_keys.hpp"
#include "store/postgres/pool.hpp"
#include "store/store.hpp"

namespace broadsheet::store::postgres {

// The SQL the backend runs: by default the files built into the binary.
struct PgSql {
  std::vector<Resource> queries;     // the named queries, one file per role (queries/*.sql)
  std::vector<Resource> migrations;  // NNNN_what.sql files, sorted by path

  static PgSql embedded();
};

class PgStore final : public Store {
 public:
  // Every role is written for PostgreSQL, so open_store opens postgresql:// URLs.
  // (False while some methods were still missing: open_store refused the backend.)
  static constexpr bool kComplete = true;
  // Connections the pool opens at most by default.
  static constexpr std::size_t kPoolSize = 16;

  // Connects with libpq's `conninfo` (a postgresql:// URL or key=value pairs), migrates
  // the database and prepares every query. Errc::database names the migration or the
  // query at fault, or libpq's reason for not connecting (never the conninfo, which may
  // hold a password). REQUIRES: `clock` outlives the store.
  static Result<std::unique_ptr<PgStore>> open(const std::string& conninfo, const Clock& clock,
                                               const PgSql& sql = PgSql::embedded(),
                                               MailboxKeys keys = {},
                                               std::size_t pool_size = kPoolSize,
                                               const std::string& password = "");

  // Health (health.hpp)
  Result<int> schema_version() override;
  Status ping() override;

  // Newsletters (newsletters.hpp)
  Result<Newsletter> add_newsletter(const Newsletter& n) override;
  Result<std::vector<Newsletter>> list_newsletters(bool public_only) override;
  Result<Newsletter> newsletter_by_slug(const std::string& slug) override;
  Result<Newsletter> update_newsletter(const std::string& slug, const NewsletterUpdate& u) override;
  Status remove_newsletter(const std::string& slug) override;
  Result<Newsletter> newsletter_by_id(Id id) override;

  // Readers (readers.hpp)
  Result<Subscriber> add_subscriber(const Subscriber& s) override;
  Result<SubscriberWithSubscriptions> subscriber_by_email(const std::string& email) override;
  Result<std::vector<Subscriber>> list_subscribers(const SubscriberQuery& q) override;
  Status remove_subscriber(const std::string& email) override;
  Result<std::optional<UnixSeconds>> suppressed_since(const std::string& email) override;
  Status set_name(Id subscriber_id, const std::string& name) override;
  Status set_subscription(Id subscriber_id, Id newsletter_id, SubscriptionStatus status, const std::string& source) override;
  Result<std::size_t> count_subscriptions(Id newsletter_id, SubscriptionStatus status) override;
  Result<Subscriber> subscriber_by_id(Id id) override;
  Result<std::vector<Subscription>> subscriptions_of(Id subscriber_id) override;
  Status set_timezone(Id subscriber_id, const std::string& timezone) override;

  // Signups (signups.hpp)
  Result<SignupOutcome> record_signup(const SignupRequest& r) override;
  Result<std::vector<Id>> confirm(Id subscriber_id, Id newsletter_id) override;
  Result<std::vector<Id>> unsubscribe(Id subscriber_id, Id newsletter_id, const std::string& source) override;
  Status purge_spent_challenges(UnixSeconds now) override;

  // QueuedMailStore (queued_mail.hpp)
  Result<std::vector<QueuedMail>> due_mail(UnixSeconds now, std::size_t limit) override;
  Result<std::vector<QueuedMail>> claim_mail(const std::string& owner, UnixSeconds now, UnixSeconds until, std::size_t limit) override;
  Status settle_mail(const std::vector<MailSettlement>& settlements) override;
  Result<MailQueueState> mail_queue_state() override;
  Result<std::size_t> purge_mail_queue(UnixSeconds before, std::size_t limit) override;
  void set_mail_listener(std::function<void()> listener) override;

  // Imports (imports.hpp)
  Result<std::unique_ptr<ImportSession>> begin_import(const ImportOptions& o) override;

  // Articles (articles.hpp)
  Result<Article> add_article(const Article& a) override;
  Result<std::vector<Article>> latest_articles(std::size_t limit) override;
  Result<Article> article_by_slug(const std::string& slug) override;
  Result<std::vector<Article>> list_articles(const ArticleQuery& q) override;
  Result<std::vector<Article>> newsletter_articles(Id newsletter_id, UnixSeconds since, std::size_t limit) override;
  Result<std::size_t> add_feed_articles(Id feed_id, const std::vector<Article>& items) override;

  // Editions (editions.hpp)
  Result<bool> skip_edition(Id newsletter_id, const std::string& edition, const std::string& reason, UnixSeconds now) override;
  Result<std::vector<EditionSkip>> edition_skips(Id newsletter_id, const std::string& first, const std::string& last) override;

  // Feeds (feeds.hpp)
  Result<Feed> add_feed(const Feed& f) override;
  Result<Feed> feed_by_id(Id id) override;
  Result<std::vector<Feed>> list_feeds() override;
  Status remove_feed(Id id) override;
  Result<std::vector<Feed>> due_feeds(UnixSeconds now, std::size_t limit) override;
  Status record_poll(Id feed_id, const FeedPollRecord& r) override;

  // Issues (issues.hpp)
  Result<Issue> add_issue(const Issue& i) override;
  Result<Issue> issue_by_id(Id id) override;
  Result<IssueStatus> issue_status(Id id) override;
  Result<std::vector<Issue>> list_issues(const IssueQuery& q) override;
  Result<Issue> update_issue(Id id, const IssueUpdate& u) override;
  Result<std::optional<Issue>> issue_of_edition(Id newsletter_id, const std::string& edition) override;
  Result<Issue> schedule_issue(Id id, const IssueSchedule& s, const std::string& actor) override;
  Result<Issue> unschedule_issue(Id id, const std::string& actor) override;
  Result<Issue> correct_issue(Id id, const IssueUpdate& u, const std::string& actor) override;
  Status remove_issue(Id id) override;
  Result<Issue> change_issue_status(Id issue_id, std::vector<IssueStatus> from, IssueStatus to) override;
  Result<Issue> stop_issue(Id issue_id, const std::string& reason) override;

  // Archive (archive.hpp)
  Result<std::vector<ArchiveEntry>> archive_list(const ArchiveQuery& q) override;
  Result<Issue> archive_issue(Id newsletter_id, Id issue_id) override;

  // DeliveryLog (delivery_log.hpp)
  Result<std::size_t> begin_sending(Id issue_id) override;
  Result<std::vector<PendingDelivery>> claim_deliveries(Id issue_id, const std::string& owner, UnixSeconds now, UnixSeconds until, Id after_id, std::size_t limit) override;
  Status renew_delivery_leases(Id issue_id, const std::string& owner, UnixSeconds until) override;
  Result<std::size_t> record_leased_deliveries(Id issue_id, const std::string& owner, const std::vector<DeliveryUpdate>& updates) override;
  Result<std::vector<PendingDelivery>> queued_deliveries(Id issue_id, Id after_id, std::size_t limit) override;
  Result<std::vector<PendingDelivery>> due_deliveries(Id issue_id, UnixSeconds now, Id after_id, std::size_t limit) override;
  Status record_deliveries(Id issue_id, const std::vector<DeliveryUpdate>& updates) override;
  Result<DeliveryCounts> delivery_counts(Id issue_id) override;
  Result<std::optional<UnixSeconds>> next_retry_at(Id issue_id) override;
  Result<std::vector<DeferralReason>> deferral_reasons(Id issue_id, std::size_t limit) override;
  Result<std::size_t> settled_since(Id issue_id, UnixSeconds since) override;
  Result<DeliveryTotals> delivery_totals() override;
  Result<DeliveryUpdate> delivery_of(Id issue_id, Id subscriber_id) override;
  Result<bool> finish_sending(Id issue_id) override;

  // SendLeases (send_leases.hpp)
  Result<std::optional<Id>> claim_sending_issue(const std::string& owner, Id issue_id, UnixSeconds until) override;
  Result<bool> renew_lease(Id issue_id, const std::string& owner, UnixSeconds until) override;
  Status release_lease(Id issue_id, const std::string& owner) override;
  Result<std::vector<Id>> issues_with_claimable_work(UnixSeconds now) override;

  // NodeLocks (node_locks.hpp)
  Result<bool> hold_lock(const std::string& name, const std::string& owner, UnixSeconds now, UnixSeconds until) override;
  Status release_lock(const std::string& name, const std::string& owner) override;
  Result<std::optional<LockHolder>> lock_holder(const std::string& name) override;
  Status node_heartbeat(const std::string& owner, const std::string& roles, UnixSeconds now) override;
  Status node_gone(const std::string& owner) override;
  Result<std::vector<NodeSeen>> live_nodes(UnixSeconds since) override;

  // DeliveryReports (delivery_reports.hpp)
  Result<std::vector<DeliveryBucket>> delivery_buckets(Id issue_id, UnixSeconds width, std::size_t limit) override;
  Result<std::vector<FailedDelivery>> failed_deliveries(Id issue_id, Id after_id, std::size_t limit) override;

  // Releases (releases.hpp)
  Result<std::vector<ReleaseCandidate>> release_candidates() override;
  Result<std::vector<std::string>> reader_zones() override;
  Result<std::vector<CohortRelease>> cohort_releases(Id issue_id) override;
  Result<std::size_t> release_cohort(Id issue_id, const std::string& zone, const CohortMembers& members, UnixSeconds release_at, UnixSeconds now, std::size_t batch_size) override;
  Status skip_cohort(Id issue_id, const std::string& zone, UnixSeconds release_at, UnixSeconds now, const std::string& why) override;
  Result<IssueStatus> finish_releasing(Id issue_id, UnixSeconds now) override;
  Result<std::uint64_t> skipped_cohorts_total() override;
  Result<std::vector<std::pair<std::string, std::size_t>>> readers_by_zone( Id newsletter_id) override;

  // Users (users.hpp)
  Result<User> add_user(const User& u) override;
  Result<User> user_by_name(const std::string& username) override;
  Result<User> set_user_role(const std::string& username, UserRole role) override;
  Result<std::vector<User>> list_users() override;
  Status remove_user(const std::string& username) override;
  Status set_password_hash(const std::string& username, const std::string& password_hash) override;

  // ApiTokens (api_tokens.hpp)
  Result<ApiToken> add_api_token(Id user_id, const std::string& name, const std::string& token_hash) override;
  Result<ApiToken> api_token_by_hash(const std::string& token_hash) override;
  Result<std::vector<ApiToken>> list_api_tokens() override;
  Status revoke_api_token(Id token_id) override;
  Status touch_api_token(Id token_id, UnixSeconds used_at) override;

  // Sessions (sessions.hpp)
  Status add_session(const DeskSession& session) override;
  Result<SessionUser> session_by_hash(const std::string& id_hash) override;
  Status touch_session(const std::string& id_hash, UnixSeconds seen_at) override;
  Status remove_session(const std::string& id_hash) override;
  Status purge_sessions(UnixSeconds idle_before, UnixSeconds created_before, UnixSeconds failures_before) override;
  Status add_sign_in_failure(const std::string& key, UnixSeconds at) override;
  Result<SignInFailures> sign_in_failures(const std::string& key, UnixSeconds since) override;
  Status clear_sign_in_failures(const std::string& key) override;

  // Dashboard (dashboard.hpp)
  Result<std::vector<NewsletterReaders>> readers_per_newsletter() override;
  Result<std::vector<ActivityDay>> activity_since(std::int64_t first_day) override;
  Result<std::vector<RecentFailure>> recent_failures(std::size_t limit) override;

  // AuditLog (audit_log.hpp)
  Status audit(const std::string& actor, const std::string& action, const std::string& subject, const std::string& detail) override;
  Result<std::vector<AuditEntry>> recent_audit(std::size_t limit) override;

  // Bounces (bounces.hpp)
  Result<BounceRecord> record_bounce(const BounceEvent& event, const BouncePolicy& policy, UnixSeconds now) override;
  Result<std::vector<BounceEventRow>> bounce_events_of_issue(Id issue_id, std::size_t limit) override;
  Result<std::vector<BounceEventRow>> bounce_events_of_subscriber(Id subscriber_id, std::size_t limit) override;
  Result<std::map<BounceKind, std::uint64_t>> bounce_totals() override;
  Result<std::vector<DomainCounts>> domain_counts_of_issue(Id issue_id, std::size_t limit) override;

  // Suppressions (bounces.hpp)
  Result<std::vector<Suppression>> list_suppressions(const std::string& after_hash, std::size_t limit) override;
  Result<bool> add_suppression(const std::string& email, const std::string& reason, const std::string& source) override;
  Result<bool> remove_suppression(const std::string& email) override;

  // ReaderDirectory (reader_directory.hpp)
  Result<std::vector<Subscriber>> find_readers(const ReaderFilter& f, Id after, std::size_t limit) override;
  Result<std::size_t> count_readers(const ReaderFilter& f) override;
  Result<ReaderRecord> reader_record(Id id) override;
  Status set_attributes(Id id, const std::vector<ReaderAttribute>& attributes) override;
  Status set_reader_status(Id id, SubscriberStatus status) override;
  Status erase_reader(Id id, const std::string& actor) override;

  // Segments (segments.hpp)
  Result<Segment> add_segment(const Segment& s) override;
  Result<Segment> update_segment(const Segment& s) override;
  Result<Segment> segment_by_id(Id id) override;
  Result<Segment> segment_by_name(const std::string& name) override;
  Result<std::vector<Segment>> list_segments() override;
  Status remove_segment(Id id) override;
  Status set_issue_segment(Id issue_id, std::optional<Id> segment_id) override;
  Result<std::optional<Id>> issue_segment(Id issue_id) override;

 private:
  PgStore(std::unique_ptr<Pool> pool, const Clock& clock, MailboxKeys keys);

  // A connection for one method; see Pool::lease.
  Result<Pool::Lease> lease() { return pool_->lease(); }
  // Tells the mail listener that a commit queued mail. Call with no lease held.
  void notify_mail();

  std::unique_ptr<Pool> pool_;
  const Clock& clock_;
  const MailboxKeys keys_;
  std::mutex listener_mutex_;
  std::function<void()> mail_listener_;
};

}  // namespace broadsheet::store::postgres
