#include "app/routes.hpp"

#include "admin/api_accounts.hpp"
#include "admin/api_auth.hpp"
#include "admin/api_imports.hpp"
#include "admin/api_issue_views.hpp"
#include "admin/api_issues.hpp"
#include "admin/api_newsletters.hpp"
#include "admin/api_readers.hpp"
#include "admin/api_settings.hpp"
#include "admin/import_jobs.hpp"
#include "admin/api_suppressions.hpp"
#include "admin/desk_auth.hpp"
#include "core/encoding.hpp"
#include "desk/dashboard.hpp"
#include "desk/issue_pages.hpp"
#include "desk/layout.hpp"
#include "desk/newsletter_pages.hpp"
#include "desk/settings_pages.hpp"
#include "desk/imports.hpp"
#include "desk/readers.hpp"
#include "desk/segments.hpp"
#include "desk/sign_in.hpp"
#include "web/archive_pages.hpp"
#include "web/pages.hpp"
#include "web/signup_pages.hpp"

namespace broadsheet::app {

using http::Method;
using http::Permission;
using web::ArchivePages;
using web::WebContext;

http::Router build_router(WebContext& ctx, const webhooks::Receiver* webhooks) {
  // Each kind of handler bound to what it works on: the readers' pages and public JSON
  // to the web context, the archive's pages to their cache, the token API to its context.
  auto page = [&ctx](http::Response (*handler)(WebContext&, const http::Request&)) {
    return [&ctx, handler](const http::Request& req) { return handler(ctx, req); };
  };
  // The archive keeps its cache of rendered issues for as long as the routes live.
  auto archive = std::make_shared<ArchivePages>(ctx);
  auto archive_page = [archive](http::Response (ArchivePages::*handler)(const http::Request&)) {
    return [archive, handler](const http::Request& req) { return ((*archive).*handler)(req); };
  };
  auto api_context = std::make_shared<admin::ApiContext>(
      admin::ApiContext{ctx.store, ctx.store, ctx.store, ctx.store, ctx.store, ctx.clock, ctx.store,
                        [&ctx] {
                          if (ctx.sending_changed) ctx.sending_changed();
                        },
                        ctx.test_sender, &ctx.store,
                        address::AddressPolicy{ctx.config.mail.allow_special_use_domains,
                                               ctx.config.mail.allow_utf8_local_part}});
  // The newsroom's parts (issue 14 items 3, 5, 6).
  auto maker = std::make_shared<drafts::MakerParts>(admin::draft_maker_parts(ctx.store, ctx.config));
  api_context->config = &ctx.config;
  api_context->drafts = maker.get();
  api_context->messages = ctx.messages;
  api_context->readers = &ctx.store;
  api_context->reports = &ctx.store;
  api_context->users = &ctx.store;
  api_context->tokens = &ctx.store;
  api_context->signups = &ctx.store;
  api_context->directory = &ctx.store;
  api_context->segments = &ctx.store;
  api_context->imports = std::make_shared<admin::ImportJobs>(ctx.store, ctx.clock);
  api_context->resend_window = ctx.config.signup.resend_window;
  // Each handler holds the context and the drafts maker's parts it points at.
  auto api = [api_context, maker](http::Response (*handler)(admin::ApiContext&, const http::Request&)) {
    return [api_context, maker, handler](const http::Request& req) {
      return handler(*api_context, req);
    };
  };
  // The desk: its sign-in, which the authorizer asks about sessions, and its pages.
  auto desk_settings = admin::DeskAuthSettings::from(ctx.config);
  // The sign-in form's key, from the secret every node of the site holds (its own use
  // of it, never the link key itself); without one, a key of this process.
  if (ctx.messages != nullptr && !ctx.messages->link_key.empty()) {
    desk_settings.form_key =
        hmac_sha256_hex(ctx.messages->link_key, "broadsheet desk sign-in form");
  }
  auto desk_auth = std::make_shared<admin::DeskAuth>(ctx.store, ctx.store, ctx.store, ctx.clock,
                                                     std::move(desk_settings));
  auto frames = std::make_shared<desk::PreviewFrames>(ctx.clock);
  auto desk_context = std::make_shared<desk::DeskContext>(
      desk::DeskContext{ctx.config, ctx.templates, ctx.clock, *desk_auth, ctx.store, ctx.store,
                        ctx.store, ctx.store, *api_context, *frames});
  // Each desk handler holds what its context points at: sessions, the API's context (and
  // the drafts maker's parts in it), the previews.
  auto on_desk = [desk_context, desk_auth, api_context, maker, frames](
                     http::Response (*handler)(desk::DeskContext&, const http::Request&)) {
    return [desk_context, desk_auth, api_context, maker, frames,
            handler](const http::Request& req) { return handler(*desk_context, req); };
  };
  // An issue's Markdown may be 1 MiB, which JSON escaping can make up to 6 MiB.
  constexpr std::size_t kIssueBodyLimit = 6 * 1024 * 1024 + 4096;
  // A newsletter's welcome body may be 64 KiB (escaped: up to 384 KiB).
  constexpr std::size_t kNewsletterBodyLimit = 6 * 64 * 1024 + 8192;
  http::Handler webhook = [webhooks](const http::Request& req) {
    if (webhooks == nullptr) return http::Response::json_error(404, "not_found", "no such webhook");
    return webhooks->handle(req);
  };
  // method, pattern, who may call it, handler
  std::vector<http::Route> routes = {
      // Readers' pages.
      {Method::get, "/", Permission::public_access, page(web::article_home)},
      {Method::get, "/articles/{slug}", Permission::public_access, page(web::article_page)},
      {Method::get, "/newsletters", Permission::public_access, page(web::newsletters_page)},
      {Method::get, "/archive/{slug}", Permission::public_access,
       archive_page(&ArchivePages::newsletter_archive)},
      {Method::get, "/archive/{slug}/feed.atom", Permission::public_access,
       archive_page(&ArchivePages::feed)},
      {Method::get, "/archive/{slug}/{issue}", Permission::public_access,
       archive_page(&ArchivePages::issue_page)},
      {Method::get, "/static/{file}", Permission::public_access, page(web::static_asset)},
      {Method::get, "/subscribe", Permission::public_access, page(web::subscribe_page)},
      {Method::post, "/subscribe", Permission::public_access, page(web::subscribe_form)},
      {Method::get, "/confirm/{token}", Permission::public_access, page(web::confirm_page)},
      {Method::post, "/confirm/{token}", Permission::public_access, page(web::confirm_post)},
      {Method::get, "/u/{token}", Permission::public_access, page(web::unsubscribe_page)},
      {Method::post, "/u/{token}", Permission::public_access, page(web::unsubscribe_post)},
      {Method::get, "/p/{token}", Permission::public_access, page(web::preferences_page)},
      {Method::post, "/p/{token}", Permission::public_access, page(web::preferences_post)},
      // The embeddable sign-up box.
      {Method::get, "/embed/signup.js", Permission::public_access, page(web::embed_script)},
      {Method::get, "/embed/box", Permission::public_access, page(web::embed_box)},
      // Public JSON for embeds and apps.
      {Method::get, "/api/v1/public/newsletters", Permission::public_access,
       page(web::api_public_newsletters)},
      {Method::get, "/api/v1/public/challenge", Permission::public_access,
       page(web::api_challenge)},
      {Method::post, "/api/v1/public/subscriptions", Permission::public_access,
       page(web::api_subscribe)},
      {Method::options, "/api/v1/public/subscriptions", Permission::public_access,
       page(web::api_preflight)},
      {Method::options, "/api/v1/public/challenge", Permission::public_access,
       page(web::api_preflight)},
      // The API for editors' tools (bearer tokens: `broadsheet token create`); each
      // token acts with its user's role (http/router.hpp: read, content, audience, admin).
      {Method::get, "/api/v1/openapi.json", Permission::public_access, api(admin::api_openapi)},
      {Method::get, "/api/v1/newsletters", Permission::api_read, api(admin::api_list_newsletters)},
      {Method::post, "/api/v1/newsletters", Permission::api_content,
       api(admin::api_create_newsletter), kNewsletterBodyLimit},
      {Method::get, "/api/v1/newsletters/{slug}", Permission::api_read,
       api(admin::api_get_newsletter)},
      {Method::patch, "/api/v1/newsletters/{slug}", Permission::api_content,
       api(admin::api_update_newsletter), kNewsletterBodyLimit},
      {Method::post, "/api/v1/newsletters/{slug}/draft", Permission::api_content,
       api(admin::api_draft_edition)},
      {Method::post, "/api/v1/preview", Permission::api_content, api(admin::api_preview_markdown),
       kIssueBodyLimit},
      {Method::get, "/api/v1/issues/{id}/preview", Permission::api_read,
       api(admin::api_preview_issue)},
      {Method::get, "/api/v1/issues/{id}/report", Permission::api_read,
       api(admin::api_issue_report)},
      {Method::get, "/api/v1/issues/{id}/failures", Permission::api_read,
       api(admin::api_issue_failures)},
      {Method::get, "/api/v1/issues/{id}/failures.csv", Permission::api_read,
       api(admin::api_issue_failures_csv)},
      {Method::get, "/api/v1/issues", Permission::api_read, api(admin::api_list_issues)},
      {Method::post, "/api/v1/issues", Permission::api_content, api(admin::api_create_issue),
       kIssueBodyLimit},
      {Method::get, "/api/v1/issues/{id}", Permission::api_read, api(admin::api_get_issue)},
      {Method::patch, "/api/v1/issues/{id}", Permission::api_content, api(admin::api_update_issue),
       kIssueBodyLimit},
      {Method::post, "/api/v1/issues/{id}/send", Permission::api_content,
       api(admin::api_send_issue)},
      {Method::post, "/api/v1/issues/{id}/pause", Permission::api_content,
       api(admin::api_pause_issue)},
      {Method::post, "/api/v1/issues/{id}/resume", Permission::api_content,
       api(admin::api_resume_issue)},
      {Method::post, "/api/v1/issues/{id}/cancel", Permission::api_content,
       api(admin::api_cancel_issue)},
      {Method::post, "/api/v1/issues/{id}/schedule", Permission::api_content,
       api(admin::api_schedule_issue)},
      {Method::post, "/api/v1/issues/{id}/unschedule", Permission::api_content,
       api(admin::api_unschedule_issue)},
      {Method::post, "/api/v1/issues/{id}/test", Permission::api_content,
       api(admin::api_test_issue)},
      // Settings: what the server sends with.
      {Method::post, "/api/v1/settings/relay/test", Permission::api_admin,
       api(admin::api_relay_test)},
      {Method::get, "/api/v1/settings/dkim", Permission::api_admin, api(admin::api_dkim_keys)},
      {Method::get, "/api/v1/settings/outbox", Permission::api_admin, api(admin::api_outbox_list)},
      {Method::get, "/api/v1/settings/outbox/{name}", Permission::api_admin,
       api(admin::api_outbox_message)},
      // Users and API tokens.
      {Method::get, "/api/v1/users", Permission::api_admin, api(admin::api_list_users)},
      {Method::post, "/api/v1/users", Permission::api_admin, api(admin::api_add_user)},
      {Method::patch, "/api/v1/users/{username}", Permission::api_admin,
       api(admin::api_update_user)},
      {Method::delete_, "/api/v1/users/{username}", Permission::api_admin,
       api(admin::api_remove_user)},
      {Method::get, "/api/v1/tokens", Permission::api_admin, api(admin::api_list_tokens)},
      {Method::post, "/api/v1/tokens", Permission::api_admin, api(admin::api_create_token)},
      {Method::delete_, "/api/v1/tokens/{id}", Permission::api_admin, api(admin::api_revoke_token)},
      {Method::get, "/api/v1/suppressions", Permission::api_read,
       api(admin::api_list_suppressions)},
      {Method::post, "/api/v1/suppressions", Permission::api_audience,
       api(admin::api_add_suppression)},
      {Method::delete_, "/api/v1/suppressions/{email}", Permission::api_audience,
       api(admin::api_remove_suppression)},
      // Readers, segments, imports and exports (admin/api_readers.hpp, api_imports.hpp):
      // any role reads them; changing them, and taking them out in bulk (exports), is
      // the audience role's.
      {Method::get, "/api/v1/readers", Permission::api_read, api(admin::api_list_readers)},
      {Method::post, "/api/v1/readers", Permission::api_audience, api(admin::api_add_reader)},
      {Method::get, "/api/v1/readers/{id}", Permission::api_read, api(admin::api_get_reader)},
      {Method::patch, "/api/v1/readers/{id}", Permission::api_audience,
       api(admin::api_update_reader)},
      {Method::delete_, "/api/v1/readers/{id}", Permission::api_audience,
       api(admin::api_erase_reader)},
      {Method::post, "/api/v1/readers/{id}/unsubscribe", Permission::api_audience,
       api(admin::api_unsubscribe_reader)},
      {Method::post, "/api/v1/readers/{id}/block", Permission::api_audience,
       api(admin::api_block_reader)},
      {Method::get, "/api/v1/segments", Permission::api_read, api(admin::api_list_segments)},
      {Method::post, "/api/v1/segments", Permission::api_audience, api(admin::api_add_segment)},
      {Method::get, "/api/v1/segments/{id}", Permission::api_read, api(admin::api_get_segment)},
      {Method::patch, "/api/v1/segments/{id}", Permission::api_audience,
       api(admin::api_update_segment)},
      {Method::delete_, "/api/v1/segments/{id}", Permission::api_audience,
       api(admin::api_remove_segment)},
      {Method::get, "/api/v1/exports", Permission::api_audience, api(admin::api_export_readers)},
      {Method::post, "/api/v1/imports", Permission::api_audience, api(admin::api_start_import),
       admin::kImportBodyLimit},
      {Method::get, "/api/v1/imports/{id}", Permission::api_read, api(admin::api_get_import)},
      {Method::get, "/api/v1/imports/{id}/errors.csv", Permission::api_read,
       api(admin::api_import_errors)},
      // The desk (/admin): signed-in users of `broadsheet user add`, by role; every
      // write carries the session's CSRF token (http/router.hpp). desk/layout.hpp says
      // how to add a page.
      {Method::get, "/admin/login", Permission::public_access, on_desk(desk::sign_in_page)},
      {Method::post, "/admin/login", Permission::public_access, on_desk(desk::sign_in_post)},
      {Method::post, "/admin/logout", Permission::desk_read, on_desk(desk::sign_out_post)},
      {Method::get, "/admin/static/{file}", Permission::public_access, on_desk(desk::desk_asset)},
      {Method::get, "/admin", Permission::desk_read, on_desk(desk::dashboard_page)},
      {Method::get, "/admin/api/progress", Permission::desk_read, on_desk(desk::progress_api)},
      {Method::get, "/admin/api/activity", Permission::desk_read, on_desk(desk::activity_api)},
      // The newsroom's pages, through the token API's handlers (desk/api_bridge.hpp).
      {Method::get, "/admin/newsletters", Permission::desk_read, on_desk(desk::newsletters_page)},
      {Method::get, "/admin/newsletters/new", Permission::desk_content,
       on_desk(desk::new_newsletter_page)},
      {Method::post, "/admin/newsletters", Permission::desk_content,
       on_desk(desk::create_newsletter_post), kNewsletterBodyLimit},
      {Method::get, "/admin/newsletters/{slug}", Permission::desk_read,
       on_desk(desk::newsletter_page)},
      {Method::post, "/admin/newsletters/{slug}", Permission::desk_content,
       on_desk(desk::update_newsletter_post), kNewsletterBodyLimit},
      {Method::post, "/admin/newsletters/{slug}/draft", Permission::desk_content,
       on_desk(desk::draft_edition_post)},
      {Method::get, "/admin/issues", Permission::desk_read, on_desk(desk::issues_page)},
      {Method::get, "/admin/issues/new", Permission::desk_content, on_desk(desk::new_issue_page)},
      {Method::post, "/admin/issues", Permission::desk_content, on_desk(desk::create_issue_post),
       kIssueBodyLimit},
      {Method::get, "/admin/issues/{id}", Permission::desk_read, on_desk(desk::issue_page)},
      {Method::post, "/admin/issues/{id}", Permission::desk_content,
       on_desk(desk::update_issue_post), kIssueBodyLimit},
      {Method::post, "/admin/issues/{id}/preview", Permission::desk_content,
       on_desk(desk::preview_issue_post), kIssueBodyLimit},
      {Method::post, "/admin/issues/{id}/send", Permission::desk_content,
       on_desk(desk::issue_action_post)},
      {Method::post, "/admin/issues/{id}/pause", Permission::desk_content,
       on_desk(desk::issue_action_post)},
      {Method::post, "/admin/issues/{id}/resume", Permission::desk_content,
       on_desk(desk::issue_action_post)},
      {Method::post, "/admin/issues/{id}/cancel", Permission::desk_content,
       on_desk(desk::issue_action_post)},
      {Method::post, "/admin/issues/{id}/schedule", Permission::desk_content,
       on_desk(desk::issue_action_post)},
      {Method::post, "/admin/issues/{id}/unschedule", Permission::desk_content,
       on_desk(desk::issue_action_post)},
      {Method::post, "/admin/issues/{id}/test", Permission::desk_content,
       on_desk(desk::issue_action_post)},
      {Method::get, "/admin/issues/{id}/report", Permission::desk_read,
       on_desk(desk::issue_report_page)},
      {Method::get, "/admin/issues/{id}/failures.csv", Permission::desk_read,
       on_desk(desk::issue_failures_csv)},
      {Method::post, "/admin/api/preview", Permission::desk_content,
       on_desk(desk::live_preview_api), kIssueBodyLimit},
      {Method::get, "/admin/previews/{key}", Permission::desk_read, on_desk(desk::preview_frame)},
      // Settings (admins only).
      {Method::get, "/admin/settings", Permission::desk_admin, on_desk(desk::settings_page)},
      {Method::post, "/admin/settings/relay-test", Permission::desk_admin,
       on_desk(desk::relay_test_post)},
      {Method::get, "/admin/settings/outbox/{name}", Permission::desk_admin,
       on_desk(desk::outbox_message_page)},
      {Method::post, "/admin/settings/users", Permission::desk_admin, on_desk(desk::add_user_post)},
      {Method::post, "/admin/settings/users/{username}", Permission::desk_admin,
       on_desk(desk::update_user_post)},
      {Method::post, "/admin/settings/users/{username}/remove", Permission::desk_admin,
       on_desk(desk::remove_user_post)},
      {Method::post, "/admin/settings/tokens", Permission::desk_admin,
       on_desk(desk::create_token_post)},
      {Method::post, "/admin/settings/tokens/{id}/revoke", Permission::desk_admin,
       on_desk(desk::revoke_token_post)},
      // Readers, segments and imports (desk/readers.hpp, segments.hpp, imports.hpp): pages
      // through the API's handlers as above, and the API's own handlers for the files.
      {Method::get, "/admin/readers", Permission::desk_read, on_desk(desk::readers_page)},
      {Method::get, "/admin/readers.csv", Permission::desk_audience,
       api(admin::api_export_readers)},
      {Method::get, "/admin/readers/{id}", Permission::desk_read, on_desk(desk::reader_page)},
      {Method::post, "/admin/readers/{id}", Permission::desk_audience,
       on_desk(desk::reader_edit_post)},
      {Method::post, "/admin/readers/{id}/unsubscribe", Permission::desk_audience,
       on_desk(desk::reader_unsubscribe_post)},
      {Method::post, "/admin/readers/{id}/block", Permission::desk_audience,
       on_desk(desk::reader_block_post)},
      {Method::post, "/admin/readers/{id}/erase", Permission::desk_audience,
       on_desk(desk::reader_erase_post)},
      {Method::get, "/admin/imports", Permission::desk_audience, on_desk(desk::imports_page)},
      {Method::post, "/admin/imports", Permission::desk_audience, on_desk(desk::import_post),
       desk::kImportFormBodyLimit},
      {Method::get, "/admin/imports/{id}", Permission::desk_read, on_desk(desk::import_job_page)},
      {Method::post, "/admin/api/imports", Permission::desk_audience,
       api(admin::api_start_import), admin::kImportBodyLimit},
      {Method::get, "/admin/api/imports/{id}", Permission::desk_read, api(admin::api_get_import)},
      {Method::get, "/admin/imports/{id}/errors.csv", Permission::desk_read,
       api(admin::api_import_errors)},
      {Method::get, "/admin/segments", Permission::desk_read, on_desk(desk::segments_page)},
      {Method::post, "/admin/segments", Permission::desk_audience,
       on_desk(desk::segment_add_post)},
      {Method::get, "/admin/segments/{id}", Permission::desk_read, on_desk(desk::segment_page)},
      {Method::post, "/admin/segments/{id}", Permission::desk_audience,
       on_desk(desk::segment_edit_post)},
      {Method::post, "/admin/segments/{id}/remove", Permission::desk_audience,
       on_desk(desk::segment_remove_post)},
      // Operations.
      {Method::get, "/healthz", Permission::public_access, page(web::healthz)},
      {Method::get, "/metrics", Permission::local_or_token, page(web::metrics)},
      // Sending providers' bounce and complaint events: public, each authenticated by
      // the provider's own signature or credentials inside the handler (webhooks/).
      {Method::post, "/webhooks/{provider}", Permission::public_access, webhook,
       webhooks != nullptr ? webhooks->max_body_bytes() : 0},
  };
  // A role that is not enough for a desk page gets the desk's own page saying so.
  auto forbidden_page = [&ctx](const http::Request& req, std::string_view message) {
    return desk::error_page(ctx.templates, ctx.config, req, 403, message);
  };
  return http::Router(std::move(routes),
                      admin::make_authorizer(ctx.store, ctx.clock, desk_auth, forbidden_page));
}

http::Router build_node_router(WebContext& ctx) {
  auto page = [&ctx](http::Response (*handler)(WebContext&, const http::Request&)) {
    return [&ctx, handler](const http::Request& req) { return handler(ctx, req); };
  };
  std::vector<http::Route> routes{
      {Method::get, "/healthz", Permission::public_access, page(web::healthz)},
      {Method::get, "/metrics", Permission::local_or_token, page(web::metrics)},
  };
  return http::Router(std::move(routes), admin::make_authorizer(ctx.store, ctx.clock));
}

}  // namespace broadsheet::app
