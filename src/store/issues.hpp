// Store role: a newsletter's issues and their status, as the CLI and the admin API
// edit them and the send engine steers them.
// Thread-safe; each method is one transaction (store/store.hpp).
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include "core/result.hpp"
#include "core/types.hpp"

namespace broadsheet::store {

// Fields a caller may change on an issue; unset ones stay as they are. An empty
// sponsor_markdown removes the sponsor block.
struct IssueUpdate {
  std::optional<std::string> subject, preheader, body_markdown, sponsor_markdown;
};

// Where a scheduled issue goes: an edition of a recurring newsletter ("YYYY-MM-DD",
// schedule/editions.hpp) or, for a manual newsletter, an instant. Exactly one is set.
struct IssueSchedule {
  std::optional<std::string> edition;
  std::optional<UnixSeconds> at;
};

// Filter for listing issues, newest first.
struct IssueQuery {
  std::optional<Id> newsletter_id;
  std::optional<IssueStatus> status;
  std::size_t limit = 100;
};

// add_issue() stamps created_at/updated_at and starts as a draft, tied to `edition`
// when set (a draft made for an edition); Errc::not_found when the newsletter does not
// exist, Errc::conflict when the edition already has an issue (one per edition: so two
// makers racing make one draft). Only drafts and scheduled issues can be edited or
// removed: others are Errc::conflict (what has been sent stays as it was sent, but for
// a correction, recorded in the audit log: correct_issue).
class Issues {
 public:
  virtual ~Issues() = default;

  virtual Result<Issue> add_issue(const Issue& i) = 0;
  virtual Result<Issue> issue_by_id(Id id) = 0;
  // Only the status, without reading the issue's body: what the send engine polls.
  virtual Result<IssueStatus> issue_status(Id id) = 0;
  // Newest first, without their bodies (body_markdown empty): read one with issue_by_id().
  virtual Result<std::vector<Issue>> list_issues(const IssueQuery& q) = 0;
  virtual Result<Issue> update_issue(Id id, const IssueUpdate& u) = 0;
  // A correction of an issue readers have got (sent, paused or cancelled): the fields
  // of `u` change, so the archive shows them (and a paused issue's remaining readers
  // get them), and the audit log records `actor`, action "issue.correct" and the old
  // and new SHA-256 of each changed field, in the same transaction. Errc::conflict for
  // a draft or scheduled issue (update it instead) and one that is sending (pause it).
  virtual Result<Issue> correct_issue(Id id, const IssueUpdate& u, const std::string& actor) = 0;
  virtual Status remove_issue(Id id) = 0;
  // Moves an issue from one of `from` to `to` (stamping finished_at for sent and
  // cancelled); Errc::conflict naming the current status when it is in none of them.
  virtual Result<Issue> change_issue_status(Id issue_id, std::vector<IssueStatus> from,
                                            IssueStatus to) = 0;
  // A sending issue stops by itself (the relay refuses the configuration): it becomes
  // paused with `reason` as its stopped_reason, which the next change of status
  // (change_issue_status: resume, cancel) clears. Errc::conflict when it is not sending.
  virtual Result<Issue> stop_issue(Id issue_id, const std::string& reason) = 0;

  // Editions (schedule/editions.hpp). The caller has checked the edition or instant
  // against the newsletter's schedule and the clock (send/issue_schedule.hpp); these
  // keep the rules that hold whatever the schedule says.
  //
  // The issue tied to `edition` of the newsletter, if any (without its body).
  virtual Result<std::optional<Issue>> issue_of_edition(Id newsletter_id,
                                                        const std::string& edition) = 0;
  // A draft becomes scheduled: tied to `s.edition` (and no longer to another), or to go
  // out at `s.at`; the audit log records `actor`, "issue.schedule" and where, in the
  // same transaction. Errc::conflict when the issue is not a draft (naming its status)
  // or another issue of its newsletter has the edition (naming that issue).
  virtual Result<Issue> schedule_issue(Id id, const IssueSchedule& s, const std::string& actor) = 0;
  // A scheduled issue becomes a draft again: its instant is forgotten, its edition kept
  // (a draft of that edition, edited and scheduled again; or remove it, or schedule it
  // for another edition). Audited as "issue.unschedule" in the same transaction.
  // Errc::conflict naming the status when it is not scheduled (a draft, or sending
  // has started).
  virtual Result<Issue> unschedule_issue(Id id, const std::string& actor) = 0;
};

}  // namespace broadsheet::store
