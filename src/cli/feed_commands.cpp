// `broadsheet feed add|list|remove|poll` and `broadsheet article list`: the feeds of
// other sites a newsletter follows, and the articles they (and the publication itself)
// bring. The network work is feeds/ (libcurl, libxml2), run here in the CLI's own
// process, never on the server's threads.
//
// feed add URL --newsletter SLUG [--section NAME]: checks the URL (http or https),
// adds the feed and polls it once at once; a first poll that fails leaves the feed
// added, with the reason and the time of the next try.
// feed poll [--now RFC3339]: polls the feeds due at that instant (default: now), one
// line per feed: new, unchanged or error. A feed that fails is a line, not an exit
// code; the exit code is 1 only when the store fails.
// article list [--since DATE] [--json]: newest first; the publication's own articles
// are listed as from "this publication".
#include <fmt/format.h>

#include <boost/json.hpp>
#include <chrono>
#include <iostream>

#include "admin/json_shapes.hpp"
#include "cli/commands.hpp"
#include "cli/context.hpp"
#include "cli/feed_limits.hpp"
#include "core/text.hpp"
#include "feeds/fetch.hpp"
#include "feeds/poll.hpp"

namespace broadsheet::cli {
namespace {

namespace json = boost::json;

struct FeedArgs {
  std::string url, newsletter, section, now, since;
  Id id = 0;
  std::size_t limit = 200;
  bool json = false;
};

std::string when(const std::optional<UnixSeconds>& t) { return t ? format_iso8601(*t) : "never"; }

// One line for a poll's outcome, e.g. "feed 3 https://…: 4 new of 20 (RSS 2.0)".
std::string describe_poll(const feeds::PollOutcome& o) {
  const std::string head = fmt::format("feed {} {}", o.feed.id, o.feed.url);
  switch (o.kind) {
    case feeds::PollOutcome::Kind::fresh:
      return fmt::format("{}: {} new of {} ({}), next poll {}", head, o.new_articles, o.items,
                         o.format, format_iso8601(o.next_poll_at));
    case feeds::PollOutcome::Kind::unchanged:
      return fmt::format("{}: unchanged (304 Not Modified), next poll {}", head,
                         format_iso8601(o.next_poll_at));
    case feeds::PollOutcome::Kind::failed:
      break;
  }
  return fmt::format("{}: error: {}; next try {}", head, o.error, format_iso8601(o.next_poll_at));
}

int add_feed(const std::string& data, const FeedArgs& a) {
  if (auto s = feeds::check_feed_url(a.url); !s) return fail(s.error());
  if (auto s = check_text("--section", a.section, 100); !s) return fail(s.error());
  auto ctx = open_context(data);
  if (!ctx) return fail(ctx.error());
  auto newsletter = ctx->store->newsletter_by_slug(a.newsletter);
  if (!newsletter) return fail(newsletter.error());
  const UnixSeconds now = SystemClock::instance().now();
  store::Feed f;
  f.newsletter_id = newsletter->id;
  f.url = a.url;
  f.section = std::string(trim_whitespace(a.section));
  f.next_poll_at = now;
  f.interval_seconds = ctx->config.feeds.interval;
  auto added = ctx->store->add_feed(f);
  if (!added) return fail(added.error());
  (void)ctx->store->audit("cli", "feed.add", std::to_string(added->id),
                          fmt::format("{} for {}", added->url, newsletter->slug));
  feeds::CurlFetcher fetcher(fetch_limits(ctx->config));
  auto outcome =
      feeds::poll_feed(*added, *ctx->store, *ctx->store, fetcher, now, parse_limits(ctx->config));
  if (!outcome) return fail(outcome.error());
  if (outcome->kind == feeds::PollOutcome::Kind::failed) {
    std::cout << fmt::format(
        "feed {} added for {}, but the first poll failed: {}\nit will be tried again at {}\n",
        added->id, newsletter->slug, outcome->error, format_iso8601(outcome->next_poll_at));
  } else {
    std::cout << fmt::format("feed {} added for {}: {} ({} items, {} new articles); next poll {}\n",
                             added->id, newsletter->slug, outcome->format, outcome->items,
                             outcome->new_articles, format_iso8601(outcome->next_poll_at));
  }
  return kExitOk;
}

int list_feeds(const std::string& data, const FeedArgs& a) {
  auto ctx = open_context(data);
  if (!ctx) return fail(ctx.error());
  auto list = ctx->store->list_feeds();
  if (!list) return fail(list.error());
  if (a.json) {
    json::array out;
    for (const auto& f : *list) out.push_back(admin::feed_json(f));
    std::cout << json::serialize(out) << "\n";
    return kExitOk;
  }
  if (list->empty()) {
    std::cout << "no feeds yet; add one with `broadsheet feed add URL --newsletter SLUG`\n";
    return kExitOk;
  }
  std::cout << fmt::format("{:<4} {:<20} {:<40} {:<12} {:<20} {:>8} {:<20} {}\n", "ID",
                           "NEWSLETTER", "URL", "SECTION", "LAST POLL", "ARTICLES", "NEXT POLL",
                           "LAST ERROR");
  for (const auto& f : *list) {
    std::cout << fmt::format("{:<4} {:<20} {:<40} {:<12} {:<20} {:>8} {:<20} {}\n", f.id,
                             f.newsletter_slug, f.url, f.section.empty() ? "-" : f.section,
                             when(f.last_poll_at), f.article_count, format_iso8601(f.next_poll_at),
                             f.last_error.empty()
                                 ? std::string("-")
                                 : fmt::format("{} ({} in a row)", f.last_error, f.failures));
  }
  return kExitOk;
}

int remove_feed(const std::string& data, const FeedArgs& a) {
  auto ctx = open_context(data);
  if (!ctx) return fail(ctx.error());
  auto f = ctx->store->feed_by_id(a.id);
  if (!f) return fail(f.error());
  if (auto s = ctx->store->remove_feed(a.id); !s) return fail(s.error());
  (void)ctx->store->audit("cli", "feed.remove", std::to_string(a.id), f->url);
  std::cout << fmt::format("removed feed {} ({}) and its {} articles\n", f->id, f->url,
                           f->article_count);
  return kExitOk;
}

int poll_feeds(const std::string& data, const FeedArgs& a) {
  auto fixed_now = now_option(a.now);
  if (!fixed_now) return fail(fixed_now.error());
  const UnixSeconds now = fixed_now->value_or(SystemClock::instance().now());
  auto ctx = open_context(data);
  if (!ctx) return fail(ctx.error());
  feeds::CurlFetcher fetcher(fetch_limits(ctx->config));
  auto outcomes =
      feeds::poll_due_feeds(*ctx->store, *ctx->store, fetcher, now, parse_limits(ctx->config));
  if (!outcomes) return fail(outcomes.error());
  if (outcomes->empty()) {
    std::cout << fmt::format("no feed is due at {}\n", format_iso8601(now));
  }
  for (const auto& o : *outcomes) std::cout << describe_poll(o) << "\n";
  return kExitOk;
}

int list_articles(const std::string& data, const FeedArgs& a) {
  store::ArticleQuery q;
  q.limit = a.limit;
  if (!a.since.empty()) {
    auto since = parse_rfc3339(a.since, /*date_alone=*/true);
    if (!since) return fail("--since: " + since.error().message);
    q.since = *since;
  }
  auto ctx = open_context(data);
  if (!ctx) return fail(ctx.error());
  auto list = ctx->store->list_articles(q);
  if (!list) return fail(list.error());
  if (a.json) {
    json::array out;
    for (const auto& art : *list) out.push_back(admin::article_json(art));
    std::cout << json::serialize(out) << "\n";
    return kExitOk;
  }
  if (list->empty()) {
    std::cout << "no articles\n";
    return kExitOk;
  }
  std::cout << fmt::format("{:<6} {:<20} {:<24} {:<14} {}\n", "ID", "PUBLISHED", "SOURCE",
                           "SECTION", "TITLE");
  for (const auto& art : *list) {
    const std::string source =
        art.feed_id ? fmt::format("feed {}", *art.feed_id) : std::string("this publication");
    std::cout << fmt::format("{:<6} {:<20} {:<24} {:<14} {}\n", art.id,
                             format_iso8601(art.published_at), source,
                             art.section.empty() ? "-" : excerpt(art.section, 14), art.title);
    if (!art.url.empty()) std::cout << fmt::format("{:<6} {}\n", "", art.url);
  }
  return kExitOk;
}

}  // namespace

feeds::FetchLimits fetch_limits(const Config& config) {
  feeds::FetchLimits l;
  l.connect_timeout = std::chrono::seconds(config.feeds.timeout_connect);
  l.total_timeout = std::chrono::seconds(config.feeds.timeout);
  l.max_bytes = static_cast<std::size_t>(config.feeds.max_size);
  return l;
}

feeds::ParseLimits parse_limits(const Config& config) {
  feeds::ParseLimits l;
  l.max_bytes = static_cast<std::size_t>(config.feeds.max_size);
  return l;
}

void add_feed_commands(CLI::App& app, Invocation& invocation) {
  static FeedArgs a;
  auto* feed = app.add_subcommand("feed",
                                  "Feeds (RSS, Atom) of other sites that a newsletter "
                                  "follows");
  feed->require_subcommand(1);
  auto* add = feed->add_subcommand("add", "Follow a feed: checks the URL and polls it once");
  auto& add_data = add_data_option(add);
  add->add_option("url", a.url, "The feed's http or https address")->required();
  add->add_option("--newsletter", a.newsletter, "The newsletter whose drafts it feeds")->required();
  add->add_option("--section", a.section,
                  "Section of all its articles (default: each article's own category)");
  add->callback([&] { invocation.exit_code = add_feed(add_data, a); });

  auto* list = feed->add_subcommand("list", "List the feeds with their last poll and error");
  auto& list_data = add_data_option(list);
  list->add_flag("--json", a.json, "Print a JSON array");
  list->callback([&] { invocation.exit_code = list_feeds(list_data, a); });

  auto* remove = feed->add_subcommand("remove", "Stop following a feed (its articles go too)");
  auto& remove_data = add_data_option(remove);
  remove->add_option("id", a.id, "The feed's id (see feed list)")->required();
  remove->callback([&] { invocation.exit_code = remove_feed(remove_data, a); });

  auto* poll = feed->add_subcommand("poll", "Poll the feeds that are due");
  auto& poll_data = add_data_option(poll);
  poll->add_option("--now", a.now, "Poll as at this RFC 3339 instant (default: now)");
  poll->callback([&] { invocation.exit_code = poll_feeds(poll_data, a); });

  auto* article = app.add_subcommand("article", "Articles: the publication's own and its feeds'");
  article->require_subcommand(1);
  auto* alist = article->add_subcommand("list", "List articles, newest first");
  auto& alist_data = add_data_option(alist);
  alist->add_option("--since", a.since, "Only those published since this date or instant");
  alist->add_option("--limit", a.limit, "At most this many")->capture_default_str();
  alist->add_flag("--json", a.json, "Print a JSON array");
  alist->callback([&] { invocation.exit_code = list_articles(alist_data, a); });
}

}  // namespace broadsheet::cli
