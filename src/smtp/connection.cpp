#include "smtp/connection.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <openssl/crypto.h>
#include <openssl/ssl.h>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/connect.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl/host_name_verification.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <exception>

#include "core/encoding.hpp"
#include "smtp/diagnosis.hpp"

namespace broadsheet::smtp {
namespace {

constexpr auto kNoThrow = asio::as_tuple(asio::use_awaitable);

// Coroutines report expected failures as values; an exception here is a bug, so it
// leaves io_context::run() and ends the process.
void rethrow(std::exception_ptr e) {
  if (e) std::rethrow_exception(e);
}

std::string seconds(Timeouts::Duration d) {
  return fmt::format("{:g} s", static_cast<double>(d.count()) / 1000.0);
}

transport::DeliveryResult local_failure(std::string reply) {
  return transport::DeliveryResult{transport::DeliveryResult::Kind::failed, 0, std::move(reply)};
}

// A reply other than 354 to DATA ends the transaction; a 2xx there is nonsense, so
// the message counts as not sent.
transport::DeliveryResult data_refused(const Reply& reply) {
  transport::DeliveryResult result = classify(reply, "DATA");
  if (result.kind == transport::DeliveryResult::Kind::delivered)
    result.kind = transport::DeliveryResult::Kind::deferred;
  return result;
}

}  // namespace

Connection::Connection(Pool::Impl& pool, Relay& relay)
    : pool_(pool),
      relay_(relay),
      timeouts_(pool.options.timeouts),
      strand_(asio::make_strand(pool.io)),
      stream_(asio::ip::tcp::socket(strand_), *relay.tls),
      watchdog_timer_(strand_, SteadyClock::time_point::max()),
      wake_timer_(strand_) {}

Connection::Connection(Pool::Impl& pool, Relay& relay, Checked checked)
    : Connection(pool, relay) {
  checked_ = std::move(checked);
}

void Connection::start() {
  // Each coroutine holds a reference from its creation: the pool may drop its own
  // before either runs.
  if (checked_) {
    asio::co_spawn(strand_, check(shared_from_this()), rethrow);
  } else {
    asio::co_spawn(strand_, run(shared_from_this()), rethrow);
  }
  asio::co_spawn(strand_, watchdog(shared_from_this()), rethrow);
}

void Connection::wake() {
  asio::post(strand_, [self = shared_from_this()] {
    self->woken_ = true;
    self->wake_timer_.cancel();
  });
}

void Connection::abort() {
  asio::post(strand_, [self = shared_from_this()] {
    if (!self->ready_) self->close();
  });
}

void Connection::cut() {
  asio::post(strand_, [self = shared_from_this()] {
    self->cut_ = true;
    self->close();
  });
}

void Connection::close() {
  if (closed_) return;
  closed_ = true;
  boost::system::error_code ignored;
  stream_.next_layer().close(ignored);
  watchdog_timer_.cancel();
  wake_timer_.cancel();
}

Connection::Task<void> Connection::run(std::shared_ptr<Connection> self) {
  Status up = co_await set_up();
  if (!up) {
    close();
    pool_.connection_failed(relay_, self, up.error());
    co_return;
  }
  ready_ = true;
  pool_.connection_ready(relay_);
  co_await transactions();
  if (!closed_) co_await quit();
  close();
  pool_.connection_closed(relay_, self);
}

Connection::Task<void> Connection::check(std::shared_ptr<Connection> self) {
  Status up = co_await set_up();
  Pool::RelayCheck out;
  out.relay = relay_.name;
  if (up) {
    out.ok = true;
    out.what = offers();
    co_await quit();
  } else {
    out.configuration = is_configuration_failure(up.error());
    out.what = up.error().message;
  }
  out.steps = std::move(steps_);
  close();
  if (pool_.check_finished(self)) checked_(out);
}

std::string Connection::offers() const {
  const auto& opt = relay_.options;
  std::vector<std::string> found;
  if (tls_on_) {
    found.push_back(fmt::format("{} (certificate {})",
                                opt.tls == TlsMode::tls ? "TLS" : "STARTTLS",
                                opt.verify_certificate ? "verified" : "not verified"));
  } else {
    found.emplace_back("no TLS");
  }
  if (!opt.username.empty()) found.push_back("AUTH as " + opt.username);
  if (ext_.pipelining) found.emplace_back("PIPELINING");
  if (ext_.smtputf8) found.emplace_back("SMTPUTF8");
  if (ext_.max_size > 0) found.push_back(fmt::format("SIZE {}", ext_.max_size));
  return fmt::format("relay {} ready: {}", relay_.name, fmt::join(found, ", "));
}

// Cancels the socket's operations when deadline_ passes. One timer per connection,
// re-armed only when a deadline comes earlier than the one it waits for.
Connection::Task<void> Connection::watchdog(std::shared_ptr<Connection> /*self*/) {
  while (!closed_) {
    co_await watchdog_timer_.async_wait(kNoThrow);  // expired, or re-armed earlier
    if (closed_) break;
    if (SteadyClock::now() >= deadline_) {
      timed_out_ = true;
      deadline_ = SteadyClock::time_point::max();
      boost::system::error_code ignored;
      stream_.next_layer().cancel(ignored);
    }
    watchdog_timer_.expires_at(deadline_);
  }
}

void Connection::set_deadline(Duration limit) { set_deadline_at(SteadyClock::now() + limit); }

void Connection::set_deadline_at(SteadyClock::time_point deadline) {
  deadline_ = deadline;
  if (deadline_ < watchdog_timer_.expiry()) watchdog_timer_.expires_at(deadline_);
}

std::string Connection::io_error(const boost::system::error_code& ec, const char* doing,
                                 const char* what, Duration limit) const {
  if (cut_) return fmt::format("{}: stopped {} {}: shutting down", relay_.name, doing, what);
  if (timed_out_) {
    return fmt::format("{}: timeout after {} {} {}", relay_.name, seconds(limit), doing, what);
  }
  if (ec == asio::error::eof || ec == asio::error::connection_reset ||
      ec == asio::ssl::error::stream_truncated) {
    return fmt::format("{}: connection closed by the relay {} {}", relay_.name, doing, what);
  }
  return fmt::format("{}: {} {}: {}", relay_.name, doing, what, ec.message());
}

Connection::Task<Status> Connection::write(const std::string& bytes, Duration limit,
                                           const char* what) {
  set_deadline(limit);
  boost::system::error_code ec;
  if (tls_on_) {
    std::tie(ec, std::ignore) = co_await asio::async_write(stream_, asio::buffer(bytes), kNoThrow);
  } else {
    std::tie(ec, std::ignore) =
        co_await asio::async_write(stream_.next_layer(), asio::buffer(bytes), kNoThrow);
  }
  deadline_ = SteadyClock::time_point::max();
  if (ec) co_return make_error(Errc::io, io_error(ec, "writing", what, limit));
  co_return Status{};
}

Connection::Task<Status> Connection::write_pieces(Duration limit, const char* what) {
  set_deadline(limit);
  boost::system::error_code ec;
  if (tls_on_) {
    tls_out_.clear();
    for (const auto& p : pieces_) tls_out_.append(p.data, p.size);
    std::tie(ec, std::ignore) =
        co_await asio::async_write(stream_, asio::buffer(tls_out_), kNoThrow);
  } else {
    // One gathering write: the message's own bytes, never copied.
    std::vector<asio::const_buffer> buffers;
    buffers.reserve(pieces_.size());
    for (const auto& p : pieces_) buffers.emplace_back(p.data, p.size);
    std::tie(ec, std::ignore) = co_await asio::async_write(stream_.next_layer(), buffers, kNoThrow);
  }
  deadline_ = SteadyClock::time_point::max();
  if (ec) co_return make_error(Errc::io, io_error(ec, "writing", what, limit));
  co_return Status{};
}

Connection::Task<Result<Reply>> Connection::read_reply(Duration limit, const char* what) {
  // The limit is for the whole reply: a relay that trickles it a byte at a time must
  // not keep the connection (and the message) waiting for longer.
  const auto deadline = SteadyClock::now() + limit;
  for (;;) {
    if (auto reply = parser_.next()) {
      if (!*reply) {
        co_return make_error(Errc::io, fmt::format("{}: {} (in reply to {})", relay_.name,
                                                   reply->error().message, what));
      }
      if (checked_) steps_.emplace_back(what, (*reply)->one_line());
      co_return std::move(*reply);
    }
    set_deadline_at(deadline);
    boost::system::error_code ec;
    std::size_t n = 0;
    if (tls_on_) {
      std::tie(ec, n) = co_await stream_.async_read_some(asio::buffer(read_buffer_), kNoThrow);
    } else {
      std::tie(ec, n) =
          co_await stream_.next_layer().async_read_some(asio::buffer(read_buffer_), kNoThrow);
    }
    deadline_ = SteadyClock::time_point::max();
    if (ec) {
      co_return make_error(Errc::io, io_error(ec, "waiting for the reply to", what, limit));
    }
    parser_.feed(read_buffer_.data(), n);
  }
}

Connection::Task<Result<Reply>> Connection::command(const std::string& line, Duration limit,
                                                    const char* what) {
  if (auto st = co_await write(line, limit, what); !st) co_return st.error();
  co_return co_await read_reply(limit, what);
}

Connection::Task<Status> Connection::set_up() {
  const auto& opt = relay_.options;
  set_deadline(timeouts_.connect);  // resolving, connecting, TLS and the greeting
  asio::ip::tcp::resolver resolver(strand_);
  auto [rec, endpoints] =
      co_await resolver.async_resolve(opt.host, std::to_string(opt.port), kNoThrow);
  if (rec) {
    co_return make_error(
        Errc::io, fmt::format("{}: cannot resolve {}: {}", relay_.name, opt.host, rec.message()));
  }
  auto [cec, endpoint] = co_await asio::async_connect(stream_.next_layer(), endpoints, kNoThrow);
  if (cec) {
    if (timed_out_) {
      co_return make_error(Errc::io, fmt::format("{}: timeout after {} connecting", relay_.name,
                                                 seconds(timeouts_.connect)));
    }
    co_return make_error(Errc::io,
                         fmt::format("{}: cannot connect: {}", relay_.name, cec.message()));
  }
  boost::system::error_code ignored;
  stream_.next_layer().set_option(asio::ip::tcp::no_delay(true), ignored);

  if (opt.tls == TlsMode::tls) {
    if (auto st = co_await handshake(); !st) co_return st;
  }
  auto greeting = co_await read_reply(timeouts_.connect, "the greeting");
  if (!greeting) co_return greeting.error();
  if (greeting->code != 220) {
    co_return make_error(Errc::io, fmt::format("{}: relay refused the session: {}", relay_.name,
                                               greeting->one_line()));
  }
  co_return co_await hello();
}

Connection::Task<Status> Connection::handshake() {
  const auto& opt = relay_.options;
  boost::system::error_code not_ip;
  asio::ip::make_address(opt.host, not_ip);
  if (not_ip) SSL_set_tlsext_host_name(stream_.native_handle(), opt.host.c_str());
  boost::system::error_code ignored;
  if (opt.verify_certificate) {
    stream_.set_verify_mode(asio::ssl::verify_peer, ignored);
    stream_.set_verify_callback(asio::ssl::host_name_verification(opt.host), ignored);
  } else {
    stream_.set_verify_mode(asio::ssl::verify_none, ignored);
  }
  set_deadline(timeouts_.connect);
  auto [ec] = co_await stream_.async_handshake(asio::ssl::stream_base::client, kNoThrow);
  deadline_ = SteadyClock::time_point::max();
  if (ec) {
    const std::string why = timed_out_ ? "timeout" : ec.message();
    const long verify = SSL_get_verify_result(stream_.native_handle());
    co_return tls_handshake_failed(opt, relay_.name, why,
                                   verify != X509_V_OK && !timed_out_
                                       ? X509_verify_cert_error_string(verify)
                                       : "");
  }
  tls_on_ = true;
  if (checked_) {
    steps_.emplace_back("TLS", opt.verify_certificate ? "handshake done, certificate verified"
                                                      : "handshake done, certificate not verified");
  }
  co_return Status{};
}

Connection::Task<Status> Connection::hello() {
  const auto& opt = relay_.options;
  for (int round = 0; round < 2; ++round) {
    auto ehlo =
        co_await command("EHLO " + pool_.options.helo_name + "\r\n", timeouts_.mail, "EHLO");
    if (!ehlo) co_return ehlo.error();
    if (ehlo->positive()) {
      ext_ = parse_extensions(*ehlo);
    } else if (ehlo->code >= 500 && !tls_on_) {
      // A relay that does not know EHLO: plain SMTP, no extensions.
      auto helo =
          co_await command("HELO " + pool_.options.helo_name + "\r\n", timeouts_.mail, "HELO");
      if (!helo) co_return helo.error();
      if (!helo->positive()) {
        co_return make_error(
            Errc::io, fmt::format("{}: relay refused HELO: {}", relay_.name, helo->one_line()));
      }
      ext_ = Extensions{};
    } else {
      co_return make_error(
          Errc::io, fmt::format("{}: relay refused EHLO: {}", relay_.name, ehlo->one_line()));
    }
    if (opt.tls != TlsMode::starttls || tls_on_) break;
    if (!ext_.starttls) co_return starttls_not_offered(opt, relay_.name);
    auto go = co_await command("STARTTLS\r\n", timeouts_.mail, "STARTTLS");
    if (!go) co_return go.error();
    if (go->code != 220) co_return starttls_refused(opt, relay_.name, *go);
    // Bytes that came with the 220 were sent before the handshake: an injection.
    if (!parser_.empty()) {
      co_return make_error(
          Errc::io, fmt::format("{}: relay sent data after its STARTTLS reply", relay_.name));
    }
    if (auto st = co_await handshake(); !st) co_return st;
    parser_.clear();
  }
  if (!opt.username.empty()) co_return co_await authenticate();
  co_return Status{};
}

Connection::Task<Status> Connection::authenticate() {
  const auto& opt = relay_.options;
  auto refused = [&](const char* mechanism, const Reply& reply) {
    return auth_refused(opt, relay_.name, mechanism, reply);
  };
  if (ext_.auth_plain) {
    std::string credentials;
    credentials.push_back('\0');
    credentials += opt.username;
    credentials.push_back('\0');
    credentials += opt.password;
    std::string line = "AUTH PLAIN " + base64_encode(credentials) + "\r\n";
    OPENSSL_cleanse(credentials.data(), credentials.size());
    auto reply = co_await command(line, timeouts_.mail, "AUTH PLAIN");
    OPENSSL_cleanse(line.data(), line.size());
    if (!reply) co_return reply.error();
    if (reply->code != 235) co_return refused("PLAIN", *reply);
    co_return Status{};
  }
  if (ext_.auth_login) {
    auto reply = co_await command("AUTH LOGIN\r\n", timeouts_.mail, "AUTH LOGIN");
    if (!reply) co_return reply.error();
    if (reply->code != 334) co_return refused("LOGIN", *reply);
    reply = co_await command(base64_encode(opt.username) + "\r\n", timeouts_.mail, "AUTH LOGIN");
    if (!reply) co_return reply.error();
    if (reply->code != 334) co_return refused("LOGIN", *reply);
    std::string line = base64_encode(opt.password) + "\r\n";
    reply = co_await command(line, timeouts_.mail, "AUTH LOGIN");
    OPENSSL_cleanse(line.data(), line.size());
    if (!reply) co_return reply.error();
    if (reply->code != 235) co_return refused("LOGIN", *reply);
    co_return Status{};
  }
  co_return auth_not_offered(opt, relay_.name, tls_on_);
}

Connection::Task<void> Connection::quit() {
  auto reply = co_await command("QUIT\r\n", timeouts_.mail, "QUIT");
  (void)reply;  // the session is over whatever the relay says
}

Connection::Task<std::optional<Connection::Flight>> Connection::next_flight(bool wait) {
  auto self = shared_from_this();
  for (;;) {
    std::optional<Job> job;
    const auto next = pool_.take(relay_, self, wait, job);
    if (next == Pool::Impl::Next::job) {
      MessageScan scan = scan_message(*job->message);
      Flight flight{std::move(*job), std::move(scan)};
      if (needs_smtputf8(flight.job.envelope) && !ext_.smtputf8) {
        Pool::Impl::complete(flight.job,
                             local_failure(fmt::format("{}: the address needs SMTPUTF8, which the "
                                                       "relay does not offer",
                                                       relay_.name)));
        continue;
      }
      if (ext_.max_size > 0 && flight.scan.wire_size > ext_.max_size) {
        pool_.too_large(relay_, std::move(flight.job), flight.scan.wire_size, ext_.max_size);
        continue;
      }
      co_return flight;
    }
    if (next == Pool::Impl::Next::stop || !wait || closed_) co_return std::nullopt;
    woken_ = false;
    wake_timer_.expires_after(timeouts_.idle);
    auto [ec] = co_await wake_timer_.async_wait(kNoThrow);
    const bool still_idle = pool_.leave_idle(relay_, this);
    if (closed_) co_return std::nullopt;
    if (!ec && still_idle) co_return std::nullopt;  // idle too long: QUIT
  }
}

bool Connection::use_smtputf8(const Flight& flight) const {
  return ext_.smtputf8 && (needs_smtputf8(flight.job.envelope) || flight.scan.eight_bit_header);
}

void Connection::append_envelope(std::string& out, const Flight& flight) const {
  append_mail_from(out, flight.job.envelope, flight.scan, ext_, use_smtputf8(flight));
  append_rcpt_to(out, flight.job.envelope);
  out += "DATA\r\n";
}

Connection::Task<Result<Reply>> Connection::step(bool pipelined, std::string line, Duration limit,
                                                 const char* what) {
  if (pipelined) co_return co_await read_reply(limit, what);  // sent with the others
  co_return co_await command(line, limit, what);
}

Connection::Task<Result<std::optional<transport::DeliveryResult>>> Connection::envelope_replies(
    Flight& flight, bool pipelined) {
  using Outcome = std::optional<transport::DeliveryResult>;
  const transport::Envelope& envelope = flight.job.envelope;
  // Pipelined, the commands are on the wire already and only their replies are read;
  // otherwise each goes out after the reply to the one before, until one is refused.
  // A 421 means the relay hangs up: no further replies will come.
  if (flight.rset_first) {
    auto rset = co_await step(pipelined, "RSET\r\n", timeouts_.mail, "RSET");
    if (!rset) co_return rset.error();
    if (!rset->positive()) {
      co_return make_error(
          Errc::io, fmt::format("{}: relay refused RSET: {}", relay_.name, rset->one_line()));
    }
  }
  std::string line;
  if (!pipelined) append_mail_from(line, envelope, flight.scan, ext_, use_smtputf8(flight));
  auto mail = co_await step(pipelined, std::move(line), timeouts_.mail, "MAIL FROM");
  if (!mail) co_return mail.error();
  if (mail->code == 421 || (!pipelined && !mail->positive())) {
    co_return Outcome(mail_from_refused(relay_.name, envelope.mail_from, *mail));
  }
  line.clear();
  if (!pipelined) append_rcpt_to(line, envelope);
  auto rcpt = co_await step(pipelined, std::move(line), timeouts_.rcpt, "RCPT TO");
  if (!rcpt) co_return rcpt.error();
  if (rcpt->code == 421 || (!pipelined && !rcpt->positive())) {
    co_return Outcome(classify(*rcpt, "RCPT TO"));
  }
  auto data = co_await step(pipelined, "DATA\r\n", timeouts_.data, "DATA");
  if (!data) co_return data.error();
  Outcome refusal;
  if (!mail->positive()) {
    refusal = mail_from_refused(relay_.name, envelope.mail_from, *mail);
  } else if (!rcpt->positive()) {
    refusal = classify(*rcpt, "RCPT TO");
  } else if (data->code != 354) {
    refusal = data_refused(*data);
  }
  if (refusal && data->code == 354) {
    // The relay wants a message although MAIL or RCPT failed: give it an empty one,
    // which it must refuse for want of recipients (RFC 2920 3.1).
    auto end = co_await command(".\r\n", timeouts_.data_end, "end of data");
    if (!end) co_return end.error();
  }
  co_return refusal;
}

Connection::Task<Status> Connection::write_body(const Flight& flight, const std::string& then) {
  pieces_.clear();
  append_data_pieces(pieces_, *flight.job.message, flight.scan);
  if (!then.empty()) pieces_.push_back({then.data(), then.size()});
  co_return co_await write_pieces(timeouts_.data_block, "the message");
}

void Connection::connection_lost(std::optional<Flight>& cur, std::optional<Flight>& next,
                                 const std::string& reason) {
  close();
  const transport::DeliveryResult lost{transport::DeliveryResult::Kind::deferred, 0, reason};
  if (cur) {
    if (cur->body_sent) {
      Pool::Impl::complete(cur->job, lost);
    } else {
      pool_.retry_or_complete(relay_, std::move(cur->job), lost);
    }
    cur.reset();
  }
  if (next) {
    pool_.retry_or_complete(relay_, std::move(next->job), lost);
    next.reset();
  }
}

Connection::Task<void> Connection::transactions() {
  const int limit = relay_.options.messages_per_connection;
  std::optional<Flight> cur = co_await next_flight(true);
  std::optional<Flight> next;
  bool on_wire = false;  // cur's envelope went out behind the previous message
  while (cur) {
    const bool pipelined = ext_.pipelining;
    if (!on_wire) {
      cur->rset_first = std::exchange(rset_needed_, false);
      if (pipelined) {
        out_.clear();
        if (cur->rset_first) out_ += "RSET\r\n";
        append_envelope(out_, *cur);
        if (auto st = co_await write(out_, timeouts_.mail, "MAIL FROM"); !st) {
          connection_lost(cur, next, st.error().message);
          co_return;
        }
      }
      ++transactions_;
    }
    auto refusal = co_await envelope_replies(*cur, pipelined);
    if (!refusal) {
      connection_lost(cur, next, refusal.error().message);
      co_return;
    }
    if (refusal->has_value()) {
      transport::DeliveryResult result = std::move(**refusal);
      const bool closing = result.code == 421;  // the relay is shutting this session
      Pool::Impl::complete(cur->job, std::move(result));
      cur.reset();
      if (closing) {
        close();
        co_return;
      }
      rset_needed_ = true;
      if (transactions_ >= limit) co_return;
      cur = co_await next_flight(true);
      on_wire = false;
      continue;
    }

    // 354: the message, and behind it the next message's envelope when pipelining.
    out_.clear();
    if (pipelined && transactions_ < limit) {
      next = co_await next_flight(false);
      if (next) {
        append_envelope(out_, *next);
        ++transactions_;
      }
    }
    cur->body_sent = true;
    if (auto st = co_await write_body(*cur, out_); !st) {
      connection_lost(cur, next, st.error().message);
      co_return;
    }
    auto end = co_await read_reply(timeouts_.data_end, "end of data");
    if (!end) {
      connection_lost(cur, next, end.error().message);
      co_return;
    }
    Pool::Impl::complete(cur->job, classify(*end, "end of data"));
    cur.reset();
    if (end->code == 421) {
      connection_lost(cur, next, fmt::format("{}: {}", relay_.name, end->one_line()));
      co_return;
    }
    cur = std::move(next);
    next.reset();
    on_wire = cur.has_value();
    if (!cur && transactions_ < limit) cur = co_await next_flight(true);
  }
}

}  // namespace broadsheet::smtp
