#include "admin/api_accounts.hpp"

#include <fmt/format.h>

#include <boost/json.hpp>
#include <charconv>

#include "admin/accounts.hpp"
#include "admin/api_common.hpp"
#include "admin/json_shapes.hpp"
#include "core/text.hpp"

namespace broadsheet::admin {
namespace {

namespace json = boost::json;
using detail::error_answer;
using detail::json_body;
using detail::string_field;
using detail::unknown_field;
using http::Request;
using http::Response;

Response no_accounts() {
  return Response::json_error(503, "unavailable", "Users are not available on this server.");
}

// The answer to a failed account call: a rule broken names the field, a taken name is a
// conflict, an unknown one not found.
Response account_error(const Request& req, const Error& e) {
  if (e.code == Errc::conflict) return Response::json_error(409, "conflict", e.message);
  return error_answer(req, e);
}

// The site keeps one admin at least: neither removed nor given a lower role.
Response last_admin(std::string_view username) {
  return Response::json_error(
      409, "last_admin",
      fmt::format("{} is the last admin; give another user the admin role first.",
                  excerpt(username, 64)));
}

Response no_user(std::string_view username) {
  return Response::json_error(404, "not_found",
                              fmt::format("There is no user {}.", excerpt(username, 64)));
}

}  // namespace

Response api_list_users(ApiContext& ctx, const Request& req) {
  if (ctx.users == nullptr) return no_accounts();
  auto users = ctx.users->list_users();
  if (!users) return error_answer(req, users.error());
  json::array out;
  for (const auto& u : *users) out.push_back(user_json(u));
  return Response::json(200, json::object{{"users", std::move(out)}});
}

Response api_add_user(ApiContext& ctx, const Request& req) {
  if (ctx.users == nullptr) return no_accounts();
  std::optional<Response> refusal;
  auto parsed = json_body(req, refusal);
  if (!parsed) return std::move(*refusal);
  const json::object& body = parsed->value.as_object();
  if (auto r = unknown_field(body, {"username", "password", "role"},
                             "a user has username, password and role.")) {
    return std::move(*r);
  }
  auto username = string_field(body, "username", std::nullopt);
  auto password = string_field(body, "password", std::nullopt);
  auto role = string_field(body, "role", std::string("editor"));
  for (const auto* r : {&username, &password, &role}) {
    if (!*r) return error_answer(req, r->error());
  }
  if (auto s = check_username(*username); !s) {
    return Response::json_error(400, "invalid_field", "\"username\": " + s.error().message);
  }
  auto added = add_account(*ctx.users, *username, *role, *password, json_name);
  if (!added) return account_error(req, added.error());
  (void)ctx.audit.audit(req.principal, "user.add", added->username,
                        std::string(to_string(added->role)));
  return Response::json(201, user_json(*added));
}

Response api_update_user(ApiContext& ctx, const Request& req) {
  if (ctx.users == nullptr) return no_accounts();
  std::optional<Response> refusal;
  auto parsed = json_body(req, refusal);
  if (!parsed) return std::move(*refusal);
  const json::object& body = parsed->value.as_object();
  if (auto r = unknown_field(body, {"role"}, "a user's role can change.")) return std::move(*r);
  auto role_text = string_field(body, "role", std::nullopt);
  if (!role_text) return error_answer(req, role_text.error());
  auto role = user_role_from(*role_text);
  if (!role) {
    return Response::json_error(400, "invalid_field",
                                "\"role\" must be admin, editor, audience or viewer");
  }
  const std::string& username = req.params.at("username");
  auto user = ctx.users->set_user_role(username, *role);
  if (!user) {
    if (user.error().code == Errc::conflict) return last_admin(username);
    if (user.error().code == Errc::not_found) return no_user(username);
    return error_answer(req, user.error());
  }
  (void)ctx.audit.audit(req.principal, "user.role", user->username,
                        std::string(to_string(user->role)));
  return Response::json(200, user_json(*user));
}

Response api_remove_user(ApiContext& ctx, const Request& req) {
  if (ctx.users == nullptr) return no_accounts();
  const std::string& username = req.params.at("username");
  // Removing yourself would end the session or token this request came with, and may
  // lock the desk's last admin out; another admin does it.
  if (username == req.caller.username) {
    return Response::json_error(409, "own_account",
                                "You cannot remove your own user; another admin can.");
  }
  if (auto s = remove_account(*ctx.users, ctx.audit, username, req.principal); !s) {
    if (s.error().code == Errc::conflict) return last_admin(username);
    if (s.error().code == Errc::not_found) return no_user(username);
    return error_answer(req, s.error());
  }
  return Response::json(200, json::object{{"username", username}, {"removed", true}});
}

Response api_list_tokens(ApiContext& ctx, const Request& req) {
  if (ctx.tokens == nullptr) return no_accounts();
  auto tokens = ctx.tokens->list_api_tokens();
  if (!tokens) return error_answer(req, tokens.error());
  json::array out;
  for (const auto& t : *tokens) out.push_back(api_token_json(t));
  return Response::json(200, json::object{{"tokens", std::move(out)}});
}

Response api_create_token(ApiContext& ctx, const Request& req) {
  if (ctx.users == nullptr || ctx.tokens == nullptr) return no_accounts();
  std::optional<Response> refusal;
  auto parsed = json_body(req, refusal);
  if (!parsed) return std::move(*refusal);
  const json::object& body = parsed->value.as_object();
  if (auto r = unknown_field(body, {"name", "user"}, "a token has name and user.")) {
    return std::move(*r);
  }
  auto token_name = string_field(body, "name", std::nullopt);
  auto user = string_field(body, "user", std::string());
  for (const auto* r : {&token_name, &user}) {
    if (!*r) return error_answer(req, r->error());
  }
  auto issued = issue_token(*ctx.users, *ctx.tokens, *user, *token_name, json_name);
  if (!issued) return account_error(req, issued.error());
  (void)ctx.audit.audit(req.principal, "token.create", std::to_string(issued->token.id),
                        fmt::format("{} for {}", issued->token.name, issued->token.username));
  auto out = api_token_json(issued->token);
  out["secret"] = issued->secret;
  return Response::json(201, out);
}

Response api_revoke_token(ApiContext& ctx, const Request& req) {
  if (ctx.tokens == nullptr) return no_accounts();
  const std::string& text = req.params.at("id");
  Id id = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), id);
  if (text.empty() || text.size() > 15 || ec != std::errc() ||
      end != text.data() + text.size() || id < 1) {
    return Response::json_error(404, "not_found",
                                fmt::format("There is no token {}.", excerpt(text, 24)));
  }
  if (auto s = ctx.tokens->revoke_api_token(id); !s) return account_error(req, s.error());
  (void)ctx.audit.audit(req.principal, "token.revoke", std::to_string(id), "");
  return Response::json(200, json::object{{"id", id}, {"revoked", true}});
}

}  // namespace broadsheet::admin
