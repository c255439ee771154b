// One SMTP session with one relay, as a coroutine on a strand of its own: connect,
// greeting, EHLO (or HELO), STARTTLS, AUTH, then transactions taken from the relay's
// queue until the queue stays empty for `idle`, messages_per_connection is reached, the
// pool stops, or the connection fails; then QUIT. cut() ends it at once. Internal to src/smtp.
//
// Thread-safety: start(), wake() and abort() are safe from any thread; everything
// else runs on the connection's strand.
#pragma once

#include <array>
#include <functional>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "smtp/pool_impl.hpp"
#include "smtp/reply.hpp"
#include "smtp/wire.hpp"

namespace broadsheet::smtp {

class Connection : public std::enable_shared_from_this<Connection> {
 public:
  Connection(Pool::Impl& pool, Relay& relay);
  // A connection that only checks the relay (Pool::check_relays): set-up, QUIT, then
  // `checked` with what it found; it takes no job and counts in none of the relay's
  // numbers.
  using Checked = std::function<void(const Pool::RelayCheck&)>;
  Connection(Pool::Impl& pool, Relay& relay, Checked checked);
  void start();
  void wake();   // work was queued for this idle connection, or the pool stops
  void abort();  // stop during set-up: close the socket
  void cut();    // stop now, whatever it is doing: close the socket

 private:
  using Strand = asio::strand<asio::io_context::executor_type>;
  using Duration = Timeouts::Duration;
  template <typename T>
  using Task = asio::awaitable<T>;

  // A job on this connection, with what the scan found.
  struct Flight {
    Job job;
    MessageScan scan;
    bool rset_first = false;  // RSET goes before its MAIL
    bool body_sent = false;   // from here on it may have been delivered
  };

  Task<void> run(std::shared_ptr<Connection> self);
  Task<void> check(std::shared_ptr<Connection> self);
  std::string offers() const;  // what a set-up connection found, for a check
  Task<void> watchdog(std::shared_ptr<Connection> self);
  Task<Status> set_up();
  Task<Status> handshake();
  Task<Status> hello();
  Task<Status> authenticate();
  Task<void> transactions();
  Task<void> quit();

  // Takes the next job that can go on this connection (completing those that cannot);
  // waits idle for one when `wait`.
  Task<std::optional<Flight>> next_flight(bool wait);
  bool use_smtputf8(const Flight& flight) const;
  void append_envelope(std::string& out, const Flight& flight) const;
  // The reply to `line`: sent now and answered, or (pipelined) sent already.
  Task<Result<Reply>> step(bool pipelined, std::string line, Duration limit, const char* what);
  // Reads (sending first, without pipelining) the replies to RSET, MAIL, RCPT and
  // DATA. Returns nothing when DATA got its 354, else the result for the job;
  // Errc::io when the connection failed.
  Task<Result<std::optional<transport::DeliveryResult>>> envelope_replies(Flight& flight,
                                                                          bool pipelined);
  Task<Status> write_body(const Flight& flight, const std::string& then);
  void connection_lost(std::optional<Flight>& cur, std::optional<Flight>& next,
                       const std::string& reason);

  Task<Status> write(const std::string& bytes, Duration limit, const char* what);
  Task<Status> write_pieces(Duration limit, const char* what);
  // One reply, read within `limit` as a whole (RFC 5321 4.5.3.2: the timeout is for
  // the reply, not for each of its bytes).
  Task<Result<Reply>> read_reply(Duration limit, const char* what);
  Task<Result<Reply>> command(const std::string& line, Duration limit, const char* what);
  // The socket's operations are cancelled when the deadline passes (watchdog()).
  void set_deadline(Duration limit);
  void set_deadline_at(SteadyClock::time_point deadline);
  std::string io_error(const boost::system::error_code& ec, const char* doing, const char* what,
                       Duration limit) const;
  void close();

  Pool::Impl& pool_;
  Relay& relay_;
  Checked checked_;  // set for a check
  std::vector<std::pair<std::string, std::string>> steps_;  // a check's replies
  const Timeouts& timeouts_;
  Strand strand_;
  asio::ssl::stream<asio::ip::tcp::socket> stream_;
  asio::steady_timer watchdog_timer_;
  asio::steady_timer wake_timer_;
  SteadyClock::time_point deadline_ = SteadyClock::time_point::max();
  bool timed_out_ = false;
  bool cut_ = false;  // closed by cut(): the pool is shutting down
  bool closed_ = false;
  bool woken_ = false;
  bool ready_ = false;
  bool tls_on_ = false;
  ReplyParser parser_;
  std::array<char, 8192> read_buffer_{};
  Extensions ext_;
  int transactions_ = 0;  // envelopes sent on this connection
  bool rset_needed_ = false;
  std::string out_;  // commands being written
  std::vector<Piece> pieces_;
  std::string tls_out_;  // pieces linearised: OpenSSL writes one buffer at a time
};

}  // namespace broadsheet::smtp
