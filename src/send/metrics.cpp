#include "send/metrics.hpp"

#include <fmt/format.h>

namespace broadsheet::send {

SendMetrics::SendMetrics(store::DeliveryLog& log, std::chrono::milliseconds cache_for)
    : log_(log), cache_for_(cache_for) {}

void SendMetrics::observe(const transport::DeliveryResult& result,
                          std::chrono::duration<double> latency) {
  if (result.kind == transport::DeliveryResult::Kind::not_sent) return;  // no transaction
  const double s = latency.count();
  std::size_t b = 0;
  while (b < kBounds.size() && s > kBounds[b]) ++b;
  buckets_[b].fetch_add(1, std::memory_order_relaxed);
  count_.fetch_add(1, std::memory_order_relaxed);
  sum_micros_.fetch_add(static_cast<unsigned long long>(s * 1e6), std::memory_order_relaxed);
}

SendObserver SendMetrics::observer() {
  return SendObserver{[this](const transport::DeliveryResult& r,
                             std::chrono::duration<double> latency) { observe(r, latency); }};
}

std::optional<store::DeliveryTotals> SendMetrics::totals() {
  std::lock_guard lock(cache_mu_);
  const auto now = std::chrono::steady_clock::now();
  if (cached_ && now - read_at_ < cache_for_) return cached_;
  auto read = log_.delivery_totals();
  if (!read) return std::nullopt;
  cached_ = *read;
  read_at_ = now;
  return cached_;
}

std::string SendMetrics::render() {
  std::string out;
  if (auto t = totals()) {
    out +=
        "# HELP broadsheet_messages_total Messages of issues by result, from the delivery "
        "log (deferred: attempts put off for a retry).\n";
    out += "# TYPE broadsheet_messages_total counter\n";
    for (auto [name, n] : {std::pair<const char*, std::uint64_t>{"sent", t->sent},
                           {"deferred", t->deferred},
                           {"failed", t->failed}}) {
      out += fmt::format("broadsheet_messages_total{{result=\"{}\"}} {}\n", name, n);
    }
  }
  out += "# HELP broadsheet_smtp_transaction_seconds Time from handing a message to the "
         "transport to its reply.\n";
  out += "# TYPE broadsheet_smtp_transaction_seconds histogram\n";
  unsigned long long cumulative = 0;
  for (std::size_t b = 0; b < kBounds.size(); ++b) {
    cumulative += buckets_[b].load(std::memory_order_relaxed);
    out += fmt::format("broadsheet_smtp_transaction_seconds_bucket{{le=\"{}\"}} {}\n", kBounds[b],
                       cumulative);
  }
  cumulative += buckets_[kBounds.size()].load(std::memory_order_relaxed);
  out += fmt::format("broadsheet_smtp_transaction_seconds_bucket{{le=\"+Inf\"}} {}\n", cumulative);
  out += fmt::format("broadsheet_smtp_transaction_seconds_sum {}\n",
                     static_cast<double>(sum_micros_.load(std::memory_order_relaxed)) / 1e6);
  out += fmt::format("broadsheet_smtp_transaction_seconds_count {}\n",
                     count_.load(std::memory_order_relaxed));
  return out;
}

}  // namespace broadsheet::send
