#include "web/archive_pages.hpp"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <charconv>

#include "core/text.hpp"
#include "mail/issue_render.hpp"
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
Response refuse(WebContext& ctx, const Request& req, const Error& e) {
  if (e.code == Errc::not_found) return error_page(ctx, req, 404, "There is no such page.");
  spdlog::error("request {}: reading the archive: {}", req.request_id, e.message);
  return error_page(ctx, req, 503, "");
}

Result<Newsletter> public_newsletter(WebContext& ctx, const std::string& slug) {
  if (!validate_slug(slug)) return hidden();
  auto newsletter = ctx.store.newsletter_by_slug(slug);
  if (newsletter && !newsletter->is_public) return hidden();
  return newsletter;
}

// Decimal digits of a positive id without leading zeros: one address per issue.
Result<Id> parse_issue_id(std::string_view text) {
  Id id = 0;
  if (text.empty() || text.front() == '0') return hidden();
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), id);
  if (ec != std::errc() || end != text.data() + text.size()) return hidden();
  return id;
}

// Whether the readers have the issue: it went out, or began to and a copy was sent.
Result<bool> readers_have(WebContext& ctx, const Issue& issue) {
  switch (issue.status) {
    case IssueStatus::sending:
    case IssueStatus::sent:
      return true;
    case IssueStatus::paused:
    case IssueStatus::cancelled: {
      auto counts = ctx.store.delivery_counts(issue.id);
      if (!counts) return counts.error();
      return counts->sent > 0;
    }
    case IssueStatus::draft:
    case IssueStatus::scheduled:
      return false;
  }
  return false;
}

// The day the readers got the issue: when sending began, as on the issue's page.
UnixSeconds published_at(const Issue& issue) { return issue.started_at.value_or(issue.created_at); }

