// The desk's sign-in and sign-out pages (admin/desk_auth.hpp does the work):
//   GET  /admin/login[?next=/admin/...]  the form (public) with its CSRF token and the
//        pre-session cookie it is bound to (admin/desk_auth.hpp); a signed-in user goes on
//   POST /admin/login                    csrf_token, username, password, next: 303 to
//        `next` (a path under /admin, else /admin) with the session cookie; 403 and the
//        form again (with a fresh token) when the token does not match the browser's
//        pre-session cookie; 401 and the form again for a wrong name or password (the
//        same words for both); 429 with Retry-After when throttled; 503 when the store
//        fails
//   POST /admin/logout                   (desk_read, CSRF checked by the router): ends
//        the session, clears the cookie, 303 to /admin/login
#pragma once

#include "desk/context.hpp"
#include "http/message.hpp"

namespace broadsheet::desk {

http::Response sign_in_page(DeskContext& ctx, const http::Request& request);
http::Response sign_in_post(DeskContext& ctx, const http::Request& request);
http::Response sign_out_post(DeskContext& ctx, const http::Request& request);

// GET /admin/static/{file}: the desk's bundled stylesheet and script (public, so the
// sign-in page has its style).
http::Response desk_asset(DeskContext& ctx, const http::Request& request);

}  // namespace broadsheet::desk
