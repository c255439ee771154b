// What the token API's handlers share (api_issues.cpp, api_suppressions.cpp, the
// newsroom's): how a failed store call is answered, how a JSON body and its fields are
// read within limits, an issue's {id} and sponsor block. Internal to src/admin. Safe
// from any thread.
#pragma once

#include <boost/json.hpp>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>

#include "core/result.hpp"
#include "core/types.hpp"
#include "http/json_body.hpp"
#include "http/message.hpp"
#include "store/newsletters.hpp"

namespace broadsheet::admin::detail {

// The answer to a failed store call: what the caller can act on is told (404
// not_found, 409 conflict, 400 invalid_field), a database failure is logged under the
// request id and answered 503 in general words.
http::Response error_answer(const http::Request& req, const Error& e);

// Reads a JSON object body (415 unless application/json, 400 invalid_json); sets
// `refusal` when it is not one.
Result<http::JsonBody> json_body(const http::Request& req, std::optional<http::Response>& refusal);

// A string field: absent gives `fallback`; any other type is an error naming it.
Result<std::string> string_field(const boost::json::object& o, std::string_view name,
                                 std::optional<std::string> fallback);

// The 400 refusal of a body's first field that is not among `allowed`, whose message
// ends with `expected`; nullopt when every field is allowed.
std::optional<http::Response> unknown_field(const boost::json::object& body,
                                            std::initializer_list<std::string_view> allowed,
                                            std::string_view expected);

// The {id} of the route: a positive decimal integer, else nothing is there.
std::optional<Id> issue_id(const http::Request& req);
// 404 not_found naming the route's {id}.
http::Response no_issue(const http::Request& req);
// 422 invalid_merge_field: a body whose merge fields or sections the renderer would not fill.
http::Response merge_field_refusal(const Error& e);
// "sponsor": the sponsor block's Markdown, checked as the renderer will take it;
// nullopt when absent or null (no sponsor). Sets `refusal` when it cannot be taken.
std::optional<std::string> sponsor_field(const boost::json::object& o,
                                         std::optional<http::Response>& refusal);

// A new issue from a body's "newsletter", "subject", "preheader", "body_markdown" and
// "sponsor", each checked as POST /api/v1/issues checks them (the newsletter looked up
// in `newsletters`); `subject_fallback` stands for an absent subject (nullopt: required).
// Not stored. Sets `refusal` (400 invalid_field, 422 invalid_merge_field) when refused.
std::optional<Issue> new_issue_fields(store::Newsletters& newsletters, const http::Request& req,
                                      const boost::json::object& body,
                                      std::optional<std::string> subject_fallback,
                                      std::optional<http::Response>& refusal);

// A decimal query parameter `name` within [lo, hi], `fallback` when absent; nullopt with
// `refusal` set (400 invalid_field) otherwise.
std::optional<std::int64_t> bounded_number(const http::Request& req, std::string_view name,
                                           std::int64_t fallback, std::int64_t lo,
                                           std::int64_t hi,
                                           std::optional<http::Response>& refusal);

}  // namespace broadsheet::admin::detail
