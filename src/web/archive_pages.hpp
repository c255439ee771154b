// The web version of issues: the public archive of each public newsletter.
//
//   GET /archive/SLUG/ISSUE      the issue as a web page: PreparedIssue::web_html(), the
//                                email's own layout with the merge fields neutral and no
//                                reader data (the address every email's "view in your
//                                browser" link points at, PreparedIssue::web_version_url)
//   GET /archive/SLUG            the newsletter's past issues, newest first (the latest
//                                kArchiveListLimit), with its sign-up box and a
//                                <link rel="alternate"> to the feed
//   GET /archive/SLUG/feed.atom  an Atom 1.0 feed (RFC 4287) of the latest kFeedLimit
//
// What is public: an issue of a public newsletter whose readers have it, that is one
// that is sending or sent, or paused or cancelled after at least one copy went out.
// Everything else (drafts, scheduled issues, an issue paused or cancelled before any
// copy was sent, a private newsletter, an unknown slug or id, an id of another
// newsletter's issue) is the same 404 page, so the answer tells nothing about what
// exists. Absolute URLs come from publication.base_url.
//
// The rendered issue pages are cached in memory, keyed by the issue's id and
// updated_at and its newsletter's updated_at, at most kIssuePageCacheSize of them,
// least recently used out first. A changed email layout file shows after a restart.
//
// Thread-safety: an ArchivePages is safe to call from every handler thread at once.
#pragma once

#include <cstddef>
#include <list>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "http/message.hpp"
#include "web/routes.hpp"

namespace broadsheet::web {

inline constexpr std::size_t kArchiveListLimit = 100;
inline constexpr std::size_t kFeedLimit = 50;
inline constexpr std::size_t kIssuePageCacheSize = 64;

// A bounded least-recently-used map from an issue version to its rendered page.
// Safe from any thread; the pages handed out are immutable and outlive eviction.
class IssuePageCache {
 public:
  struct Key {
    Id issue_id = 0;
    UnixSeconds issue_updated_at = 0;
    UnixSeconds newsletter_updated_at = 0;
    friend bool operator==(const Key&, const Key&) = default;
  };
  using Page = std::shared_ptr<const std::string>;

  explicit IssuePageCache(std::size_t capacity) : capacity_(capacity) {}

  Page find(const Key& key);
  void insert(const Key& key, Page page);
  std::size_t size() const;

 private:
  std::size_t capacity_;
  mutable std::mutex mutex_;
  std::list<std::pair<Key, Page>> entries_;  // most recently used first
};

// One entry of an Atom feed; times are Unix seconds, text is unescaped UTF-8.
struct AtomEntry {
  std::string id, title, url, summary;
  UnixSeconds published = 0, updated = 0;
};

struct AtomFeed {
  std::string id, title, subtitle, self_url, page_url, author;
  UnixSeconds updated = 0;
  std::vector<AtomEntry> entries;
};

// The feed as an XML document: every value escaped, characters XML 1.0 forbids dropped.
std::string render_atom(const AtomFeed& feed);

class ArchivePages {
 public:
  // REQUIRES: ctx outlives this.
  explicit ArchivePages(WebContext& ctx) : ctx_(ctx), cache_(kIssuePageCacheSize) {}

  http::Response issue_page(const http::Request& req);
  http::Response newsletter_archive(const http::Request& req);
  http::Response feed(const http::Request& req);

 private:
  WebContext& ctx_;
  IssuePageCache cache_;
};

}  // namespace broadsheet::web
