// The send engine: delivers one issue to every reader in its delivery log, as fast as
// the transport and the hardware allow, without losing a reader or sending one twice
// beyond the in-flight window.
//
// The walk: begin_sending (store.hpp) has fixed the audience as queued deliveries.
// run() holds the issue's lease (or, with EngineOptions::share, joins an issue another
// node holds), claims batches of the delivery log with a keyset cursor (queued rows,
// and deferred ones as they fall due: store::DeliveryLog::claim_deliveries, each row
// leased to this run and renewed in the background), hands them through a bounded
// queue to one render-and-sign worker per core, which hand each message to the
// transport (transport/transport.hpp: the SMTP pool or the outbox). Results go to one
// log writer that records them in batched transactions, each only while its row is
// still leased to this run, giving the lease back. Deferred deliveries are retried as
// they fall due, with the configured backoff, until none is left; the issue becomes
// sent (unless the scheduler has cohorts of it left to release: then it stays
// sending). The queue, window and limits are in flow.hpp.
//
// Several nodes: any number of runs (one per sender node) share an issue by their
// row leases. A run sends a row only while the lease it last wrote has at least a
// quarter of its length to go (checked before each message is handed over), and a row
// another node took over (the lease ran out: this node stalled or lost the database)
// is not recorded at commit; a node that dies leaves its rows to the others once their
// leases run out. Rows leased by others that are still to send keep a run waiting (it
// takes them over if their node dies) until the whole log is settled.
//
// Crash safety: a message counts against the in-flight window from the moment it is
// handed to the sender until its result is durable in the log. After a crash the next
// run (here or on another node, once the leases ran out) resumes from the log (queued
// and deferred rows), so at most `in_flight` readers per crash can receive the issue
// twice, and nobody is skipped. A message the
// transport gives back not_sent (it is shutting down) is left in the log as it was and
// stops the run: stopping is not an attempt.
//
// Limits: an optional global rate (messages per second) and, per recipient domain, a
// cap on messages in flight and an optional rate. Memory is bounded by the batch
// size, the queue and the in-flight window, whatever the audience's size.
//
// Control: pause, resume and cancel are issue statuses (store.hpp
// change_issue_status), seen by a run within a batch or a second; request_stop() ends
// a run early (SIGTERM) with the issue still sending, for the next run to resume.
// A result that says the relay refuses the configuration (no STARTTLS, AUTH refused,
// the sender refused: smtp/diagnosis.hpp) stops the run at once and pauses the issue
// with the reason; those readers stay deferred and due, without an attempt counted, so
// `issue resume` after the fix sends to them first.
//
// Thread-safety: run() may be called from several threads for different issues;
// request_stop() from any thread.
#pragma once

#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "core/clock.hpp"
#include "core/result.hpp"
#include "store/delivery_log.hpp"
#include "store/issues.hpp"
#include "store/send_leases.hpp"
#include "transport/transport.hpp"

