// Readers and segments in the token API (issue 14 items 4 and 7): the desk's actions on
// readers, each also a route. Reads need any role (api_read), changes the audience
// role (api_audience: audience or admin); see app/routes.cpp.
//
//   GET    /api/v1/readers?q=&newsletter=&status=&zone=&signed_up_from=&signed_up_until=
//          &source_page=&attr.KEY=VALUE&cursor=&limit=   {"readers":[reader],
//          "next_cursor"}: keyset pages in id order (store/reader_directory.hpp); `q` a
//          prefix of the address or name; `cursor` the opaque next_cursor of the page
//          before (null on the last page); limit 1-500, default 50
//   POST   /api/v1/readers  {"email","name"?,"timezone"?,"attributes"?:{k:v},
//          "newsletters"?:[slug],"confirmed"?:bool}: 201 the reader's record; 409
//          suppressed (the address is on the suppression list: only the reader's own
//          confirmed sign-up brings them back), 409 conflict (a reader has this
//          mailbox already)
//   GET    /api/v1/readers/{id}  the record: the reader, "subscriptions", "attributes",
//          "consents", "deliveries", "audit", "bounces", "suppressed_since"
//   PATCH  /api/v1/readers/{id}  {"name"?,"timezone"?,"attributes"? (replaces them),
//          "status"?: "active"|"blocked"}: 200 the record
//   POST   /api/v1/readers/{id}/unsubscribe  {"newsletter"?: slug} (none: every one):
//          200 the record
//   POST   /api/v1/readers/{id}/block   200 the record
//   DELETE /api/v1/readers/{id}  erasure (GDPR, store::ReaderDirectory::erase_reader):
//          200 {"id","erased":true}
//   GET    /api/v1/segments  {"segments":[segment]}, each with its "count" of readers
//   POST   /api/v1/segments  {"name","newsletter"?,"status"?,"zone"?,"signed_up_from"?,
//          "signed_up_until"?,"source_page"?,"attributes"?}: 201 the segment
//   GET|PATCH|DELETE /api/v1/segments/{id}  the segment; PATCH changes the fields given
//          (null clears a condition); DELETE 200 {"id","removed":true}, 409 in_use when
//          an issue is sent to it
//   GET    /api/v1/exports?(the filters of GET /api/v1/readers)&cursor=  text/csv of the
//          readers of the filter (email,name,timezone,status,created_at, then one
//          column per attribute key asked for); at most kExportPageRows rows per
//          answer, the rest by the cursor in the X-Next-Cursor header (absent on the
//          last): the server never holds more than one page
//
// Errors: {"error":{"code","message"}}: 400 invalid_field, 404 not_found, 409 as above,
// 503 unavailable. Handlers are plain functions of the request; safe from any thread.
#pragma once

#include "admin/api_issues.hpp"

namespace broadsheet::admin {

inline constexpr std::size_t kExportPageRows = 10000;

http::Response api_list_readers(ApiContext& ctx, const http::Request& req);
http::Response api_add_reader(ApiContext& ctx, const http::Request& req);
http::Response api_get_reader(ApiContext& ctx, const http::Request& req);
http::Response api_update_reader(ApiContext& ctx, const http::Request& req);
http::Response api_unsubscribe_reader(ApiContext& ctx, const http::Request& req);
http::Response api_block_reader(ApiContext& ctx, const http::Request& req);
http::Response api_erase_reader(ApiContext& ctx, const http::Request& req);
http::Response api_list_segments(ApiContext& ctx, const http::Request& req);
http::Response api_add_segment(ApiContext& ctx, const http::Request& req);
http::Response api_get_segment(ApiContext& ctx, const http::Request& req);
http::Response api_update_segment(ApiContext& ctx, const http::Request& req);
http::Response api_remove_segment(ApiContext& ctx, const http::Request& req);
http::Response api_export_readers(ApiContext& ctx, const http::Request& req);

}  // namespace broadsheet::admin
