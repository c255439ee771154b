// Row readers shared by the backends: each reads one kind of row from a query of either
// backend (sqlite::Query, postgres::Query: any type with the *_of(i) readers of a
// ColumnList), so the two dialects' queries return the same columns under the same names
// and the C++ reads them once. A query that returns a kind of row lists exactly its
// reader's columns (column_list.hpp; a missing one fails the query before any row).
#pragma once

#include <string>

#include "store/column_list.hpp"
#include "store/api_tokens.hpp"
#include "store/bounces.hpp"
#include "store/newsletters.hpp"
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

}  // namespace broadsheet::store
