// The Store: every durable fact of Broadsheet goes through this interface.
//
// Backends: sqlite/ (embedded, the default) and, later, postgres/. A backend runs its
// versioned migrations and prepares every named query when it opens, so a broken
// query fails the start rather than a request. SQL never appears outside the
// backend's .sql files.
//
// Thread safety: every method may be called from any thread; a backend serialises
// what its engine cannot run concurrently. Each method is one transaction unless its
// comment says otherwise: it either happens whole or not at all.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/clock.hpp"
#include "core/result.hpp"
#include "core/types.hpp"

namespace broadsheet {

// Fields a caller may change on a newsletter; unset ones stay as they are.
struct NewsletterUpdate {
  std::optional<std::string> name, description, schedule, from_name, from_address;
  std::optional<std::string> welcome_subject, welcome_body;
  std::optional<bool> is_public;
  std::optional<OptIn> opt_in;
};

struct SubscriberWithSubscriptions {
  Subscriber subscriber;
  std::vector<Subscription> subscriptions;  // ordered by newsletter slug
};

// One row of an import, already validated and normalised by the caller.
struct ImportRow {
  std::string email;
  std::string email_display;
  std::string name;
  std::string timezone;
};

struct ImportCounts {
  std::size_t subscribers_created = 0;   // addresses new to the store
  std::size_t subscriptions_added = 0;   // new (subscriber, newsletter) pairs
  std::size_t duplicates_skipped = 0;    // already subscribed, or repeated in the file
};

// A bulk import into one newsletter, inside one transaction. Rows become visible to
// others only at commit(); destroying the session without commit() rolls back, so
// an import that fails half-way leaves nothing behind.
// Not thread-safe: one thread drives a session. While it is open the backend's
// write lock is held, so keep it short.
class ImportSession {
 public:
  virtual ~ImportSession() = default;
  virtual Status add(const ImportRow& row) = 0;
  virtual Result<ImportCounts> commit() = 0;
};

struct ImportOptions {
  Id newsletter_id = 0;
  bool confirmed = false;   // subscriptions start confirmed instead of unconfirmed
  std::string source = "import";
};

// Filter for listing and exporting subscribers.
struct SubscriberQuery {
  std::optional<Id> newsletter_id;             // only those with a subscription to it
  std::optional<SubscriptionStatus> status;    // only with this subscription status
  Id after_id = 0;                             // keyset cursor: rows with id > after_id
  std::size_t limit = 1000;
};

// One reader's sign-up as the public form submits it, already validated.
struct SignupRequest {
  std::string email;          // normalised
  std::string email_display;
  // Of a new subscriber only: a known one is never changed by a sign-up.
  std::string name;
  std::string timezone;            // IANA name or empty
  std::vector<Id> newsletter_ids;  // public newsletters, by id
  // Public newsletters by slug, looked up inside the sign-up's transaction (no store
  // round trip of its own): a slug that names no public newsletter makes the request
  // Errc::not_found. Together with newsletter_ids, at least one newsletter.
  std::vector<std::string> newsletter_slugs;
  bool marketing = false;     // ticked the separate marketing-offers box
  std::string consent_version;     // version of the consent text shown
  std::string source_page;         // page the box was on (bounded by the caller)
  std::string client_address;      // already truncated or hashed as configured
  // A confirmation email is due for an unconfirmed subscription unless one was sent
  // at or after this instant (at most one per address per window).
  UnixSeconds resend_after = 0;
  // The robot check this sign-up spends, in the same transaction: a sign-up and the
  // spending of its proof of work happen together or not at all, and share the commit.
  // Empty: none. A challenge already spent records nothing and says so in the outcome
  // (SignupOutcome::challenge_spent_before).
  std::string challenge_id;
  UnixSeconds challenge_expires_at = 0;
  // Written to the audit log as the sign-up's "signup" entry, in its transaction.
  std::string audit_detail;
};

struct SignupOutcome {
  Id subscriber_id = 0;
  bool blocked = false;                  // the address is blocked: send nothing
  std::vector<Id> confirmation_due;      // unconfirmed newsletters to send a confirmation for
  std::vector<Id> confirmed_now;         // single opt-in newsletters confirmed by this sign-up
  std::size_t emails_queued = 0;         // rows this sign-up added to the mail queue
  // The request's robot check was spent before (a replay): nothing was recorded, and
  // the other fields are empty.
  bool challenge_spent_before = false;
};

// --- Outgoing mail queue of the reader side ----------------------------------------
// The emails a reader is owed (a confirmation, a welcome) are queued by the very
// transaction that makes them due: record_signup() and confirm() queue them beside the
// sign-up or the confirmation, so both are durable or neither is. The sender
// (send/mail_queue.hpp) reads due rows, sends them and settles them.

enum class QueuedMailKind { confirmation, welcome };
// The names stored in mail_queue.kind.
inline std::string_view to_string(QueuedMailKind k) {
  return k == QueuedMailKind::welcome ? "welcome" : "confirmation";
}

struct QueuedMail {
  Id id = 0;
  QueuedMailKind kind = QueuedMailKind::confirmation;
  Id subscriber_id = 0;
  std::vector<Id> newsletter_ids;  // a confirmation names one or more, a welcome one
  UnixSeconds created_at = 0;
  int attempts = 0;                // attempts before this one
  // The reader as they are when the row is read (not when it was queued).
  std::string email, name;
  bool blocked = false;
};

// What became of one attempt at a queued email.
struct MailSettlement {
  Id id = 0;
  std::optional<UnixSeconds> sent_at;          // delivered then
  std::optional<UnixSeconds> next_attempt_at;  // not delivered: due again then
  std::string error;                           // why not delivered, one line
  // Neither sent_at nor next_attempt_at: given up for good.
};

struct MailQueueState {
  std::size_t pending = 0;                    // rows not yet sent nor given up
  std::optional<UnixSeconds> next_due_at;     // the earliest due of them
};

// Fields a caller may change on an issue; unset ones stay as they are.
struct IssueUpdate {
  std::optional<std::string> subject, preheader, body_markdown;
};

// Filter for listing issues, newest first.
struct IssueQuery {
  std::optional<Id> newsletter_id;
  std::optional<IssueStatus> status;
  std::size_t limit = 100;
};

// The public archive: the issues readers have got (sending or sent, or paused or
// cancelled after at least one copy went out), newest first by when sending began.
struct ArchiveQuery {
  Id newsletter_id = 0;
  // Keyset cursor: only issues older than this issue of the newsletter; 0 for the
  // newest. An id that names no issue of the newsletter lists nothing.
  Id before = 0;
  std::size_t limit = 100;
};

// What an archive list and feed show of an issue: no body.
struct ArchiveEntry {
  Id id = 0;
  std::string subject, preheader;
  UnixSeconds published_at = 0;  // when sending began
};

// The delivery log of one issue, counted by status.
struct DeliveryCounts {
  std::size_t queued = 0, sent = 0, deferred = 0, failed = 0;
  std::size_t total() const { return queued + sent + deferred + failed; }
};

// One reader an issue is still going to.
struct PendingDelivery {
  Id subscriber_id = 0;
  std::string email, email_display, name, timezone;
  int attempts = 0;
  // False when the reader left (unsubscribed, or was blocked) after the send began:
  // the engine drops the delivery instead of sending it.
  bool still_subscribed = true;
};

// What became of one delivery attempt, for record_deliveries().
struct DeliveryUpdate {
  Id subscriber_id = 0;
  DeliveryStatus status = DeliveryStatus::sent;
  int attempts = 0;        // attempts made so far, this one included
  int code = 0;            // SMTP reply code, 0 when none; a 5xx counts as a hard bounce
  std::string reply;       // the reply, one line, at most 512 bytes
  std::optional<UnixSeconds> next_attempt_at;  // deferred: when to try again
  bool drop = false;       // remove the row: the reader left before it was sent
};

class Store {
 public:
  virtual ~Store() = default;

