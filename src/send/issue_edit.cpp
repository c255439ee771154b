#include "send/issue_edit.hpp"

namespace broadsheet::send {

Result<IssueEdit> edit_issue(store::Issues& issues, store::AuditLog& audit, Id issue_id,
                             const store::IssueUpdate& update, const std::string& actor) {
  auto current = issues.issue_status(issue_id);
  if (!current) return current.error();
  if (*current == IssueStatus::draft || *current == IssueStatus::scheduled) {
    auto updated = issues.update_issue(issue_id, update);
    // Between the look and the update the issue may have begun sending: the store
    // refuses it then, and the editor tries again.
    if (!updated) return updated.error();
    (void)audit.audit(actor, "issue.update", std::to_string(issue_id), "");
    return IssueEdit{std::move(*updated), false};
  }
  auto corrected = issues.correct_issue(issue_id, update, actor);
  if (!corrected) return corrected.error();
  return IssueEdit{std::move(*corrected), true};
}

}  // namespace broadsheet::send