namespace broadsheet::send {

struct EngineOptions {
  std::string owner;             // lease owner: unique per process
  int workers = 0;               // render-and-sign threads; 0: one per core
  std::size_t batch_size = 500;  // deliveries read per query
  std::size_t in_flight = 256;   // handed to the sender, result not yet durable
  double rate = 0;               // messages per second over all domains; 0: no limit
  int domain_in_flight = 0;      // per recipient domain; 0: no limit
  double domain_rate = 0;        // messages per second per recipient domain; 0: no limit
  std::vector<int> backoff{60, 300, 900, 3600};  // seconds before retry n (last repeats);
                                                 // parse_wait_list (core/clock.hpp)
  int give_up_after = 86400;     // seconds after the send began: later retries fail
  int lease_seconds = 30;
  // When nothing is left but deferred deliveries whose retry is not due, end the run
  // (RunOutcome::waiting, the issue still sending) instead of waiting for the retry:
  // what `issue send` in the foreground wants; `serve` waits.
  bool end_when_waiting = false;
  // Several sender nodes: a run joins an issue whose lease another node holds (`serve`)
  // instead of refusing it (Errc::conflict: the CLI's foreground send).
  bool share = false;
  // How many sender nodes send now (the nodes' heartbeats: store::NodeLocks), so that
  // the limits above hold over all of them: each run takes its part (flow.hpp
  // Limits::share), looked at every few seconds. Empty: this node alone.
  std::function<int()> sender_nodes;
};

// The messages of one issue, one signed copy per reader: made once per run by the
// IssueMessagesFactory (issue_messages.hpp tells the stages from input to signed);
// message_for() is called from every worker at once.
class IssueMessages {
 public:
  virtual ~IssueMessages() = default;
  // The complete, signed message for one reader.
  virtual Result<std::string> message_for(Id issue_id, const store::PendingDelivery& reader) const = 0;
  // The envelope's reverse path (MAIL FROM) of one reader's copy: a return path that
  // names the delivery (send/return_path.hpp).
  virtual std::string mail_from(Id issue_id, const store::PendingDelivery& reader) const = 0;
};
using IssueMessagesFactory = std::function<Result<std::unique_ptr<IssueMessages>>(const Issue&)>;

struct SendProgress {
  store::DeliveryCounts counts;  // as recorded in the log
  double rate = 0;        // messages recorded per second in this run
};

// relay_refused: a result said the relay refuses the configuration
// (transport::DeliveryResult::configuration); the issue is paused with that reason
// (store::Issues::stop_issue). waiting: EngineOptions::end_when_waiting.
// awaiting_release: everything released so far is sent; the scheduler has more cohorts
// of the issue to release, so it stays sending (store/releases.hpp).
enum class RunOutcome {
  finished,
  paused,
  cancelled,
  stopped,
  lease_lost,
  relay_refused,
  waiting,
  awaiting_release
};
std::string_view to_string(RunOutcome o);

struct RunSummary {
  RunOutcome outcome = RunOutcome::finished;
  store::DeliveryCounts counts;
  std::string stopped_reason;  // relay_refused: the relay's refusal and the key to change
};

// Per-message observations, for /metrics.
struct SendObserver {
  std::function<void(const transport::DeliveryResult&, std::chrono::duration<double> latency)>
      on_result;
};

class SendEngine {
 public:
  // The roles of the store a run uses: the issue's status, its lease, its deliveries.
  struct Roles {
    store::Issues& issues;
    store::SendLeases& leases;
    store::DeliveryLog& deliveries;
  };

  // REQUIRES: every reference outlives the engine.
  SendEngine(Roles store, transport::Transport& transport, IssueMessagesFactory messages,
             EngineOptions options, const Clock& clock, SendObserver observer = {});

  // Sends issue `issue_id` (status sending) until it is finished, paused, cancelled,
  // stopped or its lease is lost. Errc::conflict when another sender holds the lease;
  // Errc::not_found for no such issue; a store failure that persists ends the run
  // with it (the log stays consistent: the next run resumes).
  // `progress` (optional) is called about twice a second from the calling thread.
  Result<RunSummary> run(Id issue_id, const std::function<void(const SendProgress&)>& progress = {});

  void request_stop() { stop_.store(true); }
  bool stopping() const { return stop_.load(); }

 private:
  struct Run;
  Roles store_;
  transport::Transport& transport_;
  IssueMessagesFactory messages_;
  EngineOptions options_;
  const Clock& clock_;
  SendObserver observer_;
  std::atomic<bool> stop_{false};
};

// A unique lease owner for this process: "host:pid:random".
std::string process_owner_id();
// True when `owner` names a process of this host that no longer runs (killed with
// -9): its leases can be freed at once instead of waiting for them to expire.
bool lease_owner_is_dead(const std::string& owner);

}  // namespace broadsheet::send
