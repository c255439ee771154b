// The transport: the one way a rendered message leaves Broadsheet. Both senders use it
// (the send engine for issues, the mail queue for sign-up emails), and both ways out
// implement it: the SMTP pool (smtp/smtp.hpp), which pipelines a batch over its
// connections to the relays, and the outbox (transport/outbox.hpp), which writes a
// batch into a Maildir folder with shared syncs.
//
// A caller submits a batch and is told, message by message, what became of each: an
// expected failure (a 4xx or 5xx reply, a full disk) is a DeliveryResult, never an
// exception. Submitting does not wait for the network; send_and_wait() does, for the
// callers that have nothing else to do meanwhile (the mail queue).
//
// Thread-safety: every implementation is safe from any thread.
#pragma once

#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace broadsheet::transport {

struct Envelope {
  std::string mail_from;  // the reverse path; empty for the null sender "<>"
  std::string rcpt_to;    // one recipient
};

struct DeliveryResult {
  enum class Kind {
    delivered,  // accepted for delivery; nothing more to do
    deferred,   // a temporary failure: retry later with backoff
    failed,     // a permanent failure: becomes a bounce, never retried
    not_sent,   // never reached the relay: the transport stopped first (shutting down).
                // Not an attempt: the caller keeps the message as it was, for later
  };
  Kind kind = Kind::deferred;
  int code = 0;       // the SMTP reply code when the transport speaks SMTP, else 0
  std::string reply;  // the server's reply or the transport's own words, one line
  // Deferred because the sender's configuration does not work with the relay (no
  // STARTTLS, AUTH refused, an untrusted certificate, the sender refused): every other
  // message would meet the same, so a sender stops and `reply` names the key to change.
  bool configuration = false;
};

// One message to one recipient. The bytes are shared, not copied, while the message
// waits for a connection or a retry.
// REQUIRES of `message`: a complete message as build_message (mime/mime.hpp) writes it:
// CRLF line ends, ending in CRLF.
struct Mail {
  Envelope envelope;
  std::shared_ptr<const std::string> message;
};

class Transport {
 public:
  // Called exactly once per message of a batch, with the message's index in the batch
  // and its result; on any thread, possibly before submit() returns, possibly for
  // several messages of one batch at once on different threads.
  using Completion = std::function<void(std::size_t index, DeliveryResult result)>;

  virtual ~Transport() = default;

  // Hands over `batch`; `done` is called for each of its messages (see Completion). A
  // transport that is stopped completes each message at once as not_sent.
  virtual void submit(std::vector<Mail> batch, Completion done) = 0;

  // A batch of one, for a caller that hands messages over one at a time.
  void submit_one(Mail mail, std::function<void(DeliveryResult)> done);
};

// Submits `batch` and waits until every message has its result; the results are in
// the order of the batch.
// REQUIRES: not called from a Completion of the same transport (it would wait on itself).
std::vector<DeliveryResult> send_and_wait(Transport& transport, std::vector<Mail> batch);

}  // namespace broadsheet::transport
