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
// Permission::desk_*: a signed-in desk session; until sign-in exists every caller is
// refused: a page (GET or HEAD outside /admin/api/) with a 303 to
// /admin/login?next=TARGET, anything else with a 401 JSON error.
// Token refusals are 401 JSON errors with a WWW-Authenticate challenge (RFC 6750), and they
// say why: no token, a malformed one, an unknown one, a revoked one.
//
// Thread-safe; `tokens` and the clock must outlive it.
#pragma once

#include "core/clock.hpp"
#include "http/router.hpp"
#include "store/api_tokens.hpp"

namespace broadsheet::admin {

http::Authorizer make_authorizer(store::ApiTokens& tokens, const Clock& clock);

}  // namespace broadsheet::admin
