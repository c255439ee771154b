#include "desk/segments.hpp"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <boost/json.hpp>

#include "admin/api_readers.hpp"
#include "desk/api_bridge.hpp"
#include "desk/form_pages.hpp"
#include "desk/layout.hpp"
#include "http/form.hpp"

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

// A segment's conditions that are text in its JSON and in its form.
constexpr std::string_view kSegmentTextFields[] = {"newsletter", "status", "zone", "source_page"};
constexpr std::string_view kSegmentDateFields[] = {"signed_up_from", "signed_up_until"};

std::string text_of(const json::object& o, std::string_view name) {
  const json::value* v = o.if_contains(name);
  return v && v->is_string() ? std::string(v->as_string()) : std::string();
}

// A zone condition of "" (not null): the readers who gave no time zone.
bool has_no_zone(const json::object& g) {
  const json::value* v = g.if_contains("zone");
  return v && v->is_string() && v->as_string().empty();
}

// The readers list of a segment's conditions (desk/readers.hpp takes the API's filters).
std::string readers_link(const json::object& g) {
  std::string query;
  auto add = [&query](std::string_view name, std::string_view value) {
    if (value.empty()) return;
    query += (query.empty() ? "?" : "&") + http::percent_encode(name) + "=" +
             http::percent_encode(value);
  };
  for (auto name : kSegmentTextFields) add(name, text_of(g, name));
  if (has_no_zone(g)) add("no_zone", "1");  // the readers list's own "no zone" filter
  for (auto name : kSegmentDateFields) add(name, text_of(g, name));
  if (const auto* a = g.if_contains("attributes"); a && a->is_object()) {
    for (const auto& field : a->as_object()) {
      if (field.value().is_string()) add(fmt::format("attr.{}", std::string_view(field.key())),
                                         field.value().as_string());
    }
  }
  return "/admin/readers" + query;
}

// The segment's conditions in words, for the list and for those who may not change it.
std::string conditions_of(const json::object& g) {
  std::string out;
  auto add = [&out](std::string_view text) { out += (out.empty() ? "" : "; ") + std::string(text); };
  for (auto name : kSegmentTextFields) {
    if (auto v = text_of(g, name); !v.empty()) add(fmt::format("{}: {}", name, v));
  }
  if (has_no_zone(g)) add("no time zone set");
  for (auto name : kSegmentDateFields) {
    if (auto v = text_of(g, name); !v.empty()) add(fmt::format("{}: {}", name, v.substr(0, 10)));
  }
  if (const auto* a = g.if_contains("attributes"); a && a->is_object()) {
    for (const auto& field : a->as_object()) {
      if (field.value().is_string()) {
        add(fmt::format("{}={}", std::string_view(field.key()),
                        std::string_view(field.value().as_string())));
      }
    }
  }
  return out.empty() ? std::string("every reader") : out;
}

// A segment's JSON as its form's values: dates as the date input wants them.
web::TemplateData form_data(const json::object& g) {
  web::TemplateData data = template_data(g);
  for (auto name : kSegmentDateFields) data.set(std::string(name), text_of(g, name).substr(0, 10));
  const json::value* a = g.if_contains("attributes");
  data.set("attribute_lines", a && a->is_string() ? std::string(a->as_string())
                                                   : attribute_lines_of(a ? *a : json::value()));
  data.set("readers_link", readers_link(g));
  data.set("conditions", conditions_of(g));
  data.set("no_zone", has_no_zone(g));
  return data;
}

// The choices of the form's newsletter and status, the segment's selected.
void add_choices(DeskContext& ctx, const Request& request, web::TemplateData& data,
                 const json::object& g) {
  mustache::data newsletters{mustache::data::type::list};
  if (auto list = ctx.newsletters.list_newsletters(false)) {
    for (const auto& n : *list) {
      mustache::data row;
      row.set("slug", n.slug);
      row.set("name", n.name);
      row.set("selected", n.slug == text_of(g, "newsletter"));
      newsletters.push_back(row);
    }
  } else {
    spdlog::error("request {}: desk segments: {}", request.request_id, list.error().message);
  }
  data.set("newsletters", newsletters);
  mustache::data statuses{mustache::data::type::list};
  for (std::string_view s : {"unconfirmed", "confirmed", "unsubscribed"}) {
    mustache::data row;
    row.set("value", std::string(s));
    row.set("selected", s == text_of(g, "status"));
    statuses.push_back(row);
  }
  data.set("statuses", statuses);
  data.set("may_change", may_change_readers(request));
  data.set("csrf_token", request.caller.csrf_token);
  // The form's fields, one template for adding and changing (rendered, so escaped).
  data.set("fields", ctx.templates.render("desk/segment_fields", data));
}

