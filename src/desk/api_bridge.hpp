// How the desk's pages act: through the token API's own handlers (admin/api_*.hpp), so a
// page checks every field, answers every refusal and audits every change exactly as the
// API does, with the API's messages, and no rule is written twice. A page turns its form
// into the JSON body the API takes, calls the handler as the signed-in user (the
// request's caller and principal are kept), and renders the JSON it answers.
//
// Trusts the handlers' answers (their own JSON). The handler's refusals come back as
// values (status, code, message) for the page to show next to the field they name.
// Pure functions of their arguments; as thread-safe as the handlers (safe from any thread).
#pragma once

#include <boost/json.hpp>
#include <map>
#include <string>
#include <string_view>

#include "admin/api_issues.hpp"
#include "http/message.hpp"
#include "web/templates.hpp"

namespace broadsheet::desk {

using ApiHandler = http::Response (*)(admin::ApiContext&, const http::Request&);

struct ApiCall {
  http::Method method = http::Method::get;
  std::map<std::string, std::string> params;      // the route's {name} segments
  std::multimap<std::string, std::string> query;  // query parameters
  std::optional<boost::json::object> body;        // sent as application/json
  // A body that is not JSON (an uploaded file), sent as it is with its Content-Type;
  // only when `body` is empty.
  struct Raw {
    std::string content_type;
    std::string bytes;
  };
  std::optional<Raw> raw{};
};

struct ApiAnswer {
  int status = 0;
  std::string content_type;
  std::string raw;            // the body as the handler wrote it
  boost::json::value json;    // parsed when it is JSON, else null
  std::string code, message;  // of {"error":{...}}, when status >= 400
  std::string field;          // the field an invalid_field message names ("draft_items")

  bool ok() const { return status >= 200 && status < 300; }
};

// Runs `handler` for the page's `request` (its caller, principal, request id and client
// address carried over) with what `call` gives.
ApiAnswer call_api(ApiHandler handler, admin::ApiContext& api, const http::Request& request,
                   ApiCall call);

// The first field name quoted in an API message ("\"draft_items\" must be..." gives
// "draft_items"); empty when it quotes none.
std::string quoted_field(std::string_view message);

// A JSON value as template data: objects and arrays as they are, numbers and strings as
// text, true as true, false and null as false (so {{#x}} skips them).
web::TemplateData template_data(const boost::json::value& v);

}  // namespace broadsheet::desk
