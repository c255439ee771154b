// The HTTP/1.1 server: accepts connections, hands each to a Connection
// (server_connection.cpp), and stops gracefully.
//
// What it does. Two kinds of threads. One io_context is run by `threads` I/O threads,
// which only accept, read, parse and write. Handlers run on a pool of
// `handler_threads` threads, because they may block: a sign-up waits for a durable
// commit, and the store groups the sign-ups waiting at the same time into one commit,
// so the more of them can wait at once the fewer commits there are, while the I/O
// threads go on serving every other connection. Each connection lives on its own
// strand and loops: read a request under its limits, post it to the handler pool to
// run through the Router, and when the response is posted back to the strand, queue
// it and write responses in order. Requests may be pipelined: the connection keeps
// reading while earlier responses are being written, until `pipeline_depth` responses
// wait in its queue; then it pauses reading until the queue shrinks. Handlers of one
// connection run one after another, in request order: while one runs, the connection
// reads no further request. So a connection has at most one job in the pool, and the
// pool's queue is bounded by the number of connections.
//
// What it trusts. Nothing that arrives on the socket. Every request is bounded in
// header size, body size and time, and in memory: a connection's read buffer holds at
// most header_limit + 8 KiB (a chunk-size line or trailer longer than that is a 400),
// and the bytes one request may make the parser take are header_limit + its body
// limit + 4 KiB of chunk framing (413 beyond); a body framed otherwise than by
// Content-Length or by chunked alone is a 400 and closes the connection; targets are parsed
// strictly (origin form only, exactly one Host on HTTP/1.1); headers from the client are never
// copied into a response; a client's X-Request-Id is ignored. It trusts the Router and its
// handlers, but still turns a handler's exception or an unsendable response (a
// header with CR/LF) into a logged 500.
//
// Configuration, [http] (defaults from config.cpp):
//   threads = 0              I/O threads; 0 = one per core
//   handler_threads = 64     threads running handlers, which may wait on the database
//   header_limit = 8192      bytes of request line and headers, else 431
//   body_limit = 65536       bytes of body on public routes, else 413
//   api_body_limit = 1048576 bytes of body on token and session routes, else 413
//                            (a route's own body_limit overrides both)
//   read_timeout = 15        seconds to receive one whole request (for the first
//                            request, counted from the connection); also the time
//                            allowed to write one response. Then the socket closes.
//   keepalive_timeout = 60   idle seconds between requests before closing
//   max_requests = 1000      requests per connection; the last gets Connection: close
//   pipeline_depth = 8       responses queued per connection before reading pauses
//   access_log = true        one info line per request (id, client, method, target,
//                            status, bytes, milliseconds); a capability token in the
//                            target is never written (Router::loggable_target)
//   max_connections = 0      connections at once; 0 = what RLIMIT_NOFILE leaves after
//                            kReservedDescriptors, at most 10000 (so is a larger value)
//   max_connections_per_client = 64   from one address (IPv6: /64), at most half the
//                            total; trusted proxies are exempt. At either cap the
//                            longest idle connection (of that client, or of the client
//                            holding most) is closed to make room, else the new one is
//                            dropped unread; one warning per 10 s says how many were.
//   trusted_proxies = ""     peers whose X-Forwarded-For / Forwarded / -Proto name the
//                            client in Request::remote_address (http/client_address.hpp)
//
// How it fails. listen() returns Errc::io when the address cannot be resolved or
// bound. After that nothing is fatal: a malformed request gets 400 and a closed
// connection, a broken or slow peer loses its connection (logged at debug level, as
// those are ordinary), a failed accept is retried after a pause (so running out of
// file descriptors does not spin) and reported at most once per 10 s. On stop() or SIGINT/SIGTERM
// it closes the listening socket, lets requests already arriving finish and their responses be
// written (handlers already running finish, and their responses are written with
// Connection: close), closes idle connections, and returns from run() when the last
// connection is gone or after kDrainLimit, whichever comes first; then it joins the
// handler pool. A handler that never returns cannot be interrupted and holds run()
// until it does. A client that leaves while its handler runs costs nothing but the
// handler's work: the response is dropped when it comes back.
#include "http/server.hpp"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/thread_pool.hpp>
#include <csignal>
#include <optional>
#include <thread>

#include "http/log_throttle.hpp"
#include "http/server_connection.hpp"
#include "net/listen.hpp"

namespace broadsheet::http {
namespace net = boost::asio;
using tcp = net::ip::tcp;

namespace {
constexpr std::chrono::seconds kDrainLimit{10};
constexpr std::chrono::milliseconds kAcceptRetry{100};
// At most one warning this often about failed accepts, and one about refused
// connections: under attack, each would otherwise be written many times a second.
constexpr std::chrono::seconds kLogEvery{10};

int thread_count(int configured) {
  if (configured > 0) return configured;
  return std::max(1, static_cast<int>(std::thread::hardware_concurrency()));
}
}  // namespace

struct Server::Impl {
  Impl(const Config::Http& config, const Router& router, Metrics& metrics)
      : shared(config, router, metrics, handlers),
        threads(thread_count(config.threads)),
        handler_threads(std::max(1, config.handler_threads)),
        ioc(threads),
        handlers(static_cast<std::size_t>(handler_threads)),
        acceptor(net::make_strand(ioc)),
        accept_retry(acceptor.get_executor()),
        drain_deadline(acceptor.get_executor()) {}

