// Between Beast's messages and the plain Request/Response values handlers see: what
// the server takes from a parsed header, what it adds to every response, and which
// socket errors are ordinary endings. Only server*.cpp include this (it pulls Beast).
#pragma once

#include <boost/beast/core/error.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>
#include <string>

#include "http/message.hpp"

namespace broadsheet::http {

namespace beast = boost::beast;
namespace bhttp = boost::beast::http;

using WireRequest = bhttp::request<bhttp::string_body>;
using WireResponse = bhttp::response<bhttp::string_body>;

// Fills method, target, decoded path, query and lowercased headers of `out` from a
// parsed header. Returns the reason the request must be refused with 400 (and its
// connection closed), or an empty string when it is acceptable: among the reasons, a
// body whose framing is in doubt (a Transfer-Encoding other than exactly chunked, or
// one beside Content-Length), as the next request would start where it ends. Method, target and
// path are filled even when the request is refused (the path as sent, up to any '?', when the
// target does not parse), so that the refusal can be answered as the path requires.
std::string read_header(const bhttp::request_header<>& header, Request& out);

// True for "Expect: 100-continue" on HTTP/1.1.
bool expects_continue(const bhttp::request_header<>& header);

// What the server knows of a request's route that its response needs.
struct RouteTraits {
  // A capability link or a protected route (Router::shielded): never framed by
  // another site, and no Referer leaves its pages.
  bool shielded = false;
  std::string_view log_target;  // the target as logs may show it
};

// The Content-Security-Policy of HTML pages (kShieldedFrames appended on shielded
// routes), and of everything else: nothing may load from it, nothing may frame it.
// Pages load scripts, styles and images from the server itself; the sign-up box
// needs inline styles (the robot check sets them) and workers from blob: URLs;
// archived issues may show images from anywhere over HTTPS.
inline constexpr std::string_view kPagePolicy =
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data: https:; worker-src 'self' blob: data:; connect-src 'self'; "
    "object-src 'none'; base-uri 'none'; form-action 'self'";
inline constexpr std::string_view kShieldedFrames = "; frame-ancestors 'none'";
inline constexpr std::string_view kNonPagePolicy = "default-src 'none'; frame-ancestors 'none'";

// What the wire carries for `response`: framing (Content-Length, Connection) set by
// the server whatever the handler put there, the security headers (those the handler
// did not set itself: X-Content-Type-Options, Content-Security-Policy as above,
// Referrer-Policy no-referrer on shielded routes and strict-origin-when-cross-origin
// elsewhere), Server, Date and X-Request-Id. For HEAD the body is dropped but
// Content-Length stays that of GET. A response a handler got wrong (a header that
// could split the message, a status outside 200-599) becomes a 500 and is logged: it
// is a bug, not the client's fault.
WireResponse to_wire(Response response, const Request& request, bool keep_alive, unsigned version,
                     const RouteTraits& traits);

// Ordinary ways for a connection to end: the peer closed or reset it, it timed out,
// or we cancelled it. Checked before anything is treated (or logged) as a failure.
bool is_expected_ending(const beast::error_code& ec);

}  // namespace broadsheet::http
