// The token API of users and API tokens (issue 14 items 6 and 7), for admins: what
// `broadsheet user` and `broadsheet token` do, through the same rules (accounts.hpp).
//
//   GET    /api/v1/users                 {"users":[{"username","role","created_at"}]}
//   POST   /api/v1/users                 201, a user: {"username","password","role"?}
//                                        (role admin|editor|audience|viewer, editor by
//                                        default; password 12 to 1024 bytes)
//   PATCH  /api/v1/users/{username}      200, {"role"}: the user with their new role;
//                                        409 last_admin for the site's last admin given
//                                        a lower role (checked and changed in one
//                                        statement, so of two admins demoting each other
//                                        at once one is refused), 404 no such user
//   DELETE /api/v1/users/{username}      200, {"username","removed":true}: the user
//                                        goes with their tokens and desk sessions (as
//                                        `user remove`); 409 last_admin for the site's
//                                        last admin, 409 own_account for the caller's
//                                        own user, 404 when there is no such user
//   GET    /api/v1/tokens                {"tokens":[{"id","name","user","created_at",
//                                        "last_used_at","revoked_at"}]}, never a secret
//   POST   /api/v1/tokens                201, {"name","user"?}: the token and its
//                                        "secret", shown this once
//   DELETE /api/v1/tokens/{id}           200, {"id","revoked":true}; 409 when revoked
//                                        before, 404 when there is no such token
//
// Errors keep {"error":{"code","message"}}: 400 invalid_field naming the field, 404
// not_found, 409 conflict (a taken name, a token revoked before), 415, 503. Every
// change is audited under the caller's principal. Safe from any thread.
#pragma once

#include "admin/api_issues.hpp"

namespace broadsheet::admin {

http::Response api_list_users(ApiContext& ctx, const http::Request& req);
http::Response api_add_user(ApiContext& ctx, const http::Request& req);
http::Response api_update_user(ApiContext& ctx, const http::Request& req);
http::Response api_remove_user(ApiContext& ctx, const http::Request& req);
http::Response api_list_tokens(ApiContext& ctx, const http::Request& req);
http::Response api_create_token(ApiContext& ctx, const http::Request& req);
http::Response api_revoke_token(ApiContext& ctx, const http::Request& req);

}  // namespace broadsheet::admin
