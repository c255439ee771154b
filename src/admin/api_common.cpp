#include "admin/api_common.hpp"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>
#include <semaphore>

#include "core/text.hpp"
#include "render/body_fields.hpp"
#include <charconv>

namespace broadsheet::admin::detail {

namespace json = boost::json;
using http::Request;
using http::Response;

namespace {

// Bodies above this size are parsed a few at a time (kLargeParses): even bounded, a
// parse of a body near http.api_body_limit holds memory of about its size, and many at
// once from clients with a token must not add up to what the machine has.
constexpr std::size_t kLargeBody = 64 * 1024;
constexpr std::ptrdiff_t kLargeParses = 4;
constexpr auto kLargeParseWait = std::chrono::seconds(2);
std::counting_semaphore<kLargeParses> large_parses(kLargeParses);

// What an API body may hold: an issue is a flat object of four strings; the limits
// leave room for what may come, and none for a document of a million values.
constexpr http::JsonLimits kApiJsonLimits{.max_depth = 8, .max_values = 1024};

}  // namespace

// The answer to a failed store call: what the caller can act on is told, a database
// failure is logged under the request id and answered in general words.
Response error_answer(const Request& req, const Error& e) {
  switch (e.code) {
    case Errc::not_found:
      return Response::json_error(404, "not_found", e.message);
    case Errc::conflict:
      return Response::json_error(409, "conflict", e.message);
    case Errc::invalid_argument:
      return Response::json_error(400, "invalid_field", e.message);
    default:
      spdlog::error("request {}: {} {}: {}", req.request_id, http::method_name(req.method),
                    req.path, e.message);
      return Response::json_error(503, "unavailable",
                                  "The request could not be completed. Please try again later.");
  }
}

// The 400 refusal of a body's first field that is not among `allowed`, whose message
// ends with `expected` (what the route takes); nullopt when every field is allowed.
std::optional<Response> unknown_field(const json::object& body,
                                      std::initializer_list<std::string_view> allowed,
                                      std::string_view expected) {
  for (const auto& field : body) {
    if (std::find(allowed.begin(), allowed.end(), field.key()) == allowed.end()) {
      return Response::json_error(
          400, "invalid_field",
          fmt::format("Unknown field \"{}\": {}", excerpt(field.key()), expected));
    }
  }
  return std::nullopt;
}

// Reads a JSON object body; the refusal when it is not one.
Result<http::JsonBody> json_body(const Request& req, std::optional<Response>& refusal) {
  if (!http::has_content_type(req, "application/json")) {
    refusal = Response::json_error(415, "unsupported_media_type",
                                   "Send the request body as application/json.");
    return make_error(Errc::invalid_argument, "");
  }
  const bool large = req.body.size() > kLargeBody;
  if (large && !large_parses.try_acquire_for(kLargeParseWait)) {
    refusal = Response::json_error(503, "unavailable",
                                   "The server is busy reading other large requests. Please "
                                   "try again in a moment.");
    refusal->set_header("Retry-After", "1");
    return make_error(Errc::io, "");
  }
  auto body = http::parse_json_body(req.body, kApiJsonLimits);
  if (large) large_parses.release();
  // Boost.JSON refuses invalid UTF-8 itself (parse_options::allow_invalid_utf8 is off).
  if (!body || !body->value.is_object()) {
    refusal = Response::json_error(400, "invalid_json",
                                   "The request body must be a JSON object in UTF-8.");
    return make_error(Errc::invalid_argument, "");
  }
  return body;
}

// A string field: absent gives `fallback`; any other type is an error naming it.
Result<std::string> string_field(const json::object& o, std::string_view name,
                                 std::optional<std::string> fallback) {
  const json::value* v = o.if_contains(name);
  if (!v || v->is_null()) {
    if (fallback) return *fallback;
    return make_error(Errc::invalid_argument, fmt::format("\"{}\" is required", name));
  }
  if (!v->is_string()) {
    return make_error(Errc::invalid_argument, fmt::format("\"{}\" must be a string", name));
  }
  return std::string(v->as_string());
}

// A body whose merge fields or sections the renderer would not fill.
Response merge_field_refusal(const Error& e) {
  return Response::json_error(422, "invalid_merge_field", "\"body_markdown\": " + e.message);
}

// The {id} of the route: a positive decimal integer, else nothing is there.
std::optional<Id> issue_id(const Request& req) {
  const std::string& text = req.params.at("id");
  Id id = 0;
  if (text.empty() || text.size() > 15 || text.front() == '0') return std::nullopt;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), id);
  if (ec != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return id;
}

