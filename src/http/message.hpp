// Requests and responses as plain values. Handlers are functions from Request to
// Response and never see a socket, so they are tested without one. The server
// (server.hpp) converts between these and the wire.
#pragma once

#include <boost/json/value.hpp>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace broadsheet::http {

enum class Method { get, head, post, put, patch, delete_, options, other };

std::string_view method_name(Method m);
Method method_from(std::string_view name);

struct Request {
  Method method = Method::get;
  std::string target;                                        // as sent: path plus query
  std::string path;                                          // percent-decoded path, no query
  std::multimap<std::string, std::string> query;             // decoded query parameters
  std::vector<std::pair<std::string, std::string>> headers;  // names lowercased
  std::string body;
  // The client's IP as text: the peer, or for a trusted proxy's request the client
  // it names (http/client_address.hpp); "unknown" when that cannot be read.
  std::string remote_address;
  bool secure = false;                        // a trusted proxy says the client used TLS
  std::string request_id;                     // unique per request, also in the access log
  // Who the router's authorizer recognised ("api:USER/TOKEN-NAME"); empty on public
  // routes. For audit entries.
  std::string principal;
  // The user behind a token or a desk session, set by the authorizer with principal:
  // for handlers that act as them (audit entries, the desk's layout, CSRF fields).
  struct Caller {
    std::string username;    // empty for public routes and for "local"
    std::string role;        // "admin", "editor", "audience" or "viewer"
    std::string csrf_token;  // desk sessions only: to put in forms (field csrf_token)
  } caller;
  std::map<std::string, std::string> params;  // from {name} segments of the route

  // The first header with this (lowercase) name, or nullopt.
  std::optional<std::string_view> header(std::string_view lowercase_name) const;
  // The first query parameter with this name, or nullopt.
  std::optional<std::string_view> query_param(std::string_view name) const;
};

struct Response {
  int status = 200;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;

  Response& set_header(std::string name, std::string value);

  static Response html(int status, std::string body);
  static Response text(int status, std::string body,
                       std::string content_type = "text/plain; charset=utf-8");
  static Response json(int status, const boost::json::value& v);
  // {"error":{"code":CODE,"message":MESSAGE}} with the given status.
  static Response json_error(int status, std::string_view code, std::string_view message);
  static Response redirect(int status, std::string location);
};

// True when the request's Content-Type is `type` (lowercase, e.g. "application/json"),
// whatever its parameters (charset) and the case it was sent in.
bool has_content_type(const Request& request, std::string_view type);

// Reason phrase for a status code ("Not Found").
std::string_view status_reason(int status);

// Escapes text for HTML element content and attribute values: core/text.hpp's
// html_escaped, under the name the web pages use.
std::string html_escape(std::string_view s);

// True for paths of the JSON API ("/api" and below), whose errors are JSON.
bool is_api_path(std::string_view path);

// An error answer in the form the path's clients expect: json_error() under /api/,
// otherwise a small HTML page showing `message`. `code` is a stable machine name
// ("not_found"); `message` is shown to the client, so it must not hold internals.
Response error_response(std::string_view path, int status, std::string_view code,
                        std::string_view message);

}  // namespace broadsheet::http
