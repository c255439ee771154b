// The token API of the settings (issue 14 item 6), for admins: what the server sends
// with, checked live.
//
//   POST /api/v1/settings/relay/test    each relay of [smtp] checked now as `serve`
//        checks them at start (smtp::Pool::check_relays: connect, greeting, EHLO,
//        STARTTLS, AUTH, QUIT; no message), in a pool of its own with timeouts of at
//        most kRelayTestTimeout: {"transport","relays":[{"relay","ok","configuration",
//        "what","steps":[{"step","reply"}]}]}; with transport = "outbox" the relays
//        list is empty and "what" says so.
//   GET  /api/v1/settings/dkim?check=true   the signing keys of dkim.keys with the TXT
//        record to publish for each ("record_name", "txt_record", "zone_line") and, with
//        check, the live DNS check of `dkim check` ("published": {"ok","verdict"}).
//   GET  /api/v1/settings/outbox?limit=N&offset=M   the messages of DATA/outbox newest
//        first (transport/outbox_reader.hpp), each with its To and Subject;
//        "next_offset" null on the last page (offset at most 100000)
//   GET  /api/v1/settings/outbox/{name}  one message as stored (text/plain); a name that
//        could reach outside the outbox is 400 invalid_field, one not there 404.
//
// Trusts nothing in the request; names are checked before any file is opened. Errors
// keep {"error":{"code","message"}}; 503 unavailable when the server has no
// configuration at hand. Blocking: the relay test waits for the relays (bounded).
#pragma once

#include <chrono>

#include "admin/api_issues.hpp"

namespace broadsheet::admin {

inline constexpr std::chrono::seconds kRelayTestTimeout{15};

http::Response api_relay_test(ApiContext& ctx, const http::Request& req);
http::Response api_dkim_keys(ApiContext& ctx, const http::Request& req);
http::Response api_outbox_list(ApiContext& ctx, const http::Request& req);
http::Response api_outbox_message(ApiContext& ctx, const http::Request& req);

}  // namespace broadsheet::admin
