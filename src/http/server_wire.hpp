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
// parsed header. Returns the reason the request must be refused with 400, or an
// empty string when it is acceptable. Method, target and path are filled even when
// the request is refused (the path as sent, up to any '?', when the target does not
// parse), so that the refusal can be answered as the path requires.
std::string read_header(const bhttp::request_header<>& header, Request& out);

// True for "Expect: 100-continue" on HTTP/1.1.
bool expects_continue(const bhttp::request_header<>& header);

// What the wire carries for `response`: framing (Content-Length, Connection) set by
// the server whatever the handler put there, the security headers, Server, Date and
// X-Request-Id. For HEAD the body is dropped but Content-Length stays that of GET.
// A response a handler got wrong (a header that could split the message, a status
// outside 200-599) becomes a 500 and is logged: it is a bug, not the client's fault.
WireResponse to_wire(Response response, const Request& request, bool keep_alive, unsigned version);

// Ordinary ways for a connection to end: the peer closed or reset it, it timed out,
// or we cancelled it. Checked before anything is treated (or logged) as a failure.
bool is_expected_ending(const beast::error_code& ec);

}  // namespace broadsheet::http
