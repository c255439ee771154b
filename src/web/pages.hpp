// Public pages and public JSON of the reader's side. Handlers are plain functions of
// the request; they read through the Store and render templates. They trust nothing
// in the request: parameters are validated and every value is escaped by Mustache.
#pragma once

#include <optional>

#include "http/message.hpp"
#include "web/web_context.hpp"

namespace broadsheet::web {

http::Response article_home(WebContext& ctx, const http::Request& req);
http::Response article_page(WebContext& ctx, const http::Request& req);
http::Response newsletters_page(WebContext& ctx, const http::Request& req);
http::Response static_asset(WebContext& ctx, const http::Request& req);

http::Response api_public_newsletters(WebContext& ctx, const http::Request& req);
http::Response healthz(WebContext& ctx, const http::Request& req);
http::Response metrics(WebContext& ctx, const http::Request& req);

struct BoxState;
// The page a sign-up form was posted from (`answer.page`: "/", "/articles/SLUG" or
// "/newsletters"), shown again with the form's answer in its box: the reader without
// JavaScript stays where they were. nullopt for any other page.
std::optional<http::Response> page_with_answer(WebContext& ctx, const http::Request& req,
                                               const BoxState& answer, int status);

// Public newsletters in the order the publisher created them, its flagship first: the
// order of every list a reader sees.
Result<std::vector<Newsletter>> public_newsletters(WebContext& ctx);

// What layout.mustache shows on every page: the publication's name, tagline, address.
TemplateData site_data(const WebContext& ctx);

// The error page (HTML) for public pages, with the request id for support.
http::Response error_page(WebContext& ctx, const http::Request& req, int status,
                          const std::string& message);

}  // namespace broadsheet::web
