#include "admin/api_suppressions.hpp"

#include <fmt/format.h>

#include <boost/json.hpp>
#include <charconv>

#include "address/address.hpp"
#include "admin/api_common.hpp"
#include "core/encoding.hpp"
#include "core/text.hpp"

namespace broadsheet::admin {
namespace {

namespace json = boost::json;
using detail::error_answer;
using http::Request;
using http::Response;

constexpr std::size_t kDefaultLimit = 100;
constexpr std::size_t kMaxLimit = 1000;

Result<std::string> normalised(const ApiContext& ctx, std::string_view email) {
  auto parsed = address::parse_email(email, ctx.address_policy);
  if (!parsed) {
    return make_error(Errc::invalid_argument, fmt::format("\"email\": {}", parsed.error().message));
  }
  return parsed->normalized;
}

Response unavailable() {
  return Response::json_error(503, "unavailable", "The suppression list is not served here.");
}

}  // namespace

Response api_list_suppressions(ApiContext& ctx, const Request& req) {
  if (ctx.suppressions == nullptr) return unavailable();
  std::size_t limit = kDefaultLimit;
  if (auto text = req.query_param("limit")) {
    std::size_t n = 0;
    auto [end, ec] = std::from_chars(text->data(), text->data() + text->size(), n);
    if (ec != std::errc() || end != text->data() + text->size() || n < 1 || n > kMaxLimit) {
      return Response::json_error(
          400, "invalid_field", fmt::format("\"limit\" must be a number from 1 to {}.", kMaxLimit));
    }
    limit = n;
  }
  std::string after(req.query_param("after").value_or(""));
  if (!after.empty() && !is_lower_hex(after)) {
    return Response::json_error(400, "invalid_field",
                                "\"after\" must be the address_hash of the last entry of a page.");
  }
  auto rows = ctx.suppressions->list_suppressions(after, limit);
  if (!rows) return error_answer(req, rows.error());
  json::array out;
  for (const auto& s : *rows) {
    out.push_back(
        json::object{{"address", s.address.empty() ? json::value(nullptr) : json::value(s.address)},
                     {"address_hash", s.address_hash},
                     {"reason", s.reason},
                     {"source", s.source},
                     {"created_at", format_iso8601(s.created_at)}});
  }
  json::value next = nullptr;
  if (rows->size() == limit) next = json::value(rows->back().address_hash);
  return Response::json(200, json::object{{"suppressions", std::move(out)}, {"next_after", next}});
}

Response api_add_suppression(ApiContext& ctx, const Request& req) {
  if (ctx.suppressions == nullptr) return unavailable();
  std::optional<Response> refusal;
  auto parsed = detail::json_body(req, refusal);
  if (!parsed) return std::move(*refusal);
  const json::object& body = parsed->value.as_object();
  if (auto r =
          detail::unknown_field(body, {"email", "reason"}, "a suppression has email and reason.")) {
    return std::move(*r);
  }
  auto email = detail::string_field(body, "email", std::nullopt);
  if (!email) return error_answer(req, email.error());
  auto reason = detail::string_field(body, "reason", std::string("added through the API"));
  if (!reason) return error_answer(req, reason.error());
  if (reason->size() > 500 || reason->find_first_of("\r\n") != std::string::npos) {
    return Response::json_error(400, "invalid_field",
                                "\"reason\" must be one line of at most 500 bytes.");
  }
  auto address = normalised(ctx, *email);
  if (!address) return error_answer(req, address.error());
  auto added = ctx.suppressions->add_suppression(*address, *reason, "api");
  if (!added) return error_answer(req, added.error());
  (void)ctx.audit.audit(req.principal, "suppression.add", *address, *reason);
  return Response::json(*added ? 201 : 200, json::object{{"address", *address}, {"added", *added}});
}

Response api_remove_suppression(ApiContext& ctx, const Request& req) {
  if (ctx.suppressions == nullptr) return unavailable();
  auto address = normalised(ctx, req.params.at("email"));
  if (!address) return error_answer(req, address.error());
  auto removed = ctx.suppressions->remove_suppression(*address);
  if (!removed) return error_answer(req, removed.error());
  if (!*removed) {
    return Response::json_error(404, "not_found", fmt::format("{} is not suppressed.", *address));
  }
  (void)ctx.audit.audit(req.principal, "suppression.remove", *address, "");
  return Response::json(200, json::object{{"address", *address}, {"removed", true}});
}

}  // namespace broadsheet::admin
