#include "desk/sign_in.hpp"

#include <fmt/format.h>

#include "core/resources.hpp"
#include "desk/layout.hpp"
#include "http/form.hpp"

namespace broadsheet::desk {
namespace {

// Where to go after signing in: a path of the desk, never another site ("//evil",
// "/\evil" and "/admin/../x" included).
std::string safe_next(std::string_view next) {
  const bool ok = next.starts_with("/admin") && next.size() <= 2000 &&
                  next.find("//") == std::string_view::npos &&
                  next.find('\\') == std::string_view::npos &&
                  next.find("..") == std::string_view::npos &&
                  (next.size() == 6 || next[6] == '/' || next[6] == '?');
  bool printable = true;
  for (char c : next) printable = printable && static_cast<unsigned char>(c) > 0x20 && c != 0x7f;
  return ok && printable && !next.starts_with("/admin/login") ? std::string(next) : "/admin";
}

// The form with its CSRF token, bound to the browser's pre-session cookie (set here when
// the browser has none).
http::Response form(DeskContext& ctx, const http::Request& request, int status,
                    std::string_view message, std::string_view username, std::string_view next) {
  const auto protection = ctx.auth.sign_in_form(request);
  web::TemplateData data;
  data.set("csrf_token", protection.token);
  if (!message.empty()) data.set("message", std::string(message));
  // Only a name typed before: an empty one would still open {{#username}} sections.
  if (!username.empty()) data.set("username", std::string(username));
  data.set("next", safe_next(next));
  auto r =
      render_page(ctx.templates, ctx.config, request, {"desk/login", "Sign in", data, "", status});
  if (!protection.set_cookie.empty()) r.set_header("Set-Cookie", protection.set_cookie);
  return r;
}

}  // namespace

http::Response sign_in_page(DeskContext& ctx, const http::Request& request) {
  const std::string next = safe_next(request.query_param("next").value_or("/admin"));
  if (auto session = ctx.auth.session_of(request); session && *session) {
    auto r = http::Response::redirect(303, next);
    return desk_headers(r);
  }
  return form(ctx, request, 200, "", "", next);
}

http::Response sign_in_post(DeskContext& ctx, const http::Request& request) {
  auto fields = http::parse_form(request.body, 10);
  if (!fields || !has_content_type(request, "application/x-www-form-urlencoded")) {
    return form(ctx, request, 400, "The form could not be read; please try again.", "", "/admin");
  }
  const std::string username = http::form_value(*fields, "username");
  const std::string next = http::form_value(*fields, "next");
  // Not this desk's form in this browser (another site's, or one older than the
  // browser's cookie): refused before the throttle counts it or a password is checked.
  if (!ctx.auth.sign_in_form_ok(request, http::form_value(*fields, "csrf_token"))) {
    return form(ctx, request, 403,
                "This sign-in form did not come from this desk or has expired. Please sign in "
                "again.",
                username, next);
  }
  auto outcome = ctx.auth.sign_in(username, http::form_value(*fields, "password"),
                                  request.remote_address);
  using Outcome = admin::DeskAuth::SignIn::Outcome;
  switch (outcome.outcome) {
    case Outcome::signed_in: {
      auto r = http::Response::redirect(303, safe_next(next));
      r.set_header("Set-Cookie", outcome.set_cookie);
      return desk_headers(r);
    }
    case Outcome::refused:
      return form(ctx, request, 401, "The user name or the password is not right.", username, next);
    case Outcome::throttled: {
      const auto minutes = (outcome.retry_after + 59) / 60;
      auto r = form(ctx, request, 429,
                    fmt::format("Too many failed sign-ins. Try again in {} minute{}.", minutes,
                                minutes == 1 ? "" : "s"),
                    username, next);
      r.set_header("Retry-After", std::to_string(outcome.retry_after));
      return r;
    }
    case Outcome::unavailable: break;
  }
  return form(ctx, request, 503, "Signing in is not possible now. Please try again later.",
              username, next);
}

http::Response sign_out_post(DeskContext& ctx, const http::Request& request) {
  auto r = http::Response::redirect(303, "/admin/login");
  r.set_header("Set-Cookie", ctx.auth.sign_out(request));
  return desk_headers(r);
}

http::Response desk_asset(DeskContext&, const http::Request& request) {
  const std::string& file = request.params.at("file");
  std::string_view type;
  if (file == "desk.css") type = "text/css; charset=utf-8";
  if (file == "desk.js") type = "text/javascript; charset=utf-8";
  auto content = type.empty() ? std::nullopt : resource("web/desk/" + file);
  if (!content) {
    return http::error_response(request.path, 404, "not_found", "There is no such file.");
  }
  auto r = http::Response::text(200, std::string(*content), std::string(type));
  r.set_header("Cache-Control", "no-cache");
  return r;
}

}  // namespace broadsheet::desk
