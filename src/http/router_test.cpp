#include "http/router.hpp"

#include <gtest/gtest.h>

#include <stdexcept>

namespace broadsheet::http {
namespace {

Handler says(std::string what) {
  return [what](const Request&) { return Response::text(200, what); };
}

Router table(Authorizer authorize = nullptr) {
  return Router(
      {
          {Method::get, "/", Permission::public_access, says("home")},
          {Method::get, "/archive/{slug}", Permission::public_access,
           [](const Request& r) { return Response::text(200, "issue " + r.params.at("slug")); }},
          {Method::get, "/archive/latest", Permission::public_access, says("latest")},
          {Method::post, "/subscribe", Permission::public_access, says("subscribed")},
          {Method::get, "/n/{slug}/issues/{id}", Permission::public_access,
           [](const Request& r) {
             return Response::text(200, r.params.at("slug") + "#" + r.params.at("id"));
           }},
          {Method::get, "/api/v1/newsletters", Permission::api_read, says("list")},
          {Method::delete_, "/api/v1/newsletters/{slug}", Permission::api_admin, says("gone")},
          {Method::get, "/admin/", Permission::desk_read, says("admin")},
          {Method::get, "/boom", Permission::public_access,
           [](const Request&) -> Response {
             throw std::runtime_error("secret table t_users is corrupt");
           }},
          {Method::get, "/api/v1/boom", Permission::public_access,
           [](const Request&) -> Response { throw 42; }},
      },
      std::move(authorize));
}

Response call(const Router& router, Method m, std::string path, std::string* label = nullptr) {
  Request r;
  r.method = m;
  r.path = path;
  r.target = path;
  r.request_id = "00000000000000aa";
  std::string route;
  Response res = router.dispatch(r, route);
  if (label) *label = route;
  return res;
}

std::string response_header(const Response& r, std::string_view name) {
  for (const auto& [n, v] : r.headers) {
    if (n == name) return v;
  }
  return "<absent>";
}

TEST(Router, MatchesLiteralsAndParams) {
  Router router = table();
  std::string label;
  EXPECT_EQ(call(router, Method::get, "/", &label).body, "home");
  EXPECT_EQ(label, "/");
  EXPECT_EQ(call(router, Method::get, "/archive/morning", &label).body, "issue morning");
  EXPECT_EQ(label, "/archive/{slug}");
  EXPECT_EQ(call(router, Method::get, "/n/briefing/issues/42").body, "briefing#42");
}

TEST(Router, LiteralSegmentWinsOverParam) {
  EXPECT_EQ(call(table(), Method::get, "/archive/latest").body, "latest");
}

TEST(Router, ParamsAreTheDecodedPathSegments) {
  // The server decodes the path; a decoded segment reaches the handler as it is.
  Router router = table();
  std::map<std::string, std::string> params;
  Match m = router.match(Method::get, "/archive/caf\xc3\xa9 au lait", params);
  ASSERT_NE(m.route, nullptr);
  EXPECT_EQ(params.at("slug"), "caf\xc3\xa9 au lait");
}

TEST(Router, ParamsNeverBindEmptyOrDotSegments) {
  Router router = table();
  std::map<std::string, std::string> params;
  EXPECT_EQ(router.match(Method::get, "/archive/", params).route, nullptr);
  EXPECT_EQ(router.match(Method::get, "/archive/..", params).route, nullptr);
  EXPECT_EQ(router.match(Method::get, "/archive/.", params).route, nullptr);
}

TEST(Router, TrailingSlashAndExtraSegmentsDoNotMatch) {
  Router router = table();
  EXPECT_EQ(call(router, Method::get, "/archive/x/").status, 404);
  EXPECT_EQ(call(router, Method::get, "/archive/x/y").status, 404);
  EXPECT_EQ(call(router, Method::get, "/admin").status, 404);
  EXPECT_EQ(call(router, Method::get, "").status, 404);
}

TEST(Router, NotFoundIsJsonUnderApiAndHtmlElsewhere) {
  Router router = table();
  std::string label;
  Response api = call(router, Method::get, "/api/v1/nothing", &label);
  EXPECT_EQ(api.status, 404);
  EXPECT_EQ(label, "unmatched");
  EXPECT_NE(api.body.find(R"("code":"not_found")"), std::string::npos);
  Response page = call(router, Method::get, "/nothing");
  EXPECT_EQ(page.status, 404);
  EXPECT_EQ(response_header(page, "Content-Type"), "text/html; charset=utf-8");
}

TEST(Router, MethodNotAllowedListsTheAllowedOnes) {
  Router router = table();
  Response r = call(router, Method::post, "/archive/x");
  EXPECT_EQ(r.status, 405);
  EXPECT_EQ(response_header(r, "Allow"), "GET, HEAD");
  Response api = call(router, Method::put, "/api/v1/newsletters/x");
  EXPECT_EQ(api.status, 405);
  EXPECT_EQ(response_header(api, "Allow"), "DELETE");
  EXPECT_NE(api.body.find(R"("code":"method_not_allowed")"), std::string::npos);
  std::map<std::string, std::string> params;
  Match m = router.match(Method::get, "/subscribe", params);
  EXPECT_EQ(m.route, nullptr);
  EXPECT_TRUE(m.path_matched);
}

TEST(Router, HeadUsesGetRoutes) {
  Router router = table();
  std::string label;
  Response r = call(router, Method::head, "/archive/x", &label);
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(label, "/archive/{slug}");
  EXPECT_EQ(call(router, Method::head, "/subscribe").status, 405);
}

TEST(Router, ExplicitHeadRouteWinsOverGet) {
  Router router({{Method::get, "/x", Permission::public_access, says("get")},
                 {Method::head, "/x", Permission::public_access, says("head")}});
  EXPECT_EQ(call(router, Method::head, "/x").body, "head");
}

TEST(Router, ProtectedRoutesWithoutAuthorizerAreRefused) {
  Router router = table();
  Response r = call(router, Method::get, "/api/v1/newsletters");
  EXPECT_EQ(r.status, 401);
  EXPECT_NE(r.body.find(R"({"error":{"code":"unauthorized")"), std::string::npos);
  EXPECT_EQ(call(router, Method::get, "/admin/").status, 401);
}

TEST(Router, AuthorizerDecides) {
  std::vector<Permission> asked;
  Router router = table([&](Permission p, const Request& r) -> std::optional<Response> {
    asked.push_back(p);
    if (r.header("authorization") == "Bearer good") return std::nullopt;
    return Response::json_error(403, "forbidden", "No.");
  });
  EXPECT_EQ(call(router, Method::get, "/").body, "home");  // public: not asked
  EXPECT_TRUE(asked.empty());

  Request r;
  r.method = Method::get;
  r.path = "/api/v1/newsletters";
  std::string label;
  EXPECT_EQ(router.dispatch(r, label).status, 403);
  r.headers.emplace_back("authorization", "Bearer good");
  EXPECT_EQ(router.dispatch(r, label).body, "list");
  EXPECT_EQ(call(router, Method::get, "/admin/").status, 403);
  EXPECT_EQ(asked, (std::vector<Permission>{Permission::api_read, Permission::api_read,
                                            Permission::desk_read}));
}

TEST(Router, HandlerExceptionBecomesAnOpaque500) {
  Router router = table();
  std::string label;
  Response page = call(router, Method::get, "/boom", &label);
  EXPECT_EQ(page.status, 500);
  EXPECT_EQ(label, "/boom");
  EXPECT_EQ(page.body.find("t_users"), std::string::npos);
  EXPECT_NE(page.body.find("An error has occurred. Please try again later."), std::string::npos);
  Response api = call(router, Method::get, "/api/v1/boom");
  EXPECT_EQ(api.status, 500);
  EXPECT_EQ(
      api.body,
      R"({"error":{"code":"internal","message":"An error has occurred. Please try again later."}})");
}

TEST(Router, BrokenTablesAreRefusedAtConstruction) {
  EXPECT_THROW(Router({{Method::get, "/x", Permission::public_access, says("a")},
                       {Method::get, "/x", Permission::public_access, says("b")}}),
               std::invalid_argument);
  EXPECT_THROW(Router({{Method::get, "x", Permission::public_access, says("a")}}),
               std::invalid_argument);
  EXPECT_EQ(permission_name(Permission::api_read), "api_read");
  EXPECT_EQ(permission_name(Permission::desk_admin), "desk_admin");
}

// A desk form posted as multipart/form-data carries its token as the csrf_token field;
// the same words inside another part (an uploaded file) are not that field.
TEST(Router, ReadsTheCsrfFieldOfAMultipartForm) {
  Request r;
  r.method = Method::post;
  r.path = "/admin/imports";
  r.caller.csrf_token = "tok123";
  r.headers.emplace_back("content-type", "multipart/form-data; boundary=b");
  r.body =
      "--b\r\nContent-Disposition: form-data; name=\"csrf_token\"\r\n\r\ntok123\r\n"
      "--b\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.csv\"\r\n\r\n"
      "email\r\n--b--\r\n";
  EXPECT_FALSE(csrf_refusal(Permission::desk_audience, r).has_value());

  r.body =
      "--b\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.csv\"\r\n\r\n"
      "name=\"csrf_token\"\r\n\r\ntok123\r\n--b--\r\n";
  auto refusal = csrf_refusal(Permission::desk_audience, r);
  ASSERT_TRUE(refusal.has_value());
  EXPECT_EQ(refusal->status, 403);

  // An unreadable form has no token to compare.
  r.body = "--b\r\nContent-Disposition: form-data; name=\"csrf_token\"\r\n\r\ntok123";
  EXPECT_TRUE(csrf_refusal(Permission::desk_audience, r).has_value());
}

}  // namespace
}  // namespace broadsheet::http
