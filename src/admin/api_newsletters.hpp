// The token API of newsletters (issue 14 items 3 and 7): the same fields and checks as
// `broadsheet newsletter add|update` (newsletter_input.hpp), and `issue draft`:
//
//   GET   /api/v1/newsletters/{slug}        the newsletter with its welcome body and
//                                           "next_editions" (up to 5 days, YYYY-MM-DD)
//   POST  /api/v1/newsletters               201, a new newsletter: {"slug","name", and
//                                           any field PATCH takes}
//   PATCH /api/v1/newsletters/{slug}        200, the fields given changed: "name",
//                                           "description", "schedule", "from" ("Name
//                                           <address>"), "opt_in" (double|single),
//                                           "public", "welcome_subject", "welcome_body",
//                                           "default_timezone" (null or "" for the
//                                           publication's), "draft_from_feeds",
//                                           "draft_items", "draft_sections" (an array of
//                                           names), "draft_lead" ("3h" or seconds),
//                                           "on_cutoff" (hold|send)
//   POST  /api/v1/newsletters/{slug}/draft  201, the draft of {"edition":"YYYY-MM-DD"}
//                                           made at once from the feeds' articles
//                                           (drafts::make_draft_now, as `issue draft`)
//
// Errors are {"error":{"code","message"}}: 400 invalid_json / invalid_field (naming the
// field), 404 not_found, 409 conflict (a slug taken), 415 unsupported_media_type; the
// draft: 422 invalid_edition (not an edition, past, a manual newsletter), 409
// edition_taken (it has an issue, or was skipped), 422 no_articles; 503 unavailable.
// Handlers are plain functions of the request; safe from any thread.
#pragma once

#include "admin/api_issues.hpp"
#include "store/store.hpp"

namespace broadsheet::admin {

// What the drafts maker takes from the store and the configuration: `issue draft`,
// the scheduler's drafts hook and the API's draft route share it.
// REQUIRES: `store` and `config` outlive the result.
drafts::MakerParts draft_maker_parts(store::Store& store, const Config& config);

http::Response api_get_newsletter(ApiContext& ctx, const http::Request& req);
http::Response api_create_newsletter(ApiContext& ctx, const http::Request& req);
http::Response api_update_newsletter(ApiContext& ctx, const http::Request& req);
http::Response api_draft_edition(ApiContext& ctx, const http::Request& req);

}  // namespace broadsheet::admin
