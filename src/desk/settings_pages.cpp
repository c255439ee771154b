#include "desk/settings_pages.hpp"

#include "admin/api_accounts.hpp"
#include "admin/api_settings.hpp"
#include "desk/form_pages.hpp"
#include "desk/layout.hpp"

namespace broadsheet::desk {
namespace {

namespace json = boost::json;
namespace mustache = kainjow::mustache;
using detail::posted_form;

constexpr int kOutboxPerPage = 20;

// What a settings form left to show on the page.
struct Outcome {
  const json::value* relay_results = nullptr;  // the relay test's answer
  const json::value* new_token = nullptr;      // a token just made, with its secret
  const ApiAnswer* refusal = nullptr;
  std::string form;  // which form the refusal belongs to: "user", "token", "role"
  std::string notice;
};

http::Response show_settings(DeskContext& ctx, const http::Request& request,
                             const Outcome& outcome) {
  web::TemplateData data;
  const bool check = request.query_param("check").has_value();
  ApiCall dkim_call;
  if (check) dkim_call.query.emplace("check", "true");
  auto dkim = call_api(admin::api_dkim_keys, ctx.api, request, dkim_call);
  if (dkim.ok()) {
    data.set("dkim", template_data(dkim.json));
    data.set("has_keys", !dkim.json.at("keys").as_array().empty());
  } else {
    data.set("dkim_error", dkim.message);
  }
  data.set("checked", check);

  ApiCall outbox_call{
      http::Method::get, {}, {{"limit", std::to_string(kOutboxPerPage)}}, std::nullopt};
  if (auto offset = request.query_param("offset"))
    outbox_call.query.emplace("offset", std::string(*offset));
  auto outbox = call_api(admin::api_outbox_list, ctx.api, request, outbox_call);
  if (outbox.ok()) {
    data.set("outbox", template_data(outbox.json));
    data.set("is_outbox", outbox.json.at("transport").as_string() == "outbox");
    data.set("has_messages", !outbox.json.at("messages").as_array().empty());
  } else {
    data.set("outbox_error", outbox.message);
  }

  auto users = call_api(admin::api_list_users, ctx.api, request, {});
  if (!users.ok()) return detail::refusal_page(ctx, request, users);
  mustache::data user_rows{mustache::data::type::list};
  for (const auto& u : users.json.at("users").as_array()) {
    web::TemplateData row = template_data(u);
    mustache::data roles{mustache::data::type::list};
    for (std::string_view role : {"admin", "editor", "audience", "viewer"}) {
      mustache::data item;
      item.set("value", std::string(role));
      item.set("selected", u.at("role").as_string() == role);
      roles.push_back(item);
    }
    row.set("roles", roles);
    // The API refuses removing yourself; the page offers it for the others only.
    row.set("self", u.at("username").as_string() == request.caller.username);
    user_rows.push_back(row);
  }
  data.set("users", user_rows);
  auto tokens = call_api(admin::api_list_tokens, ctx.api, request, {});
  if (!tokens.ok()) return detail::refusal_page(ctx, request, tokens);
  data.set("tokens", template_data(tokens.json.at("tokens")));

  if (outcome.relay_results) data.set("relay", template_data(*outcome.relay_results));
  if (outcome.new_token) data.set("new_token", template_data(*outcome.new_token));
  if (!outcome.notice.empty()) data.set("notice", outcome.notice);
  int status = 200;
  if (outcome.refusal) {
    status = outcome.refusal->status;
    data.set("message", outcome.refusal->message);
    data.set("error_" + outcome.form, outcome.refusal->message);
  }
  return render_page(ctx.templates, ctx.config, request,
                     {"desk/settings", "Settings", data, "settings", status});
}

// Runs a form's API call; the settings page shows what came of it.
http::Response settings_form(DeskContext& ctx, const http::Request& request, ApiHandler handler,
                             ApiCall call, std::string form, std::string done) {
  auto answer = call_api(handler, ctx.api, request, std::move(call));
  if (answer.status >= 500) return detail::refusal_page(ctx, request, answer);
  if (!answer.ok()) return show_settings(ctx, request, {nullptr, nullptr, &answer, form, ""});
  // The new token's secret is shown this once, beside the tokens (no redirect).
  if (form == "token")
    return show_settings(ctx, request, {nullptr, &answer.json, nullptr, form, ""});
  return detail::see_other("/admin/settings?done=" + done);
}

}  // namespace

http::Response settings_page(DeskContext& ctx, const http::Request& request) {
  std::string notice;
  if (auto done = request.query_param("done")) {
    if (*done == "user") notice = "The user was added.";
    if (*done == "role") notice = "The role was changed.";
    if (*done == "removed") notice = "The user was removed, with their tokens and sessions.";
    if (*done == "revoked") notice = "The token was revoked.";
  }
  return show_settings(ctx, request, {nullptr, nullptr, nullptr, "", notice});
}

http::Response relay_test_post(DeskContext& ctx, const http::Request& request) {
  auto answer =
      call_api(admin::api_relay_test, ctx.api, request, {http::Method::post, {}, {}, std::nullopt});
  if (!answer.ok()) return detail::refusal_page(ctx, request, answer);
  return show_settings(ctx, request, {&answer.json, nullptr, nullptr, "", ""});
}

http::Response outbox_message_page(DeskContext& ctx, const http::Request& request) {
  auto answer =
      call_api(admin::api_outbox_message, ctx.api, request,
               {http::Method::get, {{"name", request.params.at("name")}}, {}, std::nullopt});
  if (!answer.ok()) return detail::refusal_page(ctx, request, answer);
  web::TemplateData data;
  data.set("name", request.params.at("name"));
  data.set("raw", answer.raw);
  return render_page(ctx.templates, ctx.config, request,
                     {"desk/outbox_message", "Outbox message", data, "settings"});
}

http::Response add_user_post(DeskContext& ctx, const http::Request& request) {
  auto form = posted_form(request);
  if (!form)
    return error_page(ctx.templates, ctx.config, request, 400, "The form could not be read.");
  json::object body{{"username", http::form_value(*form, "username")},
                    {"password", http::form_value(*form, "password")},
                    {"role", http::form_value(*form, "role")}};
  return settings_form(ctx, request, admin::api_add_user,
                       {http::Method::post, {}, {}, std::move(body)}, "user", "user");
}

http::Response update_user_post(DeskContext& ctx, const http::Request& request) {
  auto form = posted_form(request);
  if (!form)
    return error_page(ctx.templates, ctx.config, request, 400, "The form could not be read.");
  return settings_form(ctx, request, admin::api_update_user,
                       {http::Method::patch,
                        {{"username", request.params.at("username")}},
                        {},
                        json::object{{"role", http::form_value(*form, "role")}}},
                       "role", "role");
}

http::Response remove_user_post(DeskContext& ctx, const http::Request& request) {
  auto form = posted_form(request);
  if (!form)
    return error_page(ctx.templates, ctx.config, request, 400, "The form could not be read.");
  const std::string& username = request.params.at("username");
  // The table's button asks first; the confirmation's button removes.
  if (http::form_value(*form, "confirm") != "1") {
    web::TemplateData data;
    data.set("username", username);
    return render_page(ctx.templates, ctx.config, request,
                       {"desk/remove_user", "Remove a user", data, "settings"});
  }
  return settings_form(ctx, request, admin::api_remove_user,
                       {http::Method::delete_, {{"username", username}}, {}, std::nullopt},
                       "remove", "removed");
}

http::Response create_token_post(DeskContext& ctx, const http::Request& request) {
  auto form = posted_form(request);
  if (!form)
    return error_page(ctx.templates, ctx.config, request, 400, "The form could not be read.");
  json::object body{{"name", http::form_value(*form, "name")}};
  // No user named: the token is the signed-in admin's own.
  const std::string user = http::form_value(*form, "user");
  body["user"] = user.empty() ? request.caller.username : user;
  return settings_form(ctx, request, admin::api_create_token,
                       {http::Method::post, {}, {}, std::move(body)}, "token", "");
}

http::Response revoke_token_post(DeskContext& ctx, const http::Request& request) {
  return settings_form(ctx, request, admin::api_revoke_token,
                       {http::Method::delete_, {{"id", request.params.at("id")}}, {}, std::nullopt},
                       "revoke", "revoked");
}

}  // namespace broadsheet::desk
