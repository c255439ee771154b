// Store role: the users of the desk and the API (`broadsheet user`).
// Thread-safe; each method is one transaction (store/store.hpp).
#pragma once

#include <string>
#include <vector>

#include "core/result.hpp"
#include "core/types.hpp"

namespace broadsheet::store {

// Usernames are unique: a taken one is Errc::conflict. Errc::not_found for an unknown
// name.
class Users {
 public:
  virtual ~Users() = default;

  virtual Result<User> add_user(const User& u) = 0;
  virtual Result<User> user_by_name(const std::string& username) = 0;
  virtual Result<std::vector<User>> list_users() = 0;
  // Removes the user with their API tokens and desk sessions. Errc::not_found;
  // Errc::conflict for the last admin (a site always keeps one), checked and removed in
  // one step.
  virtual Status remove_user(const std::string& username) = 0;
  // Replaces the password and ends the user's desk sessions. Errc::not_found.
  virtual Status set_password_hash(const std::string& username,
                                   const std::string& password_hash) = 0;
  // The user with their new role. Errc::not_found for an unknown name; Errc::conflict
  // for the last admin given a lower role (a site always keeps one), checked and changed
  // in one step, so of two admins demoting each other at once one is refused.
  virtual Result<User> set_user_role(const std::string& username, UserRole role) = 0;
};

}  // namespace broadsheet::store
