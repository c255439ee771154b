// The desk's newsletter pages (issue 14 item 3), over the token API's handlers
// (api_bridge.hpp), so every field is checked by the rules the CLI and the API share
// (admin/newsletter_input.hpp) and a refusal is shown beside the field it names:
//   GET  /admin/newsletters          (desk_read)     every newsletter, private ones too
//   GET  /admin/newsletters/new      (desk_content)  the form of a new newsletter
//   POST /admin/newsletters          (desk_content)  creates it; 303 to its page
//   GET  /admin/newsletters/{slug}   (desk_read)     every field, the next editions
//   POST /admin/newsletters/{slug}   (desk_content)  saves every field of the form
//   POST /admin/newsletters/{slug}/draft  (desk_content)  drafts the chosen edition from
//                                    the feeds' articles now (as `issue draft`); 303 to it
// Forms are urlencoded with the session's csrf_token (the router checks it). Safe from
// any thread.
#pragma once

#include "desk/context.hpp"
#include "http/message.hpp"

namespace broadsheet::desk {

http::Response newsletters_page(DeskContext& ctx, const http::Request& request);
http::Response new_newsletter_page(DeskContext& ctx, const http::Request& request);
http::Response create_newsletter_post(DeskContext& ctx, const http::Request& request);
http::Response newsletter_page(DeskContext& ctx, const http::Request& request);
http::Response update_newsletter_post(DeskContext& ctx, const http::Request& request);
http::Response draft_edition_post(DeskContext& ctx, const http::Request& request);

}  // namespace broadsheet::desk
