// Store role: articles, the publication's own (the demo content, shown by the public
// pages) and those polled from feeds (src/feeds/), which the drafts of issues draw on.
// Thread-safe; each method is one transaction (store/store.hpp).
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include "core/clock.hpp"
#include "core/result.hpp"
#include "core/types.hpp"

namespace broadsheet::store {

// Which articles list_articles returns: published at or after `since`, newest first.
struct ArticleQuery {
  std::optional<UnixSeconds> since;
  std::size_t limit = 200;
};

// Slugs are unique. The public pages (latest_articles, article_by_slug) show only the
// publication's own articles, never a feed's: those live on their own site.
class Articles {
 public:
  virtual ~Articles() = default;

  virtual Result<Article> add_article(const Article& a) = 0;
  virtual Result<std::vector<Article>> latest_articles(std::size_t limit) = 0;
  virtual Result<Article> article_by_slug(const std::string& slug) = 0;

  // Stores the articles of one poll of feed `feed_id` that are new: an article is
  // already known when the same feed has one with its GUID, or any article has its
  // link (url). Their slugs are made up ("feed-ID-…"); paragraphs are not kept. Returns
  // how many were new. Errc::not_found when the feed does not exist.
  virtual Result<std::size_t> add_feed_articles(Id feed_id, const std::vector<Article>& items) = 0;
  // Every article, the publication's own and the feeds', newest first.
  virtual Result<std::vector<Article>> list_articles(const ArticleQuery& q) = 0;
  // The articles of the feeds newsletter `newsletter_id` follows published at or after
  // `since`, newest first, at most `limit`: what a draft of its edition draws on.
  virtual Result<std::vector<Article>> newsletter_articles(Id newsletter_id, UnixSeconds since,
                                                           std::size_t limit) = 0;
};

}  // namespace broadsheet::store
