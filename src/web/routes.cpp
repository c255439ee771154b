#include "web/routes.hpp"

#include "admin/api_auth.hpp"
#include "admin/api_issues.hpp"
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
  auto api = std::make_shared<admin::ApiContext>(
      admin::ApiContext{ctx.store, ctx.store, ctx.store, ctx.store, ctx.clock, [&ctx] {
                          if (ctx.sending_changed) ctx.sending_changed();
                        }});
  auto t = [api](http::Response (*fn)(admin::ApiContext&, const http::Request&)) {
    return [api, fn](const http::Request& req) { return fn(*api, req); };
  };
  // An issue's Markdown may be 1 MiB, which JSON escaping can make up to 6 MiB.
  constexpr std::size_t kIssueBodyLimit = 6 * 1024 * 1024 + 4096;
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
      // The API for editors' tools (bearer tokens: `broadsheet token create`).
      {Method::get, "/api/v1/openapi.json", Permission::public_access, t(admin::api_openapi)},
      {Method::get, "/api/v1/newsletters", Permission::api_token, t(admin::api_list_newsletters)},
      {Method::get, "/api/v1/issues", Permission::api_token, t(admin::api_list_issues)},
      {Method::post, "/api/v1/issues", Permission::api_token, t(admin::api_create_issue),
       kIssueBodyLimit},
      {Method::get, "/api/v1/issues/{id}", Permission::api_token, t(admin::api_get_issue)},
      {Method::post, "/api/v1/issues/{id}/send", Permission::api_token, t(admin::api_send_issue)},
      {Method::post, "/api/v1/issues/{id}/pause", Permission::api_token, t(admin::api_pause_issue)},
      {Method::post, "/api/v1/issues/{id}/resume", Permission::api_token,
       t(admin::api_resume_issue)},
      {Method::post, "/api/v1/issues/{id}/cancel", Permission::api_token,
       t(admin::api_cancel_issue)},
      // Operations.
      {Method::get, "/healthz", Permission::public_access, h(healthz)},
      {Method::get, "/metrics", Permission::local_or_token, h(metrics)},
  };
  return http::Router(std::move(routes), admin::make_authorizer(ctx.store, ctx.clock));
}

}  // namespace broadsheet::web
