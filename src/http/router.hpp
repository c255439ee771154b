// The routing table: every route Broadsheet serves, with the permission it needs, is
// one row of one table (built in app/routes.cpp), so access rules can be audited on one
// screen. Patterns are literal segments and {name} segments ("/archive/{slug}").
// A segment named {token} is a capability: whoever has the address may use it (the
// links of emails, /u/{token}), so it is never written to a log, and its pages are
// shielded like those of protected routes (never framed, no Referer).
//
// Thread safety: a Router is immutable after construction and may be shared.
#pragma once

#include <cstddef>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "http/message.hpp"

namespace broadsheet::http {

// Who may use a route. The api_* values need a bearer token, which carries its user's
// role; the desk_* values need a signed-in desk session (and its CSRF token on every
// request that is not GET or HEAD). The suffix is the access the role must have:
//   read     any role
//   content  editor or admin: newsletters' content, issues, sending
//   audience audience or admin: readers, imports, exports, segments, suppressions
//   admin    admin only: users, tokens, settings
// (admin/roles.hpp holds the rules.) The authorizer answers 401 to a caller it does not
// know (for desk pages: a redirect to /admin/login), 403 to a role that is not enough.
// On desk routes, every method but GET, HEAD and OPTIONS must also carry the session's
// CSRF token (request.caller.csrf_token, set by the authorizer): the router compares it,
// in constant time and once the body is read, with the X-CSRF-Token header or else the
// csrf_token field of a form (urlencoded or multipart), and answers 403 "csrf" when it
// is missing or wrong.
enum class Permission {
  public_access,  // anyone on the internet
  local_or_token, // a client on this machine (loopback), or an API token (metrics)
  api_read,
  api_content,
  api_audience,
  api_admin,
  desk_read,
  desk_content,
  desk_audience,
  desk_admin,
};

// What a role must be allowed, whatever the way in (token or desk session).
enum class Access { none, read, content, audience, admin };

std::string_view permission_name(Permission p);
Access access_of(Permission p);  // none for public_access and local_or_token
bool is_api(Permission p);       // api_*
bool is_desk(Permission p);      // desk_*

// The refusal of a request to a desk route whose CSRF token is missing or wrong, or
// nullopt when it may go on (a safe method, or the token matches).
std::optional<Response> csrf_refusal(Permission p, const Request& request);

using Handler = std::function<Response(const Request&)>;

struct Route {
  Method method;
  std::string pattern;
  Permission permission;
  Handler handler;
  // Largest accepted body in bytes; 0 takes the server's limit for the permission.
  std::size_t body_limit = 0;
};

// Decides whether a request may use a route that needs more than public access.
// Returns nullopt to allow (having set request.principal), or the refusal (401/403)
// to send.
using Authorizer = std::function<std::optional<Response>(Permission, Request&)>;

struct Match {
  const Route* route = nullptr;  // null when nothing matched
  bool path_matched = false;     // some route has this path, with another method (405)
};

class Router {
 public:
  // REQUIRES: no two routes share a method and pattern.
  explicit Router(std::vector<Route> routes, Authorizer authorize = nullptr);

  // Finds the route for method and path and fills `params`. HEAD matches GET routes.
  Match match(Method method, const std::string& path,
              std::map<std::string, std::string>& params) const;

  // Checks the permission of the route `request` matches, without running it: the
  // refusal to send, or nullopt (no route, a public one, or allowed: then
  // request.principal is set and dispatch() does not ask again). The server calls it
  // once the header is read, so a refused caller's body is never read.
  std::optional<Response> authorize(Request& request) const;

  // Matches, checks the permission, runs the handler. Answers 404 and 405 itself
  // (JSON under /api/, HTML elsewhere). `route_label` receives the matched pattern
  // (or "unmatched"), for metrics and the access log.
  Response dispatch(Request& request, std::string& route_label) const;

  const std::vector<Route>& routes() const { return routes_; }

  // The request target as logs may show it: when the decoded `path` reaches a
  // {token} segment of some route (wherever it starts in the path, whatever the
  // method), the pattern up to it with "{token}" in its place, and nothing after,
  // query included ("/u/{token}"); otherwise `target` as sent.
  std::string loggable_target(std::string_view path, std::string_view target) const;

  // True when `path` is the address of a capability ({token}) or of a route that
  // needs more than public access, with any method: its responses are not to be
  // framed by other sites nor leak their address in a Referer.
  bool shielded(const std::string& path) const;

 private:
  std::vector<Route> routes_;
  // The segments before each {token} segment ({"u"} for /u/{token}).
  std::vector<std::vector<std::string>> capability_prefixes_;
  Authorizer authorize_;
};

}  // namespace broadsheet::http
