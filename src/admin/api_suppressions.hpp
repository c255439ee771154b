// The suppression list in the token API (store::Suppressions): the addresses never sent
// to, as `broadsheet suppression list|add|remove` shows and changes them.
//
//   GET    /api/v1/suppressions?after=HASH&limit=N   {"suppressions":[{"address",
//          "address_hash","reason","source","created_at"}],"next_after"}: ordered by
//          hash, keyset paging (next_after is the last hash when the page is full,
//          else null); limit 1-1000, default 100; a removed reader's entry has
//          "address": null
//   POST   /api/v1/suppressions  {"email","reason"?}: 201 {"address","added":true},
//          or 200 {"address","added":false} when it was suppressed already (its first
//          date is kept); audited as suppression.add
//   DELETE /api/v1/suppressions/{email}   200 {"address","removed":true}; 404
//          not_found when it is not suppressed; audited as suppression.remove
//
// Addresses are checked and normalised as readers' are (address/address.hpp, under
// the server's mail.allow_* keys): 400 invalid_field otherwise. Errors as api_issues.hpp.
// Handlers are plain functions of the request; safe from any thread.
#pragma once

#include "admin/api_issues.hpp"

namespace broadsheet::admin {

http::Response api_list_suppressions(ApiContext& ctx, const http::Request& req);
http::Response api_add_suppression(ApiContext& ctx, const http::Request& req);
http::Response api_remove_suppression(ApiContext& ctx, const http::Request& req);

}  // namespace broadsheet::admin
