// Row readers shared by the backends: each reads one kind of row from a query of either
// backend (sqlite::Query, postgres::Query: any type with the *_of(i) readers of a
// ColumnList), so the two dialects' queries return the same columns under the same names
// and the C++ reads them once. A query that returns a kind of row lists exactly its
// reader's columns (column_list.hpp; a missing one fails the query before any row).
#pragma once

#include <string>

#include "store/column_list.hpp"
#include "store/issues.hpp"
#include "store/newsletters.hpp"

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

}  // namespace broadsheet::store
