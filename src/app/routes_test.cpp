// The permission matrix of the real routing table: every route and who may call it.
// A route added, removed or given another permission in app/routes.cpp fails here
// until this list says the same, so an access change is always a reviewed change.
#include <gtest/gtest.h>

#include <map>
#include <string>

#include "app/routes.hpp"
#include "store/sqlite/test_support.hpp"

namespace broadsheet::app {
namespace {

class RoutesTest : public store::sqlite::testing::SqliteTest {};

TEST_F(RoutesTest, EveryRouteHasTheReviewedPermission) {
  const std::map<std::string, std::string> expected = {
      {"GET /", "public"},
      {"GET /articles/{slug}", "public"},
      {"GET /newsletters", "public"},
      {"GET /archive/{slug}", "public"},
      {"GET /archive/{slug}/feed.atom", "public"},
      {"GET /archive/{slug}/{issue}", "public"},
      {"GET /static/{file}", "public"},
      {"GET /subscribe", "public"},
      {"POST /subscribe", "public"},
      {"GET /confirm/{token}", "public"},
      {"POST /confirm/{token}", "public"},
      {"GET /u/{token}", "public"},
      {"POST /u/{token}", "public"},
      {"GET /p/{token}", "public"},
      {"POST /p/{token}", "public"},
      {"GET /embed/signup.js", "public"},
      {"GET /embed/box", "public"},
      {"GET /api/v1/public/newsletters", "public"},
      {"GET /api/v1/public/challenge", "public"},
      {"POST /api/v1/public/subscriptions", "public"},
      {"OPTIONS /api/v1/public/subscriptions", "public"},
      {"OPTIONS /api/v1/public/challenge", "public"},
      {"GET /api/v1/openapi.json", "public"},
      {"GET /api/v1/newsletters", "api_read"},
      {"POST /api/v1/newsletters", "api_content"},
      {"GET /api/v1/newsletters/{slug}", "api_read"},
      {"PATCH /api/v1/newsletters/{slug}", "api_content"},
      {"POST /api/v1/newsletters/{slug}/draft", "api_content"},
      {"POST /api/v1/preview", "api_content"},
      {"GET /api/v1/issues/{id}/preview", "api_read"},
      {"GET /api/v1/issues/{id}/report", "api_read"},
      {"GET /api/v1/issues/{id}/failures", "api_read"},
      {"GET /api/v1/issues/{id}/failures.csv", "api_read"},
      {"POST /api/v1/settings/relay/test", "api_admin"},
      {"GET /api/v1/settings/dkim", "api_admin"},
      {"GET /api/v1/settings/outbox", "api_admin"},
      {"GET /api/v1/settings/outbox/{name}", "api_admin"},
      {"GET /api/v1/users", "api_admin"},
      {"POST /api/v1/users", "api_admin"},
      {"PATCH /api/v1/users/{username}", "api_admin"},
      {"DELETE /api/v1/users/{username}", "api_admin"},
      {"GET /api/v1/tokens", "api_admin"},
      {"POST /api/v1/tokens", "api_admin"},
      {"DELETE /api/v1/tokens/{id}", "api_admin"},
      {"GET /api/v1/issues", "api_read"},
      {"POST /api/v1/issues", "api_content"},
      {"GET /api/v1/issues/{id}", "api_read"},
      {"PATCH /api/v1/issues/{id}", "api_content"},
      {"POST /api/v1/issues/{id}/send", "api_content"},
      {"POST /api/v1/issues/{id}/pause", "api_content"},
      {"POST /api/v1/issues/{id}/resume", "api_content"},
      {"POST /api/v1/issues/{id}/cancel", "api_content"},
      {"POST /api/v1/issues/{id}/schedule", "api_content"},
      {"POST /api/v1/issues/{id}/unschedule", "api_content"},
      {"POST /api/v1/issues/{id}/test", "api_content"},
      {"GET /api/v1/suppressions", "api_read"},
      {"POST /api/v1/suppressions", "api_audience"},
      {"DELETE /api/v1/suppressions/{email}", "api_audience"},
      {"GET /api/v1/readers", "api_read"},
      {"POST /api/v1/readers", "api_audience"},
      {"GET /api/v1/readers/{id}", "api_read"},
      {"PATCH /api/v1/readers/{id}", "api_audience"},
      {"DELETE /api/v1/readers/{id}", "api_audience"},
      {"POST /api/v1/readers/{id}/unsubscribe", "api_audience"},
      {"POST /api/v1/readers/{id}/block", "api_audience"},
      {"GET /api/v1/segments", "api_read"},
      {"POST /api/v1/segments", "api_audience"},
      {"GET /api/v1/segments/{id}", "api_read"},
      {"PATCH /api/v1/segments/{id}", "api_audience"},
      {"DELETE /api/v1/segments/{id}", "api_audience"},
      {"GET /api/v1/exports", "api_audience"},
      {"POST /api/v1/imports", "api_audience"},
      {"GET /api/v1/imports/{id}", "api_read"},
      {"GET /api/v1/imports/{id}/errors.csv", "api_read"},
      {"GET /admin/login", "public"},
      {"POST /admin/login", "public"},
      {"POST /admin/logout", "desk_read"},
      {"GET /admin/static/{file}", "public"},
      {"GET /admin", "desk_read"},
      {"GET /admin/api/progress", "desk_read"},
      {"GET /admin/api/activity", "desk_read"},
      {"GET /admin/newsletters", "desk_read"},
      {"GET /admin/newsletters/new", "desk_content"},
      {"POST /admin/newsletters", "desk_content"},
      {"GET /admin/newsletters/{slug}", "desk_read"},
      {"POST /admin/newsletters/{slug}", "desk_content"},
      {"POST /admin/newsletters/{slug}/draft", "desk_content"},
      {"GET /admin/issues", "desk_read"},
      {"GET /admin/issues/new", "desk_content"},
      {"POST /admin/issues", "desk_content"},
      {"GET /admin/issues/{id}", "desk_read"},
      {"POST /admin/issues/{id}", "desk_content"},
      {"POST /admin/issues/{id}/preview", "desk_content"},
      {"POST /admin/issues/{id}/send", "desk_content"},
      {"POST /admin/issues/{id}/pause", "desk_content"},
      {"POST /admin/issues/{id}/resume", "desk_content"},
      {"POST /admin/issues/{id}/cancel", "desk_content"},
      {"POST /admin/issues/{id}/schedule", "desk_content"},
      {"POST /admin/issues/{id}/unschedule", "desk_content"},
      {"POST /admin/issues/{id}/test", "desk_content"},
      {"GET /admin/issues/{id}/report", "desk_read"},
      {"GET /admin/issues/{id}/failures.csv", "desk_read"},
      {"POST /admin/api/preview", "desk_content"},
      {"GET /admin/previews/{key}", "desk_read"},
      {"GET /admin/settings", "desk_admin"},
      {"POST /admin/settings/relay-test", "desk_admin"},
      {"GET /admin/settings/outbox/{name}", "desk_admin"},
      {"POST /admin/settings/users", "desk_admin"},
      {"POST /admin/settings/users/{username}", "desk_admin"},
      {"POST /admin/settings/users/{username}/remove", "desk_admin"},
      {"POST /admin/settings/tokens", "desk_admin"},
      {"POST /admin/settings/tokens/{id}/revoke", "desk_admin"},
      {"GET /admin/readers", "desk_read"},
      {"GET /admin/readers.csv", "desk_audience"},
      {"GET /admin/readers/{id}", "desk_read"},
      {"POST /admin/readers/{id}", "desk_audience"},
      {"POST /admin/readers/{id}/unsubscribe", "desk_audience"},
      {"POST /admin/readers/{id}/block", "desk_audience"},
      {"POST /admin/readers/{id}/erase", "desk_audience"},
      {"GET /admin/imports", "desk_audience"},
      {"POST /admin/imports", "desk_audience"},
      {"GET /admin/imports/{id}", "desk_read"},
      {"POST /admin/api/imports", "desk_audience"},
      {"GET /admin/api/imports/{id}", "desk_read"},
      {"GET /admin/imports/{id}/errors.csv", "desk_read"},
      {"GET /admin/segments", "desk_read"},
      {"POST /admin/segments", "desk_audience"},
      {"GET /admin/segments/{id}", "desk_read"},
      {"POST /admin/segments/{id}", "desk_audience"},
      {"POST /admin/segments/{id}/remove", "desk_audience"},
      {"GET /healthz", "public"},
      {"GET /metrics", "local_or_token"},
      {"POST /webhooks/{provider}", "public"},
  };
  open();
  Config config;
  http::Metrics metrics;
  auto templates = web::Templates::load();
  ASSERT_TRUE(templates.ok());
  web::SignupService signup(config, {*store_, *store_}, clock_, web::ReaderKeys{"link-key-0123456789", {}});
  web::WebContext ctx{config, *store_, metrics, *templates, signup, clock_, {}, nullptr};
  http::Router router = build_router(ctx);

  std::map<std::string, std::string> actual;
  for (const auto& route : router.routes()) {
    std::string key = std::string(http::method_name(route.method)) + " " + route.pattern;
    EXPECT_TRUE(actual.emplace(key, std::string(http::permission_name(route.permission))).second)
        << key << " is in the table twice";
  }
  EXPECT_EQ(actual, expected);
}

}  // namespace
}  // namespace broadsheet::app
