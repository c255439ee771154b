// What the send engine reports to /metrics: messages by result and a latency
// histogram of the transactions with the relay (or the outbox), in Prometheus text.
// Thread-safe: observe() is called from every pool and worker thread.
#pragma once

#include <array>
#include <atomic>
#include <chrono>
#include <string>

#include "send/engine.hpp"

namespace broadsheet::send {

class SendMetrics {
 public:
  void observe(const transport::DeliveryResult& result, std::chrono::duration<double> latency);
  // An observer for SendEngine that feeds this object.
  SendObserver observer();
  // broadsheet_messages_total{result=...} and broadsheet_smtp_transaction_seconds.
  std::string render() const;

 private:
  static constexpr std::array<double, 12> kBounds{0.005, 0.01, 0.025, 0.05, 0.1, 0.25,
                                                  0.5,   1,    2.5,   5,    10,  30};
  std::array<std::atomic<unsigned long long>, 3> results_{};  // delivered, deferred, failed
  std::array<std::atomic<unsigned long long>, kBounds.size() + 1> buckets_{};  // +Inf last
  std::atomic<unsigned long long> count_{0};
  std::atomic<unsigned long long> sum_micros_{0};
};

}  // namespace broadsheet::send
