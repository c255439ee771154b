// The reader's side of sign-up and leaving: the box (server-rendered and embedded), the
// JSON API it uses, the no-JavaScript form, and the pages behind the links in emails
// (confirm, unsubscribe with RFC 8058 one-click, preferences).
#pragma once

#include "http/message.hpp"
#include "web/web_context.hpp"

namespace broadsheet::web {

struct BoxState {
  std::vector<std::string> offered;   // slugs offered; empty: all public newsletters
  std::vector<std::string> checked;   // slugs pre-ticked
  std::string page;                   // the page the box is on
  std::string email, name;            // kept input
  bool marketing = false;
  std::vector<FieldError> errors;
  std::string success;
};

// The box HTML (web/templates/signup_box.mustache) for a state, offering from
// `newsletters` (public_newsletters(), read once by the page that shows the box).
std::string render_signup_box(WebContext& ctx, const BoxState& state,
                              const std::vector<Newsletter>& newsletters);

http::Response api_challenge(WebContext& ctx, const http::Request& req);
http::Response api_subscribe(WebContext& ctx, const http::Request& req);
http::Response api_preflight(WebContext& ctx, const http::Request& req);
http::Response subscribe_page(WebContext& ctx, const http::Request& req);
http::Response subscribe_form(WebContext& ctx, const http::Request& req);
http::Response embed_box(WebContext& ctx, const http::Request& req);
http::Response embed_script(WebContext& ctx, const http::Request& req);

http::Response confirm_page(WebContext& ctx, const http::Request& req);
http::Response confirm_post(WebContext& ctx, const http::Request& req);
http::Response unsubscribe_page(WebContext& ctx, const http::Request& req);
http::Response unsubscribe_post(WebContext& ctx, const http::Request& req);
http::Response preferences_page(WebContext& ctx, const http::Request& req);
http::Response preferences_post(WebContext& ctx, const http::Request& req);

}  // namespace broadsheet::web
