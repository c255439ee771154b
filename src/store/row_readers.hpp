// Row readers shared by the backends: each reads one kind of row from a query of either
// backend (sqlite::Query, postgres::Query: any type with the *_of(i) readers of a
// ColumnList), so the two dialects' queries return the same columns under the same names
// and the C++ reads them once. A query that returns a kind of row lists exactly its
// reader's columns (column_list.hpp; a missing one fails the query before any row).
#pragma once

#include <charconv>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <fmt/format.h>

#include "core/result.hpp"
#include "store/api_tokens.hpp"
#include "store/articles.hpp"
#include "store/bounces.hpp"
#include "store/column_list.hpp"
#include "store/delivery_log.hpp"
#include "store/feeds.hpp"
#include "store/issues.hpp"
#include "store/newsletters.hpp"
#include "store/queued_mail.hpp"
#include "store/readers.hpp"
#include "store/segments.hpp"
#include "store/sessions.hpp"
#include "store/users.hpp"

namespace broadsheet::store {

// The columns of every query that returns newsletters, read by name (Query::columns).
constexpr ColumnList<20> kNewsletterColumns{
    {"id", "slug", "name", "description", "schedule", "from_name", "from_address", "is_public",
     "opt_in", "created_at", "updated_at", "welcome_subject", "welcome_body", "archive_version",
     "default_timezone", "draft_from_feeds", "draft_items", "draft_sections", "draft_lead",
     "draft_on_cutoff"}};
template <typename Row>
Newsletter read_newsletter(const Row& q) {
  Newsletter n;
  n.id = q.int_of(kNewsletterColumns["id"]);
  n.slug = q.text_of(kNewsletterColumns["slug"]);
  n.name = q.text_of(kNewsletterColumns["name"]);
  n.description = q.text_of(kNewsletterColumns["description"]);
  n.schedule = q.text_of(kNewsletterColumns["schedule"]);
  n.from_name = q.text_of(kNewsletterColumns["from_name"]);
  n.from_address = q.text_of(kNewsletterColumns["from_address"]);
  n.is_public = q.bool_of(kNewsletterColumns["is_public"]);
  // The CHECK on the column admits only the two values opt_in_from() knows.
  n.opt_in = opt_in_from(q.text_of(kNewsletterColumns["opt_in"])).value_or(OptIn::double_opt_in);
  n.created_at = q.int_of(kNewsletterColumns["created_at"]);
  n.updated_at = q.int_of(kNewsletterColumns["updated_at"]);
  n.welcome_subject = q.text_of(kNewsletterColumns["welcome_subject"]);
  n.welcome_body = q.text_of(kNewsletterColumns["welcome_body"]);
  n.archive_version = q.int_of(kNewsletterColumns["archive_version"]);
  n.default_timezone = q.text_of(kNewsletterColumns["default_timezone"]);
  n.draft_from_feeds = q.bool_of(kNewsletterColumns["draft_from_feeds"]);
  n.drafts.items = static_cast<int>(q.int_of(kNewsletterColumns["draft_items"]));
  n.drafts.sections = split_sections(q.text_of(kNewsletterColumns["draft_sections"]));
  n.drafts.lead = q.int_of(kNewsletterColumns["draft_lead"]);
  n.drafts.on_cutoff =
      on_cutoff_from(q.text_of(kNewsletterColumns["draft_on_cutoff"])).value_or(OnCutoff::hold);
  return n;
}

// The columns of every query that returns users, read by name (Query::columns).
constexpr ColumnList<5> kUserColumns{{"id", "username", "password_hash", "role", "created_at"}};
template <typename Row>
User read_user(const Row& q) {
  User u;
  u.id = q.int_of(kUserColumns["id"]);
  u.username = q.text_of(kUserColumns["username"]);
  u.password_hash = q.text_of(kUserColumns["password_hash"]);
  // Only add_user() writes the column, with a name user_role_from() knows; anything
  // else would get the least access.
  u.role = user_role_from(q.text_of(kUserColumns["role"])).value_or(UserRole::viewer);
  u.created_at = q.int_of(kUserColumns["created_at"]);
  return u;
}

// The columns of every query that returns API tokens, read by name (Query::columns).
constexpr ColumnList<9> kTokenColumns{{"id", "user_id", "username", "role", "name", "token_hash",
                                       "created_at", "last_used_at", "revoked_at"}};
template <typename Row>
ApiToken read_token(const Row& q) {
  ApiToken t;
  t.id = q.int_of(kTokenColumns["id"]);
  t.user_id = q.int_of(kTokenColumns["user_id"]);
  t.username = q.text_of(kTokenColumns["username"]);
  t.role = user_role_from(q.text_of(kTokenColumns["role"])).value_or(UserRole::viewer);
  t.name = q.text_of(kTokenColumns["name"]);
  t.token_hash = q.text_of(kTokenColumns["token_hash"]);
  t.created_at = q.int_of(kTokenColumns["created_at"]);
  t.last_used_at = q.opt_int_of(kTokenColumns["last_used_at"]);
  t.revoked_at = q.opt_int_of(kTokenColumns["revoked_at"]);
  return t;
}

// The columns of session_by_hash: the session with its user's name and role.
constexpr ColumnList<8> kSessionColumns{{"id_hash", "user_id", "csrf_token", "created_at",
                                         "last_seen_at", "client_address", "username", "role"}};
template <typename Row>
SessionUser read_session_user(const Row& q) {
  SessionUser out;
  out.session.id_hash = q.text_of(kSessionColumns["id_hash"]);
  out.session.user_id = q.int_of(kSessionColumns["user_id"]);
  out.session.csrf_token = q.text_of(kSessionColumns["csrf_token"]);
  out.session.created_at = q.int_of(kSessionColumns["created_at"]);
  out.session.last_seen_at = q.int_of(kSessionColumns["last_seen_at"]);
  out.session.client_address = q.text_of(kSessionColumns["client_address"]);
  out.username = q.text_of(kSessionColumns["username"]);
  out.role = user_role_from(q.text_of(kSessionColumns["role"])).value_or(UserRole::viewer);
  return out;
}

// The columns of every query that lists inbound events (bounces, complaints,
// unsubscribe mail), read by name (Query::columns).
constexpr ColumnList<10> kBounceEventColumns{{"id", "kind", "subscriber_id", "issue_id",
                                              "newsletter_id", "recipient", "status", "source",
                                              "action", "created_at"}};
template <typename Row>
BounceEventRow read_bounce_event(const Row& q) {
  BounceEventRow r;
  r.id = q.int_of(kBounceEventColumns["id"]);
  r.kind = bounce_kind_from(q.text_of(kBounceEventColumns["kind"])).value_or(BounceKind::hard);
  r.subscriber_id = q.int_of(kBounceEventColumns["subscriber_id"]);
  r.issue_id = q.opt_int_of(kBounceEventColumns["issue_id"]);
  r.newsletter_id = q.int_of(kBounceEventColumns["newsletter_id"]);
  r.recipient = q.text_of(kBounceEventColumns["recipient"]);
  r.status = q.text_of(kBounceEventColumns["status"]);
  r.source = q.text_of(kBounceEventColumns["source"]);
  r.action = q.text_of(kBounceEventColumns["action"]);
  r.created_at = q.int_of(kBounceEventColumns["created_at"]);
  return r;
}
// The columns of every query that returns issues, read by name (Query::columns).
constexpr ColumnList<17> kIssueColumns{{"id", "newsletter_id", "newsletter_slug", "subject",
                                        "preheader", "body_markdown", "sponsor_markdown", "status",
                                        "edition", "scheduled_at", "started_at", "finished_at",
                                        "created_at", "updated_at", "lease_owner",
                                        "lease_expires_at", "stopped_reason"}};
template <typename Row>
Issue read_issue(const Row& q) {
  Issue i;
  i.id = q.int_of(kIssueColumns["id"]);
  i.newsletter_id = q.int_of(kIssueColumns["newsletter_id"]);
  i.newsletter_slug = q.text_of(kIssueColumns["newsletter_slug"]);
  i.subject = q.text_of(kIssueColumns["subject"]);
  i.preheader = q.text_of(kIssueColumns["preheader"]);
  i.body_markdown = q.text_of(kIssueColumns["body_markdown"]);
  i.sponsor_markdown = q.text_of(kIssueColumns["sponsor_markdown"]);
  // The CHECK on the column admits only the names issue_status_from() knows.
  i.status = issue_status_from(q.text_of(kIssueColumns["status"])).value_or(IssueStatus::draft);
  i.edition = q.opt_text_of(kIssueColumns["edition"]);
  i.scheduled_at = q.opt_int_of(kIssueColumns["scheduled_at"]);
  i.started_at = q.opt_int_of(kIssueColumns["started_at"]);
  i.finished_at = q.opt_int_of(kIssueColumns["finished_at"]);
  i.created_at = q.int_of(kIssueColumns["created_at"]);
  i.updated_at = q.int_of(kIssueColumns["updated_at"]);
  i.lease_owner = q.text_of(kIssueColumns["lease_owner"]);
  i.lease_expires_at = q.opt_int_of(kIssueColumns["lease_expires_at"]);
  i.stopped_reason = q.text_of(kIssueColumns["stopped_reason"]);
  return i;
}

// The columns of every query that returns subscribers, read by name (Query::columns).
constexpr ColumnList<8> kSubscriberColumns{
    {"id", "email", "email_display", "name", "timezone", "status", "created_at", "updated_at"}};
template <typename Row>
Subscriber read_subscriber(const Row& q) {
  Subscriber s;
  s.id = q.int_of(kSubscriberColumns["id"]);
  s.email = q.text_of(kSubscriberColumns["email"]);
  s.email_display = q.text_of(kSubscriberColumns["email_display"]);
  s.name = q.text_of(kSubscriberColumns["name"]);
  s.timezone = q.text_of(kSubscriberColumns["timezone"]);
  // The CHECK on the column admits only the values the parser knows.
  s.status = subscriber_status_from(q.text_of(kSubscriberColumns["status"]))
                 .value_or(SubscriberStatus::active);
  s.created_at = q.int_of(kSubscriberColumns["created_at"]);
  s.updated_at = q.int_of(kSubscriberColumns["updated_at"]);
  return s;
}

// The columns of every query that returns subscriptions, read by name (Query::columns).
constexpr ColumnList<8> kSubscriptionColumns{{"subscriber_id", "newsletter_id", "newsletter_slug",
                                              "status", "source", "created_at", "confirmed_at",
                                              "unsubscribed_at"}};
template <typename Row>
Subscription read_subscription(const Row& q) {
  Subscription s;
  s.subscriber_id = q.int_of(kSubscriptionColumns["subscriber_id"]);
  s.newsletter_id = q.int_of(kSubscriptionColumns["newsletter_id"]);
  s.newsletter_slug = q.text_of(kSubscriptionColumns["newsletter_slug"]);
  s.status = subscription_status_from(q.text_of(kSubscriptionColumns["status"]))
                 .value_or(SubscriptionStatus::unconfirmed);
  s.source = q.text_of(kSubscriptionColumns["source"]);
  s.created_at = q.int_of(kSubscriptionColumns["created_at"]);
  s.confirmed_at = q.opt_int_of(kSubscriptionColumns["confirmed_at"]);
  s.unsubscribed_at = q.opt_int_of(kSubscriptionColumns["unsubscribed_at"]);
  return s;
}

// The queue of the reader side's emails (mail_queue) -------------------------------

// The newsletters of a queued email as its column holds them: "3,5".
inline std::string join_mail_ids(const std::vector<Id>& ids) {
  std::string out;
  for (Id id : ids) {
    if (!out.empty()) out += ',';
    out += std::to_string(id);
  }
  return out;
}

// "3,5" -> {3, 5}; anything that is not a decimal id is skipped (the column is written
// only by join_mail_ids()).
inline std::vector<Id> split_mail_ids(std::string_view text) {
  std::vector<Id> out;
  while (!text.empty()) {
    std::size_t comma = text.find(',');
    std::string_view part = text.substr(0, comma);
    Id id = 0;
    auto [end, ec] = std::from_chars(part.data(), part.data() + part.size(), id);
    if (ec == std::errc() && end == part.data() + part.size() && id > 0) out.push_back(id);
    if (comma == std::string_view::npos) break;
    text.remove_prefix(comma + 1);
  }
  return out;
}

// An error kept in the queue: one line, at most 512 bytes, never cut inside a UTF-8
// character.
inline std::string mail_error_line(std::string_view text) {
  constexpr std::size_t kMaxError = 512;
  std::string out;
  for (char c : text.substr(0, kMaxError)) out.push_back(c == '\r' || c == '\n' ? ' ' : c);
  if (text.size() > kMaxError) {
    std::size_t end = out.size();
    while (end > 0 && (static_cast<unsigned char>(out[end - 1]) & 0xC0) == 0x80) --end;
    if (end > 0 && (static_cast<unsigned char>(out[end - 1]) & 0x80)) out.resize(end - 1);
  }
  return out;
}

// The columns of due_mail and claimable_mail, read by name; status is the reader's.
constexpr ColumnList<9> kQueuedColumns{{"id", "kind", "subscriber_id", "newsletter_ids",
                                        "created_at", "attempts", "email", "name", "status"}};
template <typename Row>
QueuedMail read_queued(const Row& q) {
  constexpr const auto& c = kQueuedColumns;
  QueuedMail m;
  m.id = q.int_of(c["id"]);
  // The CHECK on the column admits only the two names.
  m.kind = q.text_of(c["kind"]) == to_string(QueuedMailKind::welcome)
               ? QueuedMailKind::welcome
               : QueuedMailKind::confirmation;
  m.subscriber_id = q.int_of(c["subscriber_id"]);
  m.newsletter_ids = split_mail_ids(q.text_of(c["newsletter_ids"]));
  m.created_at = q.int_of(c["created_at"]);
  m.attempts = static_cast<int>(q.int_of(c["attempts"]));
  m.email = q.text_of(c["email"]);
  m.name = q.text_of(c["name"]);
  m.blocked = subscriber_status_from(q.text_of(c["status"])) == SubscriberStatus::blocked;
  return m;
}

// The columns of mail_queue_state.
constexpr ColumnList<2> kQueueStateColumns{{"pending", "next_due_at"}};

// Articles ----------------------------------------------------------------------------
// Paragraphs are stored as one text, separated by a blank line, which is what a
// reader of the raw column (or a full-text index later) expects of prose.
inline constexpr std::string_view kParagraphBreak = "\n\n";

inline std::string join_paragraphs(const std::vector<std::string>& paragraphs) {
  std::string body;
  for (const auto& p : paragraphs) {
    if (!body.empty()) body += kParagraphBreak;
    body += p;
  }
  return body;
}

inline std::vector<std::string> split_paragraphs(std::string_view body) {
  std::vector<std::string> out;
  while (!body.empty()) {
    std::size_t end = body.find(kParagraphBreak);
    out.emplace_back(body.substr(0, end));
    if (end == std::string_view::npos) break;
    body.remove_prefix(end + kParagraphBreak.size());
  }
  return out;
}

// A paragraph that is empty or holds a blank line would not come back as it went in.
inline Status check_paragraphs(const std::vector<std::string>& paragraphs) {
  for (std::size_t i = 0; i < paragraphs.size(); ++i) {
    const std::string& p = paragraphs[i];
    if (p.empty() || p.find(kParagraphBreak) != std::string::npos || p.front() == '\n' ||
        p.back() == '\n') {
      return make_error(Errc::invalid_argument,
                        fmt::format("paragraph {} is empty or holds a blank line", i + 1));
    }
  }
  return {};
}

// The columns of every query that returns articles, read by name (Query::columns).
constexpr ColumnList<13> kArticleColumns{{"id", "slug", "title", "standfirst", "author", "section",
                                          "body", "url", "published_at", "feed_id", "feed_url",
                                          "guid", "image"}};
template <typename Row>
Article read_article(const Row& q) {
  Article a;
  a.id = q.int_of(kArticleColumns["id"]);
  a.slug = q.text_of(kArticleColumns["slug"]);
  a.title = q.text_of(kArticleColumns["title"]);
  a.standfirst = q.text_of(kArticleColumns["standfirst"]);
  a.author = q.text_of(kArticleColumns["author"]);
  a.section = q.text_of(kArticleColumns["section"]);
  a.paragraphs = split_paragraphs(q.text_of(kArticleColumns["body"]));
  a.url = q.text_of(kArticleColumns["url"]);
  a.published_at = q.int_of(kArticleColumns["published_at"]);
  a.feed_id = q.opt_int_of(kArticleColumns["feed_id"]);
  a.feed_url = q.text_of(kArticleColumns["feed_url"]);
  a.guid = q.text_of(kArticleColumns["guid"]);
  a.image = q.text_of(kArticleColumns["image"]);
  return a;
}

// The columns of recent_audit, read by name (Query::columns).
constexpr ColumnList<6> kAuditColumns{{"id", "at", "actor", "action", "subject", "detail"}};

// Feeds -------------------------------------------------------------------------------
// The columns of every query that returns feeds, read by name (Query::columns).
constexpr ColumnList<14> kFeedColumns{{"id", "newsletter_id", "newsletter_slug", "url", "section",
                                       "interval_seconds", "etag", "last_modified", "next_poll_at",
                                       "last_poll_at", "last_error", "failures", "created_at",
                                       "article_count"}};
template <typename Row>
Feed read_feed(const Row& q) {
  Feed f;
  f.id = q.int_of(kFeedColumns["id"]);
  f.newsletter_id = q.int_of(kFeedColumns["newsletter_id"]);
  f.newsletter_slug = q.text_of(kFeedColumns["newsletter_slug"]);
  f.url = q.text_of(kFeedColumns["url"]);
  f.section = q.text_of(kFeedColumns["section"]);
  f.interval_seconds = static_cast<int>(q.int_of(kFeedColumns["interval_seconds"]));
  f.etag = q.text_of(kFeedColumns["etag"]);
  f.last_modified = q.text_of(kFeedColumns["last_modified"]);
  f.next_poll_at = q.int_of(kFeedColumns["next_poll_at"]);
  f.last_poll_at = q.opt_int_of(kFeedColumns["last_poll_at"]);
  f.last_error = q.text_of(kFeedColumns["last_error"]);
  f.failures = static_cast<int>(q.int_of(kFeedColumns["failures"]));
  f.created_at = q.int_of(kFeedColumns["created_at"]);
  f.article_count = static_cast<std::size_t>(q.int_of(kFeedColumns["article_count"]));
  return f;
}

// The columns of every query that returns segments; the attribute conditions are read
// apart, one row each (segment_attributes), into filter.attributes.
constexpr ColumnList<12> kSegmentColumns{
    {"id", "name", "newsletter_id", "newsletter_slug", "status", "zone", "signed_up_from",
     "signed_up_until", "source_page", "attributes", "created_at", "updated_at"}};
template <typename Row>
Segment read_segment(const Row& q) {
  Segment g;
  g.id = q.int_of(kSegmentColumns["id"]);
  g.name = q.text_of(kSegmentColumns["name"]);
  g.filter.newsletter_id = q.opt_int_of(kSegmentColumns["newsletter_id"]);
  g.newsletter_slug = q.text_of(kSegmentColumns["newsletter_slug"]);
  if (auto status = q.opt_text_of(kSegmentColumns["status"])) {
    g.filter.status = subscription_status_from(*status);
  }
  g.filter.zone = q.opt_text_of(kSegmentColumns["zone"]);
  g.filter.signed_up_from = q.opt_int_of(kSegmentColumns["signed_up_from"]);
  g.filter.signed_up_until = q.opt_int_of(kSegmentColumns["signed_up_until"]);
  g.filter.source_page = q.opt_text_of(kSegmentColumns["source_page"]);
  g.created_at = q.int_of(kSegmentColumns["created_at"]);
  g.updated_at = q.int_of(kSegmentColumns["updated_at"]);
  return g;
}

// Deliveries ---------------------------------------------------------------------------
// The columns of the queries that return deliveries to send (queued_deliveries,
// due_deliveries, the claims), read by name (Query::columns).
constexpr ColumnList<7> kPendingColumns{{"subscriber_id", "email", "email_display", "name",
                                         "timezone", "attempts", "still_subscribed"}};
template <typename Row>
PendingDelivery read_pending(const Row& q) {
  constexpr const auto& c = kPendingColumns;
  PendingDelivery d;
  d.subscriber_id = q.int_of(c["subscriber_id"]);
  d.email = q.text_of(c["email"]);
  d.email_display = q.text_of(c["email_display"]);
  d.name = q.text_of(c["name"]);
  d.timezone = q.text_of(c["timezone"]);
  d.attempts = static_cast<int>(q.int_of(c["attempts"]));
  d.still_subscribed = q.bool_of(c["still_subscribed"]);
  return d;
}

// A delivery's status as the log spells it; nullopt for a name it does not know.
inline std::optional<DeliveryStatus> delivery_status_from(std::string_view s) {
  for (auto v : {DeliveryStatus::queued, DeliveryStatus::sent, DeliveryStatus::deferred,
                 DeliveryStatus::failed}) {
    if (to_string(v) == s) return v;
  }
  return std::nullopt;
}

}  // namespace broadsheet::store
