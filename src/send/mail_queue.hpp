// The mail queue sender: one thread that delivers the emails the reader side queued in
// the store (confirmations and welcome emails; see "Outgoing mail queue" in
// store/store.hpp) through the transport (transport/transport.hpp).
//
// What it does: it sleeps until wake() is called (the store's mail listener calls it
// after every commit that queued mail) or the poll interval passes (retries falling
// due, rows left by a crash or queued by another process). Then it claims the due rows
// in batches (leased to it, so that the senders of several nodes never take the same
// row); renders each with the renderer it was given; hands the batch to the
// transport at once (the SMTP pool spreads it over its connections, the outbox shares
// its syncs), waits for every result; and settles the whole batch in one transaction.
//
// What it trusts: the renderer, for the message; the store, for who is blocked. A
// blocked reader is sent nothing, whatever the renderer would make.
//
// Retries: a deferred delivery, or a failure to render, is tried again `first_retry`
// later (1 min), doubling with every attempt up to `max_retry` (1 h). A row still
// unsent `give_up_after` (24 h) after it was queued is given up; so is a failed
// delivery (permanent), at once. Giving up is logged as an error. A row that has
// nothing left to send (a blocked reader, newsletters removed) is given up quietly.
//
// Crash safety: a row is settled only after the transport has said what became of it,
// so after a crash the rows of the batch in flight are sent again (at most
// `batch_size`) once their lease has run out, and a settled row never is.
//
// Stopping: stop() (on SIGTERM) has the thread send what is due, for at most
// `drain_time` or until the transport stops, then it ends; what is left stays queued
// for the next start (a message the transport gives back not_sent is no attempt).
//
// Priority: the thread runs niced (`nice`, +10): in a burst of sign-ups the CPU goes to
// answering readers first, and the queue, which is durable, catches up after.
//
// Thread-safety: wake() may be called from any thread and only signals. start(),
// stop() and send_due() are for the owning thread; send_due() must not run while the
// thread does (tests call it instead of start()).
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "core/clock.hpp"
#include "core/result.hpp"
#include "store/newsletters.hpp"
#include "store/queued_mail.hpp"
#include "transport/transport.hpp"

namespace broadsheet::send {

struct MailQueueOptions {
  std::size_t batch_size = 256;                   // rows read, sent and settled together
  std::chrono::milliseconds poll_interval{2000};  // the longest sleep between passes
  UnixSeconds first_retry = 60;                   // seconds; doubles with every attempt
  UnixSeconds max_retry = 3600;
  UnixSeconds give_up_after = 86400;           // after the row was queued
  std::chrono::milliseconds drain_time{5000};  // sending on after stop()
  UnixSeconds keep_done = 7 * 86400;           // done rows are purged after this
  int nice = 10;  // the thread's CPU priority, below the request handlers' (Linux)
  // The lease on the rows of a batch (store::QueuedMailStore::claim_mail), so that the
  // senders of several nodes share the queue: unique per process, like the engine's.
  std::string owner = "mail-queue";
  UnixSeconds lease_seconds = 120;  // longer than a batch takes to send
};

// Renders one queued email with its envelope. nullopt: there is nothing to send any
// more (the newsletters it names are gone); the row is given up. An error is retried
// like a deferred delivery. `newsletters` are all newsletters, read once per batch.
// Called on the sender's thread only.
using MailRenderer = std::function<Result<std::optional<transport::Mail>>(
    const store::QueuedMail& mail, const std::vector<Newsletter>& newsletters)>;

// What one send_due() did.
struct MailPass {
  std::size_t sent = 0, retried = 0, given_up = 0;
};

class MailQueueSender {
 public:
  // The roles of the store it uses: the queue, and the newsletters its emails name.
  struct Roles {
    store::QueuedMailStore& queue;
    store::Newsletters& newsletters;
  };

  // REQUIRES: store, transport and clock outlive the sender.
  MailQueueSender(Roles store, transport::Transport& transport, MailRenderer render,
                  const Clock& clock, MailQueueOptions options = {});
  ~MailQueueSender();  // stop()s
  MailQueueSender(const MailQueueSender&) = delete;
  MailQueueSender& operator=(const MailQueueSender&) = delete;

  // Starts the thread, which makes a first pass at once (rows left by the last run).
  void start();
  // Asks the thread for a pass as soon as it can.
  void wake();
  // Drains (see above) and joins the thread. Idempotent.
  void stop();

  // Sends every row due now, batch after batch, until none is due or `deadline` has
  // passed. A store failure ends the pass with it; rows sent but not settled are
  // settled first at the next call (so nothing is sent twice by a store hiccup).
  Result<MailPass> send_due(std::chrono::steady_clock::time_point deadline =
                                std::chrono::steady_clock::time_point::max());

 private:
  // Batches until none is due, `deadline` passes or (with `until_stop`) stop() is called.
  Result<MailPass> run_pass(std::chrono::steady_clock::time_point deadline, bool until_stop);
  // One batch: read, render, send. Fills unsettled_; false when nothing was due, or
  // the transport stopped (what it did not send stays due).
  Result<bool> send_batch(MailPass& pass);
  bool stop_requested();
  store::MailSettlement retry_or_give_up(const store::QueuedMail& row, std::string error, UnixSeconds now);
  void run();
  void purge_done_rows();

  Roles store_;
  transport::Transport& transport_;
  MailRenderer render_;
  const Clock& clock_;
  const MailQueueOptions options_;
  std::vector<store::MailSettlement> unsettled_;  // sent, not yet recorded (sender thread only)
  UnixSeconds last_purge_ = 0;             // sender thread only

  std::mutex mutex_;
  std::condition_variable wake_;
  bool woken_ = false;     // guarded by mutex_
  bool stopping_ = false;  // guarded by mutex_
  std::thread thread_;
};

}  // namespace broadsheet::send
