// One SQLite connection: opened with Broadsheet's settings, holding the backend's
// prepared statements (from sqlite/queries/) until it closes.
//
// Settings: WAL journal (readers never wait for the writer), synchronous=FULL (a write
// acknowledged to a reader survives a power cut), foreign_keys=ON, a 5 s busy timeout
// for when another process (the CLI beside the server) holds the write lock.
// Not thread-safe: the store serialises every use of it.
#pragma once

#include <sqlite3.h>

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>

#include "core/result.hpp"
#include "store/named_queries.hpp"

namespace broadsheet::store::sqlite {

// The named queries the C++ side runs. Every one must exist in queries/ (the open
// fails otherwise); the files may hold more, and those are prepared too.
// clang-format off
#define BROADSHEET_SQLITE_QUERIES(X)                                                      \
  X(begin_immediate) X(begin_read) X(commit) X(rollback)                                  \
  X(savepoint_request) X(release_request) X(rollback_to_request)                          \
  X(create_schema_migrations) X(schema_version) X(record_migration) X(ping)               \
  X(insert_newsletter) X(list_newsletters) X(newsletter_by_slug) X(newsletter_by_id)      \
  X(newsletter_exists) X(update_newsletter) X(delete_newsletter)                          \
  X(insert_subscriber) X(subscriber_by_email) X(subscriber_by_id) X(subscriber_exists)    \
  X(set_subscriber_timezone) X(delete_subscriber)                                         \
  X(list_subscribers) X(list_subscribers_in_newsletter) X(list_subscribers_with_status)   \
  X(list_subscribers_in_newsletter_with_status)                                           \
  X(subscriptions_of_subscriber) X(upsert_subscription) X(count_subscriptions)            \
  X(confirm_subscriptions) X(unsubscribe_subscriptions)                                   \
  X(newsletter_opt_in) X(subscription_state)                 \
  X(stamp_confirmation_sent) X(insert_consent)                                            \
  X(enqueue_mail) X(enqueue_welcome) X(due_mail) X(settle_mail) X(mail_queue_state)      \
  X(purge_mail_queue) X(public_newsletter_opt_in)                                         \
  X(import_high_water) X(import_subscribers_batch) X(import_subscriber)                   \
  X(subscriber_id_by_email) X(import_subscription) X(import_new_subscriptions)            \
  X(import_queue_confirmations) X(import_stamp_confirmations) X(import_count_unconfirmed)  \
  X(attributes_of_subscriber)                                                             \
  X(insert_article) X(latest_articles) X(article_by_slug) X(insert_audit) X(recent_audit) \
  X(insert_feed_article) X(list_articles) X(newsletter_articles)                          \
  X(insert_feed) X(feed_by_id) X(list_feeds) X(due_feeds) X(delete_feed)                  \
  X(record_feed_poll) X(insert_edition_skip) X(edition_skips)                             \
  X(spend_challenge) X(purge_spent_challenges)                                          \
  X(mailbox_held_back)                                                                    \
  X(insert_issue) X(issue_by_id) X(issue_status) X(list_issues) X(update_issue) X(correct_issue) X(bump_archive_version) X(delete_issue) X(issue_of_edition) X(schedule_issue) X(unschedule_issue)          \
  X(archive_list) X(archive_list_before) X(archive_issue)                                 \
  X(start_issue) X(queue_audience) X(set_issue_status) X(claim_sending_issue)             \
  X(renew_lease) X(release_lease) X(queued_deliveries) X(due_deliveries)                  \
  X(update_delivery) X(delete_delivery) X(count_bounce) X(delivery_counts)                \
  X(next_retry_at) X(deferral_reasons) X(delivery_of) X(settled_since)   \
  X(delivery_buckets) X(failed_deliveries)                 \
  X(delivery_totals)                                                                      \
  X(insert_user) X(user_by_name) X(list_users) X(set_user_role) X(insert_api_token)                        \
  X(api_token_by_hash) X(list_api_tokens) X(revoke_api_token) X(touch_api_token)    \
  X(api_token_exists)                                                                     \
  X(set_subscriber_name) X(insert_suppression) X(suppression_of) X(delete_suppression)    \
  X(count_suppressions) X(subscriber_mailbox_key) X(mailbox_key_rule)                     \
  X(set_mailbox_key_rule) X(all_subscriber_addresses) X(clear_mailbox_keys)               \
  X(set_mailbox_key) X(merge_reader_fields) X(overwrite_subscription)                     \
  X(move_subscriptions) X(move_consents) X(move_queued_mail) X(move_deliveries)           \
  X(delete_subscriber_by_id)                                                               \
  X(release_candidates) X(reader_zones) X(cohort_releases_of) X(cohort_recorded)           \
  X(releasing_state) X(begin_releasing) X(zone_batch_end) X(queue_zone_batch)              \
  X(audience_batch_end) X(queue_audience_batch) X(record_cohort) X(released_count)         \
  X(end_releasing) X(skipped_cohorts_total) X(readers_by_zone) X(finish_sending) \
  X(insert_bounce_event) X(set_bounce_action) X(count_recent_bounces) X(bounce_subscriber) \
  X(upsert_suppression) X(unsubscribe_all) X(unsubscribe_one) X(bounce_events_of_issue)   \
  X(bounce_events_of_subscriber) X(bounce_totals) X(list_suppressions) \
  X(issue_domain_counts) X(suppression_exists)                                          \
  X(filter_readers) X(filter_readers_in_audience) X(search_readers) X(count_readers)     \
  X(reader_erased_at) X(consents_of_reader) X(deliveries_of_reader) X(audit_of_reader)   \
  X(set_reader_attributes) X(set_reader_status) X(reader_for_erasure) X(erase_reader_row) \
  X(erase_reader_subscriptions) X(erase_reader_consents) X(erase_reader_mail)           \
  X(erase_reader_bounces) X(erase_reader_replies) X(erase_reader_audit)                 \
  X(erase_suppressed_address) X(insert_segment) X(update_segment) X(segment_by_id)      \
  X(segment_by_name) X(list_segments) X(delete_segment) X(set_issue_segment)            \
  X(issue_segment) X(queue_segment_audience) X(segment_attributes)                      \
  X(segment_newsletter_of_issue)                                                        \
  X(delete_user) X(set_password_hash) X(delete_user_sessions)                             \
  X(insert_session) X(session_by_hash) X(touch_session) X(delete_session)                 \
  X(purge_sessions) X(purge_sign_in_failures) X(insert_sign_in_failure)                   \
  X(sign_in_failures) X(clear_sign_in_failures)                                          \
  X(readers_per_newsletter) X(activity_since) X(recent_delivery_failures)                 \
  X(recent_stopped_issues)
// clang-format on

struct Statements {
#define BROADSHEET_SQLITE_STATEMENT(name) sqlite3_stmt* name = nullptr;
  BROADSHEET_SQLITE_QUERIES(BROADSHEET_SQLITE_STATEMENT)
#undef BROADSHEET_SQLITE_STATEMENT
};

class Connection {
 public:
  // Opens (creating) the database file at `path` and applies the settings above.
  // Errc::database when the file cannot be opened or is not a database.
  static Result<std::unique_ptr<Connection>> open(const std::string& path);
  // Opens the database file at `path` read-only, for a pool of readers beside the one
  // writer: WAL lets each read a committed snapshot while the writer writes. The file
  // must exist and already be in WAL mode (the writer opened and migrated it).
  static Result<std::unique_ptr<Connection>> open_reader(const std::string& path);
  ~Connection();
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  sqlite3* db() const { return db_; }

  // The prepared statement of one named query, prepared on first use and kept until
  // the connection closes. Errc::database names the query and SQLite's complaint.
  Result<sqlite3_stmt*> statement(const NamedQueries& queries, std::string_view name);

  // Prepares every query in `queries` and fills statements(). Run after migrations:
  // queries can only be prepared against the tables they name.
  Status prepare_all(const NamedQueries& queries);
  const Statements& statements() const { return statements_; }

  // Runs a PRAGMA, the only SQL written in C++ (settings of this connection, not data).
  Status pragma(const char* sql);
  Result<std::int64_t> pragma_int(const char* sql);

 private:
  explicit Connection(sqlite3* db) : db_(db) {}
  Result<sqlite3_stmt*> prepare(const NamedQuery& query);

  sqlite3* db_;
  std::map<std::string, sqlite3_stmt*, std::less<>> prepared_;
  Statements statements_;
};

}  // namespace broadsheet::store::sqlite
