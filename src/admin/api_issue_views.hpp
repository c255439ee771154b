// The token API's views of an issue for the desk (issue 14 item 5): the email as
// readers get it, and the delivery report.
//
//   GET  /api/v1/issues/{id}/preview?to=ADDRESS   the issue rendered by the send path
//        (send/issue_preview.hpp) for the reader at ADDRESS (or the sample reader):
//        {"issue","to","name","subject","preheader","from","html","text",
//         "merge_fields":[...],"sections":"...","sponsor": Markdown or null}
//   POST /api/v1/preview   the same for unsaved Markdown, nothing stored:
//        {"newsletter","subject"?,"preheader"?,"body_markdown","sponsor"?,"to"?}
//        (body within the issue's bounds; 422 invalid_merge_field as at create)
//   GET  /api/v1/issues/{id}/report?bucket=SECONDS   the delivery counts, and the copies
//        settled over time in buckets (60 s by default, 60 to 86400), oldest first, at
//        most kMaxBuckets: {"issue","status","deliveries":{...},"bucket_seconds",
//        "timeline":[{"start","sent","failed"}],"deferral_reasons":[...]}
//   GET  /api/v1/issues/{id}/failures?after=ID&limit=N   failed deliveries with the
//        relay's last reply, keyset paged by subscriber id: {"failures":[{"subscriber_id",
//        "email","attempts","reply","failed_at"}],"next_after": ID or null}
//   GET  /api/v1/issues/{id}/failures.csv   every failure as CSV (text/csv), the
//        columns of "failures"; cells that a spreadsheet would run are quoted with '.
//
// Test sends (POST /api/v1/issues/{id}/test) are never in a report: they write no
// delivery row (send/test_send.hpp).
// Errors: 404 not_found (no such issue), 400 invalid_field (a query parameter, an
// address), 422 invalid_merge_field, 503 unavailable. Safe from any thread.
#pragma once

#include "admin/api_issues.hpp"

namespace broadsheet::admin {

inline constexpr std::size_t kMaxBuckets = 10'000;

http::Response api_preview_issue(ApiContext& ctx, const http::Request& req);
http::Response api_preview_markdown(ApiContext& ctx, const http::Request& req);
http::Response api_issue_report(ApiContext& ctx, const http::Request& req);
http::Response api_issue_failures(ApiContext& ctx, const http::Request& req);
http::Response api_issue_failures_csv(ApiContext& ctx, const http::Request& req);

}  // namespace broadsheet::admin
