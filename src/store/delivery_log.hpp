// Store role: the delivery log of an issue, one row per reader it goes to: the send
// engine's side (src/send/engine.hpp), and the counts the CLI and /metrics show.
// Thread-safe; each method is one transaction (store/store.hpp).
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/clock.hpp"
#include "core/result.hpp"
#include "core/types.hpp"

namespace broadsheet::store {

// The delivery log of one issue, counted by status.
struct DeliveryCounts {
  std::size_t queued = 0, sent = 0, deferred = 0, failed = 0;
  std::size_t total() const { return queued + sent + deferred + failed; }
};

// Every issue's delivery log together: messages sent and failed, and attempts
// deferred (each attempt that was put off for a retry counts once), whoever sent them:
// /metrics' counters. Only erasing readers (or issues) makes them go down.
struct DeliveryTotals {
  std::uint64_t sent = 0, failed = 0, deferred = 0;
};

// One reader an issue is still going to.
struct PendingDelivery {
  Id subscriber_id = 0;
  std::string email, email_display, name, timezone;
  int attempts = 0;
  // False when the reader left (unsubscribed, or was blocked) after the send began:
  // the engine drops the delivery instead of sending it.
  bool still_subscribed = true;
};

// What became of one delivery attempt, for record_deliveries().
struct DeliveryUpdate {
  Id subscriber_id = 0;
  DeliveryStatus status = DeliveryStatus::sent;
  int attempts = 0;   // attempts made so far, this one included
  int code = 0;       // SMTP reply code, 0 when none; a 5xx counts as a hard bounce
  std::string reply;  // the reply, one line, at most 512 bytes
  std::optional<UnixSeconds> next_attempt_at;  // deferred: when to try again
  bool drop = false;                           // remove the row: the reader left before it was sent
};

// One reason deliveries are deferred: their last reply, and how many share it.
struct DeferralReason {
  std::string reply;
  std::size_t count = 0;
};

class DeliveryLog {
 public:
  virtual ~DeliveryLog() = default;

  // Turns a draft or scheduled issue into a sending one and, in the same transaction,
  // writes one queued delivery per confirmed, active reader of its newsletter: the
  // audience is fixed when sending begins. Returns how many were queued.
  // Errc::conflict when the issue is not a draft or scheduled.
  virtual Result<std::size_t> begin_sending(Id issue_id) = 0;
  // The engine has sent everything in the log: a sending issue becomes sent, unless the
  // scheduler still has cohorts of it to release (store/releases.hpp), when it stays
  // sending until the next release. True when it became sent; Errc::conflict when it
  // is not sending.
  virtual Result<bool> finish_sending(Id issue_id) = 0;
  // Queued deliveries with subscriber_id > after_id, in id order (the keyset cursor).
  virtual Result<std::vector<PendingDelivery>> queued_deliveries(Id issue_id, Id after_id,
                                                                 std::size_t limit) = 0;
  // Deferred deliveries due at `now`, in id order after `after_id`.
  virtual Result<std::vector<PendingDelivery>> due_deliveries(Id issue_id, UnixSeconds now,
                                                              Id after_id, std::size_t limit) = 0;
  // Sender nodes share an issue by leasing rows of its log (several nodes: every
  // sender of serve claims; the CLI's foreground send too). Claims up to `limit`
  // deliveries that are queued, or deferred and due at `now`, whose lease is free or
  // ran out (before `now`), with subscriber_id > after_id, in id order, and leases them
  // to `owner` until `until`; returns them. Concurrent claimers never get the same row
  // (SQLite: one writer at a time; PostgreSQL: FOR UPDATE SKIP LOCKED). A row stays
  // leased until its result is recorded (record_leased_deliveries), the owner's leases
  // are released (SendLeases::release_lease), or the lease runs out.
  virtual Result<std::vector<PendingDelivery>> claim_deliveries(Id issue_id,
                                                                const std::string& owner,
                                                                UnixSeconds now, UnixSeconds until,
                                                                Id after_id, std::size_t limit) = 0;
  // Extends every lease `owner` holds on the issue's rows to `until`. A row another
  // node took over (its lease had run out) is not the owner's any more and stays as
  // it is: the owner must not send past the `until` it last wrote.
  virtual Status renew_delivery_leases(Id issue_id, const std::string& owner,
                                       UnixSeconds until) = 0;
  // record_deliveries for a claimer: each outcome is written only while its row is
  // still leased to `owner`, and gives the lease back; an outcome whose row another
  // node took over is left out (that node sends and records it). One transaction.
  // Returns how many were written.
  virtual Result<std::size_t> record_leased_deliveries(
      Id issue_id, const std::string& owner, const std::vector<DeliveryUpdate>& updates) = 0;
  // Writes a batch of outcomes in one transaction; a failed delivery with a 5xx
  // code adds one to the reader's bounce count.
  virtual Status record_deliveries(Id issue_id, const std::vector<DeliveryUpdate>& updates) = 0;
  virtual Result<DeliveryCounts> delivery_counts(Id issue_id) = 0;
  // Deliveries of the issue that became sent or failed at or after `since` (the log's
  // clock has whole seconds): the pace of a send over its last interval.
  virtual Result<std::size_t> settled_since(Id issue_id, UnixSeconds since) = 0;
  // Over every issue; one scan of the log, so callers cache it (send/metrics.hpp).
  virtual Result<DeliveryTotals> delivery_totals() = 0;
  // The earliest next_attempt_at of the issue's deferred deliveries; none: nullopt.
  virtual Result<std::optional<UnixSeconds>> next_retry_at(Id issue_id) = 0;
  // The most common last replies of the issue's deferred deliveries, at most `limit`,
  // the most common first.
  virtual Result<std::vector<DeferralReason>> deferral_reasons(Id issue_id,
                                                               std::size_t limit) = 0;
  // One reader's delivery row, for tests and support: status, attempts, last reply.
  virtual Result<DeliveryUpdate> delivery_of(Id issue_id, Id subscriber_id) = 0;
};

}  // namespace broadsheet::store
