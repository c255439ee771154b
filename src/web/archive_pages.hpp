// The web version of issues: the public archive of each public newsletter.
//
//   GET /archive/SLUG/ISSUE      the issue as a web page: PreparedIssue::web_html(), the
//                                email's own layout with the merge fields neutral and no
//                                reader data (the address every email's "view in your
//                                browser" link points at, PreparedIssue::web_version_url)
//   GET /archive/SLUG            the newsletter's past issues, newest first,
//                                kArchivePageSize a page, with its sign-up box and a
//                                <link rel="alternate"> to the feed; an "Older issues"
//                                link leads to ?before=ID, the next page (a keyset
//                                cursor: the id of the last issue shown)
//   GET /archive/SLUG/feed.atom  an Atom 1.0 feed (RFC 4287) of the latest kFeedLimit
//
// What is public: an issue of a public newsletter whose readers have it, that is one
// that is sending or sent, or paused or cancelled after at least one copy went out.
// Everything else (drafts, scheduled issues, an issue paused or cancelled before any
// copy was sent, a private newsletter, an unknown slug or id, an id of another
// newsletter's issue, a ?before= that is not one of the newsletter's public issues) is
// the same 404 page, so the answer tells nothing about what exists. Each page has one
// address: asked for under another spelling (`/archive/x/%31`, `/archive/x/01`), a
// public page answers 301 with its own. Absolute URLs come from publication.base_url.
//
// Cost: a request reads the newsletter (one query) and, unless its page is cached,
// one more: the list or feed from an index, or the one issue. The store reads them on
// its read-only connections, beside the writer (sqlite_store.hpp).
//
// Cache: the rendered pages (issues, list pages, feeds) are kept in a PageCache of
// `archive.cache_bytes` bytes, shared by the responses, and rendered once per miss
// and at most one per core at a time. A page's version is its
// newsletter's archive_version, which the database bumps whenever an issue of the
// newsletter changes status or the newsletter is edited, also by another process (the
// CLI): so a page changes as soon as what it shows does, with no wait. Pages are also
// made again after kPageTtl seconds, for the one change no status marks: a copy of an
// issue paused before any went out, found delivered after the pause. A changed email
// layout file shows after a restart.
//
// Thread-safety: an ArchivePages is safe to call from every handler thread at once.
#pragma once

#include <algorithm>
#include <cstddef>
#include <string>
#include <thread>
#include <vector>

#include "http/message.hpp"
#include "web/page_cache.hpp"
#include "web/web_context.hpp"

namespace broadsheet::web {

inline constexpr std::size_t kArchivePageSize = 100;
inline constexpr std::size_t kFeedLimit = 50;
inline constexpr UnixSeconds kPageTtl = 60;

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
  explicit ArchivePages(WebContext& ctx)
      : ctx_(ctx),
        cache_(ctx.config.archive.cache_bytes, kPageTtl, ctx.clock,
               std::max(2u, std::thread::hardware_concurrency())) {}

  http::Response issue_page(const http::Request& req);
  http::Response newsletter_archive(const http::Request& req);
  http::Response feed(const http::Request& req);

 private:
  Result<std::string> render_list(const Newsletter& newsletter, Id before);
  Result<std::string> render_feed(const Newsletter& newsletter);

  WebContext& ctx_;
  PageCache cache_;
};

}  // namespace broadsheet::web
