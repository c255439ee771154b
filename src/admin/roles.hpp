// The role rules: which access (http::Access, named by each route's permission in the
// routing table) each user role is given. One place, so the desk, the API and the
// permission matrix test agree:
//   admin     everything
//   editor    read, content (newsletters' content, issues, sending)
//   audience  read, audience (readers, imports, exports, segments, suppressions)
//   viewer    read
// Pure functions; thread-safe.
#pragma once

#include <string_view>

#include "core/types.hpp"
#include "http/router.hpp"

namespace broadsheet::admin {

// True when `role` may use a route that needs `access`.
bool role_allows(UserRole role, http::Access access);

// The message of a 403 for `role` on a route that needs `access` ("This needs the
// editor or admin role; you are a viewer.").
std::string role_refusal(UserRole role, http::Access access);

}  // namespace broadsheet::admin