// The form of a segment: `g` its values, `action` where it posts, `notice` a refusal.
Response render_form(DeskContext& ctx, const Request& request, const json::object& g,
                     std::string action, std::string title, int status, std::string_view notice) {
  web::TemplateData data = form_data(g);
  add_choices(ctx, request, data, g);
  data.set("action", std::move(action));
  if (!notice.empty()) data.set("notice", std::string(notice));
  return render_page(ctx.templates, ctx.config, request,
                     {"desk/segment", std::move(title), data, "segments", status});
}

// The zone condition of the segment's form: "No time zone set" is the API's empty zone
// (and wins over a zone typed beside it), an empty field none (null).
json::value posted_zone(const http::FormFields& form) {
  if (!http::form_value(form, "no_zone").empty()) return json::value("");
  auto zone = http::form_value(form, "zone");
  return zone.empty() ? json::value(nullptr) : json::value(zone);
}

// The JSON body of the API from the segment's form: an empty field is no condition.
Result<json::object> segment_body(const http::FormFields& form) {
  json::object body{{"name", http::form_value(form, "name")}};
  for (auto name : kSegmentTextFields) {
    auto value = http::form_value(form, name);
    body[name] = value.empty() ? json::value(nullptr) : json::value(value);
  }
  body["zone"] = posted_zone(form);
  for (auto name : kSegmentDateFields) {
    auto value = http::form_value(form, name);
    body[name] = value.empty() ? json::value(nullptr) : json::value(value);
  }
  auto attributes = attribute_lines(http::form_value(form, "attributes"));
  if (!attributes) return attributes.error();
  body["attributes"] = std::move(*attributes);
  return body;
}

// Add or change: the API's answer, 303 to the list or the form again with its message.
Response save(DeskContext& ctx, const Request& request, http::Method method,
              ApiHandler handler, std::string action,
              std::string title) {
  auto form = detail::posted_form(request, 200);
  if (!form) {
    return render_form(ctx, request, {}, action, title, 400,
                       "The form could not be read; please try again.");
  }
  json::object values;
  for (const auto& [name, value] : *form) values[name] = value;
  auto body = segment_body(*form);
  values["zone"] = posted_zone(*form);  // as the segment's JSON has it (form_data)
  if (!body) return render_form(ctx, request, values, action, title, 400, body.error().message);
  auto answer = call_api(handler, ctx.api, request, {method, request.params, {}, std::move(*body)});
  if (answer.status >= 400) {
    if (answer.status == 404) {
      return error_page(ctx.templates, ctx.config, request, 404, answer.message);
    }
    return render_form(ctx, request, values, action, title, answer.status, answer.message);
  }
  return see_other("/admin/segments");
}

}  // namespace

Response segments_page(DeskContext& ctx, const Request& request) {
  auto answer = call_api(admin::api_list_segments, ctx.api, request,
                         {http::Method::get, {}, request.query, std::nullopt});
  if (answer.status != 200) {
    return error_page(ctx.templates, ctx.config, request, answer.status, answer.message);
  }
  mustache::data rows{mustache::data::type::list};
  for (const auto& g : answer.json.as_object().at("segments").as_array()) {
    web::TemplateData row = template_data(g);
    row.set("readers_link", readers_link(g.as_object()));
    row.set("conditions", conditions_of(g.as_object()));
    rows.push_back(row);
  }
  web::TemplateData data;
  data.set("segments", rows);
  add_choices(ctx, request, data, {});
  return render_page(ctx.templates, ctx.config, request,
                     {"desk/segments", "Segments", data, "segments"});
}

Response segment_page(DeskContext& ctx, const Request& request) {
  auto answer = call_api(admin::api_get_segment, ctx.api, request,
                         {http::Method::get, request.params, {}, std::nullopt});
  if (answer.status != 200) {
    return error_page(ctx.templates, ctx.config, request, answer.status, answer.message);
  }
  const json::object& g = answer.json.as_object();
  return render_form(ctx, request, g, fmt::format("/admin/segments/{}", request.params.at("id")),
                     text_of(g, "name"), 200, "");
}

Response segment_add_post(DeskContext& ctx, const Request& request) {
  return save(ctx, request, http::Method::post, admin::api_add_segment, "/admin/segments",
              "New segment");
}

Response segment_edit_post(DeskContext& ctx, const Request& request) {
  return save(ctx, request, http::Method::patch, admin::api_update_segment,
              fmt::format("/admin/segments/{}", request.params.at("id")), "Segment");
}

Response segment_remove_post(DeskContext& ctx, const Request& request) {
  auto answer = call_api(admin::api_remove_segment, ctx.api, request,
                         {http::Method::delete_, request.params, {}, std::nullopt});
  if (answer.status >= 400) {
    return error_page(ctx.templates, ctx.config, request, answer.status, answer.message);
  }
  return see_other("/admin/segments");
}

}  // namespace broadsheet::desk
