// The desk's pages: one layout (web/templates/desk/layout.mustache) around every page
// of /admin, with the navigation the signed-in user's role may use, their name, a
// sign-out button, the session's CSRF token (a <meta> for the script's fetches; forms
// carry it as the hidden field csrf_token: put {{csrf_token}} in yours), the desk's
// stylesheet and script (bundled into the binary: /admin/static/desk.css, desk.js).
//
// To add a page: write web/templates/desk/NAME.mustache (the body only: the layout
// gives <h1>{{title}}</h1>), add its route to app/routes.cpp with a desk_* permission,
// and have the handler return
//   desk::render_page(templates, config, request, {"desk/NAME", "Title", data, "issues"});
// Every answer it makes carries the desk's Content-Security-Policy (scripts and styles
// from this server only, nothing inline, never framed) and Cache-Control: no-store.
// Every value in `data` is escaped by the template engine unless the template uses
// {{{triple}}} braces, which the desk's templates never do for data.
// Pure functions over immutable templates; thread-safe.
#pragma once

#include <string>
#include <string_view>

#include "config/config.hpp"
#include "http/message.hpp"
#include "web/templates.hpp"

namespace broadsheet::desk {

// The Content-Security-Policy of every /admin answer.
inline constexpr std::string_view kDeskPolicy =
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; form-action 'self'; base-uri 'none'; object-src 'none'; "
    "frame-ancestors 'none'";

struct DeskPage {
  std::string body_template;  // "desk/dashboard": a file of web/templates/desk/
  std::string title;          // the <title> and the page's <h1>
  web::TemplateData data;     // the body's data; {{csrf_token}} is added to it
  std::string section;        // the navigation entry shown as current: "dashboard",
                              // "newsletters", "issues", "readers", "segments", "settings"
  int status = 200;
  // Seconds after which the browser reloads the page (<meta http-equiv="refresh">, no
  // script): a page that follows work under way. 0: never.
  int refresh_seconds = 0;
};

// The page inside the layout, for the user the authorizer put in request.caller (a
// page without a signed-in user, such as the sign-in form, gets no navigation).
http::Response render_page(const web::Templates& templates, const Config& config,
                           const http::Request& request, DeskPage page);

// A desk page that says `message` (a 403, a 404 of a desk object...).
http::Response error_page(const web::Templates& templates, const Config& config,
                          const http::Request& request, int status, std::string_view message);

// Adds the desk's Content-Security-Policy and Cache-Control: no-store to `response`.
http::Response& desk_headers(http::Response& response);

}  // namespace broadsheet::desk
