// Who may call the protected routes: the router's authorizer for Broadsheet.
//
// Permission::api_*: "Authorization: Bearer bs_..." naming a token that exists and is
// not revoked, whose user's role allows the route's access (admin/roles.hpp; else 403
// {"error":{"code":"forbidden"}}). The principal becomes "api:USER/TOKEN-NAME" and
// request.caller names the user and role. A token's last use is written at most once a
// minute, so a busy client does not write on every request.
// Permission::local_or_token: a client on this machine (127.0.0.0/8, ::1) without a
// token, anyone else with one: for /metrics, scraped locally or by a Prometheus that
// sends a bearer token. (Behind a reverse proxy on the same machine every client looks
// local: expose /metrics through the proxy only with care.)
// Permission::desk_*: a live desk session (admin/desk_auth.hpp: the bs_desk cookie)
// whose user's role allows the route's access. The principal becomes "user:NAME" and
// request.caller names the user, the role and the session's CSRF token (which the
// router then checks on writes). Without a session: a page (GET or HEAD outside
// /admin/api/) gets a 303 to /admin/login?next=TARGET, anything else a 401 JSON error;
// a role that is not enough gets 403: JSON under /admin/api/, else the page the desk
// makes of the message (`forbidden_page`: the desk's layout, with the navigation the
// user's role may use, saying which role the page needs), both with the desk's
// Content-Security-Policy.
// Token refusals are 401 JSON errors with a WWW-Authenticate challenge (RFC 6750), and they
// say why: no token, a malformed one, an unknown one, a revoked one.
//
// Thread-safe; `tokens` and the clock must outlive it.
#pragma once

#include <functional>
#include <memory>
#include <string_view>

#include "admin/desk_auth.hpp"
#include "core/clock.hpp"
#include "http/router.hpp"
#include "store/api_tokens.hpp"

namespace broadsheet::admin {

// A desk page saying `message` with status 403, for the signed-in user in
// request.caller (admin/ cannot include the desk's layout: app/routes.cpp passes it in).
using DeskForbiddenPage =
    std::function<http::Response(const http::Request& request, std::string_view message)>;

// `desk` null: every desk route is refused as to a caller without a session.
// `forbidden_page` null: a role that is not enough gets a bare HTML page.
http::Authorizer make_authorizer(store::ApiTokens& tokens, const Clock& clock,
                                 std::shared_ptr<DeskAuth> desk = nullptr,
                                 DeskForbiddenPage forbidden_page = nullptr);

}  // namespace broadsheet::admin
