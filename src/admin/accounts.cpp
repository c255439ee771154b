#include "admin/accounts.hpp"

#include <fmt/format.h>

#include "admin/credentials.hpp"

namespace broadsheet::admin {

Status check_username(std::string_view name) {
  if (name.empty() || name.size() > 64) {
    return make_error(Errc::invalid_argument, "a user name has 1 to 64 characters");
  }
  for (char c : name) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '_' ||
                    c == '-';
    if (!ok) {
      return make_error(Errc::invalid_argument,
                        "a user name has only lowercase letters, digits, '.', '_' and '-'");
    }
  }
  return {};
}

Result<User> add_account(store::Users& users, std::string_view username, std::string_view role,
                         std::string_view password, const FieldNamer& name) {
  if (auto s = check_username(username); !s) return s.error();
  auto parsed = user_role_from(role);
  if (!parsed) {
    return make_error(Errc::invalid_argument,
                      name("role") + " must be admin, editor, audience or viewer");
  }
  auto hash = hash_password(password);
  if (!hash) return hash.error();
  User u;
  u.username = std::string(username);
  u.password_hash = std::move(*hash);
  u.role = *parsed;
  return users.add_user(u);
}

Status remove_account(store::Users& users, store::AuditLog& audit, std::string_view username,
                      std::string_view principal) {
  if (auto s = users.remove_user(std::string(username)); !s) return s;
  (void)audit.audit(std::string(principal), "user.remove", std::string(username), "");
  return {};
}

Result<IssuedToken> issue_token(store::Users& users, store::ApiTokens& tokens,
                                std::string_view username, std::string_view token_name,
                                const FieldNamer& name) {
  if (auto s = check_text(name("name"), token_name, kMaxTokenName); !s) return s.error();
  if (token_name.empty()) {
    return make_error(Errc::invalid_argument, name("name") + " must say what the token is for");
  }
  std::string owner(username);
  if (owner.empty()) {
    auto all = users.list_users();
    if (!all) return all.error();
    if (all->empty()) {
      return make_error(Errc::invalid_argument,
                        "there are no users yet; add one with `broadsheet user add NAME`");
    }
    if (all->size() > 1) {
      return make_error(Errc::invalid_argument,
                        name("user") + " is required when there is more than one user");
    }
    owner = all->front().username;
  }
  auto user = users.user_by_name(owner);
  if (!user) return user.error();
  auto token = generate_api_token();
  auto added = tokens.add_api_token(user->id, std::string(token_name), token.hash);
  if (!added) return added.error();
  if (added->username.empty()) added->username = owner;
  return IssuedToken{std::move(*added), std::move(token.secret)};
}

}  // namespace broadsheet::admin
