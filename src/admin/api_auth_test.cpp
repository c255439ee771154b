// The authorizer alone, for the permission no route of the real table uses yet: the
// routes' own permissions are tested from the table in app/routes_test.cpp.
#include <gtest/gtest.h>

#include "admin/api_auth.hpp"
#include "admin/credentials.hpp"
#include "store/sqlite/test_support.hpp"

namespace broadsheet::admin {
namespace {

class ApiAuthTest : public store::sqlite::testing::SqliteTest {};

TEST_F(ApiAuthTest, AdminSessionsAreRefusedEvenWithAGoodToken) {
  open();
  User u;
  u.username = "ada";
  u.password_hash = "x";
  u.role = UserRole::admin;
  u = *store_->add_user(u);
  NewApiToken token = generate_api_token();
  ASSERT_TRUE(store_->add_api_token(u.id, "cms", token.hash).ok());
  auto authorize = make_authorizer(*store_, clock_);

  http::Request request;
  request.path = request.target = "/admin/";
  request.remote_address = "127.0.0.1";
  request.headers.emplace_back("authorization", "Bearer " + token.secret);
  auto refusal = authorize(http::Permission::admin_session, request);
  ASSERT_TRUE(refusal.has_value());
  EXPECT_EQ(refusal->status, 401);
  // The same token opens what it is for.
  EXPECT_FALSE(authorize(http::Permission::api_token, request).has_value());
}

}  // namespace
}  // namespace broadsheet::admin
