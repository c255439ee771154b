#include "web/page_cache.hpp"

#include <fmt/format.h>

namespace broadsheet::web {
namespace {

std::string flight_key(const std::string& slot, std::int64_t version) {
  return fmt::format("{}\n{}", slot, version);
}

}  // namespace

Result<PageCache::Page> PageCache::get(const std::string& slot, std::int64_t version,
                                       const Render& render) {
  std::unique_lock lock(mutex_);
  const UnixSeconds now = clock_.now();
  if (auto it = by_slot_.find(slot); it != by_slot_.end()) {
    auto entry = it->second;
    if (entry->version == version && now - entry->made_at < ttl_) {
      entries_.splice(entries_.begin(), entries_, entry);
      return entry->page;
    }
  }
  const std::string key = flight_key(slot, version);
  if (auto it = flights_.find(key); it != flights_.end()) {
    Flight flight = it->second;
    ++waiting_;
    lock.unlock();
    Result<Page> out = flight.get();
    lock.lock();
    --waiting_;
    return out;
  }

  std::promise<Result<Page>> promise;
  flights_.emplace(key, promise.get_future().share());
  ++renders_;
  lock.unlock();
  // Whatever happens to the render (an exception is a bug), the flight ends, so that
  // the next caller renders again rather than waiting on a result that never comes.
  struct EndFlight {
    PageCache& cache;
    const std::string& key;
    ~EndFlight() {
      std::lock_guard lock(cache.mutex_);
      cache.flights_.erase(key);
    }
  };
  Result<Page> out = make_error(Errc::internal, "not rendered");
  {
    EndFlight end{*this, key};
    auto text = render_in_turn(render);
    if (text) {
      out = Page(std::make_shared<const std::string>(std::move(*text)));
      std::lock_guard relock(mutex_);
      keep(slot, version, now, *out);
    } else {
      out = text.error();
    }
  }
  promise.set_value(out);
  return out;
}

Result<std::string> PageCache::render_in_turn(const Render& render) {
  {
    std::unique_lock lock(turn_mutex_);
    ++queued_;
    turn_.wait(lock, [&] { return rendering_ < max_renders_; });
    --queued_;
    ++rendering_;
  }
  struct EndTurn {
    PageCache& cache;
    ~EndTurn() {
      {
        std::lock_guard lock(cache.turn_mutex_);
        --cache.rendering_;
      }
      cache.turn_.notify_one();
    }
  } end{*this};
  return render();
}

void PageCache::keep(const std::string& slot, std::int64_t version, UnixSeconds made_at,
                     Page page) {
  if (auto it = by_slot_.find(slot); it != by_slot_.end()) {
    // A render of an older version that finished late does not replace a newer page.
    if (it->second->version > version) return;
    drop(it->second);
  }
  const std::size_t bytes = page->size() + slot.size() + kEntryOverhead;
  if (bytes > capacity_) return;
  entries_.push_front(Entry{slot, version, made_at, std::move(page), bytes});
  by_slot_[slot] = entries_.begin();
  bytes_ += bytes;
  while (bytes_ > capacity_) drop(std::prev(entries_.end()));
}

void PageCache::drop(std::list<Entry>::iterator it) {
  bytes_ -= it->bytes;
  by_slot_.erase(it->slot);
  entries_.erase(it);
}

PageCache::Stats PageCache::stats() const {
  std::size_t queued = 0;
  {
    std::lock_guard lock(turn_mutex_);
    queued = queued_;
  }
  std::lock_guard lock(mutex_);
  return Stats{entries_.size(), bytes_, renders_, waiting_, queued};
}

}  // namespace broadsheet::web
