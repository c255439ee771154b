// The permission matrix, generated from the real routing table (app/routes.cpp): for
// every route, every kind of caller. A route added with a desk_* or api_* permission is
// checked here without a line of this file changing:
//   - desk routes refuse anonymous callers: pages (GET outside /admin/api/) with a 303
//     to /admin/login?next=..., everything else with 401;
//   - api routes refuse a call without a token with 401;
//   - every desk and api route refuses each role below its permission with 403 and lets
//     the others through;
//   - every state-changing desk route refuses a signed-in caller without the CSRF
//     token, or with a wrong one (403 "csrf"), and takes the right one in the
//     X-CSRF-Token header or the csrf_token form field (a page says so, a fetch gets
//     {"error":{"code":"csrf"}}).
#include <gtest/gtest.h>

#include <map>
#include <regex>
#include <string>

#include "admin/credentials.hpp"
#include "admin/roles.hpp"
#include "app/routes.hpp"
#include "core/text.hpp"
#include "http/form.hpp"
#include "store/sqlite/test_support.hpp"

namespace broadsheet::app {
namespace {

using http::Method;
using http::Permission;
using http::Request;
using http::Response;

constexpr UserRole kRoles[] = {UserRole::admin, UserRole::editor, UserRole::audience,
                               UserRole::viewer};

struct Caller {
  Id user_id = 0;
  std::string token;   // API token secret
  std::string cookie;  // desk session cookie value
  std::string csrf;
};

class PermissionMatrixTest : public store::sqlite::testing::SqliteTest {
 protected:
  void SetUp() override {
    SqliteTest::SetUp();
    open();
    for (UserRole role : kRoles) {
      User u;
      u.username = std::string(to_string(role));
      u.password_hash = "x";
      u.role = role;
      u = *store_->add_user(u);
      Caller c;
      c.user_id = u.id;
      auto token = admin::generate_api_token();
      EXPECT_TRUE(store_->add_api_token(u.id, "matrix", token.hash).ok());
      c.token = token.secret;
      callers_[role] = c;
    }
    templates_ = std::make_unique<web::Templates>(std::move(web::Templates::load()).value());
    signup_ = std::make_unique<web::SignupService>(
        config_, web::SignupService::Roles{*store_, *store_}, clock_,
        web::ReaderKeys{"link-key-0123456789abcdef", {}});
    web_ = std::make_unique<web::WebContext>(web::WebContext{
        config_, *store_, metrics_, *templates_, *signup_, clock_, {}, nullptr});
    router_ = std::make_unique<http::Router>(build_router(*web_));
  }

  // A path that matches `pattern`: each {param} replaced by a value of its kind, ids of
  // nothing (so DELETE /api/v1/tokens/{id} revokes none of the callers' tokens).
  static std::string path_of(const std::string& pattern) {
    static const std::regex param(R"(\{(\w+)\})");
    std::string out;
    std::sregex_iterator it(pattern.begin(), pattern.end(), param), end;
    std::size_t at = 0;
    for (; it != end; ++it) {
      out += pattern.substr(at, it->position() - at);
      const std::string name = (*it)[1];
      out += name == "email" ? "ann@example.com" : name == "file" ? "desk.css" : name == "slug" ? "morning" : "999999";
      at = it->position() + it->length();
    }
    return out + pattern.substr(at);
  }

  // A new desk session for `caller` (sign-out ends the one a call used).
  void new_session(Caller& caller) {
    auto session = admin::generate_api_token();
    store::DeskSession s;
    s.id_hash = session.hash;
    s.user_id = caller.user_id;
    s.csrf_token = admin::generate_api_token().secret.substr(3);
    s.created_at = s.last_seen_at = clock_.now();
    EXPECT_TRUE(store_->add_session(s).ok());
    caller.cookie = session.secret;
    caller.csrf = s.csrf_token;
  }

