// The desk's sign-in: who is at the desk, from a session cookie.
//
// A user signs in with the password of `broadsheet user add` (Argon2id). A session is
// 32 random bytes, sent as the cookie bs_desk (HttpOnly; SameSite=Strict; Path=/admin;
// Secure when publication.base_url is https) and stored only as its SHA-256, with a
// CSRF token of its own that every state-changing request must carry (the router
// checks it: http/router.hpp). A session ends when unused for admin.session_idle
// seconds, admin.session_lifetime seconds after sign-in, at sign-out, and when its
// user is removed or given a new password (store/sessions.hpp).
//
// Sign-in is throttled per user name and per client address: after
// admin.sign_in_attempts failures within admin.sign_in_window seconds, further tries
// are refused (Retry-After) without checking the password. An unknown user and a wrong
// password get the same answer after the same work (a dummy hash is verified).
// The sign-in form is protected from login CSRF (another site's form signing the victim
// in as the attacker, whose desk would then see what the victim types): the form's GET
// gives the browser a pre-session cookie bs_login (32 random bytes; HttpOnly;
// SameSite=Strict; Path=/admin/login; Secure as above) and the form a token, the
// cookie's HMAC-SHA256 under the form key (settings.form_key: the same on every node
// of a site; empty: a random key of this process). A sign-in whose token does not
// match its cookie is refused before the throttle or any password is looked at.
// Sign-ins, failures, throttling and sign-outs go to the audit log as desk.sign_in,
// desk.sign_in_failed, desk.sign_in_throttled and desk.sign_out.
//
// Trusts: nothing in a request but the cookie's match with a stored hash. Fails
// closed: a store error is "unavailable", never "signed in".
// Thread-safe; the roles and the clock must outlive it.
#pragma once

#include <mutex>
#include <optional>
#include <string>
#include <string_view>

#include "config/config.hpp"
#include "core/clock.hpp"
#include "core/result.hpp"
#include "http/message.hpp"
#include "store/audit_log.hpp"
#include "store/sessions.hpp"
#include "store/users.hpp"

namespace broadsheet::admin {

struct DeskAuthSettings {
  UnixSeconds idle = 12 * 3600;
  UnixSeconds lifetime = 7 * 86400;
  int attempts = 5;
  UnixSeconds window = 15 * 60;
  bool secure_cookie = false;
  std::string form_key;  // HMAC key of the sign-in form's token; empty: random

  // From [admin]; secure_cookie when publication.base_url starts with https://.
  // form_key stays empty: the caller derives it from a secret the site's nodes share.
  static DeskAuthSettings from(const Config& config);
};

class DeskAuth {
 public:
  static constexpr std::string_view kCookie = "bs_desk";
  static constexpr std::string_view kFormCookie = "bs_login";  // the sign-in form's

  DeskAuth(store::Users& users, store::Sessions& sessions, store::AuditLog& audit,
           const Clock& clock, DeskAuthSettings settings);

  struct SignIn {
    enum class Outcome { signed_in, refused, throttled, unavailable } outcome = Outcome::refused;
    std::string set_cookie;       // signed_in: the Set-Cookie header's value
    UnixSeconds retry_after = 0;  // throttled: seconds until a try is counted again
  };
  // The sign-in form's CSRF token for the browser of `request`, and the Set-Cookie value
  // of the pre-session cookie it is bound to (empty when the request's cookie serves).
  struct SignInForm {
    std::string token;
    std::string set_cookie;
  };
  SignInForm sign_in_form(const http::Request& request) const;

  // True when `token` is the one sign_in_form gave for the request's pre-session
  // cookie (compared in constant time); false without the cookie.
  bool sign_in_form_ok(const http::Request& request, std::string_view token) const;

  // `client` is the request's client address.
  SignIn sign_in(std::string_view username, std::string_view password, const std::string& client);

  // The live session the request's cookie names, with its user as they are now;
  // nullopt without a cookie or for an unknown or expired one (removed on the way).
  // Records the use at most once a minute. Errors: the store's.
  Result<std::optional<store::SessionUser>> session_of(const http::Request& request);

  // Ends the request's session (if any) and returns the Set-Cookie value that clears
  // the cookie.
  std::string sign_out(const http::Request& request);

  const DeskAuthSettings& settings() const { return settings_; }

 private:
  std::string cookie(std::string_view value, UnixSeconds max_age) const;
  std::string form_token(std::string_view pre_session) const;
  const std::string& dummy_hash();

  store::Users& users_;
  store::Sessions& sessions_;
  store::AuditLog& audit_;
  const Clock& clock_;
  DeskAuthSettings settings_;
  std::once_flag dummy_once_;
  std::string dummy_hash_;  // verified for unknown users, so they cost what a user costs
};

// The value of cookie `name` in the request's Cookie headers, or nullopt.
std::optional<std::string_view> cookie_value(const http::Request& request, std::string_view name);

}  // namespace broadsheet::admin
