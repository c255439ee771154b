// The desk's issue pages (issue 14 item 5), over the token API's handlers
// (api_bridge.hpp): what the API checks, refuses and audits, the pages do the same way.
//   GET  /admin/issues                    (desk_read)    issues, newest first, by
//                                                        ?newsletter= and ?status=
//   GET  /admin/issues/new                (desk_content) compose a new issue
//   POST /admin/issues                    (desk_content) creates the draft; 303 to it
//   GET  /admin/issues/{id}               (desk_read)    compose: the fields, the email
//        as readers get it (HTML at phone and desktop widths in sandboxed iframes, the
//        text part), merge fields, who it goes to, test send, schedule, send, pause,
//        resume, cancel
//   POST /admin/issues/{id}               (desk_content) saves subject, preheader, body,
//                                                        sponsor and, until sending
//                                                        begins, "Send to"
// "Send to" (the form's `segment`): every confirmed reader of the newsletter ("") or
// one saved segment by name, the API's "segment" of create and update; kept as chosen
// when the form comes back refused. The choices are the segments of the issue's
// newsletter and of none (every segment on the new issue page).
//   POST /admin/issues/{id}/preview       (desk_content) the page with the form's unsaved
//                                                        fields previewed (no script needed)
//   POST /admin/issues/{id}/{action}      (desk_content) send, pause, resume, cancel,
//        schedule ("edition" or "at"), unschedule, test ("to": addresses separated by
//        commas or lines)
//   GET  /admin/issues/{id}/report        (desk_read)    the delivery report: counts over
//        time, failures with the relay's reply (keyset paged by ?after=)
//   GET  /admin/issues/{id}/failures.csv  (desk_read)    every failure as CSV
//   POST /admin/api/preview               (desk_content) the script's live preview: the
//        body of POST /api/v1/preview; answers its JSON with "frame" (the URL of the
//        HTML for an iframe) instead of "html"
//   GET  /admin/previews/{key}            (desk_read)    a preview's HTML (preview_frames.hpp)
// Safe from any thread.
#pragma once

#include "desk/context.hpp"
#include "http/message.hpp"

namespace broadsheet::desk {

// The Content-Security-Policy of a preview's HTML: the email's inline styles and
// remote images, no script, sandboxed, framed only by the desk.
inline constexpr std::string_view kPreviewPolicy =
    "default-src 'none'; style-src 'unsafe-inline'; img-src https: http: data:; font-src https:; "
    "sandbox; frame-ancestors 'self'";

http::Response issues_page(DeskContext& ctx, const http::Request& request);
http::Response new_issue_page(DeskContext& ctx, const http::Request& request);
http::Response create_issue_post(DeskContext& ctx, const http::Request& request);
http::Response issue_page(DeskContext& ctx, const http::Request& request);
http::Response update_issue_post(DeskContext& ctx, const http::Request& request);
http::Response preview_issue_post(DeskContext& ctx, const http::Request& request);
http::Response issue_action_post(DeskContext& ctx, const http::Request& request);
http::Response issue_report_page(DeskContext& ctx, const http::Request& request);
http::Response issue_failures_csv(DeskContext& ctx, const http::Request& request);
http::Response live_preview_api(DeskContext& ctx, const http::Request& request);
http::Response preview_frame(DeskContext& ctx, const http::Request& request);

}  // namespace broadsheet::desk