  // Schema version after migrations, for `broadsheet init` and /healthz.
  virtual Result<int> schema_version() = 0;
  // Cheap liveness probe (a trivial query).
  virtual Status ping() = 0;

  // Newsletters. Slugs are unique: add() of a taken slug is Errc::conflict.
  virtual Result<Newsletter> add_newsletter(const Newsletter& n) = 0;
  virtual Result<std::vector<Newsletter>> list_newsletters(bool public_only) = 0;
  virtual Result<Newsletter> newsletter_by_slug(const std::string& slug) = 0;
  virtual Result<Newsletter> update_newsletter(const std::string& slug,
                                               const NewsletterUpdate& u) = 0;
  // Removes the newsletter with its subscriptions. Errc::not_found when absent.
  virtual Status remove_newsletter(const std::string& slug) = 0;

  // Subscribers. Emails are unique (already normalised by the caller).
  virtual Result<Subscriber> add_subscriber(const Subscriber& s) = 0;
  virtual Result<SubscriberWithSubscriptions> subscriber_by_email(const std::string& email) = 0;
  virtual Result<std::vector<Subscriber>> list_subscribers(const SubscriberQuery& q) = 0;
  virtual Status remove_subscriber(const std::string& email) = 0;
  // Creates or changes one subscription; stamps confirmed_at/unsubscribed_at.
  virtual Status set_subscription(Id subscriber_id, Id newsletter_id,
                                  SubscriptionStatus status, const std::string& source) = 0;
  virtual Result<std::size_t> count_subscriptions(Id newsletter_id,
                                                  SubscriptionStatus status) = 0;

