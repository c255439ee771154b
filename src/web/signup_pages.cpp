#include "web/signup_pages.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <boost/json.hpp>

#include "core/resources.hpp"
#include "http/form.hpp"
#include "http/json_body.hpp"
#include "schedule/schedule.hpp"
#include "web/pages.hpp"

namespace broadsheet::web {
namespace {

namespace json = boost::json;
using http::Request;
using http::Response;
using http::has_content_type;

std::vector<std::string> split_slugs(std::string_view list) {
  std::vector<std::string> out;
  while (!list.empty() && out.size() < 20) {
    auto comma = list.find(',');
    std::string slug(list.substr(0, comma));
    if (!slug.empty()) out.push_back(slug);
    if (comma == std::string_view::npos) break;
    list.remove_prefix(comma + 1);
  }
  return out;
}

bool contains(const std::vector<std::string>& v, const std::string& s) {
  return std::find(v.begin(), v.end(), s) != v.end();
}

json::object errors_json(const std::vector<FieldError>& errors) {
  json::array list;
  for (const auto& e : errors) {
    list.push_back(json::object{{"field", e.field}, {"code", e.code}, {"message", e.message}});
  }
  return json::object{{"errors", list}};
}

Response answer_json(const SignupAnswer& a) {
  if (a.status == 202) {
    return Response::json(202, json::object{{"status", "pending_confirmation"}, {"message", a.message}});
  }
  auto body = errors_json(a.errors);
  if (a.status != 422 && !a.errors.empty()) {
    body["error"] = json::object{{"code", a.errors.front().code}, {"message", a.errors.front().message}};
  }
  auto r = Response::json(a.status, body);
  if (a.status == 429) r.set_header("Retry-After", "600");
  return r;
}

// Reads an optional string member; a member of another type is an error.
bool read_string(const json::object& o, std::string_view key, std::string& out) {
  auto* v = o.if_contains(key);
  if (!v || v->is_null()) return true;
  if (!v->is_string()) return false;
  out = std::string(v->as_string());
  return true;
}

Response box_page(WebContext& ctx, const Request& req, const BoxState& state, int status) {
  auto newsletters = public_newsletters(ctx);
  if (!newsletters) {
    spdlog::error("request {}: listing newsletters: {}", req.request_id, newsletters.error().message);
    return error_page(ctx, req, 503, "");
  }
  TemplateData d;
  d.set("box", render_signup_box(ctx, state, *newsletters));
  return Response::html(status, ctx.templates.page("subscribe", "Newsletter sign up", d, site_data(ctx)));
}

}  // namespace

std::string render_signup_box(WebContext& ctx, const BoxState& state,
                              const std::vector<Newsletter>& newsletters) {
  TemplateData list{TemplateData::type::list};
  std::size_t count = 0;
  for (const auto& n : newsletters) {
    if (!state.offered.empty() && !contains(state.offered, n.slug)) continue;
    auto schedule = parse_schedule(n.schedule);
    TemplateData d;
    d.set("slug", n.slug);
    d.set("name", n.name);
    d.set("description", n.description);
    d.set("schedule", schedule ? schedule->describe() : n.schedule);
    d.set("checked", contains(state.checked, n.slug));
    list.push_back(d);
    ++count;
  }
  const auto& cfg = ctx.config.signup;
  TemplateData box;
  // The fragment brings a reader without JavaScript back to the box after posting.
  box.set("action", "/subscribe#bs-title");
  box.set("challenge_url", "/api/v1/public/challenge");
  box.set("page", state.page);
  box.set("heading", "Newsletter sign up");
  box.set("newsletters", list);
  box.set("single", count == 1);
  box.set("email", state.email);
  box.set("name", state.name);
  box.set("consent_text", cfg.consent_text);
  box.set("consent_version", cfg.consent_version);
  if (!cfg.marketing_text.empty()) box.set("marketing_text", cfg.marketing_text);
  box.set("marketing_checked", state.marketing);
  if (!state.errors.empty()) {
    TemplateData errors;
    for (const auto& e : state.errors) errors.set(e.field.empty() ? "form" : e.field, e.message);
    box.set("errors", errors);
  }
  if (!state.success.empty()) box.set("success", state.success);
  return ctx.templates.render("signup_box", box);
}

Response api_challenge(WebContext& ctx, const Request& req) {
  auto challenge = ctx.signup.challenge(req.query_param("v").value_or(""));
  if (!challenge) return Response::json_error(400, "invalid_version", challenge.error().message);
  auto r = Response::json(200, *challenge);
  r.set_header("Cache-Control", "no-store");
  r.set_header("Access-Control-Allow-Origin", "*");
  return r;
}

// The box on a publisher's site posts JSON across origins: every answer, errors too,
// must be readable there, and the browser's preflight must be answered.
Response api_subscribe_json(WebContext& ctx, const Request& req);

Response api_subscribe(WebContext& ctx, const Request& req) {
  auto r = api_subscribe_json(ctx, req);
  r.set_header("Access-Control-Allow-Origin", "*");
  return r;
}

Response api_preflight(WebContext&, const Request&) {
  Response r;
  r.status = 204;
  r.set_header("Access-Control-Allow-Origin", "*");
  r.set_header("Access-Control-Allow-Methods", "GET, POST, OPTIONS");
  r.set_header("Access-Control-Allow-Headers", "Content-Type");
  r.set_header("Access-Control-Max-Age", "600");
  return r;
}

Response api_subscribe_json(WebContext& ctx, const Request& req) {
  if (!has_content_type(req, "application/json")) {
    return Response::json_error(415, "unsupported_media_type", "Send the sign-up as application/json.");
  }
  // A sign-up is a flat object of a few fields and one short list (the same limits as
  // the token API's bodies would allow a stranger far more than it needs).
  auto parsed = http::parse_json_body(req.body, {.max_depth = 4, .max_values = 256});
  if (!parsed && parsed.error().message == http::kInvalidUtf8) {
    return Response::json_error(400, "invalid_utf8", "The request body is not valid UTF-8.");
  }
  if (!parsed || !parsed->value.is_object()) {
    return Response::json_error(400, "invalid_json", "The request body must be a JSON object.");
  }
  const auto& o = parsed->value.as_object();
  SignupForm form;
  std::vector<FieldError> type_errors;
  const auto& msg = ctx.config.signup;
  if (!read_string(o, "email", form.email)) type_errors.push_back({"email", "invalid_email", msg.msg_invalid_email});
  if (!read_string(o, "name", form.name)) type_errors.push_back({"name", "invalid_name", "The name must be text."});
  if (!read_string(o, "altcha", form.altcha)) type_errors.push_back({"altcha", "robot_check_failed", msg.msg_robot_check_failed});
  (void)read_string(o, "timezone", form.timezone);
  (void)read_string(o, "page", form.page);
  if (auto* n = o.if_contains("newsletters"); n && !n->is_null()) {
    if (!n->is_array()) {
      type_errors.push_back({"newsletters", "no_newsletter", msg.msg_no_newsletter});
    } else {
      for (const auto& slug : n->as_array()) {
        if (!slug.is_string()) {
          type_errors.push_back({"newsletters", "unknown_newsletter", msg.msg_unknown_newsletter});
          break;
        }
        form.newsletters.emplace_back(slug.as_string());
      }
    }
  }
  if (auto* m = o.if_contains("marketing"); m && m->is_bool()) form.marketing = m->as_bool();
  form.client_ip = req.remote_address;
  if (!type_errors.empty()) return answer_json(ctx.signup.refuse(form, std::move(type_errors)));
  return answer_json(ctx.signup.submit(form, req.request_id));
}

Response subscribe_page(WebContext& ctx, const Request& req) {
  BoxState state;
  state.page = "/subscribe";
  if (auto list = req.query_param("newsletters")) state.checked = split_slugs(*list);
  return box_page(ctx, req, state, 200);
}

Response subscribe_form(WebContext& ctx, const Request& req) {
  BoxState state;
  state.page = "/subscribe";
  if (!has_content_type(req, "application/x-www-form-urlencoded")) {
    state.errors.push_back({"", "unsupported_media_type", ctx.config.signup.msg_internal});
    return box_page(ctx, req, state, 415);
  }
  auto fields = http::parse_form(req.body);
  if (!fields) {
    state.errors.push_back({"", "invalid_form", "The form could not be read. Please try again."});
    return box_page(ctx, req, state, 400);
  }
  SignupForm form;
  form.email = http::form_value(*fields, "email");
  form.name = http::form_value(*fields, "name");
  form.altcha = http::form_value(*fields, "altcha");
  form.timezone = http::form_value(*fields, "timezone");
  form.page = http::form_value(*fields, "page");
  form.newsletters = http::form_values(*fields, "newsletters");
  form.marketing = !http::form_value(*fields, "marketing").empty();
  form.client_ip = req.remote_address;
  auto answer = ctx.signup.submit(form, req.request_id);
  state.email = form.email.substr(0, 320);
  state.name = form.name.substr(0, 200);
  state.checked = form.newsletters;
  state.marketing = form.marketing;
  const int status = answer.status == 202 ? 200 : answer.status;
  if (answer.status == 202) {
    state.success = answer.message;
  } else {
    state.errors = answer.errors;
  }
  // The answer goes back to the page the box was on, when it is one of ours.
  state.page = form.page.substr(0, 500);
  if (auto page = page_with_answer(ctx, req, state, status)) return std::move(*page);
  state.page = "/subscribe";
  return box_page(ctx, req, state, status);
}

Response embed_box(WebContext& ctx, const Request& req) {
  BoxState state;
  if (auto list = req.query_param("newsletters")) {
    state.offered = split_slugs(*list);
    state.checked = state.offered;
  }
  state.page = std::string(req.query_param("page").value_or("").substr(0, 500));
  auto newsletters = public_newsletters(ctx);
  if (!newsletters) {
    spdlog::error("request {}: listing newsletters: {}", req.request_id, newsletters.error().message);
    return Response::json_error(503, "internal", ctx.config.signup.msg_internal);
  }
  auto r = Response::html(200, render_signup_box(ctx, state, *newsletters));
  r.set_header("Access-Control-Allow-Origin", "*");
  return r;
}

Response embed_script(WebContext& ctx, const Request& req) {
  auto script = resource("web/embed/signup.js");
  if (!script) return error_page(ctx, req, 404, "The sign-up script is not built into this server.");
  auto r = Response::text(200, std::string(*script), "text/javascript; charset=utf-8");
  r.set_header("Cache-Control", "public, max-age=300");
  r.set_header("Access-Control-Allow-Origin", "*");
  return r;
}

}  // namespace broadsheet::web
