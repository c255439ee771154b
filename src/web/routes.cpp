#include "web/routes.hpp"

#include "web/pages.hpp"

namespace broadsheet::web {

using http::Method;
using http::Permission;

http::Router build_router(WebContext& ctx) {
  auto h = [&ctx](http::Response (*fn)(WebContext&, const http::Request&)) {
    return [&ctx, fn](const http::Request& req) { return fn(ctx, req); };
  };
  // method, pattern, who may call it, handler
  std::vector<http::Route> routes = {
      // Readers' pages.
      {Method::get, "/", Permission::public_access, h(article_home)},
      {Method::get, "/articles/{slug}", Permission::public_access, h(article_page)},
      {Method::get, "/newsletters", Permission::public_access, h(newsletters_page)},
      {Method::get, "/static/{file}", Permission::public_access, h(static_asset)},
      // Public JSON for embeds and apps.
      {Method::get, "/api/v1/public/newsletters", Permission::public_access,
       h(api_public_newsletters)},
      // Operations.
      {Method::get, "/healthz", Permission::public_access, h(healthz)},
      {Method::get, "/metrics", Permission::public_access, h(metrics)},
  };
  return http::Router(std::move(routes));
}

}  // namespace broadsheet::web
