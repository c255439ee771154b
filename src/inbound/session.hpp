// One conversation of the inbound listener (listener.hpp), as a state machine with no
// socket: lines in, reply text out. LMTP (RFC 2033) after LHLO, plain SMTP (RFC 5321)
// after HELO or EHLO, on the same port: a publisher's MTA relays the bounce domain to
// it with Postfix's `lmtp:` or `smtp:` transport.
//
// What it speaks: LHLO/EHLO (PIPELINING, ENHANCEDSTATUSCODES, 8BITMIME, SIZE), HELO,
// MAIL FROM (with SIZE=), RCPT TO, DATA (dot-unstuffed), RSET, NOOP, VRFY (252), QUIT.
// No STARTTLS or AUTH: it listens for the publisher's own MTA (127.0.0.1 by default).
// After DATA, LMTP gives one reply per accepted recipient, SMTP one for the message.
//
// What it trusts: nothing. A recipient is accepted only when Hooks::accepts says it is
// one of ours (a bounce+TOKEN address whose token verifies, an unsubscribe address),
// else 550 5.1.1 at RCPT. A command line is at most kMaxCommandLine bytes; a message
// over Limits::max_message_bytes is refused (552 5.3.4 at MAIL when SIZE= says so,
// else after DATA, its bytes read but not kept); at most Limits::max_recipients per
// message; kMaxErrors bad commands end the session with 421.
//
// How it fails: it does not; every input has a reply. Delivery happens outside: when
// the end of DATA is read, on_line returns the message to deliver (Step::deliver) and
// takes no further line until delivered() is given each recipient's outcome (the
// caller runs the delivery where it may block). Not thread-safe: one caller at a time.
#pragma once

#include <cstddef>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace broadsheet::inbound {

inline constexpr std::size_t kMaxCommandLine = 1000;  // RFC 5321 4.5.3.1.4, with CRLF
inline constexpr int kMaxErrors = 10;

struct Limits {
  std::size_t max_message_bytes = 10 << 20;
  std::size_t max_recipients = 100;
};

struct Hooks {
  // Whether mail to `address` (as given in RCPT TO, without the angle brackets) is
  // taken. Called on the caller's thread; must not block.
  std::function<bool(std::string_view address)> accepts;
};

// A message read in full, to be handed to the processor once per recipient.
struct Envelope {
  std::string mail_from;
  std::vector<std::string> recipients;
  std::string message;  // as received, dot-unstuffed, CRLF line ends
};

// What the processor made of it, per recipient.
enum class Outcome {
  handled,     // kept, or deliberately ignored: 250
  retry_later  // could not be stored: 451 4.3.0, the MTA keeps it and retries
};

struct Step {
  std::string reply;  // to write, possibly several lines; may be empty
  bool close = false; // after writing `reply`
  std::optional<Envelope> deliver;  // set when DATA ended with a message to deliver
};

class Session {
 public:
  Session(std::string host_name, Limits limits, Hooks hooks);

  // The 220 greeting, written first.
  std::string greeting() const;
  // One line without its CRLF (a bare LF end is taken too).
  // REQUIRES: no delivery outstanding (a Step with `deliver` not yet answered).
  Step on_line(std::string_view line);
  // The outcome of each recipient of the last Step::deliver, in its order; returns the
  // reply (one line per recipient under LMTP) and resets the transaction.
  Step delivered(const std::vector<Outcome>& outcomes);
  // Between DATA's 354 and the final ".": lines are message text, not commands.
  bool in_data() const { return state_ == State::data; }
  // The reply before closing when the server stops or a command times out.
  static std::string shutting_down();
  static std::string timed_out();

 private:
  enum class State { start, greeted, mail, rcpt, data, delivering };
  Step command(std::string_view line);
  Step data_line(std::string_view line);
  Step error(std::string reply);
  void reset();

  std::string host_;
  Limits limits_;
  Hooks hooks_;
  State state_ = State::start;
  bool lmtp_ = false;
  int errors_ = 0;
  bool too_big_ = false;
  std::size_t data_bytes_ = 0;
  Envelope envelope_;
};

}  // namespace broadsheet::inbound
