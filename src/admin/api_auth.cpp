#include "admin/api_auth.hpp"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <map>
#include <memory>
#include <mutex>

#include "admin/credentials.hpp"
#include "admin/roles.hpp"
#include "http/form.hpp"

namespace broadsheet::admin {
namespace {

constexpr UnixSeconds kTouchEvery = 60;

http::Response refuse(std::string_view error, std::string_view message) {
  auto r = http::Response::json_error(401, "unauthorized", message);
  r.set_header("WWW-Authenticate",
               error.empty() ? std::string(R"(Bearer realm="broadsheet")")
                             : fmt::format(R"(Bearer realm="broadsheet", error="{}")", error));
  return r;
}

// The token of an "Authorization: Bearer TOKEN" header (scheme case-insensitive).
std::optional<std::string_view> bearer_token(const http::Request& request) {
  auto header = request.header("authorization");
  if (!header) return std::nullopt;
  std::string_view v = *header;
  constexpr std::string_view kScheme = "bearer ";
  if (v.size() < kScheme.size()) return std::string_view{};
  for (std::size_t i = 0; i < kScheme.size(); ++i) {
    const char c = v[i];
    if ((c >= 'A' && c <= 'Z' ? static_cast<char>(c + 32) : c) != kScheme[i]) return std::string_view{};
  }
  v.remove_prefix(kScheme.size());
  while (!v.empty() && v.front() == ' ') v.remove_prefix(1);
  while (!v.empty() && v.back() == ' ') v.remove_suffix(1);
  return v;
}

// A peer on this machine: 127.0.0.0/8, ::1, or IPv4 loopback mapped into IPv6.
bool is_loopback(std::string_view address) {
  if (address.starts_with("::ffff:")) address.remove_prefix(7);
  return address.starts_with("127.") || address == "::1";
}

// The desk's answers carry its policy (desk/layout.hpp says the same for its pages).
http::Response desk_answer(http::Response r) {
  r.set_header("Content-Security-Policy",
               "default-src 'none'; style-src 'self'; frame-ancestors 'none'");
  r.set_header("Cache-Control", "no-store");
  return r;
}

// A desk route without a signed-in session: pages send the browser to the sign-in
// form (which brings it back), the desk's fetches and forms get a 401.
http::Response desk_refusal(const http::Request& request) {
  const bool page = request.method == http::Method::get || request.method == http::Method::head;
  if (page && !request.path.starts_with("/admin/api/")) {
    return desk_answer(
        http::Response::redirect(303, "/admin/login?next=" + http::percent_encode(request.target)));
  }
  return desk_answer(http::Response::json_error(401, "unauthorized", "Sign in to the desk first."));
}

http::Response desk_forbidden(const http::Request& request, std::string_view message,
                              const DeskForbiddenPage& page) {
  if (request.path.starts_with("/admin/api/")) {
    return desk_answer(http::Response::json_error(403, "forbidden", message));
  }
  if (page) return page(request, message);
  return desk_answer(http::error_response(request.path, 403, "forbidden", message));
}

class TokenAuthorizer {
 public:
  TokenAuthorizer(store::ApiTokens& tokens, const Clock& clock, std::shared_ptr<DeskAuth> desk,
                  DeskForbiddenPage forbidden_page)
      : tokens_(tokens),
        clock_(clock),
        desk_(std::move(desk)),
        forbidden_page_(std::move(forbidden_page)) {}

  std::optional<http::Response> operator()(http::Permission permission, http::Request& request) {
    if (permission == http::Permission::local_or_token && is_loopback(request.remote_address)) {
      request.principal = "local";
      return std::nullopt;
    }
    if (http::is_desk(permission)) return desk_session(permission, request);
    auto secret = bearer_token(request);
    if (!secret) {
      return refuse("", "An API token is required: send \"Authorization: Bearer TOKEN\" (create "
                        "one with `broadsheet token create`).");
    }
    if (!looks_like_api_token(*secret)) {
      return refuse("invalid_token", "The Authorization header does not hold a Broadsheet API "
                                     "token (\"Bearer bs_...\").");
    }
    // An unknown and a revoked token get the same answer: telling them apart would
    // confirm to whoever holds a leaked token that it was once real.
    auto unusable = [] {
      return refuse("invalid_token", "This API token is not known or has been revoked.");
    };
    auto token = tokens_.api_token_by_hash(api_token_hash(*secret));
    if (!token) {
      if (token.error().code == Errc::not_found) return unusable();
      spdlog::error("request {}: cannot check an API token: {}", request.request_id,
                    token.error().message);
      return http::Response::json_error(503, "unavailable",
                                        "Tokens cannot be checked now. Please try again later.");
    }
    if (token->revoked_at) return unusable();
    touch(token->id);
    if (!role_allows(token->role, http::access_of(permission))) {
      return http::Response::json_error(403, "forbidden",
                                        role_refusal(token->role, http::access_of(permission)));
    }
    request.principal = fmt::format("api:{}/{}", token->username, token->name);
    request.caller.username = token->username;
    request.caller.role = std::string(to_string(token->role));
    return std::nullopt;
  }

 private:
  std::optional<http::Response> desk_session(http::Permission permission, http::Request& request) {
    if (desk_ == nullptr) return desk_refusal(request);
    auto session = desk_->session_of(request);
    if (!session) {
      spdlog::error("request {}: cannot check a desk session: {}", request.request_id,
                    session.error().message);
      return desk_answer(http::error_response(request.path, 503, "unavailable",
                                              "Please try again later."));
    }
    if (!*session) return desk_refusal(request);
    const auto& s = **session;
    request.caller.username = s.username;
    request.caller.role = std::string(to_string(s.role));
    request.caller.csrf_token = s.session.csrf_token;
    if (!role_allows(s.role, http::access_of(permission))) {
      return desk_forbidden(request, role_refusal(s.role, http::access_of(permission)),
                            forbidden_page_);
    }
    request.principal = "user:" + s.username;
    return std::nullopt;
  }

  void touch(Id id) {
    const UnixSeconds now = clock_.now();
    {
      std::lock_guard lock(mutex_);
      auto [it, fresh] = last_touch_.try_emplace(id, now);
      if (!fresh && now - it->second < kTouchEvery) return;
      it->second = now;
    }
    if (auto s = tokens_.touch_api_token(id, now); !s) {
      spdlog::warn("cannot record the use of API token {}: {}", id, s.error().message);
    }
  }

  store::ApiTokens& tokens_;
  const Clock& clock_;
  std::shared_ptr<DeskAuth> desk_;
  DeskForbiddenPage forbidden_page_;
  std::mutex mutex_;
  std::map<Id, UnixSeconds> last_touch_;  // one entry per token used since start
};

}  // namespace

http::Authorizer make_authorizer(store::ApiTokens& tokens, const Clock& clock,
                                 std::shared_ptr<DeskAuth> desk, DeskForbiddenPage forbidden_page) {
  auto authorizer =
      std::make_shared<TokenAuthorizer>(tokens, clock, std::move(desk), std::move(forbidden_page));
  return [authorizer](http::Permission p, http::Request& r) { return (*authorizer)(p, r); };
}

}  // namespace broadsheet::admin
