// The desk's readers pages (issue 14 item 4): a view over the token API's readers
// handlers (admin/api_readers.hpp), called through desk/api_bridge.hpp as every desk
// page calls the API. Each page asks the API's handler, with the desk's
// query or with its form turned into the API's JSON body, and renders the answer; so
// the filters, bounds, audit entries and erasure are written once, in admin/, and the
// desk's user acts as themself (request.principal).
//
//   GET  /admin/readers            desk_read: search, filters (the query parameters of
//                                  GET /api/v1/readers; an empty one is no condition,
//                                  and no_zone=1 selects the readers who gave no time
//                                  zone, the API's empty zone), keyset pages
//                                  (?cursor=), the export link of the current filter
//   GET  /admin/readers.csv        desk_audience: GET /api/v1/exports of that filter
//   GET  /admin/readers/{id}       desk_read: subscriptions, attributes, consent,
//                                  deliveries, audit; the actions' forms for the
//                                  audience role
//   POST /admin/readers/{id}       desk_audience: edit (name, timezone, status,
//                                  attributes as KEY=VALUE lines)
//   POST /admin/readers/{id}/unsubscribe  desk_audience: newsletter (empty: every one)
//   POST /admin/readers/{id}/block        desk_audience
//   POST /admin/readers/{id}/erase        desk_audience: only with confirm=erase
//
// The forms work without JavaScript: a POST that succeeds answers 303 to the reader's
// page (to the list after an erasure); one that fails shows the page again with the
// API's message and status (400, 404, 409). Plain functions; safe from any thread.
#pragma once

#include "desk/context.hpp"
#include "http/message.hpp"

namespace broadsheet::desk {

http::Response readers_page(DeskContext& ctx, const http::Request& request);
http::Response reader_page(DeskContext& ctx, const http::Request& request);
http::Response reader_edit_post(DeskContext& ctx, const http::Request& request);
http::Response reader_unsubscribe_post(DeskContext& ctx, const http::Request& request);
http::Response reader_block_post(DeskContext& ctx, const http::Request& request);
http::Response reader_erase_post(DeskContext& ctx, const http::Request& request);

}  // namespace broadsheet::desk
