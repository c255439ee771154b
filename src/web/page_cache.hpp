// Rendered public pages kept in memory, bounded in bytes: the archive's issue pages,
// lists and feeds (web/archive_pages.hpp).
//
// A page is kept under its slot (what it is, e.g. "issue/3/17") and a version (what it
// was made from, e.g. the newsletter's archive_version). Asked for another version,
// the slot's page is stale: it is made again and replaces the old one, so a slot holds
// one page. A page older than `ttl` seconds is made again too, for the changes no
// version tells of.
//
// Bounded: the pages kept add up to at most `capacity_bytes`, counting each page's
// bytes plus its slot and kEntryOverhead; the least recently used go first. A page
// larger than the whole budget is served but not kept; a budget of 0 keeps nothing.
// Pages are immutable and shared, never copied in or out: a caller may hold its page
// after it was evicted (that memory is the caller's, not the budget's).
//
// A miss is made once: while one caller renders a slot's version, the others asking
// for it wait for that result (single flight) instead of each rendering it again. A
// failed render is handed to those waiting and not kept. At most `max_renders` pages
// are rendered at once (rendering is CPU-bound, and a 1 MiB issue takes several MiB
// while it renders): clients cycling through more pages than the cache holds wait in
// turn rather than each holding a render's memory.
//
// Thread-safe: every method may be called from any thread. `render` runs with no lock
// held; it must not ask the same cache for the same slot and version.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <future>
#include <list>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>

#include "core/clock.hpp"
#include "core/result.hpp"

namespace broadsheet::web {

class PageCache {
 public:
  using Page = std::shared_ptr<const std::string>;
  using Render = std::function<Result<std::string>()>;
  // Counted against the budget for each entry besides its page and slot: the list
  // node, the map entry and the page's control block, roughly.
  static constexpr std::size_t kEntryOverhead = 160;

  // REQUIRES: `clock` outlives the cache; max_renders > 0.
  PageCache(std::size_t capacity_bytes, UnixSeconds ttl, const Clock& clock,
            std::size_t max_renders)
      : capacity_(capacity_bytes), ttl_(ttl), clock_(clock), max_renders_(max_renders) {}

  // The page of `slot` at `version`: kept, or made by `render` (once for all callers
  // asking at the same time). Errors are render's.
  Result<Page> get(const std::string& slot, std::int64_t version, const Render& render);

  struct Stats {
    std::size_t entries = 0;
    std::size_t bytes = 0;      // counted against the budget
    std::uint64_t renders = 0;  // calls of a `render`
    std::size_t waiting = 0;    // callers now waiting for another's render
    std::size_t queued = 0;     // renders now waiting for their turn
  };
  Stats stats() const;

 private:
  struct Entry {
    std::string slot;
    std::int64_t version = 0;
    UnixSeconds made_at = 0;
    Page page;
    std::size_t bytes = 0;
  };
  using Flight = std::shared_future<Result<Page>>;

  // REQUIRES: mutex_ held.
  void keep(const std::string& slot, std::int64_t version, UnixSeconds made_at, Page page);
  void drop(std::list<Entry>::iterator it);
  // Runs `render` once fewer than max_renders_ others run.
  Result<std::string> render_in_turn(const Render& render);

  const std::size_t capacity_;
  const UnixSeconds ttl_;
  const Clock& clock_;
  mutable std::mutex mutex_;
  std::list<Entry> entries_;  // most recently used first
  std::unordered_map<std::string, std::list<Entry>::iterator> by_slot_;
  std::unordered_map<std::string, Flight> flights_;  // by slot and version
  std::size_t bytes_ = 0;
  std::uint64_t renders_ = 0;
  std::size_t waiting_ = 0;
  const std::size_t max_renders_;
  mutable std::mutex turn_mutex_;
  std::condition_variable turn_;
  std::size_t rendering_ = 0;  // guarded by turn_mutex_
  std::size_t queued_ = 0;     // guarded by turn_mutex_
};

}  // namespace broadsheet::web
