// What sending reports to /metrics, in Prometheus text:
//  - broadsheet_messages_total{result="sent|deferred|failed"}: read from the delivery
//    log (store::DeliveryLog::delivery_totals), so issues sent by `issue send` from
//    the command line, or before this server started, count too. Deferred counts
//    attempts put off for a retry. The log is read at most once per `cache_for`.
//  - broadsheet_smtp_transaction_seconds: a histogram of this process's transactions
//    with the relay (or the outbox), from the engine's observer.
// Thread-safe: observe() is called from every pool and worker thread, render() from
// the HTTP handlers.
#pragma once

#include <array>
#include <atomic>
#include <chrono>
#include <mutex>
#include <optional>
#include <string>

#include "send/engine.hpp"
#include "store/delivery_log.hpp"

namespace broadsheet::send {

class SendMetrics {
 public:
  // REQUIRES: `log` outlives this object.
  explicit SendMetrics(store::DeliveryLog& log,
                       std::chrono::milliseconds cache_for = std::chrono::seconds(1));

  void observe(const transport::DeliveryResult& result, std::chrono::duration<double> latency);
  // An observer for SendEngine that feeds this object.
  SendObserver observer();
  // broadsheet_messages_total{result=...} and broadsheet_smtp_transaction_seconds.
  // When the log cannot be read, the counters are left out (and the last good
  // reading is used while it is fresh).
  std::string render();

 private:
  std::optional<store::DeliveryTotals> totals();

  static constexpr std::array<double, 12> kBounds{0.005, 0.01, 0.025, 0.05, 0.1, 0.25,
                                                  0.5,   1,    2.5,   5,    10,  30};
  store::DeliveryLog& log_;
  const std::chrono::milliseconds cache_for_;
  std::mutex cache_mu_;
  std::optional<store::DeliveryTotals> cached_;    // guarded by cache_mu_
  std::chrono::steady_clock::time_point read_at_;  // guarded by cache_mu_
  std::array<std::atomic<unsigned long long>, kBounds.size() + 1> buckets_{};  // +Inf last
  std::atomic<unsigned long long> count_{0};
  std::atomic<unsigned long long> sum_micros_{0};
};

}  // namespace broadsheet::send