  Response call(const http::Route& route, const Caller* caller, bool api,
                const std::string& csrf_header = "", const std::string& form = "") {
    Request r;
    r.method = route.method;
    r.path = r.target = path_of(route.pattern);
    r.remote_address = "192.0.2.7";
    r.request_id = "matrix";
    if (caller && api) r.headers.emplace_back("authorization", "Bearer " + caller->token);
    if (caller && !api) r.headers.emplace_back("cookie", "bs_desk=" + caller->cookie);
    if (!csrf_header.empty()) r.headers.emplace_back("x-csrf-token", csrf_header);
    if (!form.empty()) {
      r.headers.emplace_back("content-type", "application/x-www-form-urlencoded");
      r.body = form;
    } else if (route.method != Method::get && route.method != Method::head) {
      r.headers.emplace_back("content-type", "application/json");
      r.body = "{}";
    }
    std::string label;
    return router_->dispatch(r, label);
  }

  static std::string header(const Response& r, std::string_view name) {
    for (const auto& [n, v] : r.headers) {
      if (ascii_iequals(n, name)) return v;
    }
    return "";
  }

  static bool is_refusal(const Response& r) { return r.status == 401 || r.status == 403; }

  Config config_;
  http::Metrics metrics_;
  std::unique_ptr<web::Templates> templates_;
  std::unique_ptr<web::SignupService> signup_;
  std::unique_ptr<web::WebContext> web_;
  std::unique_ptr<http::Router> router_;
  std::map<UserRole, Caller> callers_;
};

TEST_F(PermissionMatrixTest, EveryProtectedRouteRefusesWhoItMustAndOnlyThem) {
  int desk_routes = 0, api_routes = 0;
  for (const auto& route : router_->routes()) {
    const bool api = http::is_api(route.permission), desk = http::is_desk(route.permission);
    if (!api && !desk) continue;
    (api ? api_routes : desk_routes)++;
    const std::string name = std::string(http::method_name(route.method)) + " " + route.pattern;
    SCOPED_TRACE(name);
    const bool safe = route.method == Method::get || route.method == Method::head;

    // Nobody.
    Response anonymous = call(route, nullptr, api);
    if (desk && safe && !route.pattern.starts_with("/admin/api/")) {
      EXPECT_EQ(anonymous.status, 303);
      EXPECT_EQ(header(anonymous, "location"),
                "/admin/login?next=" + http::percent_encode(path_of(route.pattern)));
    } else {
      EXPECT_EQ(anonymous.status, 401);
    }
    // A token never opens the desk, a session never opens the API.
    new_session(callers_[UserRole::admin]);
    Response crossed = call(route, &callers_[UserRole::admin], !api);
    EXPECT_TRUE(crossed.status == 401 || crossed.status == 303) << crossed.status;

    for (UserRole role : kRoles) {
      SCOPED_TRACE(to_string(role));
      Caller& c = callers_[role];
      new_session(c);
      const bool allowed = admin::role_allows(role, http::access_of(route.permission));
      Response r = call(route, &c, api, desk ? c.csrf : "");
      if (!allowed) {
        EXPECT_EQ(r.status, 403);
        // The API's code, or the desk's 403 page (desk routes beyond read have one).
        EXPECT_NE(r.body.find(desk && !route.pattern.starts_with("/admin/api/") ? "Forbidden"
                                                                                 : "forbidden"),
                  std::string::npos)
            << r.body;
        continue;
      }
      EXPECT_FALSE(is_refusal(r)) << r.status << " " << r.body;
      if (desk && !safe) {
        new_session(c);
        Response none = call(route, &c, false);
        EXPECT_EQ(none.status, 403);
        EXPECT_NE(none.body.find("did not come from the desk"), std::string::npos) << none.body;
        Response wrong = call(route, &c, false, c.csrf.substr(0, c.csrf.size() - 1) + "x");
        EXPECT_EQ(wrong.status, 403);
        EXPECT_NE(wrong.body.find(R"("code":"csrf")"), std::string::npos) << wrong.body;
        new_session(c);
        Response by_form = call(route, &c, false, "", "csrf_token=" + http::percent_encode(c.csrf));
        EXPECT_FALSE(is_refusal(by_form)) << by_form.status << " " << by_form.body;
      }
    }
  }
  EXPECT_GT(api_routes, 10);
  EXPECT_GT(desk_routes, 2);
}

}  // namespace
}  // namespace broadsheet::app
