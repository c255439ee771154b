#include "send/metrics.hpp"

#include <fmt/format.h>

namespace broadsheet::send {

void SendMetrics::observe(const transport::DeliveryResult& result,
                          std::chrono::duration<double> latency) {
  results_[static_cast<std::size_t>(result.kind)].fetch_add(1, std::memory_order_relaxed);
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

std::string SendMetrics::render() const {
  std::string out;
  out += "# HELP broadsheet_messages_total Messages handed to the transport, by result.\n";
  out += "# TYPE broadsheet_messages_total counter\n";
  const char* names[] = {"sent", "deferred", "failed"};
  for (std::size_t i = 0; i < 3; ++i) {
    out += fmt::format("broadsheet_messages_total{{result=\"{}\"}} {}\n", names[i],
                       results_[i].load(std::memory_order_relaxed));
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
