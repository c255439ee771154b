// The messenger interface: what the send engine sees of the way a rendered message
// leaves Broadsheet. One call pushes one message to one recipient and says what became
// of it; an expected failure (a 4xx or 5xx reply, a full disk) is a DeliveryResult,
// never an exception. Implementations: OutboxTransport (outbox.hpp), SMTP (src/smtp).
//
// Thread-safety: each implementation says; the send engine calls send() from its
// worker threads, so the ones it uses are safe from any thread.
#pragma once

#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace broadsheet {

struct Envelope {
  std::string mail_from;  // the reverse path; empty for the null sender "<>"
  std::string rcpt_to;    // one recipient
};

struct DeliveryResult {
  enum class Kind {
    delivered,  // accepted for delivery; nothing more to do
    deferred,   // a temporary failure: retry later with backoff
    failed,     // a permanent failure: becomes a bounce, never retried
  };
  Kind kind = Kind::deferred;
  int code = 0;       // the SMTP reply code when the transport speaks SMTP, else 0
  std::string reply;  // the server's reply or the transport's own words, one line
};

// One message of a batch, with its envelope.
struct OutgoingMail {
  Envelope envelope;
  std::string message;  // as send() requires it
};

class Transport {
 public:
  virtual ~Transport() = default;
  // REQUIRES: `message` is a complete message as build_message (mime/mime.hpp)
  // writes it: CRLF line ends, ending in CRLF.
  virtual DeliveryResult send(const Envelope& envelope, std::string_view message) = 0;
  // Sends several messages and says what became of each, in order: as many send()
  // calls would, which is what this default does. A transport that can share the cost
  // of a batch (the outbox's syncs) overrides it.
  virtual std::vector<DeliveryResult> send_batch(std::span<const OutgoingMail> mails) {
    std::vector<DeliveryResult> out;
    out.reserve(mails.size());
    for (const auto& m : mails) out.push_back(send(m.envelope, m.message));
    return out;
  }
};

}  // namespace broadsheet