  // Sign-up, confirmation, leaving. record_signup() returns only once the sign-up is
  // durable; concurrent calls share one commit (group commit). For each newsletter:
  // a new or unsubscribed subscription becomes unconfirmed (or confirmed when the
  // newsletter is single opt-in), a confirmed one stays as it is; the consent ledger
  // gets one row per newsletter (and one for marketing when ticked); the audit log gets
  // the "signup" entry. In the same transaction the emails due are queued (see the mail
  // queue below): one confirmation for the newsletters of confirmation_due (stamped as
  // sent now), and the welcome email of each newsletter of confirmed_now that has one.
  // Nothing is queued for a blocked address.
  virtual Result<SignupOutcome> record_signup(const SignupRequest& r) = 0;
  virtual Result<Subscriber> subscriber_by_id(Id id) = 0;
  virtual Result<Newsletter> newsletter_by_id(Id id) = 0;
  // Subscriptions of a subscriber, ordered by newsletter slug, newsletter_slug filled.
  virtual Result<std::vector<Subscription>> subscriptions_of(Id subscriber_id) = 0;
  // Confirms the unconfirmed subscriptions of `subscriber_id` (to `newsletter_id`, or
  // to all when 0). Returns the newsletters that became confirmed (may be empty); the
  // welcome email of each that has one is queued in the same transaction.
  virtual Result<std::vector<Id>> confirm(Id subscriber_id, Id newsletter_id) = 0;
  // Unsubscribes from `newsletter_id` (all when 0); returns those that changed.
  virtual Result<std::vector<Id>> unsubscribe(Id subscriber_id, Id newsletter_id,
                                              const std::string& source) = 0;
  virtual Status set_timezone(Id subscriber_id, const std::string& timezone) = 0;

  // Outgoing mail queue (see QueuedMail). Meant for one sender per database.
  // Up to `limit` pending emails due at `now`, the earliest due first. Reads only.
  virtual Result<std::vector<QueuedMail>> due_mail(UnixSeconds now, std::size_t limit) = 0;
  // Records what became of a batch of attempts, in one transaction; each counts as an
  // attempt. A row no longer pending (settled before) is left as it is.
  virtual Status settle_mail(const std::vector<MailSettlement>& settlements) = 0;
  virtual Result<MailQueueState> mail_queue_state() = 0;
  // Drops up to `limit` rows done (sent or given up) that were queued before `before`,
  // oldest first; returns how many.
  virtual Result<std::size_t> purge_mail_queue(UnixSeconds before, std::size_t limit) = 0;
  // `listener` is called after every commit that queued mail, on the committing thread,
  // with no lock of the store held; it must be quick and must not call the store.
  // Replaces the previous listener; an empty function removes it.
  // REQUIRES: no call that may queue mail runs concurrently with this one.
  virtual void set_mail_listener(std::function<void()> listener) = 0;

  // Robot-check replay store: true when `challenge_id` was not spent before (and is
  // now), false when it was. Kept until `expires_at`; purge drops expired ones.
  virtual Result<bool> spend_challenge(const std::string& challenge_id, UnixSeconds expires_at) = 0;
  virtual Status purge_spent_challenges(UnixSeconds now) = 0;

  // Bulk import; see ImportSession.
  virtual Result<std::unique_ptr<ImportSession>> begin_import(const ImportOptions& o) = 0;

  // Articles (demo content now, feeds later). Slugs are unique.
  virtual Result<Article> add_article(const Article& a) = 0;
  virtual Result<std::vector<Article>> latest_articles(std::size_t limit) = 0;
  virtual Result<Article> article_by_slug(const std::string& slug) = 0;

  // Issues. add_issue() stamps created_at/updated_at and starts as a draft;
  // Errc::not_found when the newsletter does not exist. Only drafts and scheduled
  // issues can be edited or removed: others are Errc::conflict (what has been sent
  // stays as it was sent).
  virtual Result<Issue> add_issue(const Issue& i) = 0;
  virtual Result<Issue> issue_by_id(Id id) = 0;
  // Only the status, without reading the issue's body: what the send engine polls.
  virtual Result<IssueStatus> issue_status(Id id) = 0;
  // Newest first, without their bodies (body_markdown empty): read one with issue_by_id().
  virtual Result<std::vector<Issue>> list_issues(const IssueQuery& q) = 0;
  virtual Result<Issue> update_issue(Id id, const IssueUpdate& u) = 0;
  virtual Status remove_issue(Id id) = 0;
  // The public archive (see ArchiveQuery), read from an index without the issues'
  // bodies: one query.
  virtual Result<std::vector<ArchiveEntry>> archive_list(const ArchiveQuery& q) = 0;
  // One issue of the newsletter, with its body, when it is public; Errc::not_found when
  // it is not, whatever the reason (a draft, another newsletter's, no such id).
  virtual Result<Issue> archive_issue(Id newsletter_id, Id issue_id) = 0;