// The public issues of a newsletter, newest first, at most `limit`.
Result<std::vector<Issue>> public_issues(WebContext& ctx, Id newsletter_id, std::size_t limit) {
  std::vector<Issue> out;
  for (IssueStatus status :
       {IssueStatus::sending, IssueStatus::sent, IssueStatus::paused, IssueStatus::cancelled}) {
    auto issues = ctx.store.list_issues({newsletter_id, status, limit});
    if (!issues) return issues.error();
    for (auto& issue : *issues) {
      auto visible = readers_have(ctx, issue);
      if (!visible) return visible.error();
      if (*visible) out.push_back(std::move(issue));
    }
  }
  std::sort(out.begin(), out.end(), [](const Issue& a, const Issue& b) {
    return std::pair(published_at(a), a.id) > std::pair(published_at(b), b.id);
  });
  if (out.size() > limit) out.resize(limit);
  return out;
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
  IssueMessageSettings settings;
  settings.config = &config;
  auto input = issue_render_input(settings, issue, newsletter);
  if (!input) return input.error();
  auto prepared = PreparedIssue::prepare(*input);
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

IssuePageCache::Page IssuePageCache::find(const Key& key) {
  std::lock_guard lock(mutex_);
  auto it = std::find_if(entries_.begin(), entries_.end(),
                         [&](const auto& entry) { return entry.first == key; });
  if (it == entries_.end()) return nullptr;
  entries_.splice(entries_.begin(), entries_, it);
  return it->second;
}

void IssuePageCache::insert(const Key& key, Page page) {
  std::lock_guard lock(mutex_);
  // An issue has one version that readers see; an older one will not be asked for.
  entries_.remove_if([&](const auto& entry) { return entry.first.issue_id == key.issue_id; });
  entries_.emplace_front(key, std::move(page));
  while (entries_.size() > capacity_) entries_.pop_back();
}

std::size_t IssuePageCache::size() const {
  std::lock_guard lock(mutex_);
  return entries_.size();
}

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

Response ArchivePages::issue_page(const Request& req) {
  auto newsletter = public_newsletter(ctx_, req.params.at("slug"));
  if (!newsletter) return refuse(ctx_, req, newsletter.error());
  auto id = parse_issue_id(req.params.at("issue"));
  if (!id) return refuse(ctx_, req, id.error());
  auto issue = ctx_.store.issue_by_id(*id);
  if (!issue) return refuse(ctx_, req, issue.error());
  if (issue->newsletter_id != newsletter->id) return refuse(ctx_, req, hidden());
  auto visible = readers_have(ctx_, *issue);
  if (!visible) return refuse(ctx_, req, visible.error());
  if (!*visible) return refuse(ctx_, req, hidden());

  const IssuePageCache::Key key{issue->id, issue->updated_at, newsletter->updated_at};
  auto page = cache_.find(key);
  if (!page) {
    auto rendered = render_web_version(ctx_.config, *issue, *newsletter);
    if (!rendered) {
      spdlog::error("request {}: issue {} cannot be rendered: {}", req.request_id, issue->id,
                    rendered.error().message);
      return error_page(ctx_, req, 500, "");
    }
    page = std::make_shared<const std::string>(std::move(*rendered));
    cache_.insert(key, page);
  }
  auto r = Response::html(200, *page);
  r.set_header("Cache-Control", "public, max-age=300");
  return r;
}

Response ArchivePages::newsletter_archive(const Request& req) {
  auto newsletter = public_newsletter(ctx_, req.params.at("slug"));
  if (!newsletter) return refuse(ctx_, req, newsletter.error());
  auto issues = public_issues(ctx_, newsletter->id, kArchiveListLimit);
  if (!issues) return refuse(ctx_, req, issues.error());

  TemplateData list{TemplateData::type::list};
  for (const auto& issue : *issues) {
    TemplateData d;
    d.set("url", issue_path(*newsletter, issue.id));
    d.set("subject", issue.subject);
    d.set("preheader", issue.preheader);
    d.set("date", format_issue_date(published_at(issue)));
    d.set("datetime", format_iso8601(published_at(issue)));
    list.push_back(d);
  }
  TemplateData d;
  d.set("name", newsletter->name);
  d.set("description", newsletter->description);
  auto schedule = parse_schedule(newsletter->schedule);
  d.set("schedule", schedule ? schedule->describe() : newsletter->schedule);
  d.set("issues", list);
  d.set("empty", issues->empty());
  d.set("at_limit", issues->size() == kArchiveListLimit);
  d.set("limit", std::to_string(kArchiveListLimit));
  // layout.mustache puts these in <head> for feed readers to discover.
  d.set("atom_feed_url", feed_path(*newsletter));
  d.set("atom_feed_title", newsletter->name);
  BoxState box;  // this newsletter only, ticked
  box.offered = box.checked = {newsletter->slug};
  box.page = req.path;
  d.set("box", render_signup_box(ctx_, box, {*newsletter}));
  return Response::html(
      200, ctx_.templates.page("archive", newsletter->name + ": past issues", d, site_data(ctx_)));
}

Response ArchivePages::feed(const Request& req) {
  auto newsletter = public_newsletter(ctx_, req.params.at("slug"));
  if (!newsletter) return refuse(ctx_, req, newsletter.error());
  auto issues = public_issues(ctx_, newsletter->id, kFeedLimit);
  if (!issues) return refuse(ctx_, req, issues.error());

  const std::string base = base_url(ctx_.config);
  AtomFeed feed;
  feed.id = base + archive_path(*newsletter);
  feed.title = newsletter->name;
  feed.subtitle = newsletter->description;
  feed.self_url = base + feed_path(*newsletter);
  feed.page_url = feed.id;
  feed.author =
      ctx_.config.publication.name.empty() ? newsletter->name : ctx_.config.publication.name;
  // With no issue yet, the feed changed last when the newsletter did.
  feed.updated = newsletter->updated_at;
  for (const auto& issue : *issues) {
    AtomEntry entry;
    entry.url = base + issue_path(*newsletter, issue.id);  // PreparedIssue::web_version_url
    entry.id = entry.url;
    entry.title = issue.subject;
    entry.summary = issue.preheader;
    // What readers got is fixed once sending begins.
    entry.published = entry.updated = published_at(issue);
    feed.entries.push_back(std::move(entry));
  }
  if (!feed.entries.empty()) feed.updated = feed.entries.front().updated;  // newest first
  auto r = Response::text(200, render_atom(feed), "application/atom+xml; charset=utf-8");
  r.set_header("Cache-Control", "public, max-age=300");
  return r;
}

}  // namespace broadsheet::web
