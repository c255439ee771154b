// The JSON API for editors' tools: newsletters and issues under /api/v1, behind API
// tokens (see api_auth.hpp). The same operations as `broadsheet issue ...`, through
// the same code (send/issue_control.hpp), answering the same JSON shapes as --json
// (json_shapes.hpp):
//
//   GET  /api/v1/newsletters                  {"newsletters":[...]}, private ones too
//   GET  /api/v1/issues?newsletter=&status=&limit=   {"issues":[...]}, newest first
//   POST /api/v1/issues                       201, a draft: {"newsletter","subject",
//                                             "preheader"?,"body_markdown"}
//   GET  /api/v1/issues/{id}                  the issue with its body and "deliveries"
//   PATCH /api/v1/issues/{id}                 200: {"subject"?,"preheader"?,
//                                             "body_markdown"?} of a draft or scheduled
//                                             issue, or a correction of one readers have
//                                             got (send/issue_edit.hpp); "corrected" says
//                                             which
//   POST /api/v1/issues/{id}/send             202: begins sending (or goes on sending)
//   POST /api/v1/issues/{id}/pause|resume|cancel   200, the issue as it is now
//   POST /api/v1/issues/{id}/schedule         200: a draft approved for an edition
//                                             {"edition":"2026-12-08"} or, of a manual
//                                             newsletter, an instant {"at":"<RFC 3339>"}
//                                             (send/issue_schedule.hpp)
//   POST /api/v1/issues/{id}/unschedule       200: back to draft, before sending began
//   POST /api/v1/issues/{id}/test             200, a test send (send/test_send.hpp) of
//                                             {"to":["a@x",…],"name"?}: {"results":[{"to",
//                                             "result","code","reply"}]}
//
// Errors are {"error":{"code","message"}}: 400 invalid_json / invalid_field, 422
// invalid_merge_field (a body the renderer would not fill: render/body_fields.hpp), 422
// with the reason a schedule is refused (invalid_edition, not_an_edition_day,
// edition_in_past, invalid_at, at_in_past, manual_newsletter, recurring_newsletter), 409
// edition_taken, not_draft, not_scheduled (schedule and unschedule), 404
// not_found, 409 conflict (the issue's status does not allow it), 415
// unsupported_media_type, 503 unavailable (the store failed; logged, not shown).
// Handlers are plain functions of the request (tested without sockets).
#pragma once

#include <functional>
#include <memory>

#include "address/address.hpp"
#include "config/config.hpp"
#include "core/clock.hpp"
#include "drafts/maker.hpp"
#include "http/message.hpp"
#include "send/test_send.hpp"
#include "store/audit_log.hpp"
#include "store/bounces.hpp"
#include "store/delivery_log.hpp"
#include "store/api_tokens.hpp"
#include "store/delivery_reports.hpp"
#include "store/users.hpp"
#include "store/readers.hpp"
#include "send/issue_messages.hpp"
#include "store/releases.hpp"
#include "store/issues.hpp"
#include "store/newsletters.hpp"
#include "store/reader_directory.hpp"
#include "store/segments.hpp"
#include "store/signups.hpp"

namespace broadsheet::admin {

class ImportJobs;  // import_jobs.hpp

// What the handlers use: the roles of the store, the clock, a wake-up call.
struct ApiContext {
  store::Newsletters& newsletters;
  store::Issues& issues;
  store::DeliveryLog& deliveries;
  store::AuditLog& audit;
  store::Bounces& bounces;  // an issue's bounces, complaints and unsubscribe mail
  const Clock& clock;
  store::Releases& releases;  // the scheduler's releases of an issue, cohort by cohort
  // Called after an issue began or resumed sending, to wake whoever sends (the
  // server's dispatcher) rather than wait for its next look. May be empty.
  std::function<void()> sending_changed;
  // What test sends go through (the server's transport); null: answered 503.
  const send::TestSender* test_sender = nullptr;
  // The suppression list (api_suppressions.hpp); null: answered 503.
  store::Suppressions* suppressions = nullptr;
  // How addresses given to the API are checked (mail.allow_* keys).
  address::AddressPolicy address_policy{};
  // What the newsroom's routes use (api_newsletters.hpp, api_issue_views.hpp,
  // api_settings.hpp); a route whose part is null answers 503.
  const Config* config = nullptr;                       // settings: relays, DKIM, outbox
  const drafts::MakerParts* drafts = nullptr;           // drafts of editions at once
  const send::IssueMessageSettings* messages = nullptr;  // previews, rendered as sent
  store::Readers* readers = nullptr;                    // a preview's chosen reader
  store::DeliveryReports* reports = nullptr;            // delivery reports
  store::Users* users = nullptr;                        // users and API tokens
  store::ApiTokens* tokens = nullptr;
  // Readers, segments (api_readers.hpp; `readers` above too); null: answered 503.
  store::Signups* signups = nullptr;
  store::ReaderDirectory* directory = nullptr;
  store::Segments* segments = nullptr;
  // Imports in the background (api_imports.hpp); null: answered 503.
  std::shared_ptr<ImportJobs> imports = nullptr;
  // The sign-up's resend window (signup.resend_window): an import's confirmations
  // skip readers sent one within it.
  UnixSeconds resend_window = 0;
};

http::Response api_list_newsletters(ApiContext& ctx, const http::Request& req);
http::Response api_list_issues(ApiContext& ctx, const http::Request& req);
http::Response api_create_issue(ApiContext& ctx, const http::Request& req);
http::Response api_get_issue(ApiContext& ctx, const http::Request& req);
http::Response api_update_issue(ApiContext& ctx, const http::Request& req);
http::Response api_send_issue(ApiContext& ctx, const http::Request& req);
http::Response api_pause_issue(ApiContext& ctx, const http::Request& req);
http::Response api_resume_issue(ApiContext& ctx, const http::Request& req);
http::Response api_cancel_issue(ApiContext& ctx, const http::Request& req);
http::Response api_test_issue(ApiContext& ctx, const http::Request& req);
http::Response api_schedule_issue(ApiContext& ctx, const http::Request& req);
http::Response api_unschedule_issue(ApiContext& ctx, const http::Request& req);
// The OpenAPI 3.1 document of /api/v1 (web/api/openapi.json, built in).
http::Response api_openapi(ApiContext& ctx, const http::Request& req);

}  // namespace broadsheet::admin