  // Sending: the send engine's side of the delivery log (src/send/engine.hpp).
  // begin_sending() turns a draft or scheduled issue into a sending one and, in the
  // same transaction, writes one queued delivery per confirmed, active reader of its
  // newsletter: the audience is fixed when sending begins. Returns how many were
  // queued. Errc::conflict when the issue is not a draft or scheduled.
  virtual Result<std::size_t> begin_sending(Id issue_id) = 0;
  // Moves an issue from one of `from` to `to` (stamping finished_at for sent and
  // cancelled); Errc::conflict naming the current status when it is in none of them.
  virtual Result<Issue> change_issue_status(Id issue_id, std::vector<IssueStatus> from,
                                            IssueStatus to) = 0;
  // Leases: a node sends an issue only while it holds its lease, so two nodes (or a
  // CLI beside a server) never send the same issue. claim_sending_issue() takes the
  // oldest sending issue whose lease is free or expired for `owner` until `until`
  // (with `issue_id` 0), or that one issue when it is free, expired or already
  // `owner`'s; none: nullopt. renew_lease() is false when the
  // lease was lost; release_lease() frees it.
  virtual Result<std::optional<Id>> claim_sending_issue(const std::string& owner, Id issue_id,
                                                        UnixSeconds until) = 0;
  virtual Result<bool> renew_lease(Id issue_id, const std::string& owner, UnixSeconds until) = 0;
  virtual Status release_lease(Id issue_id, const std::string& owner) = 0;
  // Queued deliveries with subscriber_id > after_id, in id order (the keyset cursor).
  virtual Result<std::vector<PendingDelivery>> queued_deliveries(Id issue_id, Id after_id,
                                                                 std::size_t limit) = 0;
  // Deferred deliveries due at `now`, in id order after `after_id`.
  virtual Result<std::vector<PendingDelivery>> due_deliveries(Id issue_id, UnixSeconds now,
                                                              Id after_id, std::size_t limit) = 0;
  // Writes a batch of outcomes in one transaction; a failed delivery with a 5xx
  // code adds one to the reader's bounce count.
  virtual Status record_deliveries(Id issue_id, const std::vector<DeliveryUpdate>& updates) = 0;
  virtual Result<DeliveryCounts> delivery_counts(Id issue_id) = 0;
  // The earliest next_attempt_at of the issue's deferred deliveries; none: nullopt.
  virtual Result<std::optional<UnixSeconds>> next_retry_at(Id issue_id) = 0;
  // One reader's delivery row, for tests and support: status, attempts, last reply.
  virtual Result<DeliveryUpdate> delivery_of(Id issue_id, Id subscriber_id) = 0;

  // Users of the admin side and the API. Usernames are unique: a taken one is
  // Errc::conflict. Errc::not_found for an unknown name.
  virtual Result<User> add_user(const User& u) = 0;
  virtual Result<User> user_by_name(const std::string& username) = 0;
  virtual Result<std::vector<User>> list_users() = 0;

  // API tokens, found by the hash of their secret (never the secret itself).
  // add_api_token() stamps created_at; Errc::not_found when the user does not exist.
  // api_token_by_hash() finds revoked tokens too (the caller refuses them).
  virtual Result<ApiToken> add_api_token(Id user_id, const std::string& name,
                                         const std::string& token_hash) = 0;
  virtual Result<ApiToken> api_token_by_hash(const std::string& token_hash) = 0;
  virtual Result<std::vector<ApiToken>> list_api_tokens() = 0;
  // Stamps revoked_at; Errc::not_found when no such token, Errc::conflict when revoked.
  virtual Status revoke_api_token(Id token_id) = 0;
  virtual Status touch_api_token(Id token_id, UnixSeconds used_at) = 0;

  // Audit log: who did what, append-only.
  virtual Status audit(const std::string& actor, const std::string& action,
                       const std::string& subject, const std::string& detail) = 0;
  virtual Result<std::vector<AuditEntry>> recent_audit(std::size_t limit) = 0;
};

// The file of a "sqlite:PATH" URL (relative to `base_dir`), which holds every reader's
// address; "" for any other URL and for sqlite::memory:. Its -wal, -shm and -journal
// files lie beside it.
std::string database_file(const std::string& url, const std::string& base_dir);

// Opens the store named by a database URL: "sqlite:PATH" (relative paths are taken
// from `base_dir`). Runs migrations and prepares queries. Errc::config for an
// unknown scheme, Errc::database when the database cannot be opened or migrated.
Result<std::unique_ptr<Store>> open_store(const std::string& url, const std::string& base_dir,
                                          const Clock& clock);

}  // namespace broadsheet
