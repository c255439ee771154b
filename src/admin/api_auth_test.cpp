// The authorizer alone: tokens with each role against each access, and desk routes
// before a session exists. The routes' own permissions are tested from the table in
// app/routes_test.cpp.
#include <gtest/gtest.h>

#include "admin/api_auth.hpp"
#include "admin/credentials.hpp"
#include "store/sqlite/test_support.hpp"

namespace broadsheet::admin {
namespace {

class ApiAuthTest : public store::sqlite::testing::SqliteTest {
 protected:
  // A user with `role` and a token of theirs; returns the token's secret.
  std::string token_for(const std::string& name, UserRole role) {
    User u;
    u.username = name;
    u.password_hash = "x";
    u.role = role;
    u = *store_->add_user(u);
    NewApiToken token = generate_api_token();
    EXPECT_TRUE(store_->add_api_token(u.id, "cms", token.hash).ok());
    return token.secret;
  }

  static http::Request request_with(const std::string& secret, std::string path = "/api/v1/x") {
    http::Request request;
    request.path = request.target = std::move(path);
    request.remote_address = "192.0.2.1";
    if (!secret.empty()) request.headers.emplace_back("authorization", "Bearer " + secret);
    return request;
  }
};

TEST_F(ApiAuthTest, DeskRoutesAreRefusedToTokens) {
  open();
  auto authorize = make_authorizer(*store_, clock_);
  http::Request page = request_with(token_for("ada", UserRole::admin), "/admin/issues");
  page.target = "/admin/issues?page=2";
  auto refusal = authorize(http::Permission::desk_read, page);
  ASSERT_TRUE(refusal.has_value());
  EXPECT_EQ(refusal->status, 303);
  ASSERT_FALSE(refusal->headers.empty());
  bool found = false;
  for (const auto& [name, value] : refusal->headers) {
    if (name == "Location") {
      EXPECT_EQ(value, "/admin/login?next=%2Fadmin%2Fissues%3Fpage%3D2");
      found = true;
    }
  }
  EXPECT_TRUE(found);
  http::Request fetch = page;
  fetch.path = fetch.target = "/admin/api/progress";
  refusal = authorize(http::Permission::desk_read, fetch);
  ASSERT_TRUE(refusal.has_value());
  EXPECT_EQ(refusal->status, 401);
  http::Request post = page;
  post.method = http::Method::post;
  refusal = authorize(http::Permission::desk_content, post);
  ASSERT_TRUE(refusal.has_value());
  EXPECT_EQ(refusal->status, 401);
}

TEST_F(ApiAuthTest, ATokenActsWithItsUsersRole) {
  open();
  auto authorize = make_authorizer(*store_, clock_);
  struct Case {
    UserRole role;
    bool read, content, audience, admin;
  };
  const Case cases[] = {{UserRole::admin, true, true, true, true},
                        {UserRole::editor, true, true, false, false},
                        {UserRole::audience, true, false, true, false},
                        {UserRole::viewer, true, false, false, false}};
  for (const auto& c : cases) {
    const std::string name(to_string(c.role));
    SCOPED_TRACE(name);
    const std::string secret = token_for(name, c.role);
    auto check = [&](http::Permission p, bool allowed) {
      http::Request r = request_with(secret);
      auto refusal = authorize(p, r);
      EXPECT_EQ(!refusal.has_value(), allowed) << http::permission_name(p);
      if (refusal) {
        EXPECT_EQ(refusal->status, 403);
        EXPECT_NE(refusal->body.find("\"forbidden\""), std::string::npos);
        EXPECT_TRUE(r.principal.empty());
      } else {
        EXPECT_EQ(r.principal, "api:" + name + "/cms");
        EXPECT_EQ(r.caller.username, name);
        EXPECT_EQ(r.caller.role, name);
      }
    };
    check(http::Permission::api_read, c.read);
    check(http::Permission::api_content, c.content);
    check(http::Permission::api_audience, c.audience);
    check(http::Permission::api_admin, c.admin);
    check(http::Permission::local_or_token, true);
  }
  http::Request none = request_with("");
  auto refusal = authorize(http::Permission::api_read, none);
  ASSERT_TRUE(refusal.has_value());
  EXPECT_EQ(refusal->status, 401);
}

}  // namespace
}  // namespace broadsheet::admin
