#include "web/pages.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>

#include <boost/json.hpp>

#include "core/resources.hpp"
#include "schedule/schedule.hpp"
#include "web/signup_pages.hpp"

namespace broadsheet::web {
namespace {

namespace json = boost::json;
using http::Request;
using http::Response;

std::string schedule_line(const std::string& schedule_text) {
  auto s = schedule::parse_schedule(schedule_text);
  return s ? s->describe() : schedule_text;
}

TemplateData newsletter_data(const Newsletter& n) {
  TemplateData d;
  d.set("slug", n.slug);
  d.set("name", n.name);
  d.set("description", n.description);
  d.set("schedule", schedule_line(n.schedule));
  return d;
}

// Where the newsletter box sits in an article: after the second paragraph, as a
// reader finishes the opening of the story.
constexpr std::size_t kBoxAfterParagraph = 2;

// The box a page shows: its own offer, with the answer to a form post (input kept,
// messages) when the page is shown again after one.
BoxState page_box(const Request& req, BoxState own, const BoxState* answer) {
  own.page = req.path;
  if (answer) {
    own.page = answer->page;
    own.checked = answer->checked;
    own.email = answer->email;
    own.name = answer->name;
    own.marketing = answer->marketing;
    own.errors = answer->errors;
    own.success = answer->success;
  }
  return own;
}

Response render_article(WebContext& ctx, const Request& req, const Article& a,
                        const BoxState* answer = nullptr, int status = 200) {
  TemplateData d;
  d.set("title", a.title);
  d.set("standfirst", a.standfirst);
  d.set("author", a.author);
  d.set("section", a.section);
  d.set("published", format_iso8601(a.published_at).substr(0, 10));
  TemplateData before{TemplateData::type::list}, after{TemplateData::type::list};
  for (std::size_t i = 0; i < a.paragraphs.size(); ++i) {
    (i < kBoxAfterParagraph ? before : after).push_back(TemplateData(a.paragraphs[i]));
  }
  d.set("before", before);
  d.set("after", after);

  auto newsletters = public_newsletters(ctx);
  if (!newsletters) return error_page(ctx, req, 503, "");
  if (!newsletters->empty()) {
    // The box offers the publisher's first newsletter: in the demo, the Morning Briefing.
    BoxState box;
    box.offered = box.checked = {newsletters->front().slug};
    d.set("box", render_signup_box(ctx, page_box(req, box, answer), *newsletters));
  }
  TemplateData more{TemplateData::type::list};
  auto latest = ctx.store.latest_articles(6);
  if (latest) {
    for (const auto& other : *latest) {
      if (other.slug == a.slug) continue;
      TemplateData o;
      o.set("slug", other.slug);
      o.set("title", other.title);
      more.push_back(o);
    }
  }
  d.set("more", more);
  return Response::html(status, ctx.templates.page("article", a.title, d, site_data(ctx)));
}

std::string_view content_type_for(std::string_view file) {
  auto ends = [&](std::string_view ext) {
    return file.size() >= ext.size() && file.substr(file.size() - ext.size()) == ext;
  };
  if (ends(".css")) return "text/css; charset=utf-8";
  if (ends(".js")) return "text/javascript; charset=utf-8";
  if (ends(".svg")) return "image/svg+xml";
  if (ends(".png")) return "image/png";
  if (ends(".ico")) return "image/x-icon";
  return "application/octet-stream";
}

}  // namespace

Result<std::vector<Newsletter>> public_newsletters(WebContext& ctx) {
  auto list = ctx.store.list_newsletters(true);
  if (list) {
    std::stable_sort(list->begin(), list->end(),
                     [](const Newsletter& a, const Newsletter& b) { return a.id < b.id; });
  }
  return list;
}

TemplateData site_data(const WebContext& ctx) {
  TemplateData site;
  site.set("name", ctx.config.publication.name);
  site.set("tagline", ctx.config.publication.tagline);
  site.set("postal_address", ctx.config.publication.postal_address);
  return site;
}

Response error_page(WebContext& ctx, const Request& req, int status, const std::string& message) {
  TemplateData d;
  d.set("status", std::to_string(status));
  d.set("message", !message.empty()               ? message
                   : status >= 500 ? "An error has occurred. Please try again later."
                                   : std::string(http::status_reason(status)));
  d.set("request_id", req.request_id);
  return Response::html(status, ctx.templates.page("error", std::string(http::status_reason(status)),
                                                   d, site_data(ctx)));
}

Response article_home(WebContext& ctx, const Request& req) {
  auto latest = ctx.store.latest_articles(1);
  if (!latest) {
    spdlog::error("request {}: reading articles: {}", req.request_id, latest.error().message);
    return error_page(ctx, req, 503, "");
  }
  if (latest->empty()) {
    // A fresh install without articles still greets the publisher with the catalogue.
    return Response::redirect(303, "/newsletters");
  }
  return render_article(ctx, req, latest->front());
}

Response article_page(WebContext& ctx, const Request& req) {
  const auto& slug = req.params.at("slug");
  if (!validate_slug(slug)) return error_page(ctx, req, 404, "There is no such article.");
  auto article = ctx.store.article_by_slug(slug);
  if (!article) {
    if (article.error().code == Errc::not_found) {
      return error_page(ctx, req, 404, "There is no such article.");
    }
    spdlog::error("request {}: reading article: {}", req.request_id, article.error().message);
    return error_page(ctx, req, 503, "");
  }
  return render_article(ctx, req, *article);
}

namespace {

Response render_newsletters(WebContext& ctx, const Request& req, const BoxState* answer,
                            int status) {
  auto newsletters = public_newsletters(ctx);
  if (!newsletters) {
    spdlog::error("request {}: listing newsletters: {}", req.request_id,
                  newsletters.error().message);
    return error_page(ctx, req, 503, "");
  }
  TemplateData list{TemplateData::type::list};
  for (const auto& n : *newsletters) list.push_back(newsletter_data(n));
  TemplateData d;
  d.set("newsletters", list);
  d.set("empty", newsletters->empty());
  if (!newsletters->empty()) {
    BoxState box;  // every newsletter, none ticked: the reader chooses
    d.set("box", render_signup_box(ctx, page_box(req, box, answer), *newsletters));
  }
  return Response::html(status, ctx.templates.page("newsletters", "All newsletters", d,
                                                   site_data(ctx)));
}

}  // namespace

Response newsletters_page(WebContext& ctx, const Request& req) {
  return render_newsletters(ctx, req, nullptr, 200);
}

std::optional<Response> page_with_answer(WebContext& ctx, const Request& req,
                                         const BoxState& answer, int status) {
  std::string_view page = answer.page;
  if (auto q = page.find_first_of("?#"); q != std::string_view::npos) page = page.substr(0, q);
  if (page == "/newsletters") return render_newsletters(ctx, req, &answer, status);
  Result<Article> article = make_error(Errc::not_found, "");
  if (page == "/") {
    auto latest = ctx.store.latest_articles(1);
    if (!latest || latest->empty()) return std::nullopt;
    article = latest->front();
  } else if (page.rfind("/articles/", 0) == 0) {
    const std::string slug(page.substr(10));
    if (!validate_slug(slug)) return std::nullopt;
    article = ctx.store.article_by_slug(slug);
  }
  if (!article) return std::nullopt;
  return render_article(ctx, req, *article, &answer, status);
}

Response static_asset(WebContext& ctx, const Request& req) {
  const auto& file = req.params.at("file");
  auto content = resource("web/static/" + file);
  if (!content || file.find("..") != std::string::npos) {
    return error_page(ctx, req, 404, "There is no such file.");
  }
  auto r = Response::text(200, std::string(*content), std::string(content_type_for(file)));
  r.set_header("Cache-Control", "public, max-age=3600");
  return r;
}

Response api_public_newsletters(WebContext& ctx, const Request& req) {
  auto newsletters = ctx.store.list_newsletters(true);
  if (!newsletters) {
    spdlog::error("request {}: listing newsletters: {}", req.request_id,
                  newsletters.error().message);
    return Response::json_error(503, "internal", "An error has occurred. Please try again later.");
  }
  json::array out;
  for (const auto& n : *newsletters) {
    out.push_back(json::object{{"slug", n.slug},
                               {"name", n.name},
                               {"description", n.description},
                               {"schedule", n.schedule},
                               {"schedule_description", schedule_line(n.schedule)}});
  }
  auto r = Response::json(200, out);
  // Embeds on the publisher's article pages read this from another origin.
  r.set_header("Access-Control-Allow-Origin", "*");
  return r;
}

Response healthz(WebContext& ctx, const Request&) {
  auto version = ctx.store.schema_version();
  if (!version) {
    return Response::json(503, json::object{{"status", "unavailable"}, {"database", "error"}});
  }
  const NodeStatus everything;
  const NodeStatus& node = ctx.node != nullptr ? *ctx.node : everything;
  json::array roles;
  for (const auto& r : node.roles) roles.emplace_back(r);
  return Response::json(200, json::object{{"status", "ok"},
                                          {"database", "ok"},
                                          {"schema_version", *version},
                                          {"roles", std::move(roles)},
                                          {"scheduler", node.holds_scheduler
                                                            ? node.holds_scheduler()
                                                            : false}});
}

Response metrics(WebContext& ctx, const Request&) {
  return Response::text(200, ctx.metrics.render(), "text/plain; version=0.0.4; charset=utf-8");
}

}  // namespace broadsheet::web