  ~Impl() {
    // Connections still alive are destroyed with the io_context below; they must not
    // call back into it while it is being torn down.
    shared.set_on_last_closed(nullptr);
  }

  void accept();
  void on_accept(const boost::system::error_code& ec, tcp::socket socket);
  void begin_stop();

  // Declaration order is destruction order reversed: `shared` outlives the
  // io_context (whose destruction destroys the connections), and the handler pool and
  // the I/O objects die before it, so a job still in the pool (which holds its
  // connection) never outlives the io_context of that connection's socket.
  ServerShared shared;  // holds a reference to `handlers`, bound before it is built
  int threads;
  int handler_threads;
  net::io_context ioc;
  net::thread_pool handlers;
  tcp::acceptor acceptor;  // on its strand, like everything below
  net::steady_timer accept_retry;
  net::steady_timer drain_deadline;
  std::optional<net::signal_set> signals;
  std::function<void()> on_stopping;
  LogThrottle accept_failed_log{kLogEvery};
  LogThrottle refused_log{kLogEvery};
  bool stopping = false;
};

void Server::Impl::accept() {
  acceptor.async_accept(net::make_strand(ioc),
                        [this](const boost::system::error_code& ec, tcp::socket socket) {
                          on_accept(ec, std::move(socket));
                        });
}

void Server::Impl::on_accept(const boost::system::error_code& ec, tcp::socket socket) {
  if (stopping || ec == net::error::operation_aborted) return;
  if (ec) {
    // Typically out of file descriptors; retrying at once would spin, and so would
    // the log.
    if (auto n = accept_failed_log.occur(std::chrono::steady_clock::now())) {
      spdlog::warn("http: accept failed {} time(s) since the last report: {}", n, ec.message());
    }
    accept_retry.expires_after(kAcceptRetry);
    accept_retry.async_wait([this](const boost::system::error_code& wait_ec) {
      if (!wait_ec && !stopping) accept();
    });
    return;
  }
  auto connection = std::make_shared<Connection>(std::move(socket), shared);
  auto admission = shared.add(connection);
  if (admission.evict) admission.evict->drain();
  if (admission.admitted) {
    connection->start();
  } else if (!stopping) {
    // Dropped unread: the socket closes with `connection`.
    if (auto n = refused_log.occur(std::chrono::steady_clock::now())) {
      spdlog::warn("http: {} connection(s) refused: {} open (at most {}, {} per client)", n,
                   shared.live_connections().size(), shared.limits.total, shared.limits.per_client);
    }
  }
  accept();
}

void Server::Impl::begin_stop() {
  if (stopping) return;
  stopping = true;
  boost::system::error_code ignored;
  acceptor.close(ignored);
  accept_retry.cancel();
  if (signals) signals->cancel(ignored);
  if (on_stopping) on_stopping();
  auto live = shared.begin_stop();
  spdlog::info("http: stopping; {} connection(s) to finish", live.size());
  if (live.empty()) {
    ioc.stop();
    return;
  }
  for (auto& c : live) c->drain();
  drain_deadline.expires_after(kDrainLimit);
  drain_deadline.async_wait([this](const boost::system::error_code& ec) {
    if (ec) return;
    spdlog::warn("http: connections still open after {} s; stopping anyway", kDrainLimit.count());
    ioc.stop();
  });
}

Server::Server(const Config::Http& config, const Router& router, Metrics& metrics)
    : impl_(std::make_unique<Impl>(config, router, metrics)) {
  impl_->shared.set_on_last_closed([impl = impl_.get()] { impl->ioc.stop(); });
}

Server::~Server() = default;

Result<unsigned short> Server::listen(const std::string& host, unsigned short port) {
  auto bound = broadsheet::net::listen_on(impl_->acceptor, host, port);
  if (!bound) return bound.error();
  spdlog::info(
      "http: listening on {}:{} with {} I/O thread(s) and {} handler thread(s); at most {} "
      "connection(s), {} per client",
      host, *bound, impl_->threads, impl_->handler_threads, impl_->shared.limits.total,
      impl_->shared.limits.per_client);
  return bound;
}

void Server::run() {
  Impl& impl = *impl_;
  impl.signals.emplace(impl.acceptor.get_executor(), SIGINT, SIGTERM);
  impl.signals->async_wait([&impl](const boost::system::error_code& ec, int signal) {
    if (ec) return;
    spdlog::info("http: signal {} received", signal);
    impl.begin_stop();
  });
  impl.accept();

  std::vector<std::thread> io_threads;
  for (int i = 1; i < impl.threads; ++i) io_threads.emplace_back([&impl] { impl.ioc.run(); });
  impl.ioc.run();
  for (auto& t : io_threads) t.join();
  // Only after kDrainLimit can a handler still be running here; its response goes
  // back to an io_context that no longer runs and is dropped with it.
  impl.handlers.join();

  // Connections left after kDrainLimit are cut now rather than when the Server is
  // destroyed; no thread runs the io_context or a handler any more, so this is safe.
  for (auto& c : impl.shared.live_connections()) c->abandon();
  // Gives SIGINT and SIGTERM back to their default handling.
  impl.signals.reset();
  spdlog::info("http: stopped");
}

void Server::on_stopping(std::function<void()> f) { impl_->on_stopping = std::move(f); }

void Server::stop() {
  net::post(impl_->acceptor.get_executor(), [impl = impl_.get()] { impl->begin_stop(); });
}

}  // namespace broadsheet::http
