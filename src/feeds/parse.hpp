// Feeds as sites publish them: RSS 2.0 (and 0.9x), RSS 1.0 (RDF) and Atom 1.0, read
// with libxml2 into the articles Broadsheet keeps.
//
// Trusts nothing of the document. It is parsed from memory only: no network
// (XML_PARSE_NONET, and an entity loader that refuses every external resource), no DTD
// loaded, entities never expanded, libxml2's limits on (no XML_PARSE_HUGE), and a size
// limit checked before parsing. A document that declares entities (<!ENTITY>: the
// "billion laughs", or an external entity naming file:///etc/passwd) is refused
// whole. Every text kept is plain text, bounded (feeds/text.hpp): no markup survives.
//
// Each item gives an absolute http(s) link (relative links resolved against xml:base,
// then for RSS the channel's link, then the URL the feed was fetched from), a summary,
// a section (its first category), an image (an image enclosure, media:content,
// media:thumbnail, or the first <img> of its HTML), an author, a published time (a
// date that cannot be read, or none: the fetch time) and a GUID (RSS guid, Atom id,
// RDF about; may be empty).
//
// Fails with Errc::invalid_argument and a one-line reason: too large, entities
// declared, not well-formed XML (libxml2's message and line), not a feed (the root
// element named). Pure apart from libxml2's process-wide set-up; safe from any thread.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "core/clock.hpp"
#include "core/result.hpp"

namespace broadsheet::feeds {

struct FeedItem {
  std::string title;    // never empty: the summary's start, or "(untitled)"
  std::string link;     // absolute http(s) URL; may be empty when there is a guid
  std::string summary;  // plain text
  std::string section;
  std::string image;  // absolute http(s) URL or empty
  std::string author;
  UnixSeconds published_at = 0;
  bool dated = false;  // false: published_at is the fetch time
  std::string guid;
};

struct ParsedFeed {
  std::string format;  // "RSS 2.0", "RSS 1.0" or "Atom 1.0"
  std::string title;
  std::string link;             // the site's address, absolute, or empty
  std::vector<FeedItem> items;  // in the document's order
  std::size_t skipped = 0;      // items without a link or guid, or past max_items
};

struct ParseLimits {
  std::size_t max_bytes = 10 * 1024 * 1024;
  std::size_t max_items = 500;
  std::size_t max_title = 300;    // bytes, then cut with "…"
  std::size_t max_summary = 600;  // bytes, then cut with "…"
};

// `fetch_url` is where the document came from (the base of last resort for relative
// links); `fetched_at` stands in for missing or unreadable dates.
Result<ParsedFeed> parse_feed(std::string_view document, std::string_view fetch_url,
                              UnixSeconds fetched_at, const ParseLimits& limits = {});

}  // namespace broadsheet::feeds
