#include "desk/readers.hpp"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <boost/json.hpp>

#include "admin/api_readers.hpp"
#include "desk/api_bridge.hpp"
#include "desk/form_pages.hpp"
#include "desk/layout.hpp"
#include "http/form.hpp"
#include "http/router.hpp"

namespace broadsheet::desk {
namespace {

namespace json = boost::json;
namespace mustache = kainjow::mustache;
using detail::attribute_lines;
using detail::attribute_lines_of;
using detail::may_change_readers;
using detail::see_other;
using http::Request;
using http::Response;

constexpr std::string_view kUnreadableForm = "The form could not be read; please try again.";

// The reader list's filters, as GET /api/v1/readers names them; attr.KEY pass too.
constexpr std::string_view kReaderFilterParams[] = {
    "q", "newsletter", "status", "zone", "signed_up_from", "signed_up_until", "source_page"};
// The desk's own filter: readers who gave no time zone (the API's `zone=` with nothing
// after it, which a form cannot send apart from a field left empty).
constexpr std::string_view kNoZoneParam = "no_zone";

bool is_filter_param(std::string_view name) {
  return name.starts_with("attr.") || name == kNoZoneParam ||
         std::find(std::begin(kReaderFilterParams), std::end(kReaderFilterParams), name) !=
             std::end(kReaderFilterParams);
}

std::string encode_query(const std::multimap<std::string, std::string>& query) {
  std::string out;
  for (const auto& [name, value] : query) {
    out += (out.empty() ? "" : "&") + http::percent_encode(name) + "=" + http::percent_encode(value);
  }
  return out;
}

// The query string of the list's current filter as the desk writes it, without its page.
std::string filter_query(const Request& request) {
  std::multimap<std::string, std::string> filter;
  for (const auto& [name, value] : request.query) {
    if (is_filter_param(name) && !value.empty()) filter.emplace(name, value);
  }
  return encode_query(filter);
}

// The desk's query as GET /api/v1/readers takes it. A form sends its empty fields too;
// for the desk an empty field is no condition, and "no zone" is the API's empty zone.
std::multimap<std::string, std::string> api_query(const Request& request) {
  auto query = request.query;
  const bool no_zone = request.query_param(kNoZoneParam).value_or("") != "";
  std::erase_if(query, [no_zone](const auto& field) {
    return field.second.empty() || field.first == kNoZoneParam ||
           (no_zone && field.first == "zone");
  });
  if (no_zone) query.emplace("zone", "");
  return query;
}

std::string query_value(const Request& request, std::string_view name) {
  auto v = request.query_param(name);
  return v ? std::string(*v) : std::string();
}

Response failure_page(DeskContext& ctx, const Request& request, int status,
                      std::string_view message) {
  return error_page(ctx.templates, ctx.config, request, status, message);
}

// The reader's page, with `notice` (an action's refusal) above it.
Response render_reader(DeskContext& ctx, const Request& request, int status = 200,
                       std::string_view notice = "") {
  auto answer = call_api(admin::api_get_reader, ctx.api, request,
                         {http::Method::get, request.params, {}, std::nullopt});
  if (answer.status != 200) return failure_page(ctx, request, answer.status, answer.message);
  const json::object& record = answer.json.as_object();
  web::TemplateData data = template_data(answer.json);
  mustache::data attributes{mustache::data::type::list};
  if (const auto* a = record.if_contains("attributes"); a && a->is_object()) {
    for (const auto& field : a->as_object()) {
      mustache::data row;
      row.set("key", std::string(field.key()));
      row.set("value", field.value().is_string() ? std::string(field.value().as_string()) : "");
      attributes.push_back(row);
    }
  }
  data.set("attribute_rows", attributes);
  data.set("attribute_lines", attribute_lines_of(record.at("attributes")));
  const std::string state = record.at("status").is_string() ? std::string(record.at("status").as_string()) : "";
  data.set("active", state == "active");
  data.set("may_change", may_change_readers(request));
  if (!notice.empty()) data.set("notice", std::string(notice));
  const std::string email = record.at("email").is_string() ? std::string(record.at("email").as_string()) : "";
  return render_page(ctx.templates, ctx.config, request,
                     {"desk/reader", email, data, "readers", status});
}

// After an action's API answer: back to the reader's page, or the page with its message.
Response after_action(DeskContext& ctx, const Request& request, const ApiAnswer& answer) {
  if (answer.status >= 400) {
    if (answer.status == 404) return failure_page(ctx, request, 404, answer.message);
    return render_reader(ctx, request, answer.status, answer.message);
  }
  return see_other(fmt::format("/admin/readers/{}", request.params.at("id")));
}

}  // namespace

Response readers_page(DeskContext& ctx, const Request& request) {
  web::TemplateData data;
  auto query = api_query(request);
  auto answer = call_api(admin::api_list_readers, ctx.api, request,
                         {http::Method::get, {}, query, std::nullopt});
  if (answer.status == 200) {
    data = template_data(answer.json);
  } else {
    data.set("readers", mustache::data{mustache::data::type::list});
    data.set("error", answer.message);
  }
  const std::string filter = filter_query(request);
  if (answer.status == 200) {
    const json::value& next = answer.json.as_object().at("next_cursor");
    if (next.is_string()) {
      data.set("next_page", "/admin/readers?" + filter + (filter.empty() ? "" : "&") +
                                "cursor=" + http::percent_encode(next.as_string()));
    }
  }
  data.set("first_page", request.query_param("cursor").has_value()
                             ? mustache::data("/admin/readers" + (filter.empty() ? "" : "?" + filter))
                             : mustache::data(false));
  if (may_change_readers(request)) {
    // The export is the API's own handler: the filter in its terms.
    std::erase_if(query, [](const auto& field) { return !is_filter_param(field.first); });
    const std::string api_filter = encode_query(query);
    data.set("export", "/admin/readers.csv" + (api_filter.empty() ? "" : "?" + api_filter));
  }
  if (request.query_param("erased")) data.set("erased", true);
  for (auto name : kReaderFilterParams) data.set(std::string(name), query_value(request, name));
  data.set("no_zone", !query_value(request, kNoZoneParam).empty());
  // The choices of the newsletter and status filters, the current one selected.
  mustache::data newsletters{mustache::data::type::list};
  if (auto list = ctx.newsletters.list_newsletters(false)) {
    const std::string current = query_value(request, "newsletter");
    for (const auto& n : *list) {
      mustache::data row;
      row.set("slug", n.slug);
      row.set("name", n.name);
      row.set("selected", n.slug == current);
      newsletters.push_back(row);
    }
  } else {
    spdlog::error("request {}: desk readers: {}", request.request_id, list.error().message);
  }
  data.set("newsletters", newsletters);
  mustache::data statuses{mustache::data::type::list};
  const std::string status = query_value(request, "status");
  for (std::string_view s : {"unconfirmed", "confirmed", "unsubscribed"}) {
    mustache::data row;
    row.set("value", std::string(s));
    row.set("selected", s == status);
    statuses.push_back(row);
  }
  data.set("statuses", statuses);
  return render_page(ctx.templates, ctx.config, request,
                     {"desk/readers", "Readers", data, "readers",
                      answer.status == 200 ? 200 : answer.status});
}

Response reader_page(DeskContext& ctx, const Request& request) {
  return render_reader(ctx, request);
}

Response reader_edit_post(DeskContext& ctx, const Request& request) {
  auto form = detail::posted_form(request, 200);
  if (!form) return render_reader(ctx, request, 400, kUnreadableForm);
  json::object body{{"name", http::form_value(*form, "name")},
                    {"timezone", http::form_value(*form, "timezone")}};
  if (auto status = http::form_value(*form, "status"); !status.empty()) body["status"] = status;
  auto attributes = attribute_lines(http::form_value(*form, "attributes"));
  if (!attributes) return render_reader(ctx, request, 400, attributes.error().message);
  body["attributes"] = std::move(*attributes);
  return after_action(ctx, request,
                      call_api(admin::api_update_reader, ctx.api, request,
                               {http::Method::patch, request.params, {}, std::move(body)}));
}

Response reader_unsubscribe_post(DeskContext& ctx, const Request& request) {
  auto form = detail::posted_form(request, 200);
  if (!form) return render_reader(ctx, request, 400, kUnreadableForm);
  json::object body;
  if (auto slug = http::form_value(*form, "newsletter"); !slug.empty()) body["newsletter"] = slug;
  return after_action(ctx, request,
                      call_api(admin::api_unsubscribe_reader, ctx.api, request,
                               {http::Method::post, request.params, {}, std::move(body)}));
}

Response reader_block_post(DeskContext& ctx, const Request& request) {
  return after_action(ctx, request,
                      call_api(admin::api_block_reader, ctx.api, request,
                               {http::Method::post, request.params, {}, std::nullopt}));
}

Response reader_erase_post(DeskContext& ctx, const Request& request) {
  auto form = detail::posted_form(request, 200);
  if (!form) return render_reader(ctx, request, 400, kUnreadableForm);
  if (http::form_value(*form, "confirm") != "erase") {
    return render_reader(ctx, request, 400,
                         "Nothing was erased: tick the box that confirms the erasure.");
  }
  auto answer = call_api(admin::api_erase_reader, ctx.api, request,
                         {http::Method::delete_, request.params, {}, std::nullopt});
  if (answer.status >= 400) return failure_page(ctx, request, answer.status, answer.message);
  return see_other("/admin/readers?erased=" + request.params.at("id"));
}

}  // namespace broadsheet::desk
