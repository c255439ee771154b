// Store role: the feeds of other sites that a newsletter follows (src/feeds/ polls
// them), with what the poller must remember between polls: the validators of the last
// answer (ETag, Last-Modified), when to poll next, the last error and how many polls in
// a row have failed. Their articles go through the Articles role.
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

struct Feed {
  Id id = 0;
  Id newsletter_id = 0;
  std::string newsletter_slug;  // filled when read back
  std::string url;              // http or https, as the editor gave it
  std::string section;          // the section of all its articles; empty: each its own category
  int interval_seconds = 900;   // between successful polls
  std::string etag;             // of the last 200 answer, sent back as If-None-Match
  std::string last_modified;    // likewise, as If-Modified-Since
  UnixSeconds next_poll_at = 0;
  std::optional<UnixSeconds> last_poll_at;
  std::string last_error;         // empty after a successful poll
  int failures = 0;               // polls in a row that failed
  std::size_t article_count = 0;  // filled when read back
  UnixSeconds created_at = 0;
};

// What one poll leaves behind, success or failure.
struct FeedPollRecord {
  UnixSeconds polled_at = 0;
  UnixSeconds next_poll_at = 0;
  std::string etag;
  std::string last_modified;
  std::string last_error;  // empty: the poll succeeded
  int failures = 0;
};

class Feeds {
 public:
  virtual ~Feeds() = default;

  // Errc::not_found for an unknown newsletter, Errc::conflict when the newsletter
  // already follows that URL.
  virtual Result<Feed> add_feed(const Feed& f) = 0;
  virtual Result<Feed> feed_by_id(Id id) = 0;
  // Every feed, by id.
  virtual Result<std::vector<Feed>> list_feeds() = 0;
  // Removes the feed and the articles it brought. Errc::not_found when there is none.
  virtual Status remove_feed(Id id) = 0;
  // Feeds whose next poll is at or before `now`, the most overdue first, at most `limit`.
  virtual Result<std::vector<Feed>> due_feeds(UnixSeconds now, std::size_t limit) = 0;
  virtual Status record_poll(Id feed_id, const FeedPollRecord& r) = 0;
};

}  // namespace broadsheet::store
