// The one routing table of Broadsheet: every route, its method, path pattern,
// permission and handler, listed in routes.cpp so access rules are audited there.
// The application is assembled here: the readers' pages (web/), the token API
// (admin/) and operations share one router, whose protected routes are checked by
// admin/api_auth.hpp's authorizer.
#pragma once

#include "http/router.hpp"
#include "web/web_context.hpp"
#include "webhooks/receiver.hpp"

namespace broadsheet::app {

// `webhooks` null: POST /webhooks/{provider} answers 404. Both outlive the router.
http::Router build_router(web::WebContext& ctx, const webhooks::Receiver* webhooks = nullptr);
// The routes of a node without the web role (`serve --role sender,scheduler`): its
// health and metrics only, with the same permissions as in build_router.
http::Router build_node_router(web::WebContext& ctx);

}  // namespace broadsheet::app
