// The desk's segments pages (issue 14 item 4): a view over the token API's segments
// handlers (admin/api_readers.hpp), as desk/readers.hpp is over its readers handlers.
//
//   GET  /admin/segments              desk_read: every segment with its count of readers
//                                     and a link to those readers; the form to add one
//                                     for the audience role
//   GET  /admin/segments/{id}         desk_read: the segment's conditions (a form for
//                                     the audience role)
//   POST /admin/segments              desk_audience: add (name, newsletter, status, zone,
//                                     signed_up_from, signed_up_until, source_page,
//                                     attributes as KEY=VALUE lines; empty: no condition;
//                                     no_zone=1: the readers who gave no time zone, the
//                                     API's empty zone, which the list describes and
//                                     links to as such)
//   POST /admin/segments/{id}         desk_audience: change, the same fields
//   POST /admin/segments/{id}/remove  desk_audience: remove (409 while an issue uses it)
//
// Each POST that succeeds answers 303 to the list; a refusal shows the form again with
// the API's message and status. Plain functions; safe from any thread.
#pragma once

#include "desk/readers.hpp"

namespace broadsheet::desk {

http::Response segments_page(DeskContext& ctx, const http::Request& request);
http::Response segment_page(DeskContext& ctx, const http::Request& request);
http::Response segment_add_post(DeskContext& ctx, const http::Request& request);
http::Response segment_edit_post(DeskContext& ctx, const http::Request& request);
http::Response segment_remove_post(DeskContext& ctx, const http::Request& request);

}  // namespace broadsheet::desk
