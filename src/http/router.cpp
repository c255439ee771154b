#include "http/router.hpp"

#include <openssl/crypto.h>

#include <spdlog/spdlog.h>

#include <algorithm>
#include <stdexcept>

#include "http/form.hpp"
#include "http/multipart.hpp"

namespace broadsheet::http {
namespace {

// "/a/{b}/" -> {"a", "{b}", ""}. Paths and patterns both start with '/', so the
// leading empty segment is dropped; a trailing slash keeps its empty segment, which
// makes "/archive" and "/archive/" different addresses.
std::vector<std::string_view> split_segments(std::string_view path) {
  std::vector<std::string_view> out;
  path.remove_prefix(1);
  while (true) {
    auto slash = path.find('/');
    out.push_back(path.substr(0, slash));
    if (slash == std::string_view::npos) break;
    path.remove_prefix(slash + 1);
  }
  return out;
}

bool is_param(std::string_view segment) {
  return segment.size() > 2 && segment.front() == '{' && segment.back() == '}';
}

constexpr std::string_view kCapability = "{token}";

// Compares `path` (already percent-decoded) with `pattern`. On a match fills `params`
// and `specificity` (one flag per segment, true for a literal), so that a literal
// route such as "/archive/latest" wins over "/archive/{slug}".
bool path_matches(std::string_view pattern, std::string_view path,
                  std::map<std::string, std::string>& params, std::vector<bool>& specificity) {
  if (path.empty() || path.front() != '/') return false;
  auto want = split_segments(pattern);
  auto got = split_segments(path);
  if (want.size() != got.size()) return false;
  params.clear();
  specificity.clear();
  for (std::size_t i = 0; i < want.size(); ++i) {
    if (is_param(want[i])) {
      // Dot segments never bind to a parameter: a handler that maps a parameter to
      // a file or a key must not be handed a way to climb out of its folder.
      if (got[i].empty() || got[i] == "." || got[i] == "..") return false;
      params.emplace(std::string(want[i].substr(1, want[i].size() - 2)), std::string(got[i]));
      specificity.push_back(false);
    } else {
      if (want[i] != got[i]) return false;
      specificity.push_back(true);
    }
  }
  return true;
}

std::string allowed_methods(const std::vector<Route>& routes, std::string_view path) {
  std::vector<Method> methods;
  std::map<std::string, std::string> ignored;
  std::vector<bool> specificity;
  for (const auto& route : routes) {
    if (!path_matches(route.pattern, path, ignored, specificity)) continue;
    methods.push_back(route.method);
    if (route.method == Method::get) methods.push_back(Method::head);
  }
  std::sort(methods.begin(), methods.end());
  methods.erase(std::unique(methods.begin(), methods.end()), methods.end());
  std::string allow;
  for (Method m : methods) {
    if (!allow.empty()) allow += ", ";
    allow += method_name(m);
  }
  return allow;
}

void check_route(const Route& route, const std::vector<Route>& earlier) {
  if (route.pattern.empty() || route.pattern.front() != '/') {
    throw std::invalid_argument("route pattern must start with '/': " + route.pattern);
  }
  for (const auto& other : earlier) {
    if (other.method == route.method && other.pattern == route.pattern) {
      throw std::invalid_argument("duplicate route: " + std::string(method_name(route.method)) +
                                  " " + route.pattern);
    }
  }
}

}  // namespace

std::string_view permission_name(Permission p) {
  switch (p) {
    case Permission::public_access: return "public";
    case Permission::local_or_token: return "local_or_token";
    case Permission::api_read: return "api_read";
    case Permission::api_content: return "api_content";
    case Permission::api_audience: return "api_audience";
    case Permission::api_admin: return "api_admin";
    case Permission::desk_read: return "desk_read";
    case Permission::desk_content: return "desk_content";
    case Permission::desk_audience: return "desk_audience";
    case Permission::desk_admin: return "desk_admin";
  }
  return "unknown";
}

Access access_of(Permission p) {
  switch (p) {
    case Permission::api_read:
    case Permission::desk_read: return Access::read;
    case Permission::api_content:
    case Permission::desk_content: return Access::content;
    case Permission::api_audience:
    case Permission::desk_audience: return Access::audience;
    case Permission::api_admin:
    case Permission::desk_admin: return Access::admin;
    case Permission::public_access:
    case Permission::local_or_token: return Access::none;
  }
  return Access::admin;
}

bool is_api(Permission p) {
  return p == Permission::api_read || p == Permission::api_content ||
         p == Permission::api_audience || p == Permission::api_admin;
}

bool is_desk(Permission p) {
  return p == Permission::desk_read || p == Permission::desk_content ||
         p == Permission::desk_audience || p == Permission::desk_admin;
}

std::optional<Response> csrf_refusal(Permission p, const Request& request) {
  if (!is_desk(p) || request.method == Method::get || request.method == Method::head ||
      request.method == Method::options) {
    return std::nullopt;
  }
  std::string sent;
  if (auto header = request.header("x-csrf-token")) {
    sent = std::string(*header);
  } else if (has_content_type(request, "application/x-www-form-urlencoded")) {
    if (auto fields = parse_form(request.body, 1000)) sent = form_value(*fields, "csrf_token");
  } else if (has_content_type(request, "multipart/form-data")) {
    if (auto parts = parse_multipart(request)) {
      if (const auto* field = find_part(*parts, "csrf_token")) sent = std::string(field->body);
    }
  }
  const std::string& expected = request.caller.csrf_token;
  if (!expected.empty() && sent.size() == expected.size() &&
      CRYPTO_memcmp(sent.data(), expected.data(), sent.size()) == 0) {
    return std::nullopt;
  }
  const std::string_view message =
      "This form has expired or did not come from the desk: reload the page and try again.";
  if (request.path.starts_with("/admin/api/") || request.header("x-csrf-token")) {
    return Response::json_error(403, "csrf", message);
  }
  return error_response(request.path, 403, "csrf", message);
}

// A broken table is a bug in the program, not a condition to run with: it throws
// here, at start-up, instead of misrouting requests later.
Router::Router(std::vector<Route> routes, Authorizer authorize) : authorize_(std::move(authorize)) {
  routes_.reserve(routes.size());
  for (auto& route : routes) {
    check_route(route, routes_);
    auto segments = split_segments(route.pattern);
    auto token = std::find(segments.begin(), segments.end(), kCapability);
    if (token != segments.end()) {
      std::vector<std::string> prefix(segments.begin(), token);
      if (std::find(capability_prefixes_.begin(), capability_prefixes_.end(), prefix) ==
          capability_prefixes_.end()) {
        capability_prefixes_.push_back(std::move(prefix));
      }
    }
    routes_.push_back(std::move(route));
  }
}

std::string Router::loggable_target(std::string_view path, std::string_view target) const {
  // Split on every '/', the first segment included, so that whatever path a client
  // sends (none at all, "//u/T", an absolute URL) is searched the same way.
  std::vector<std::string_view> got;
  for (std::string_view rest = path;;) {
    auto slash = rest.find('/');
    got.push_back(rest.substr(0, slash));
    if (slash == std::string_view::npos) break;
    rest.remove_prefix(slash + 1);
  }
  for (std::size_t start = 0; start < got.size(); ++start) {
    for (const auto& prefix : capability_prefixes_) {
      std::size_t token_at = start + prefix.size();
      if (token_at >= got.size()) continue;
      bool fits = true;
      for (std::size_t i = 0; i < prefix.size() && fits; ++i) {
        fits = is_param(prefix[i]) ? !got[start + i].empty() : got[start + i] == prefix[i];
      }
      if (!fits) continue;
      std::string shown;
      for (std::size_t i = 0; i < token_at; ++i) {
        shown += got[i];
        shown += '/';
      }
      return shown + std::string(kCapability);
    }
  }
  return std::string(target);
}

bool Router::shielded(const std::string& path) const {
  std::map<std::string, std::string> ignored;
  std::vector<bool> specificity;
  for (const auto& route : routes_) {
    if (route.permission == Permission::public_access &&
        route.pattern.find(kCapability) == std::string::npos) {
      continue;
    }
    if (path_matches(route.pattern, path, ignored, specificity)) return true;
  }
  return false;
}

Match Router::match(Method method, const std::string& path,
                    std::map<std::string, std::string>& params) const {
  Match result;
  std::vector<bool> best_specificity;
  std::map<std::string, std::string> candidate;
  std::vector<bool> specificity;
  for (const auto& route : routes_) {
    if (!path_matches(route.pattern, path, candidate, specificity)) continue;
    bool method_fits =
        route.method == method || (method == Method::head && route.method == Method::get);
    if (!method_fits) {
      result.path_matched = true;
      continue;
    }
    // An explicit HEAD route is preferred over the GET it would otherwise borrow.
    bool better = result.route == nullptr || specificity > best_specificity ||
                  (specificity == best_specificity && route.method == method &&
                   result.route->method != method);
    if (better) {
      result.route = &route;
      best_specificity = specificity;
      params = candidate;
    }
  }
  if (result.route) result.path_matched = false;
  return result;
}

std::optional<Response> Router::authorize(Request& request) const {
  std::map<std::string, std::string> params;
  Match m = match(request.method, request.path, params);
  if (m.route == nullptr || m.route->permission == Permission::public_access) return std::nullopt;
  if (!authorize_) return Response::json_error(401, "unauthorized", "Authentication is required.");
  return authorize_(m.route->permission, request);
}

Response Router::dispatch(Request& request, std::string& route_label) const {
  route_label = "unmatched";
  // Exceptions are bugs; one buggy handler must cost one 500, not the server. The
  // client learns nothing about the cause; the log has it, under the request id.
  try {
    Match m = match(request.method, request.path, request.params);
    if (m.route == nullptr) {
      if (!m.path_matched) {
        return error_response(request.path, 404, "not_found", "There is nothing at this address.");
      }
      Response r = error_response(request.path, 405, "method_not_allowed",
                                  "This address does not accept the method " +
                                      std::string(method_name(request.method)) + ".");
      r.set_header("Allow", allowed_methods(routes_, request.path));
      return r;
    }
    route_label = m.route->pattern;
    if (m.route->permission != Permission::public_access && request.principal.empty()) {
      if (!authorize_) {
        // Without an authorizer nobody can be recognised, so nobody gets in.
        return Response::json_error(401, "unauthorized", "Authentication is required.");
      }
      if (auto refusal = authorize_(m.route->permission, request)) return std::move(*refusal);
    }
    // After the authorizer, which set the session's token, and after the body is read.
    if (auto refusal = csrf_refusal(m.route->permission, request)) return std::move(*refusal);
    return m.route->handler(request);
  } catch (const std::exception& e) {
    spdlog::error("request {}: {} {} failed: {}", request.request_id, method_name(request.method),
                  route_label, e.what());
  } catch (...) {
    spdlog::error("request {}: {} {} failed with a non-standard exception", request.request_id,
                  method_name(request.method), route_label);
  }
  return error_response(request.path, 500, "internal",
                        "An error has occurred. Please try again later.");
}

}  // namespace broadsheet::http
