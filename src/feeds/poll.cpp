#include "feeds/poll.hpp"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>

namespace broadsheet::feeds {
namespace {

Article to_article(const FeedItem& item, const store::Feed& feed) {
  Article a;
  a.title = item.title;
  a.standfirst = item.summary;
  a.author = item.author;
  a.section = feed.section.empty() ? item.section : feed.section;
  a.url = item.link;
  a.published_at = item.published_at;
  a.feed_id = feed.id;
  a.guid = item.guid;
  a.image = item.image;
  return a;
}

}  // namespace

UnixSeconds backoff_after(int failures) {
  UnixSeconds wait = kFirstBackoff;
  for (int i = 1; i < failures && wait < kMaxBackoff; ++i) wait *= 2;
  return std::min(wait, kMaxBackoff);
}

Result<PollOutcome> poll_feed(const store::Feed& feed, store::Feeds& feeds,
                              store::Articles& articles, Fetcher& fetcher, UnixSeconds now,
                              const ParseLimits& limits) {
  PollOutcome out;
  out.feed = feed;
  store::FeedPollRecord record;
  record.polled_at = now;
  record.etag = feed.etag;
  record.last_modified = feed.last_modified;

  const auto failed = [&](std::string reason) -> Result<PollOutcome> {
    record.failures = feed.failures + 1;
    record.last_error = std::move(reason);
    record.next_poll_at = now + backoff_after(record.failures);
    spdlog::warn("feed {} ({}): {}; {} failure(s) in a row, next try at {}", feed.id, feed.url,
                 record.last_error, record.failures, format_iso8601(record.next_poll_at));
    if (auto s = feeds.record_poll(feed.id, record); !s) return s.error();
    out.kind = PollOutcome::Kind::failed;
    out.error = record.last_error;
    out.next_poll_at = record.next_poll_at;
    return out;
  };

  auto response = fetcher.fetch({feed.url, feed.etag, feed.last_modified});
  if (!response) return failed(response.error().message);
  if (response->not_modified) {
    out.kind = PollOutcome::Kind::unchanged;
  } else {
    auto parsed = parse_feed(response->body, response->final_url, now, limits);
    if (!parsed) return failed(parsed.error().message);
    std::vector<Article> items;
    items.reserve(parsed->items.size());
    for (const FeedItem& item : parsed->items) items.push_back(to_article(item, feed));
    auto added = articles.add_feed_articles(feed.id, items);
    if (!added) return added.error();
    out.kind = PollOutcome::Kind::fresh;
    out.new_articles = *added;
    out.items = parsed->items.size();
    out.format = parsed->format;
    record.etag = response->etag;
    record.last_modified = response->last_modified;
  }
  record.failures = 0;
  record.next_poll_at = now + std::max(feed.interval_seconds, 60);
  if (auto s = feeds.record_poll(feed.id, record); !s) return s.error();
  out.next_poll_at = record.next_poll_at;
  return out;
}

Result<std::vector<PollOutcome>> poll_due_feeds(store::Feeds& feeds, store::Articles& articles,
                                                Fetcher& fetcher, UnixSeconds now,
                                                const ParseLimits& limits) {
  auto due = feeds.due_feeds(now, kMaxFeedsPerPoll);
  if (!due) return due.error();
  std::vector<PollOutcome> out;
  out.reserve(due->size());
  for (const store::Feed& feed : *due) {
    auto outcome = poll_feed(feed, feeds, articles, fetcher, now, limits);
    if (!outcome) return outcome.error();
    out.push_back(std::move(*outcome));
  }
  return out;
}

}  // namespace broadsheet::feeds
