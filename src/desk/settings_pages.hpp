// The desk's settings (issue 14 item 6), for admins (desk_admin), over the token API's
// handlers (api_bridge.hpp: admin/api_settings.hpp, admin/api_accounts.hpp):
//   GET  /admin/settings                     the relays, the DKIM records to publish
//        (?check=1: with the live DNS check), the outbox's newest messages
//        (?offset=N pages them), users and API tokens
//   POST /admin/settings/relay-test          each relay checked now; the page with each
//                                            step's reply
//   GET  /admin/settings/outbox/{name}       one outbox message as raw text
//   POST /admin/settings/users               adds a user (username, password, role)
//   POST /admin/settings/users/{username}    changes a user's role
//   POST /admin/settings/users/{username}/remove  without confirm=1: the page asking
//                                            to confirm; with it: the user removed with
//                                            their tokens and sessions (not yourself,
//                                            not the last admin: the API's refusal shown)
//   POST /admin/settings/tokens              creates a token (name, user): its secret is
//                                            shown this once
//   POST /admin/settings/tokens/{id}/revoke  revokes a token
// Safe from any thread; the relay test blocks for at most its timeouts.
#pragma once

#include "desk/context.hpp"
#include "http/message.hpp"

namespace broadsheet::desk {

http::Response settings_page(DeskContext& ctx, const http::Request& request);
http::Response relay_test_post(DeskContext& ctx, const http::Request& request);
http::Response outbox_message_page(DeskContext& ctx, const http::Request& request);
http::Response add_user_post(DeskContext& ctx, const http::Request& request);
http::Response update_user_post(DeskContext& ctx, const http::Request& request);
http::Response remove_user_post(DeskContext& ctx, const http::Request& request);
http::Response create_token_post(DeskContext& ctx, const http::Request& request);
http::Response revoke_token_post(DeskContext& ctx, const http::Request& request);

}  // namespace broadsheet::desk
