#include "admin/roles.hpp"

#include <fmt/format.h>

namespace broadsheet::admin {

bool role_allows(UserRole role, http::Access access) {
  switch (access) {
    case http::Access::none:
    case http::Access::read: return true;
    case http::Access::content: return role == UserRole::admin || role == UserRole::editor;
    case http::Access::audience: return role == UserRole::admin || role == UserRole::audience;
    case http::Access::admin: return role == UserRole::admin;
  }
  return false;
}

std::string role_refusal(UserRole role, http::Access access) {
  std::string_view needed = "admin";
  if (access == http::Access::content) needed = "editor or admin";
  if (access == http::Access::audience) needed = "audience or admin";
  return fmt::format("This needs the {} role; you are {} {}.", needed,
                     role == UserRole::admin || role == UserRole::audience ? "an" : "a",
                     to_string(role));
}

}  // namespace broadsheet::admin
