// What the desk's form pages share: reading a posted form, the redirect after a change,
// the answer to an API refusal, what the caller's role may change, and the form fields
// that have no JSON of their own (attributes as KEY=VALUE lines). Internal to src/desk;
// the pages call the API's handlers through api_bridge.hpp. Safe from any thread.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "core/result.hpp"
#include "desk/api_bridge.hpp"
#include "desk/context.hpp"
#include "http/form.hpp"
#include "http/message.hpp"

namespace broadsheet::desk::detail {

// The urlencoded form of a desk POST (at most `max_fields`); nullopt when it cannot be read.
std::optional<http::FormFields> posted_form(const http::Request& request,
                                            std::size_t max_fields = 40);

// 303 to `location`, with the desk's headers.
http::Response see_other(std::string location);

// The desk page of a refusal that no form can show (404, 409 of an action, 503).
http::Response refusal_page(DeskContext& ctx, const http::Request& request,
                            const ApiAnswer& answer);

// True when the caller's role may change content (editor, admin).
bool may_edit(const http::Request& request);
// True when the caller's role is admin.
bool is_admin(const http::Request& request);
// True when the caller's role may change readers and segments (audience, admin).
bool may_change_readers(const http::Request& request);

// "KEY=VALUE" lines (blank ones skipped, CRLF or LF) as a JSON object of strings; an
// error naming the first line that is not one. Bounds are the API's to check.
Result<boost::json::object> attribute_lines(std::string_view text);
// The inverse, for a form's textarea.
std::string attribute_lines_of(const boost::json::value& attributes);

// "a, b ,c" as the names in it, each trimmed, empty ones left out (split_sections).
boost::json::array comma_list(std::string_view text);

// Form text with CR LF line ends (as browsers post a textarea) as LF.
std::string unix_lines(std::string text);

// The API answer for a desk route that the script fetches: the handler's JSON as it is,
// with the desk's headers.
http::Response passthrough(const ApiAnswer& answer);

}  // namespace broadsheet::desk::detail
