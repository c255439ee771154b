// Transactions run again when PostgreSQL gave them up for another's sake: SQLSTATE
// 40001 (serialization_failure) or 40P01 (deadlock_detected). The server has then
// rolled the whole transaction back, and running it again from its start is what it
// asks of the client. This is the ONE place the backend does that: the methods whose
// transactions contend across nodes (leases and node locks, claims of deliveries and
// of queued mail, the scheduler's releases) run their body through retry_transaction.
#pragma once

#include <chrono>
#include <thread>

#include "store/postgres/connection.hpp"

namespace broadsheet::store::postgres {

// Attempts in all, the first included.
inline constexpr int kTransactionAttempts = 5;

// The pause after failed attempt `attempt` (1, 2, ...): a random time between half and
// all of 10 ms × 2^(attempt-1), at most 160 ms, so that the transactions that failed
// together do not meet again.
std::chrono::milliseconds retry_pause(int attempt);

// Runs `body()` on `c` (one transaction, or one statement, that returns a Status or a
// Result) until it succeeds, fails for another reason, or has failed
// kTransactionAttempts times with a retryable SQLSTATE; returns the last attempt's
// result. REQUIRES: `body` leaves nothing behind when it fails (its Transaction rolls
// back on return) and does nothing outside the database before its commit.
template <typename Body>
auto retry_transaction(Connection& c, Body&& body) -> decltype(body()) {
  for (int attempt = 1;; ++attempt) {
    c.forget_retryable_failure();
    auto r = body();
    if (r.ok() || !c.retryable_failure() || attempt >= kTransactionAttempts) return r;
    std::this_thread::sleep_for(retry_pause(attempt));
  }
}

}  // namespace broadsheet::store::postgres
