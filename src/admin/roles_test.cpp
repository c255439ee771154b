// The role rules, in full: four roles by four kinds of access.
#include <gtest/gtest.h>

#include "admin/roles.hpp"

namespace broadsheet::admin {
namespace {

using http::Access;

TEST(RolesTest, EachRoleHasExactlyItsAccess) {
  struct Row {
    UserRole role;
    bool read, content, audience, admin;
  };
  const Row rows[] = {
      {UserRole::admin, true, true, true, true},
      {UserRole::editor, true, true, false, false},
      {UserRole::audience, true, false, true, false},
      {UserRole::viewer, true, false, false, false},
  };
  for (const auto& r : rows) {
    SCOPED_TRACE(to_string(r.role));
    EXPECT_TRUE(role_allows(r.role, Access::none));
    EXPECT_EQ(role_allows(r.role, Access::read), r.read);
    EXPECT_EQ(role_allows(r.role, Access::content), r.content);
    EXPECT_EQ(role_allows(r.role, Access::audience), r.audience);
    EXPECT_EQ(role_allows(r.role, Access::admin), r.admin);
  }
}

TEST(RolesTest, PermissionsNameTheirAccessAndWayIn) {
  using http::Permission;
  EXPECT_EQ(http::access_of(Permission::api_read), Access::read);
  EXPECT_EQ(http::access_of(Permission::desk_content), Access::content);
  EXPECT_EQ(http::access_of(Permission::api_audience), Access::audience);
  EXPECT_EQ(http::access_of(Permission::desk_admin), Access::admin);
  EXPECT_EQ(http::access_of(Permission::public_access), Access::none);
  EXPECT_EQ(http::access_of(Permission::local_or_token), Access::none);
  EXPECT_TRUE(http::is_api(Permission::api_admin));
  EXPECT_FALSE(http::is_api(Permission::desk_admin));
  EXPECT_TRUE(http::is_desk(Permission::desk_read));
  EXPECT_FALSE(http::is_desk(Permission::local_or_token));
}

TEST(RolesTest, RoleNamesRoundTrip) {
  for (UserRole r : {UserRole::admin, UserRole::editor, UserRole::audience, UserRole::viewer}) {
    EXPECT_EQ(user_role_from(to_string(r)), r);
  }
  EXPECT_FALSE(user_role_from("root").has_value());
  EXPECT_EQ(role_refusal(UserRole::viewer, Access::content),
            "This needs the editor or admin role; you are a viewer.");
}

}  // namespace
}  // namespace broadsheet::admin
