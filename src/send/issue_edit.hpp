// Changing what an issue says: what `broadsheet issue update` and PATCH
// /api/v1/issues/{id} do, in one place so both allow the same. A draft or scheduled
// issue is updated (audited as issue.update). An issue readers have got (sent,
// paused or cancelled) is corrected: its archive page shows the new text from the
// next request, readers who got it keep theirs, and the audit log records the old and
// new SHA-256 of what changed (store::Issues::correct_issue). An issue that is sending
// is refused (Errc::conflict): pause it first.
//
// The caller checks the body's merge fields first (render/body_fields.hpp). Every
// change is written to the audit log under `actor` ("cli", "api:NAME").
// Thread-safe as the store's roles are.
#pragma once

#include <string>

#include "core/result.hpp"
#include "core/types.hpp"
#include "store/audit_log.hpp"
#include "store/issues.hpp"

namespace broadsheet::send {

struct IssueEdit {
  Issue issue;             // as it is now
  bool corrected = false;  // a correction of an issue readers have got
};

Result<IssueEdit> edit_issue(store::Issues& issues, store::AuditLog& audit, Id issue_id,
                             const store::IssueUpdate& update, const std::string& actor);

}  // namespace broadsheet::send
