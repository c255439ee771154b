#include "web/archive_pages.hpp"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <charconv>

#include "core/text.hpp"
#include "render/issue_render.hpp"
#include "schedule/schedule.hpp"
#include "send/issue_messages.hpp"
#include "web/pages.hpp"
#include "web/signup_pages.hpp"

namespace broadsheet::web {
namespace {

using http::Request;
using http::Response;

Error hidden() { return make_error(Errc::not_found, "not in the public archive"); }

// One answer for everything a reader may not see, whatever the reason, so that the
// answer does not tell a draft from a private newsletter or a missing id.
// A page that failed to render (Errc::internal, logged where it failed) is a 500; the
// store failing is a 503.
Response refuse(WebContext& ctx, const Request& req, const Error& e) {
  if (e.code == Errc::not_found) return error_page(ctx, req, 404, "There is no such page.");
  if (e.code == Errc::internal) return error_page(ctx, req, 500, "");
  spdlog::error("request {}: reading the archive: {}", req.request_id, e.message);
  return error_page(ctx, req, 503, "");
}

Result<Newsletter> public_newsletter(WebContext& ctx, const std::string& slug) {
  if (!validate_slug(slug)) return hidden();
  auto newsletter = ctx.store.newsletter_by_slug(slug);
  if (newsletter && !newsletter->is_public) return hidden();
  return newsletter;
}

// Decimal digits of a positive id. Leading zeros and percent-encoded digits (which
// the router has decoded) name the same issue: answered with a redirect to its one
// address (canonical()).
Result<Id> parse_id(std::string_view text) {
  Id id = 0;
  if (text.empty() || text.size() > 64) return hidden();
  if (!std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    return hidden();
  }
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), id);
  if (ec != std::errc() || end != text.data() + text.size() || id <= 0) return hidden();
  return id;
}

// The path of the request as it was sent, before percent-decoding.
std::string_view raw_path(const Request& req) {
  std::string_view target = req.target;
  return target.substr(0, target.find('?'));
}

// A public page asked for under another spelling of its address goes to its own.
std::optional<Response> canonical(const Request& req, const std::string& path) {
  if (raw_path(req) == path) return std::nullopt;
  std::string location = path;
  if (auto q = req.target.find('?'); q != std::string::npos) location += req.target.substr(q);
  return Response::redirect(301, std::move(location));
}

std::string base_url(const Config& config) {
  std::string base = config.publication.base_url;
  while (base.ends_with('/')) base.pop_back();
  return base;
}

std::string archive_path(const Newsletter& n) { return "/archive/" + n.slug; }
std::string feed_path(const Newsletter& n) { return archive_path(n) + "/feed.atom"; }
// As PreparedIssue::web_version_url, without the base URL.
std::string issue_path(const Newsletter& n, Id issue) {
  return fmt::format("{}/{}", archive_path(n), issue);
}

Result<std::string> render_web_version(const Config& config, const Issue& issue,
                                       const Newsletter& newsletter) {
  send::IssueMessageSettings settings;
  settings.config = &config;
  auto input = send::issue_render_input(settings, issue, newsletter);
  if (!input) return input.error();
  auto prepared = render::PreparedIssue::prepare(*input);
  if (!prepared) return prepared.error();
  return prepared->web_html();
}

void append_element(std::string& out, std::string_view indent, std::string_view name,
                    std::string_view text) {
  out.append(indent).append("<").append(name).append(">");
  append_xml_escaped(out, text);
  out.append("</").append(name).append(">\n");
}

void append_link(std::string& out, std::string_view indent, std::string_view rel,
                 std::string_view type, std::string_view href) {
  out.append(indent).append("<link rel=\"").append(rel).append("\" type=\"").append(type);
  out.append("\" href=\"");
  append_xml_escaped(out, href);
  out.append("\"/>\n");
}

}  // namespace

std::string render_atom(const AtomFeed& feed) {
  std::string out = "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n";
  out += "<feed xmlns=\"http://www.w3.org/2005/Atom\">\n";
  append_element(out, "  ", "id", feed.id);
  append_element(out, "  ", "title", feed.title);
  if (!feed.subtitle.empty()) append_element(out, "  ", "subtitle", feed.subtitle);
  append_element(out, "  ", "updated", format_iso8601(feed.updated));
  append_link(out, "  ", "self", "application/atom+xml", feed.self_url);
  append_link(out, "  ", "alternate", "text/html", feed.page_url);
  out += "  <author>\n";
  append_element(out, "    ", "name", feed.author);
  out += "  </author>\n";
  for (const auto& entry : feed.entries) {
    out += "  <entry>\n";
    append_element(out, "    ", "id", entry.id);
    append_element(out, "    ", "title", entry.title);
    append_element(out, "    ", "updated", format_iso8601(entry.updated));
    append_element(out, "    ", "published", format_iso8601(entry.published));
    append_link(out, "    ", "alternate", "text/html", entry.url);
    if (!entry.summary.empty()) append_element(out, "    ", "summary", entry.summary);
    out += "  </entry>\n";
  }
  out += "</feed>\n";
  return out;
}

namespace {

// A cached page as the response: one copy, into the response's body. Issue pages and
// feeds may be kept by browsers and proxies for five minutes; the list, which changes
// when an issue goes out, is asked for again.
Response page_response(const PageCache::Page& page, std::string content_type, bool cache_publicly) {
  auto r = Response::text(200, *page, std::move(content_type));
  if (cache_publicly) r.set_header("Cache-Control", "public, max-age=300");
  return r;
}

}  // namespace

