#include "web/routes.hpp"

#include "web/archive_pages.hpp"
#include "web/pages.hpp"
#include "web/signup_pages.hpp"

namespace broadsheet::web {

using http::Method;
using http::Permission;

http::Router build_router(WebContext& ctx) {
  auto h = [&ctx](http::Response (*fn)(WebContext&, const http::Request&)) {
    return [&ctx, fn](const http::Request& req) { return fn(ctx, req); };
  };
  // The archive keeps its cache of rendered issues for as long as the routes live.
  auto archive = std::make_shared<ArchivePages>(ctx);
  auto a = [archive](http::Response (ArchivePages::*fn)(const http::Request&)) {
    return [archive, fn](const http::Request& req) { return ((*archive).*fn)(req); };
  };
  // method, pattern, who may call it, handler
  std::vector<http::Route> routes = {
      // Readers' pages.
      {Method::get, "/", Permission::public_access, h(article_home)},
      {Method::get, "/articles/{slug}", Permission::public_access, h(article_page)},
      {Method::get, "/newsletters", Permission::public_access, h(newsletters_page)},
      {Method::get, "/archive/{slug}", Permission::public_access, a(&ArchivePages::newsletter_archive)},
      {Method::get, "/archive/{slug}/feed.atom", Permission::public_access, a(&ArchivePages::feed)},
      {Method::get, "/archive/{slug}/{issue}", Permission::public_access, a(&ArchivePages::issue_page)},
      {Method::get, "/static/{file}", Permission::public_access, h(static_asset)},
      {Method::get, "/subscribe", Permission::public_access, h(subscribe_page)},
      {Method::post, "/subscribe", Permission::public_access, h(subscribe_form)},
      {Method::get, "/confirm/{token}", Permission::public_access, h(confirm_page)},
      {Method::post, "/confirm/{token}", Permission::public_access, h(confirm_post)},
      {Method::get, "/u/{token}", Permission::public_access, h(unsubscribe_page)},
      {Method::post, "/u/{token}", Permission::public_access, h(unsubscribe_post)},
      {Method::get, "/p/{token}", Permission::public_access, h(preferences_page)},
      {Method::post, "/p/{token}", Permission::public_access, h(preferences_post)},
      // The embeddable sign-up box.
      {Method::get, "/embed/signup.js", Permission::public_access, h(embed_script)},
      {Method::get, "/embed/box", Permission::public_access, h(embed_box)},
      // Public JSON for embeds and apps.
      {Method::get, "/api/v1/public/newsletters", Permission::public_access,
       h(api_public_newsletters)},
      {Method::get, "/api/v1/public/challenge", Permission::public_access, h(api_challenge)},
      {Method::post, "/api/v1/public/subscriptions", Permission::public_access, h(api_subscribe)},
      {Method::options, "/api/v1/public/subscriptions", Permission::public_access, h(api_preflight)},
      {Method::options, "/api/v1/public/challenge", Permission::public_access, h(api_preflight)},
      // Operations.
      {Method::get, "/healthz", Permission::public_access, h(healthz)},
      {Method::get, "/metrics", Permission::public_access, h(metrics)},
  };
  return http::Router(std::move(routes));
}

}  // namespace broadsheet::web
