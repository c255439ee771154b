// Polling feeds into articles: the step the scheduler (`schedule tick`, `serve`) and
// `broadsheet feed poll` run. It takes its time from the caller (a Clock's now, or the
// --now of a command), so that what happens at any instant can be seen at once.
//
// For each feed due at `now` (next_poll_at <= now): a conditional GET with the feed's
// ETag and Last-Modified, a parse (feeds/parse.hpp), the new articles stored through
// store::Articles (duplicates by GUID in the feed or by link anywhere are skipped), and
// the poll recorded through store::Feeds. Success: next poll at now + the feed's
// interval, failures back to 0. Failure (fetch or parse): the reason kept as
// last_error, logged as a warning, and the next poll backed off exponentially
// (kFirstBackoff doubled per failure in a row, at most kMaxBackoff); the validators of
// the last good answer are kept. A feed's failure never stops the others.
//
// Blocks on the network: never call it on the HTTP server's threads.
// Thread-compatible: one poll at a time per set of feeds (the store serialises writes).
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "core/clock.hpp"
#include "core/result.hpp"
#include "feeds/fetch.hpp"
#include "feeds/parse.hpp"
#include "store/articles.hpp"
#include "store/feeds.hpp"

namespace broadsheet::feeds {

inline constexpr UnixSeconds kFirstBackoff = 5 * 60;
inline constexpr UnixSeconds kMaxBackoff = 6 * 60 * 60;
// At most this many feeds per call; the rest are due at the next.
inline constexpr std::size_t kMaxFeedsPerPoll = 200;

struct PollOutcome {
  enum class Kind { fresh, unchanged, failed };
  store::Feed feed;  // as it was before the poll
  Kind kind = Kind::fresh;
  std::size_t new_articles = 0;
  std::size_t items = 0;  // items the feed held (fresh only)
  std::string format;     // "RSS 2.0", ... (fresh only)
  std::string error;      // failed only
  UnixSeconds next_poll_at = 0;
};

// The wait after `failures` polls in a row have failed (failures >= 1).
UnixSeconds backoff_after(int failures);

// Polls one feed now, whether due or not, and records the poll. Errc::database when the
// store fails; a feed that cannot be fetched or read is an outcome, not an error.
Result<PollOutcome> poll_feed(const store::Feed& feed, store::Feeds& feeds,
                              store::Articles& articles, Fetcher& fetcher, UnixSeconds now,
                              const ParseLimits& limits = {});

// Polls every feed due at `now`, the most overdue first.
Result<std::vector<PollOutcome>> poll_due_feeds(store::Feeds& feeds, store::Articles& articles,
                                                Fetcher& fetcher, UnixSeconds now,
                                                const ParseLimits& limits = {});

}  // namespace broadsheet::feeds