Response ArchivePages::issue_page(const Request& req) {
  auto newsletter = public_newsletter(ctx_, req.params.at("slug"));
  if (!newsletter) return refuse(ctx_, req, newsletter.error());
  auto id = parse_id(req.params.at("issue"));
  if (!id) return refuse(ctx_, req, id.error());

  const std::string slot = fmt::format("issue/{}/{}", newsletter->id, *id);
  auto page = cache_.get(slot, newsletter->archive_version, [&]() -> Result<std::string> {
    auto issue = ctx_.store.archive_issue(newsletter->id, *id);
    if (!issue) return issue.error();
    auto rendered = render_web_version(ctx_.config, *issue, *newsletter);
    if (!rendered) {
      spdlog::error("request {}: issue {} cannot be rendered: {}", req.request_id, issue->id,
                    rendered.error().message);
      return make_error(Errc::internal, rendered.error().message);
    }
    return rendered;
  });
  if (!page) return refuse(ctx_, req, page.error());
  if (auto moved = canonical(req, issue_path(*newsletter, *id))) return *moved;
  return page_response(*page, "text/html; charset=utf-8", true);
}

Result<std::string> ArchivePages::render_list(const Newsletter& newsletter, Id before) {
  auto issues = ctx_.store.archive_list({newsletter.id, before, kArchivePageSize + 1});
  if (!issues) return issues.error();
  // Only an issue of the list can be a cursor, and a page is linked to only when it
  // has issues: an empty older page is nobody's.
  if (before && issues->empty()) return hidden();
  const bool more = issues->size() > kArchivePageSize;
  if (more) issues->resize(kArchivePageSize);

  TemplateData list{TemplateData::type::list};
  for (const auto& issue : *issues) {
    TemplateData d;
    d.set("url", issue_path(newsletter, issue.id));
    d.set("subject", issue.subject);
    d.set("preheader", issue.preheader);
    d.set("date", render::format_issue_date(issue.published_at));
    d.set("datetime", format_iso8601(issue.published_at));
    list.push_back(d);
  }
  TemplateData d;
  d.set("name", newsletter.name);
  d.set("description", newsletter.description);
  auto schedule = parse_schedule(newsletter.schedule);
  d.set("schedule", schedule ? schedule->describe() : newsletter.schedule);
  d.set("issues", list);
  d.set("empty", issues->empty());
  if (more)
    d.set("older_url", fmt::format("{}?before={}", archive_path(newsletter), issues->back().id));
  if (before) d.set("newest_url", archive_path(newsletter));
  // layout.mustache puts these in <head> for feed readers to discover.
  d.set("atom_feed_url", feed_path(newsletter));
  d.set("atom_feed_title", newsletter.name);
  BoxState box;  // this newsletter only, ticked
  box.offered = box.checked = {newsletter.slug};
  box.page = archive_path(newsletter);
  d.set("box", render_signup_box(ctx_, box, {newsletter}));
  std::string title = newsletter.name + ": past issues";
  if (before) title += ", older";
  return ctx_.templates.page("archive", title, d, site_data(ctx_));
}

Response ArchivePages::newsletter_archive(const Request& req) {
  auto newsletter = public_newsletter(ctx_, req.params.at("slug"));
  if (!newsletter) return refuse(ctx_, req, newsletter.error());
  Id before = 0;
  auto before_text = req.query_param("before");
  if (before_text) {
    auto id = parse_id(*before_text);
    if (!id) return refuse(ctx_, req, id.error());
    before = *id;
  }
  const std::string slot = fmt::format("list/{}/{}", newsletter->id, before);
  auto page = cache_.get(slot, newsletter->archive_version,
                         [&] { return render_list(*newsletter, before); });
  if (!page) return refuse(ctx_, req, page.error());
  const std::string path = archive_path(*newsletter);
  if (before && *before_text != std::to_string(before)) {
    return Response::redirect(301, fmt::format("{}?before={}", path, before));
  }
  if (auto moved = canonical(req, path)) return *moved;
  return page_response(*page, "text/html; charset=utf-8", false);
}

Result<std::string> ArchivePages::render_feed(const Newsletter& newsletter) {
  auto issues = ctx_.store.archive_list({newsletter.id, 0, kFeedLimit});
  if (!issues) return issues.error();
  const std::string base = base_url(ctx_.config);
  AtomFeed feed;
  feed.id = base + archive_path(newsletter);
  feed.title = newsletter.name;
  feed.subtitle = newsletter.description;
  feed.self_url = base + feed_path(newsletter);
  feed.page_url = feed.id;
  feed.author =
      ctx_.config.publication.name.empty() ? newsletter.name : ctx_.config.publication.name;
  // With no issue yet, the feed changed last when the newsletter did.
  feed.updated = newsletter.updated_at;
  for (const auto& issue : *issues) {
    AtomEntry entry;
    entry.url = base + issue_path(newsletter, issue.id);  // render::PreparedIssue::web_version_url
    entry.id = entry.url;
    entry.title = issue.subject;
    entry.summary = issue.preheader;
    // What readers got is fixed once sending begins.
    entry.published = entry.updated = issue.published_at;
    feed.entries.push_back(std::move(entry));
  }
  if (!feed.entries.empty()) feed.updated = feed.entries.front().updated;  // newest first
  return render_atom(feed);
}

Response ArchivePages::feed(const Request& req) {
  auto newsletter = public_newsletter(ctx_, req.params.at("slug"));
  if (!newsletter) return refuse(ctx_, req, newsletter.error());
  const std::string slot = fmt::format("feed/{}", newsletter->id);
  auto page =
      cache_.get(slot, newsletter->archive_version, [&] { return render_feed(*newsletter); });
  if (!page) return refuse(ctx_, req, page.error());
  if (auto moved = canonical(req, feed_path(*newsletter))) return *moved;
  return page_response(*page, "application/atom+xml; charset=utf-8", true);
}

}  // namespace broadsheet::web
