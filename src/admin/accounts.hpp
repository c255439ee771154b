// Users and API tokens as admins manage them: `broadsheet user add`, `user remove`,
// `token create` and the API's /api/v1/users and /api/v1/tokens check names, roles and
// passwords by these rules, hash the password (Argon2id) and the token (SHA-256) the same way, and
// name each field as the caller spells it (newsletter_input.hpp's FieldNamer).
//
// Errors: Errc::invalid_argument with a one-line message, the store's (Errc::conflict
// for a taken name, Errc::not_found for an unknown user). Thread-safe as the store's
// roles are.
#pragma once

#include <string>
#include <string_view>

#include "admin/newsletter_input.hpp"
#include "core/result.hpp"
#include "core/types.hpp"
#include "store/api_tokens.hpp"
#include "store/audit_log.hpp"
#include "store/users.hpp"

namespace broadsheet::admin {

inline constexpr std::size_t kMaxTokenName = 100;

// 1 to 64 of [a-z0-9._-].
Status check_username(std::string_view name);

// A new user `username` with `role` ("admin", "editor", "audience", "viewer") and the
// password's Argon2id hash.
Result<User> add_account(store::Users& users, std::string_view username, std::string_view role,
                         std::string_view password, const FieldNamer& name);

// Removes `username` with their API tokens and desk sessions (so they are signed out
// everywhere at once), audited as user.remove under `principal` ("cli",
// "user:NAME"). Errc::not_found; Errc::conflict for the last admin (the store keeps one).
Status remove_account(store::Users& users, store::AuditLog& audit, std::string_view username,
                      std::string_view principal);

// A token for `username` (empty: the only user, refused when there are several) that
// says what it is for; the secret is in the result only.
struct IssuedToken {
  ApiToken token;
  std::string secret;
};
Result<IssuedToken> issue_token(store::Users& users, store::ApiTokens& tokens,
                                std::string_view username, std::string_view token_name,
                                const FieldNamer& name);

}  // namespace broadsheet::admin
