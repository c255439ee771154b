#include "http/rate_limiter.hpp"

#include <algorithm>
#include <boost/asio/ip/address.hpp>

#include "http/client_address.hpp"

namespace broadsheet::http {

std::string client_key(std::string_view address) {
  boost::system::error_code ec;
  auto parsed = boost::asio::ip::make_address(address, ec);
  return ec ? std::string(address) : client_key(parsed);  // the connection caps' key
}

RateLimiter::RateLimiter(int limit, int window_seconds, const Clock& clock, std::size_t max_keys)
    : limit_(limit),
      window_(window_seconds),
      clock_(clock),
      max_keys_(std::max<std::size_t>(max_keys, 1)) {}

bool RateLimiter::allow(const std::string& key) {
  UnixSeconds now = clock_.now();
  std::lock_guard lock(mu_);
  auto it = windows_.find(key);
  if (it == windows_.end()) {
    if (windows_.size() >= max_keys_) {
      windows_.erase(oldest_first_.front());
      oldest_first_.pop_front();
    }
    oldest_first_.push_back(key);
    it = windows_.emplace(key, Window{now, 0, std::prev(oldest_first_.end())}).first;
  } else if (now - it->second.start >= window_) {
    it->second.start = now;
    it->second.count = 0;
    oldest_first_.splice(oldest_first_.end(), oldest_first_, it->second.age);
  }
  if (it->second.count < limit_) {
    ++it->second.count;
    return true;
  }
  return false;
}

void RateLimiter::refund(const std::string& key) {
  UnixSeconds now = clock_.now();
  std::lock_guard lock(mu_);
  auto it = windows_.find(key);
  if (it != windows_.end() && now - it->second.start < window_ && it->second.count > 0) {
    --it->second.count;
  }
}

bool RateLimiter::exhausted(const std::string& key) {
  UnixSeconds now = clock_.now();
  std::lock_guard lock(mu_);
  auto it = windows_.find(key);
  return it != windows_.end() && now - it->second.start < window_ && it->second.count >= limit_;
}

std::size_t RateLimiter::size() {
  std::lock_guard lock(mu_);
  return windows_.size();
}

}  // namespace broadsheet::http
