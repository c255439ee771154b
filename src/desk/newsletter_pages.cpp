#include "desk/newsletter_pages.hpp"

#include <array>
#include <charconv>

#include "admin/api_newsletters.hpp"
#include "desk/form_pages.hpp"
#include "desk/layout.hpp"

namespace broadsheet::desk {
namespace {

namespace json = boost::json;
namespace mustache = kainjow::mustache;
using detail::posted_form;

// The form's text fields, named as the API's JSON fields are.
constexpr std::array kTextFields = {"name",         "description",      "schedule",
                                    "from",         "opt_in",           "welcome_subject",
                                    "welcome_body", "default_timezone", "draft_sections",
                                    "draft_lead",   "on_cutoff",        "draft_items"};
constexpr std::array kFlags = {"public", "draft_from_feeds"};

std::string text_of(const json::object& o, std::string_view key) {
  const auto* v = o.if_contains(key);
  if (v == nullptr) return {};
  if (v->is_string()) return std::string(v->as_string());
  if (v->is_int64()) return std::to_string(v->as_int64());
  return {};
}

// The form's values from the newsletter as the API shows it.
web::TemplateData values_of(const json::object& n) {
  web::TemplateData v;
  for (const char* key : {"slug", "name", "description", "schedule", "opt_in", "welcome_subject",
                          "welcome_body", "default_timezone"}) {
    v.set(key, text_of(n, key));
  }
  const std::string name = text_of(n, "from_name"), address = text_of(n, "from_address");
  v.set("from", name.empty() ? address : name + " <" + address + ">");
  v.set("public", n.contains("public") && n.at("public").is_bool() && n.at("public").as_bool());
  if (const auto* d = n.if_contains("drafts"); d && d->is_object()) {
    const auto& drafts = d->as_object();
    v.set("draft_from_feeds", drafts.contains("from_feeds") && drafts.at("from_feeds").is_bool() &&
                                  drafts.at("from_feeds").as_bool());
    v.set("draft_items", text_of(drafts, "items"));
    v.set("draft_lead", text_of(drafts, "lead_seconds"));
    v.set("on_cutoff", text_of(drafts, "on_cutoff"));
    std::string sections;
    if (const auto* s = drafts.if_contains("sections"); s && s->is_array()) {
      for (const auto& name_value : s->as_array()) {
        if (!name_value.is_string()) continue;
        if (!sections.empty()) sections += ", ";
        sections += name_value.as_string();
      }
    }
    v.set("draft_sections", sections);
  }
  return v;
}

// The form's values as posted, to show them again with the refusal.
web::TemplateData values_of(const http::FormFields& form) {
  web::TemplateData v;
  v.set("slug", http::form_value(form, "slug"));
  for (const char* key : kTextFields) v.set(key, http::form_value(form, key));
  for (const char* key : kFlags) v.set(key, !http::form_value(form, key).empty());
  return v;
}

// Choices of a <select>: [{value, label, selected}].
mustache::data choices(std::initializer_list<std::pair<const char*, const char*>> options,
                       std::string_view chosen) {
  mustache::data list{mustache::data::type::list};
  for (const auto& [value, label] : options) {
    mustache::data item;
    item.set("value", std::string(value));
    item.set("label", std::string(label));
    item.set("selected", chosen == value);
    list.push_back(item);
  }
  return list;
}

// The JSON body of the form: every field of the page, as the API takes them.
json::object body_of(const http::FormFields& form, bool with_slug) {
  json::object body;
  if (with_slug) body["slug"] = http::form_value(form, "slug");
  for (const char* key : {"name", "description", "schedule", "opt_in", "welcome_subject",
                          "default_timezone", "on_cutoff"}) {
    body[key] = http::form_value(form, key);
  }
  // No sender given: the publication's is used (it has no empty form).
  if (auto from = http::form_value(form, "from"); !from.empty()) body["from"] = from;
  body["welcome_body"] = detail::unix_lines(http::form_value(form, "welcome_body"));
  for (const char* key : kFlags) body[key] = !http::form_value(form, key).empty();
  const std::string items = http::form_value(form, "draft_items");
  if (!items.empty()) {
    // A number the API bounds; text that is not one is sent as text for its message.
    std::int64_t n = 0;
    const auto [end, ec] = std::from_chars(items.data(), items.data() + items.size(), n);
    if (ec == std::errc() && end == items.data() + items.size()) {
      body["draft_items"] = n;
    } else {
      body["draft_items"] = items;
    }
  }
  const std::string lead = http::form_value(form, "draft_lead");
  if (!lead.empty()) body["draft_lead"] = lead;
  body["draft_sections"] = detail::comma_list(http::form_value(form, "draft_sections"));
  return body;
}

http::Response form_page(DeskContext& ctx, const http::Request& request, bool creating,
                         web::TemplateData values, const json::object* stored,
                         const ApiAnswer* refusal, bool saved) {
  web::TemplateData data;
  data.set("creating", creating);
  data.set("editable", detail::may_edit(request));
  data.set("action", creating ? std::string("/admin/newsletters")
                              : "/admin/newsletters/" + (stored ? text_of(*stored, "slug") : ""));
  std::string opt_in, on_cutoff;
  if (auto s = values.get("opt_in"); s && s->is_string()) opt_in = s->string_value();
  if (auto s = values.get("on_cutoff"); s && s->is_string()) on_cutoff = s->string_value();
  data.set("opt_in_choices",
           choices({{"double", "Double opt-in (confirm by email)"}, {"single", "Single opt-in"}},
                   opt_in.empty() ? "double" : opt_in));
  data.set("on_cutoff_choices",
           choices({{"hold", "Hold: skip the edition"}, {"send", "Send the draft as it is"}},
                   on_cutoff.empty() ? "hold" : on_cutoff));
  data.set("v", values);
  if (stored) {
    data.set("n", template_data(*stored));
    if (const auto* next = stored->if_contains("next_editions")) {
      data.set("next_editions", template_data(*next));
      data.set("has_next", next->is_array() && !next->as_array().empty());
    }
  }
  if (saved) data.set("saved", true);
  if (auto drafting = values.get("draft_from_feeds"); stored && drafting && drafting->is_true()) {
    data.set("drafting", true);
  }
  int status = 200;
  if (refusal) {
    status = refusal->status;
    data.set("message", refusal->message);
    std::string field = refusal->code == "conflict" ? std::string("slug") : refusal->field;
    if (!field.empty()) data.set("error_" + field, refusal->message);
  }
  std::string title = creating ? std::string("New newsletter")
                               : (stored ? text_of(*stored, "name") : std::string("Newsletter"));
  return render_page(ctx.templates, ctx.config, request,
                     {"desk/newsletter", title, data, "newsletters", status});
}

}  // namespace

http::Response newsletters_page(DeskContext& ctx, const http::Request& request) {
  auto answer = call_api(admin::api_list_newsletters, ctx.api, request, {});
  if (!answer.ok()) return detail::refusal_page(ctx, request, answer);
  web::TemplateData data = template_data(answer.json);
  data.set("editable", detail::may_edit(request));
  return render_page(ctx.templates, ctx.config, request,
                     {"desk/newsletters", "Newsletters", data, "newsletters"});
}

http::Response new_newsletter_page(DeskContext& ctx, const http::Request& request) {
  web::TemplateData values;
  values.set("schedule", std::string("manual"));
  values.set("public", true);
  return form_page(ctx, request, true, values, nullptr, nullptr, false);
}

http::Response create_newsletter_post(DeskContext& ctx, const http::Request& request) {
  auto form = posted_form(request);
  if (!form)
    return error_page(ctx.templates, ctx.config, request, 400, "The form could not be read.");
  auto answer = call_api(admin::api_create_newsletter, ctx.api, request,
                         {http::Method::post, {}, {}, body_of(*form, true)});
  if (!answer.ok()) {
    if (answer.status >= 500) return detail::refusal_page(ctx, request, answer);
    return form_page(ctx, request, true, values_of(*form), nullptr, &answer, false);
  }
  return detail::see_other("/admin/newsletters/" +
                           http::percent_encode(text_of(answer.json.as_object(), "slug")) +
                           "?saved=1");
}

http::Response newsletter_page(DeskContext& ctx, const http::Request& request) {
  auto answer = call_api(admin::api_get_newsletter, ctx.api, request,
                         {http::Method::get, {{"slug", request.params.at("slug")}}, {}, {}});
  if (!answer.ok()) return detail::refusal_page(ctx, request, answer);
  const auto& n = answer.json.as_object();
  return form_page(ctx, request, false, values_of(n), &n, nullptr,
                   request.query_param("saved").has_value());
}

http::Response draft_edition_post(DeskContext& ctx, const http::Request& request) {
  auto form = posted_form(request);
  if (!form) {
    return error_page(ctx.templates, ctx.config, request, 400, "The form could not be read.");
  }
  const std::string slug = request.params.at("slug");
  auto answer = call_api(admin::api_draft_edition, ctx.api, request,
                         {http::Method::post,
                          {{"slug", slug}},
                          {},
                          json::object{{"edition", http::form_value(*form, "edition")}}});
  if (answer.ok())
    return detail::see_other("/admin/issues/" + text_of(answer.json.as_object(), "id"));
  if (answer.status >= 500 || answer.status == 404) {
    return detail::refusal_page(ctx, request, answer);
  }
  auto stored = call_api(admin::api_get_newsletter, ctx.api, request,
                         {http::Method::get, {{"slug", slug}}, {}, {}});
  if (!stored.ok()) return detail::refusal_page(ctx, request, stored);
  const auto& n = stored.json.as_object();
  answer.field = "draft_edition";
  return form_page(ctx, request, false, values_of(n), &n, &answer, false);
}

http::Response update_newsletter_post(DeskContext& ctx, const http::Request& request) {
  auto form = posted_form(request);
  if (!form)
    return error_page(ctx.templates, ctx.config, request, 400, "The form could not be read.");
  const std::string slug = request.params.at("slug");
  auto answer = call_api(admin::api_update_newsletter, ctx.api, request,
                         {http::Method::patch, {{"slug", slug}}, {}, body_of(*form, false)});
  if (answer.ok())
    return detail::see_other("/admin/newsletters/" + http::percent_encode(slug) + "?saved=1");
  if (answer.status >= 500 || answer.status == 404)
    return detail::refusal_page(ctx, request, answer);
  auto stored = call_api(admin::api_get_newsletter, ctx.api, request,
                         {http::Method::get, {{"slug", slug}}, {}, {}});
  if (!stored.ok()) return detail::refusal_page(ctx, request, stored);
  return form_page(ctx, request, false, values_of(*form), &stored.json.as_object(), &answer, false);
}

}  // namespace broadsheet::desk