Response no_issue(const Request& req) {
  return Response::json_error(404, "not_found",
                              fmt::format("There is no issue {}.", excerpt(req.params.at("id"), 24)));
}

// "sponsor": the sponsor block's Markdown, checked as the renderer will take it;
// nullopt when absent or null (no sponsor). Sets `refusal` when it cannot be taken.
std::optional<std::string> sponsor_field(const json::object& o, std::optional<Response>& refusal) {
  const json::value* v = o.if_contains("sponsor");
  if (!v || v->is_null()) return std::nullopt;
  if (!v->is_string()) {
    refusal = Response::json_error(400, "invalid_field",
                                   "\"sponsor\" must be a string of Markdown, or null for none");
    return std::nullopt;
  }
  std::string text(v->as_string());
  if (auto st = check_document("\"sponsor\"", text, kMaxIssueSponsor); !st) {
    refusal = Response::json_error(400, "invalid_field", st.error().message);
    return std::nullopt;
  }
  if (text.find_first_not_of(" \t\r\n") == std::string::npos) {
    refusal = Response::json_error(400, "invalid_field",
                                   "\"sponsor\" is empty; send null to remove the sponsor block");
    return std::nullopt;
  }
  // What is left to refuse is what the body's merge fields and sections refuse.
  if (auto st = render::check_issue_sponsor(text); !st) {
    refusal =
        Response::json_error(422, "invalid_merge_field", "\"sponsor\": " + st.error().message);
    return std::nullopt;
  }
  return text;
}

std::optional<Issue> new_issue_fields(store::Newsletters& newsletters, const Request& req,
                                      const json::object& body,
                                      std::optional<std::string> subject_fallback,
                                      std::optional<Response>& refusal) {
  auto sponsor = sponsor_field(body, refusal);
  if (refusal) return std::nullopt;
  auto slug = string_field(body, "newsletter", std::nullopt);
  auto subject = string_field(body, "subject", std::move(subject_fallback));
  auto preheader = string_field(body, "preheader", std::string());
  auto markdown = string_field(body, "body_markdown", std::nullopt);
  for (const auto* r : {&slug, &subject, &preheader, &markdown}) {
    if (!*r) {
      refusal = error_answer(req, r->error());
      return std::nullopt;
    }
  }
  Status checks[] = {check_text("\"subject\"", *subject, kMaxIssueSubject),
                     check_text("\"preheader\"", *preheader, kMaxIssuePreheader),
                     check_document("\"body_markdown\"", *markdown, kMaxIssueBody)};
  for (const auto& s : checks) {
    if (!s) {
      refusal = error_answer(req, s.error());
      return std::nullopt;
    }
  }
  if (subject->find_first_not_of(' ') == std::string::npos) {
    refusal = Response::json_error(400, "invalid_field", "\"subject\" must not be empty");
    return std::nullopt;
  }
  if (auto st = render::check_issue_body(*markdown); !st) {
    refusal = merge_field_refusal(st.error());
    return std::nullopt;
  }
  auto newsletter = newsletters.newsletter_by_slug(*slug);
  if (!newsletter) {
    refusal = newsletter.error().code != Errc::not_found
                  ? error_answer(req, newsletter.error())
                  : Response::json_error(
                        400, "invalid_field",
                        fmt::format("There is no newsletter \"{}\".", excerpt(*slug)));
    return std::nullopt;
  }
  Issue issue;
  issue.newsletter_id = newsletter->id;
  issue.newsletter_slug = newsletter->slug;
  issue.subject = std::move(*subject);
  issue.preheader = std::move(*preheader);
  issue.body_markdown = std::move(*markdown);
  issue.sponsor_markdown = sponsor.value_or("");
  return issue;
}

std::optional<std::int64_t> bounded_number(const Request& req, std::string_view name,
                                           std::int64_t fallback, std::int64_t lo,
                                           std::int64_t hi, std::optional<Response>& refusal) {
  auto text = req.query_param(name);
  if (!text) return fallback;
  std::int64_t n = 0;
  auto [end, ec] = std::from_chars(text->data(), text->data() + text->size(), n);
  if (ec != std::errc() || end != text->data() + text->size() || n < lo || n > hi) {
    refusal = Response::json_error(
        400, "invalid_field", fmt::format("\"{}\" must be a number from {} to {}.", name, lo, hi));
    return std::nullopt;
  }
  return n;
}

}  // namespace broadsheet::admin::detail
