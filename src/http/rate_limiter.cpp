#include "http/rate_limiter.hpp"

namespace broadsheet::http {

RateLimiter::RateLimiter(int limit, int window_seconds, const Clock& clock, std::size_t max_keys)
    : limit_(limit), window_(window_seconds), clock_(clock), max_keys_(max_keys) {}

bool RateLimiter::allow(const std::string& key) {
  UnixSeconds now = clock_.now();
  std::lock_guard lock(mu_);
  auto it = windows_.find(key);
  if (it == windows_.end()) {
    if (windows_.size() >= max_keys_) {
      std::erase_if(windows_, [&](const auto& kv) { return now - kv.second.start >= window_; });
      if (windows_.size() >= max_keys_) return false;
    }
    it = windows_.emplace(key, Window{now, 0}).first;
  }
  if (now - it->second.start >= window_) it->second = Window{now, 0};
  return ++it->second.count <= limit_;
}

}  // namespace broadsheet::http
