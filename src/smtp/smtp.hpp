// The SMTP client: a pool of connections to one or more relays, on Asio, that pushes
// messages as fast as the relays take them and says what became of each one.
//
// What it speaks (RFC 5321 and extensions): EHLO, falling back to HELO when EHLO is
// refused; PIPELINING (RFC 2920) when offered: MAIL, RCPT and DATA go out in one
// write, and the next message's commands follow the previous message's final dot;
// STARTTLS (RFC 3207) or TLS from the first byte; AUTH PLAIN or LOGIN (RFC 4954);
// SIZE (RFC 1870), BODY=8BITMIME (RFC 6152) and SMTPUTF8 (RFC 6531) only when the
// message needs them. Message bytes are dot-stuffed on the way out, without copying
// the message when no line starts with '.' (plain TCP: one gathering write per
// message). RSET follows a transaction that was refused part-way. Each command waits
// for its reply as long as RFC 5321 4.5.3.2 says (Timeouts below).
//
// Connections stay open between messages, up to pool_size per relay, each for up to
// messages_per_connection messages, and are closed with QUIT after `idle` unused
// time or at stop(). A relay that cannot be reached is tried again with a growing
// pause (0.1 s doubling to 10 s); while it is down its messages go to the relays
// that are up. Messages are shared among relays by smooth weighted round robin.
//
// Results are values (transport/transport.hpp DeliveryResult): the reply that decided a
// message, kept with its code and "(in reply to RCPT TO)", is classified 2xx
// delivered, 4xx deferred, 5xx failed. Failures of the connection (refused, closed,
// a timeout, a TLS or AUTH failure) are deferred with code 0 and the reason. A message
// whose body was not yet sent when its connection failed is tried once more on
// another connection before it is deferred: it cannot have been delivered. A message
// whose final dot was sent but not answered is deferred and may have been delivered
// (the usual SMTP duplicate window). A message that waits longer than the connect
// timeout for a relay that cannot be reached is deferred with the last connection
// error. Refused locally as failed (code 0): an envelope address with control
// characters, spaces or angle brackets; a message larger than every relay's SIZE (one
// too large for a relay goes to the others first); a non-ASCII envelope address when
// the relay does not offer SMTPUTF8. Stopping is the exception to every timeout: see
// stop_within().
//
// Trust: replies are parsed strictly and bounded (lines of 2048 bytes, 200 lines per
// reply); a malformed reply fails the connection. Certificates are verified against
// ca_file (else the system's roots) and the relay's host name unless verify is off.
// Passwords are never logged or put in a transport::DeliveryResult.
//
// Thread-safety: Pool is safe from any thread.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.hpp"
#include "transport/transport.hpp"

namespace broadsheet {
struct Config;
}

namespace broadsheet::smtp {

enum class TlsMode {
  none,      // plain TCP (AUTH, if configured, is sent in the clear)
  starttls,  // plain TCP, then STARTTLS before anything else; refused STARTTLS fails
  tls,       // TLS from the first byte (port 465)
};

const char* tls_mode_name(TlsMode mode);

struct RelayOptions {
  std::string host;  // name or address; IPv6 without brackets
  std::uint16_t port = 25;
  TlsMode tls = TlsMode::none;
  bool verify_certificate = true;
  std::string ca_file;             // PEM roots; empty: the system's
  std::string username, password;  // AUTH when username is not empty
  int pool_size = 4;               // connections at most
  int messages_per_connection = 1000;
  int weight = 1;  // share of messages against the other relays
  bool listed = false;  // one of smtp.relays, whose TLS mode is set there (not smtp.tls)
};

// How long each step may wait for the relay, RFC 5321 4.5.3.2's minimums by default.
struct Timeouts {
  using Duration = std::chrono::milliseconds;
  Duration connect{300'000};     // TCP connect, TLS handshake and the 220 greeting
  Duration mail{300'000};        // MAIL; also EHLO, HELO, STARTTLS, AUTH, RSET, QUIT
  Duration rcpt{300'000};        // RCPT
  Duration data{120'000};        // the 354 to DATA
  Duration data_block{180'000};  // writing the message (and the commands behind it)
  Duration data_end{600'000};    // the reply to the final dot
  Duration idle{60'000};         // an unused connection is closed after this
};

struct PoolOptions {
  std::vector<RelayOptions> relays;  // at least one
  std::string helo_name;             // empty: this machine's host name
  Timeouts timeouts;
  int threads = 1;  // I/O threads running the io_context (1 or 2 is plenty)
};

class Pool final : public transport::Transport {
 public:
  // Checks the options (Errc::config: no relay, empty host, a count below 1, an
  // unreadable ca_file) and starts the threads. Connections open on demand.
  static Result<std::unique_ptr<Pool>> start(PoolOptions options);
  ~Pool() override;  // stop()
  Pool(const Pool&) = delete;
  Pool& operator=(const Pool&) = delete;

  // Queues every message of `batch`. `done` is called once per message, on a pool
  // thread; it may call submit() again. Once the pool stops it is called at once, on
  // the caller's thread, with not_sent.
  void submit(std::vector<transport::Mail> batch, Completion done) override;

  // What one relay said when checked by check_relays().
  struct RelayCheck {
    std::string relay;           // "host:port"
    bool ok = false;             // it would take messages
    bool configuration = false;  // !ok: a configuration failure (diagnosis.hpp), not transient
    std::string what;            // ok: what it offers; else the one-line reason
    // Each step that was answered, in order: {"the greeting", "220 ..."}, {"EHLO",
    // "250 ..."}, {"STARTTLS", "220 ..."}, {"TLS", "handshake done"}, {"AUTH PLAIN",
    // "235 ..."}, {"QUIT", "221 ..."}; replies on one line, never a credential.
    std::vector<std::pair<std::string, std::string>> steps;
  };
  // Checks every relay once without a message: connect, greeting, EHLO, STARTTLS and
  // AUTH as configured, QUIT. `done` is called once per relay, on a pool thread, when
  // its check ends (within the connect and mail timeouts); never after stop() began.
  void check_relays(std::function<void(const RelayCheck&)> done);

  // Shutting down whatever the relays do: the pool works on for `grace` (a
  // transaction in progress may finish, a queue may drain), then stops taking work
  // and cuts every connection at once, without waiting for any timeout. The messages
  // that had not left are completed not_sent; one whose body was sent and not
  // answered is deferred (it may have been delivered). Returns at once; stop()
  // joins. Safe from any thread, also from a `done` callback. Later calls are ignored.
  void stop_within(std::chrono::milliseconds grace);

  // Completes the messages not yet started as not_sent, closes the connections still
  // setting up, lets every transaction in progress finish (until the stop_within()
  // deadline, when one was set), sends QUIT on every connection and joins the
  // threads. Idempotent.
  // REQUIRES: not called from a `done` callback.
  void stop();

  struct Impl;

 private:
  explicit Pool(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// The pool described by the `[smtp]` section: smtp.host and the relays of
// smtp.relays, sharing tls/verify/ca_file/credentials/pool settings except where a
// relay names its own port, TLS mode and weight. The password is smtp.password, or
// the first line of smtp.password_file (under secrets_dir unless absolute), which
// must be readable by its owner only. ca_file is relative to the data folder.
// Errc::config names the key: an empty smtp.host, an unreadable or exposed secret.
// Uses only the Config struct (config/config.hpp), so bs_smtp does not link bs_config.
Result<PoolOptions> pool_options_from(const Config& config);

}  // namespace broadsheet::smtp
