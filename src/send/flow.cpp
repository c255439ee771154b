#include "send/flow.hpp"

namespace broadsheet::send {

Window::Window(std::size_t limit) : limit_(std::max<std::size_t>(1, limit)) {}

void Window::acquire() {
  std::unique_lock lock(mu_);
  cv_.wait(lock, [&] { return used_ < limit_; });
  ++used_;
}

void Window::release(std::size_t n) {
  std::lock_guard lock(mu_);
  used_ -= std::min(n, used_);
  cv_.notify_all();
}

void Counter::add() {
  std::lock_guard lock(mu_);
  ++count_;
}

void Counter::release(std::size_t n) {
  std::lock_guard lock(mu_);
  count_ -= std::min(n, count_);
  if (count_ == 0) cv_.notify_all();
}

void Counter::drained() {
  std::unique_lock lock(mu_);
  cv_.wait(lock, [&] { return count_ == 0; });
}

TokenBucket::TokenBucket(double rate, SteadyClock::time_point start)
    : rate_(rate), burst_(std::max(1.0, rate)), tokens_(burst_), last_(start) {}

std::chrono::nanoseconds TokenBucket::wait(SteadyClock::time_point now) {
  if (rate_ <= 0) return {};
  if (now > last_) {
    tokens_ =
        std::min(burst_, tokens_ + std::chrono::duration<double>(now - last_).count() * rate_);
    last_ = now;
  }
  if (tokens_ >= 1) return {};
  return std::chrono::nanoseconds(static_cast<long long>((1 - tokens_) / rate_ * 1e9) + 1);
}

void TokenBucket::take() {
  if (rate_ > 0) tokens_ -= 1;
}

void TokenBucket::set_rate(double rate) {
  if (rate_ <= 0 && rate > 0) last_ = SteadyClock::now();
  rate_ = rate;
  burst_ = std::max(1.0, rate);
  tokens_ = std::min(tokens_, burst_);
}

Limits::Limits(double rate, int domain_in_flight, double domain_rate)
    : global_(rate),
      rate_all_(rate),
      domain_in_flight_all_(domain_in_flight),
      domain_rate_all_(domain_rate),
      domain_in_flight_(domain_in_flight),
      domain_rate_(domain_rate) {}

void Limits::share(int nodes) {
  std::lock_guard lock(mu_);
  const int n = std::max(1, nodes);
  global_.set_rate(rate_all_ / n);
  domain_in_flight_ = domain_in_flight_all_ > 0 ? (domain_in_flight_all_ + n - 1) / n : 0;
  domain_rate_ = domain_rate_all_ / n;
  for (auto& [name, d] : domains_) d.bucket.set_rate(domain_rate_);
  cv_.notify_all();
}

void Limits::acquire(const std::string& domain) {
  std::unique_lock lock(mu_);
  for (;;) {
    auto& d = domains_.try_emplace(domain, domain_rate_).first->second;
    if (domain_in_flight_ > 0 && d.in_flight >= domain_in_flight_) {
      cv_.wait(lock);
      continue;
    }
    const auto now = SteadyClock::now();
    auto wait = std::max(global_.wait(now), d.bucket.wait(now));
    if (wait.count() == 0) {
      global_.take();
      d.bucket.take();
      ++d.in_flight;
      return;
    }
    cv_.wait_for(lock, wait);
  }
}

void Limits::release(const std::string& domain) {
  std::lock_guard lock(mu_);
  auto it = domains_.find(domain);
  if (it != domains_.end() && it->second.in_flight > 0) {
    --it->second.in_flight;
    // Forget idle domains (when no per-domain rate needs their bucket), so memory
    // stays bounded by the domains in flight.
    if (it->second.in_flight == 0 && domain_rate_ <= 0) domains_.erase(it);
  }
  cv_.notify_all();
}

std::string domain_of(std::string_view email) {
  auto at = email.rfind('@');
  return at == std::string_view::npos ? std::string() : std::string(email.substr(at + 1));
}

}  // namespace broadsheet::send
