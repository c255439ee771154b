#include "admin/desk_auth.hpp"

#include <fmt/format.h>
#include <sodium.h>
#include <spdlog/spdlog.h>

#include <algorithm>

#include "admin/credentials.hpp"
#include "core/encoding.hpp"
#include "core/text.hpp"

namespace broadsheet::admin {
namespace {

constexpr UnixSeconds kSessionTouchEvery = 60;
// Longer names and passwords are refused unread: nobody has them, and Argon2id is not
// to be fed megabytes.
constexpr std::size_t kMaxUsername = 64;
constexpr std::size_t kMaxPassword = 1024;

std::string user_key(std::string_view username) { return fmt::format("user:{}", username); }
std::string client_key(const std::string& client) { return "client:" + client; }

// A pre-session cookie's value: 43 base64url characters, like a token without "bs_".
bool looks_like_pre_session(std::string_view value) {
  return value.size() == 43 && looks_like_api_token(fmt::format("bs_{}", value));
}

}  // namespace

DeskAuthSettings DeskAuthSettings::from(const Config& config) {
  DeskAuthSettings s;
  s.idle = config.admin.session_idle;
  s.lifetime = config.admin.session_lifetime;
  s.attempts = config.admin.sign_in_attempts;
  s.window = config.admin.sign_in_window;
  s.secure_cookie = config.publication.base_url.starts_with("https://");
  return s;
}

DeskAuth::DeskAuth(store::Users& users, store::Sessions& sessions, store::AuditLog& audit,
                   const Clock& clock, DeskAuthSettings settings)
    : users_(users),
      sessions_(sessions),
      audit_(audit),
      clock_(clock),
      settings_(std::move(settings)) {
  if (settings_.form_key.empty()) settings_.form_key = generate_api_token().secret;
}

std::string DeskAuth::form_token(std::string_view pre_session) const {
  return hmac_sha256_hex(settings_.form_key, fmt::format("desk sign-in form\n{}", pre_session));
}

DeskAuth::SignInForm DeskAuth::sign_in_form(const http::Request& request) const {
  SignInForm form;
  auto value = cookie_value(request, kFormCookie);
  std::string pre_session;
  if (value && looks_like_pre_session(*value)) {
    pre_session = std::string(*value);
  } else {
    pre_session = generate_api_token().secret.substr(3);
    // A browser cookie (no Max-Age): it lives as long as the form may stay open.
    form.set_cookie =
        fmt::format("{}={}; Path=/admin/login; HttpOnly; SameSite=Strict{}", kFormCookie,
                    pre_session, settings_.secure_cookie ? "; Secure" : "");
  }
  form.token = form_token(pre_session);
  return form;
}

bool DeskAuth::sign_in_form_ok(const http::Request& request, std::string_view token) const {
  auto value = cookie_value(request, kFormCookie);
  if (!value || !looks_like_pre_session(*value)) return false;
  const std::string expected = form_token(*value);
  return token.size() == expected.size() &&
         sodium_memcmp(token.data(), expected.data(), expected.size()) == 0;
}

const std::string& DeskAuth::dummy_hash() {
  // The hash of a password nobody knows (random, then forgotten), made at the first
  // sign-in of an unknown name rather than at start: it takes Argon2id's time and memory.
  std::call_once(dummy_once_, [this] {
    auto hash = hash_password(generate_api_token().secret);
    if (hash) dummy_hash_ = std::move(*hash);
  });
  return dummy_hash_;
}

std::string DeskAuth::cookie(std::string_view value, UnixSeconds max_age) const {
  return fmt::format("{}={}; Path=/admin; Max-Age={}; HttpOnly; SameSite=Strict{}", kCookie, value,
                     max_age, settings_.secure_cookie ? "; Secure" : "");
}

DeskAuth::SignIn DeskAuth::sign_in(std::string_view username, std::string_view password,
                                   const std::string& client) {
  SignIn out;
  const UnixSeconds now = clock_.now();
  const std::string shown(excerpt(username, kMaxUsername));
  const std::string by_user = user_key(shown), by_client = client_key(client);
  auto unavailable = [&](const Error& e) {
    spdlog::error("desk sign-in: {}", e.message);
    out.outcome = SignIn::Outcome::unavailable;
    return out;
  };
  (void)sessions_.purge_sessions(now - settings_.idle, now - settings_.lifetime,
                                 now - settings_.window);

  // Throttled: refused before any password is looked at.
  UnixSeconds retry_after = 0;
  for (const std::string* key : {&by_user, &by_client}) {
    auto failures = sessions_.sign_in_failures(*key, now - settings_.window);
    if (!failures) return unavailable(failures.error());
    if (failures->count >= settings_.attempts) {
      retry_after = std::max(retry_after, failures->oldest + settings_.window - now);
    }
  }
  if (retry_after > 0) {
    (void)audit_.audit("client:" + client, "desk.sign_in_throttled", shown, "");
    out.outcome = SignIn::Outcome::throttled;
    out.retry_after = retry_after;
    return out;
  }

  bool ok = false;
  std::optional<User> user;
  if (username.size() <= kMaxUsername && password.size() <= kMaxPassword) {
    auto found = users_.user_by_name(std::string(username));
    if (found) {
      user = std::move(*found);
      ok = verify_password(user->password_hash, password);
    } else if (found.error().code == Errc::not_found) {
      (void)verify_password(dummy_hash(), password);
    } else {
      return unavailable(found.error());
    }
  }
  if (!ok) {
    for (const std::string* key : {&by_user, &by_client}) {
      if (auto s = sessions_.add_sign_in_failure(*key, now); !s) return unavailable(s.error());
    }
    (void)audit_.audit("client:" + client, "desk.sign_in_failed", shown, "");
    out.outcome = SignIn::Outcome::refused;
    return out;
  }

  NewApiToken secret = generate_api_token();
  store::DeskSession session;
  session.id_hash = secret.hash;
  session.user_id = user->id;
  session.csrf_token = generate_api_token().secret.substr(3);
  session.created_at = session.last_seen_at = now;
  session.client_address = client;
  if (auto s = sessions_.add_session(session); !s) return unavailable(s.error());
  (void)sessions_.clear_sign_in_failures(by_user);
  (void)audit_.audit("user:" + user->username, "desk.sign_in", user->username, client);
  out.outcome = SignIn::Outcome::signed_in;
  out.set_cookie = cookie(secret.secret, settings_.lifetime);
  return out;
}

Result<std::optional<store::SessionUser>> DeskAuth::session_of(const http::Request& request) {
  auto value = cookie_value(request, kCookie);
  if (!value || !looks_like_api_token(*value)) return std::optional<store::SessionUser>{};
  const std::string hash = api_token_hash(*value);
  auto found = sessions_.session_by_hash(hash);
  if (!found) {
    if (found.error().code == Errc::not_found) return std::optional<store::SessionUser>{};
    return found.error();
  }
  const UnixSeconds now = clock_.now();
  const auto& s = found->session;
  if (now - s.last_seen_at > settings_.idle || now - s.created_at > settings_.lifetime) {
    (void)sessions_.remove_session(hash);
    return std::optional<store::SessionUser>{};
  }
  if (now - s.last_seen_at >= kSessionTouchEvery) {
    if (auto t = sessions_.touch_session(hash, now); !t) {
      spdlog::warn("cannot record the use of a desk session: {}", t.error().message);
    }
  }
  return std::optional<store::SessionUser>{std::move(*found)};
}

std::string DeskAuth::sign_out(const http::Request& request) {
  auto session = session_of(request);
  if (session && *session) {
    (void)sessions_.remove_session((*session)->session.id_hash);
    (void)audit_.audit("user:" + (*session)->username, "desk.sign_out", (*session)->username, "");
  }
  return cookie("", 0);
}

std::optional<std::string_view> cookie_value(const http::Request& request, std::string_view name) {
  for (const auto& [header, value] : request.headers) {
    if (header != "cookie") continue;
    std::string_view rest = value;
    while (!rest.empty()) {
      auto semi = rest.find(';');
      std::string_view pair = rest.substr(0, semi);
      rest = semi == std::string_view::npos ? std::string_view{} : rest.substr(semi + 1);
      while (!pair.empty() && pair.front() == ' ') pair.remove_prefix(1);
      auto eq = pair.find('=');
      if (eq != std::string_view::npos && pair.substr(0, eq) == name) return pair.substr(eq + 1);
    }
  }
  return std::nullopt;
}

}  // namespace broadsheet::admin
