// How a desk page is a view over the token API's handlers (desk/readers.hpp,
// desk/segments.hpp): the desk's request turned into an API call, the JSON answer read
// back into template data or the message of its refusal, and the desk's form fields
// that have no JSON of their own (attributes as KEY=VALUE lines). Pure functions.
#pragma once

#include <boost/json.hpp>
#include <string>
#include <string_view>

#include "core/result.hpp"
#include "http/form.hpp"
#include "http/message.hpp"
#include "web/templates.hpp"

namespace broadsheet::desk {

// An API answer read back: its JSON, or the message of its {"error":{"message"}}.
struct ApiAnswer {
  int status = 200;
  boost::json::value body;
  std::string message;  // set when status >= 400
};

ApiAnswer read_answer(const http::Response& response);

// The desk's request as a call of an API handler: `method`, and `body` as its JSON
// (none when `body` is null). Path parameters, principal and caller stay.
http::Request api_call(const http::Request& request, http::Method method,
                       const boost::json::value& body);

// A JSON value as template data: objects and arrays as they are, null as false, numbers
// as their text.
web::TemplateData template_data(const boost::json::value& v);

// The fields of an urlencoded form; an error for another body.
Result<http::FormFields> form_of(const http::Request& request);

// "KEY=VALUE" lines (blank ones skipped, CRLF or LF) as a JSON object of strings; an
// error naming the first line that is not one. Bounds are the API's to check.
Result<boost::json::object> attribute_lines(std::string_view text);
// The inverse, for a form's textarea.
std::string attribute_lines_of(const boost::json::value& attributes);

// Whether the signed-in user may change readers (the audience role or admin).
bool may_change_readers(const http::Request& request);

// 303 See Other to `location`, with the desk's headers.
http::Response see_other(std::string location);

}  // namespace broadsheet::desk
