#include "http/server_connection.hpp"

#include <spdlog/spdlog.h>
#include <sys/resource.h>

#include <algorithm>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/write.hpp>
#include <cstdint>
#include <limits>

#include "http/access_log.hpp"
#include "http/client_address.hpp"

namespace broadsheet::http {
namespace net = boost::asio;
namespace {

constexpr std::size_t kReadChunk = 8192;
// Chunked framing a request may add to its body limit: chunk-size lines and their
// extensions, and a trailer as large as a header. Real clients send chunks of
// kilobytes, so a few bytes per chunk stay far below this.
constexpr std::size_t kFramingAllowance = 4096;
// How long, and how much, a closing connection reads and discards (see close()).
constexpr std::chrono::seconds kLingerTime{2};
constexpr std::size_t kLingerBytes = 1 << 20;

std::chrono::seconds seconds(int s) { return std::chrono::seconds(std::max(s, 1)); }

bool is_parse_error(const beast::error_code& ec) {
  return &ec.category() == &bhttp::make_error_code(bhttp::error::bad_target).category();
}

}  // namespace

// --- ServerShared -----------------------------------------------------------------

ConnectionLimits connection_limits(const Config::Http& config, std::size_t open_files) {
  constexpr std::size_t kMostByDefault = 10000;
  constexpr std::size_t kFewest = 4;
  std::size_t room =
      open_files > kReservedDescriptors + kFewest ? open_files - kReservedDescriptors : kFewest;
  ConnectionLimits limits;
  limits.total = config.max_connections > 0
                     ? std::min(static_cast<std::size_t>(config.max_connections), room)
                     : std::min(room, kMostByDefault);
  // One client never holds more than half, so there is always room for the others.
  std::size_t half = std::max<std::size_t>(limits.total / 2, 1);
  limits.per_client =
      config.max_connections_per_client > 0
          ? std::min(static_cast<std::size_t>(config.max_connections_per_client), half)
          : half;
  return limits;
}

namespace {

std::size_t open_file_limit() {
  rlimit limit{};
  if (getrlimit(RLIMIT_NOFILE, &limit) != 0 || limit.rlim_cur == RLIM_INFINITY) {
    return std::numeric_limits<std::size_t>::max();
  }
  return static_cast<std::size_t>(limit.rlim_cur);
}

std::vector<Network> proxies(const std::string& text) {
  auto networks = parse_networks(text);  // validated with the configuration
  return networks ? *networks : std::vector<Network>{};
}

}  // namespace

ServerShared::ServerShared(const Config::Http& c, const Router& r, Metrics& m, net::thread_pool& h)
    : config(c),
      router(r),
      metrics(m),
      handlers(h),
      trusted_proxies(proxies(c.trusted_proxies)),
      limits(connection_limits(c, open_file_limit())) {}

ServerShared::Admission ServerShared::add(const std::shared_ptr<Connection>& c) {
  std::lock_guard lock(mu_);
  Admission admission;
  if (stopping_) return admission;
  const std::string& client = c->client_key();
  bool client_full =
      !client.empty() && per_client_.count(client) > 0 && per_client_[client] >= limits.per_client;
  if (client_full) {
    admission.evict = pick_idle(client);
    if (!admission.evict) return admission;
  } else if (counted_ >= limits.total) {
    admission.evict = pick_idle({});
    if (!admission.evict) return admission;
  }
  if (admission.evict) uncount(live_.at(admission.evict.get()));
  live_.emplace(c.get(), Entry{c, client, true});
  ++counted_;
  if (!client.empty()) ++per_client_[client];
  admission.admitted = true;
  return admission;
}

// Idle connections cost a descriptor and nothing else; closing one loses no request,
// and a client that wanted it again opens another. The one to go is the longest idle
// of `client`, or with no client named, of whichever client holds the most.
std::shared_ptr<Connection> ServerShared::pick_idle(const std::string& client) {
  std::shared_ptr<Connection> best;
  std::size_t best_held = 0;
  std::chrono::steady_clock::time_point best_since;
  for (auto& [raw, entry] : live_) {
    if (!entry.counted || !raw->idle()) continue;
    if (!client.empty() && entry.client != client) continue;
    std::size_t held = entry.client.empty() ? 0 : per_client_[entry.client];
    auto since = raw->idle_since();
    if (best && (held < best_held || (held == best_held && since >= best_since))) continue;
    auto locked = entry.connection.lock();
    if (!locked) continue;  // being destroyed
    best = std::move(locked);
    best_held = held;
    best_since = since;
  }
  return best;
}

void ServerShared::uncount(Entry& e) {
  if (!e.counted) return;
  e.counted = false;
  --counted_;
  if (e.client.empty()) return;
  if (auto it = per_client_.find(e.client); it != per_client_.end() && --it->second == 0) {
    per_client_.erase(it);
  }
}

void ServerShared::remove(Connection* c) {
  std::function<void()> notify;
  {
    std::lock_guard lock(mu_);
    if (auto it = live_.find(c); it != live_.end()) {
      uncount(it->second);
      live_.erase(it);
    }
    if (stopping_ && live_.empty()) notify = on_last_closed_;
  }
  if (notify) notify();
}

std::vector<std::shared_ptr<Connection>> ServerShared::begin_stop() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  return live_connections();
}

std::vector<std::shared_ptr<Connection>> ServerShared::live_connections() {
  std::lock_guard lock(mu_);
  std::vector<std::shared_ptr<Connection>> out;
  for (auto& [raw, entry] : live_) {
    if (auto c = entry.connection.lock()) out.push_back(std::move(c));
  }
  return out;
}

void ServerShared::set_on_last_closed(std::function<void()> f) {
  std::lock_guard lock(mu_);
  on_last_closed_ = std::move(f);
}

// --- Connection: life ---------------------------------------------------------------

// The read buffer holds at most a header (or a chunk-size line, or a trailer) and one
// read: whatever does not fit is refused rather than stored (see read_body()).
Connection::Connection(net::ip::tcp::socket socket, ServerShared& shared)
    : shared_(shared),
      stream_(std::move(socket)),
      buffer_(shared.config.header_limit + kReadChunk) {
  beast::error_code ec;
  // A dual-stack listener sees IPv4 clients as ::ffff:a.b.c.d; logs and rate limits
  // should see the same address whichever way the server listens.
  peer_ = canonical(stream_.socket().remote_endpoint(ec).address());
  remote_ = ec ? "unknown" : peer_.to_string();
  peer_is_proxy_ = !ec && contains(shared_.trusted_proxies, peer_);
  if (!ec && !peer_is_proxy_) client_key_ = http::client_key(peer_);
}

Connection::~Connection() { shared_.remove(this); }

void Connection::start() {
  // The first request's clock starts at the connection: a client that connects and
  // says nothing is as slow as one that sends half a request.
  deadline_ = Clock::now() + seconds(shared_.config.read_timeout);
  net::dispatch(stream_.get_executor(), [self = shared_from_this()] { self->read_request(); });
}

void Connection::drain() {
  net::dispatch(stream_.get_executor(), [self = shared_from_this()] {
    if (self->closing_) return;
    self->draining_ = true;
    // A request that has begun arriving is in flight and gets its answer (with
    // Connection: close); an idle connection is closed now.
    if (!self->in_request_) self->stop_reading_ = true;
    self->advance();
  });
}

void Connection::abandon() {
  beast::error_code ec;
  stream_.socket().close(ec);
}

// The one place that decides what happens next, called after every state change:
// write if something is queued, read if no handler runs and there is room in the
// queue, close once nothing more will be read and everything owed has been written.
void Connection::advance() {
  if (closing_) return;
  if (!writing_ && !queue_.empty()) write_next();
  if (!reading_ && !in_request_ && !handling_ && !stop_reading_ &&
      queue_.size() < pipeline_depth()) {
    read_request();
  }
  if (stop_reading_ && !handling_ && queue_.empty() && !writing_) {
    if (reading_) {
      stream_.cancel();  // the wait for a next request; its handler comes back here
      return;
    }
    close(linger_);
  }
}

// --- Connection: reading -----------------------------------------------------------

void Connection::read_request() {
  if (buffer_.size() > 0) {  // a pipelined request is already here
    deadline_ = Clock::now() + seconds(shared_.config.read_timeout);
    begin_request();
    return;
  }
  // Waiting for the first byte is idle time (keepalive_timeout); the request's own
  // deadline starts when it begins to arrive.
  reading_ = true;
  idle_since_.store(Clock::now().time_since_epoch().count(), std::memory_order_relaxed);
  idle_.store(true, std::memory_order_relaxed);
  if (requests_ == 0) {
    stream_.expires_at(deadline_);
  } else {
    stream_.expires_after(seconds(shared_.config.keepalive_timeout));
  }
  stream_.async_read_some(buffer_.prepare(room_in_buffer()),
                          [self = shared_from_this()](beast::error_code ec, std::size_t n) {
                            self->on_first_bytes(ec, n);
                          });
}

void Connection::on_first_bytes(beast::error_code ec, std::size_t bytes) {
  reading_ = false;
  idle_.store(false, std::memory_order_relaxed);
  if (ec) return on_read_error(ec);
  buffer_.commit(bytes);
  if (stop_reading_ || closing_) return advance();  // the server began to stop meanwhile
  if (requests_ > 0) deadline_ = Clock::now() + seconds(shared_.config.read_timeout);
  begin_request();
}

void Connection::begin_request() {
  in_request_ = true;
  reading_ = true;
  pending_ = Request{};
  pending_.request_id = new_request_id();
  pending_.remote_address = remote_;
  method_text_.clear();
  header_bytes_ = 0;
  request_bytes_ = 0;
  body_limit_ = 0;
  parser_.emplace();
  // The body limit depends on the route, known only from the header. Until then
  // there is none, so that a large Content-Length is judged by the route's limit
  // in on_header() rather than by Beast's default while parsing the header.
  parser_->body_limit(boost::none);
  stream_.expires_at(deadline_);
  parse_header(false);
}

// Feeds the parser the header as it arrives, holding the request line and fields,
// up to and including the empty line that ends them, to header_limit bytes in all.
// Beast's own header_limit cannot do this alone: each put() measures it from the
// first byte not yet consumed, and the parser consumes the request line and every
// complete field, so with the header arriving in several reads (as async_read_header
// would feed it) the limit applied to each read's remainder, not to the whole. So
// the parser is never shown more than what is left of the limit, and a header that
// has not ended within that is too large.
void Connection::parse_header(bool after_read) {
  std::size_t limit = shared_.config.header_limit;
  std::size_t room = limit > header_bytes_ ? limit - header_bytes_ : 0;
  std::size_t window = std::min(buffer_.size(), room);
  beast::error_code ec = bhttp::error::need_more;
  if (window > 0) {
    parser_->header_limit(static_cast<std::uint32_t>(
        std::min<std::size_t>(room, std::numeric_limits<std::uint32_t>::max())));
    std::size_t used = parser_->put(net::buffer(buffer_.data().data(), window), ec);
    header_bytes_ += used;
    request_bytes_ += used;
    buffer_.consume(used);
  }
  if (ec == bhttp::error::need_more) {
    if (window < room) return read_header_bytes();
    ec = bhttp::error::header_limit;  // the limit is reached and the header goes on
  }
  if (after_read) return on_header(ec);
  // Done without waiting for the socket (a pipelined request): answer from the strand
  // rather than from inside advance().
  net::post(stream_.get_executor(), [self = shared_from_this(), ec] { self->on_header(ec); });
}

void Connection::read_header_bytes() {
  stream_.async_read_some(buffer_.prepare(room_in_buffer()),
                          [self = shared_from_this()](beast::error_code ec, std::size_t n) {
                            self->buffer_.commit(n);
                            if (ec == net::error::eof) {
                              // As Beast's read does: the end of the stream inside a header is a
                              // partial message; before any of it, an ordinary ending.
                              if (self->parser_->got_some()) {
                                self->parser_->put_eof(ec);
                              } else {
                                ec = bhttp::error::end_of_stream;
                              }
                            }
                            if (ec) return self->on_header(ec);
                            self->parse_header(true);
                          });
}

void Connection::on_header(beast::error_code ec) {
  reading_ = false;
  if (ec) return on_read_error(ec);
  header_done_ = Clock::now();
  const auto& header = parser_->get();
  method_text_ = std::string(header.method_string());
  if (auto why = read_header(header, pending_); !why.empty()) {
    return refuse(400, "bad_request", "The request is malformed: " + why + ".");
  }
  if (peer_is_proxy_) {
    auto origin = client_origin(peer_, pending_.headers, shared_.trusted_proxies);
    pending_.remote_address = std::move(origin.address);
    pending_.secure = origin.secure;
  }
  // A protected route's caller is checked before its body is read: a stranger cannot
  // make the server read megabytes only to be refused.
  if (!parser_->is_done()) {
    if (auto refusal = shared_.router.authorize(pending_)) return refuse(std::move(*refusal));
  }
  std::size_t limit = body_limit_for(pending_);
  if (auto length = parser_->content_length(); length && *length > limit) {
    return refuse(413, "payload_too_large", "The request body is too large.");
  }
  parser_->body_limit(limit);  // still needed for chunked bodies
  body_limit_ = limit;
  if (parser_->is_done()) return finish_request();
  // Clients that ask first (curl does, for bodies over 1 KiB) would otherwise wait a
  // second. It is skipped when responses are queued: the interim line must not be
  // interleaved with them, and the client sends the body anyway after its wait.
  if (expects_continue(header) && !writing_ && queue_.empty()) return send_continue();
  read_body();
}

void Connection::send_continue() {
  static constexpr std::string_view kContinue = "HTTP/1.1 100 Continue\r\n\r\n";
  writing_ = true;
  stream_.expires_after(seconds(shared_.config.read_timeout));
  net::async_write(stream_, net::buffer(kContinue.data(), kContinue.size()),
                   [self = shared_from_this()](beast::error_code ec, std::size_t) {
                     self->writing_ = false;
                     if (ec) return self->close_now();
                     self->read_body();
                   });
}

// Reads the body and feeds it to the parser, which moves body bytes out of the
// buffer into the request as they come. Beast bounds neither a chunk-size line with
// its extensions nor a trailer, and its own read would grow the buffer without end
// waiting for them to finish; so the body is read here under two bounds. The buffer
// never grows past its maximum: a line or trailer that does not end within it is
// refused with 400. And every byte the parser takes for this request counts against
// a budget of header_limit + the body limit + kFramingAllowance: a body cut into
// endless tiny chunks is refused with 413 like a body that is too large.
void Connection::read_body() {
  reading_ = true;
  stream_.expires_at(deadline_);
  std::size_t budget = shared_.config.header_limit + body_limit_ + kFramingAllowance;
  while (buffer_.size() > 0 && !parser_->is_done()) {
    beast::error_code ec;
    std::size_t used = parser_->put(buffer_.data(), ec);
    buffer_.consume(used);
    request_bytes_ += used;
    if (request_bytes_ > budget) return on_body(bhttp::error::body_limit);
    if (ec == bhttp::error::need_more || (!ec && used == 0)) break;
    if (ec) return on_body(ec);
  }
  if (parser_->is_done()) return on_body({});
  if (room_in_buffer() == 0) return on_body(bhttp::error::bad_chunk);
  stream_.async_read_some(buffer_.prepare(room_in_buffer()),
                          [self = shared_from_this()](beast::error_code ec, std::size_t n) {
                            self->buffer_.commit(n);
                            // As Beast's read does: the end of the stream inside a
                            // body is a partial message.
                            if (ec == net::error::eof) self->parser_->put_eof(ec);
                            if (ec) return self->on_body(ec);
                            self->read_body();
                          });
}

void Connection::on_body(beast::error_code ec) {
  reading_ = false;
  if (ec) return on_read_error(ec);
  finish_request();
}

std::size_t Connection::room_in_buffer() const {
  return std::min(kReadChunk, buffer_.max_size() - buffer_.size());
}

void Connection::on_read_error(beast::error_code ec) {
  if (closing_) return;
  if (is_expected_ending(ec)) {
    in_request_ = false;
    bool peer_done = ec == bhttp::error::end_of_stream || ec == net::error::eof ||
                     ec == bhttp::error::partial_message || ec == net::error::operation_aborted;
    if (!peer_done) {
      // Reset or timed out (the stream has closed the socket): nothing more can
      // be sent.
      spdlog::debug("http: connection from {} ended: {}", remote_, ec.message());
      return close_now();
    }
    // The client has finished sending (or we stopped listening to it); what it is
    // owed is still written.
    stop_reading_ = true;
    linger_ = false;
    return advance();
  }
  if (parser_ && !parser_->is_header_done()) header_done_ = Clock::now();
  if (ec == bhttp::error::header_limit) {
    return refuse(431, "header_too_large", "The request header is too large.");
  }
  if (ec == bhttp::error::body_limit) {
    return refuse(413, "payload_too_large", "The request body is too large.");
  }
  if (is_parse_error(ec)) return refuse(400, "bad_request", "The request is malformed.");
  spdlog::warn("http: reading from {} failed: {}", remote_, ec.message());
  close_now();
}

// --- Connection: answering ---------------------------------------------------------

void Connection::finish_request() {
  in_request_ = false;
  ++requests_;
  WireRequest message = parser_->release();
  parser_.reset();
  pending_.body = std::move(message.body());
  bool client_keeps = message.keep_alive();
  int max = shared_.config.max_requests;
  bool keep_alive = client_keeps && !draining_ && (max <= 0 || requests_ < max);
  if (!keep_alive) {
    stop_reading_ = true;
    linger_ = client_keeps;  // the client may have sent more that we will not read
  }
  handle(Exchange{.request = std::move(pending_),
                  .method_text = std::move(method_text_),
                  .started = header_done_,
                  .version = message.version(),
                  .keep_alive = keep_alive,
                  .route = {}});  // the Router names it
}

// Runs the handler on the handler pool: it may wait (a sign-up waits for its commit),
// and an I/O thread waiting with it would stall every connection that thread serves.
// Until the response is back on the strand nothing more is read, so the handlers of
// one connection run one after another. The job holds the connection alive, and
// holds work on the io_context so that run() cannot end while a handler runs.
void Connection::handle(Exchange exchange) {
  handling_ = true;
  net::post(shared_.handlers, [self = shared_from_this(), exchange = std::move(exchange),
                               work = net::make_work_guard(stream_.get_executor())]() mutable {
    Response response = self->shared_.router.dispatch(exchange.request, exchange.route);
    net::post(work.get_executor(), [self = std::move(self), exchange = std::move(exchange),
                                    response = std::move(response)]() mutable {
      self->on_handled(std::move(exchange), std::move(response));
    });
  });
  advance();
}

void Connection::on_handled(Exchange exchange, Response response) {
  handling_ = false;
  if (closing_) {
    spdlog::debug("http: request {} from {} answered after the connection ended",
                  exchange.request.request_id, remote_);
    return;
  }
  // The server began to stop while the handler ran: this response is the last, and
  // as in finish_request() the client may have sent more that will not be read.
  if (draining_ && exchange.keep_alive) {
    exchange.keep_alive = false;
    linger_ = true;
  }
  enqueue(std::move(exchange), std::move(response));
  advance();
}

// Answers a request that cannot be served and closes the connection after it: what
// follows in the stream (the rest of a body, or of a broken header) cannot be framed.
void Connection::refuse(int status, std::string_view code, std::string_view message) {
  in_request_ = false;
  stop_reading_ = true;
  linger_ = true;
  bool header_read = parser_ && parser_->is_header_done() && !pending_.target.empty();
  unsigned version = header_read ? parser_->get().version() : 11;
  std::string route = "unmatched";
  if (header_read) {
    std::map<std::string, std::string> params;
    if (auto m = shared_.router.match(pending_.method, pending_.path, params); m.route) {
      route = m.route->pattern;
    }
  } else {
    // The header was refused, so take the method and target as far as they can be
    // read, for the log and to answer API clients in JSON: from the parser once the
    // request line has been parsed (Beast then drops it from the buffer), else from
    // the raw bytes.
    std::string_view method, target;
    if (parser_ && !parser_->get().target().empty()) {
      method = parser_->get().method_string();
      target = parser_->get().target();
    } else {
      std::string_view raw(static_cast<const char*>(buffer_.data().data()), buffer_.size());
      auto line = sniff_request_line(raw.substr(0, shared_.config.header_limit));
      method = line.method;
      target = line.target;
    }
    method_text_ = std::string(method);
    pending_.method = method_from(method);
    pending_.target = std::string(target);
    pending_.path = pending_.target.substr(0, pending_.target.find('?'));
  }
  send_refusal(error_response(pending_.path, status, code, message), route, version);
}

void Connection::refuse(Response response) {
  std::string route = "unmatched";
  std::map<std::string, std::string> params;
  if (auto m = shared_.router.match(pending_.method, pending_.path, params); m.route) {
    route = m.route->pattern;
  }
  in_request_ = false;
  stop_reading_ = true;
  linger_ = true;
  send_refusal(std::move(response), route, parser_->get().version());
}

void Connection::send_refusal(Response response, std::string route, unsigned version) {
  parser_.reset();
  enqueue(Exchange{.request = std::move(pending_),
                   .method_text = std::move(method_text_),
                   .started = header_done_,
                   .version = version,
                   .keep_alive = false,
                   .route = std::move(route)},
          std::move(response));
  advance();
}

void Connection::enqueue(Exchange exchange, Response response) {
  Request& request = exchange.request;
  std::string shown = shared_.router.loggable_target(request.path, request.target);
  RouteTraits traits{.shielded = shared_.router.shielded(request.path), .log_target = shown};
  // Braced initialisers run in order: to_wire reads the request before it is moved from.
  queue_.push_back(Outgoing{.message = to_wire(std::move(response), request, exchange.keep_alive,
                                               exchange.version, traits),
                            .method = request.method,
                            .method_text = std::move(exchange.method_text),
                            .target = std::move(shown),
                            .request_id = std::move(request.request_id),
                            .route = std::move(exchange.route),
                            .remote = std::move(request.remote_address),
                            .started = exchange.started});
}

void Connection::write_next() {
  writing_ = true;
  // A client that does not read its responses is as slow as one that does not send.
  stream_.expires_after(seconds(shared_.config.read_timeout));
  bhttp::async_write(
      stream_, queue_.front().message,
      [self = shared_from_this()](beast::error_code ec, std::size_t n) { self->on_write(ec, n); });
}

void Connection::on_write(beast::error_code ec, std::size_t bytes) {
  writing_ = false;
  if (ec) {
    if (!is_expected_ending(ec)) {
      spdlog::warn("http: writing to {} failed: {}", remote_, ec.message());
    }
    return close_now();
  }
  record(queue_.front(), bytes);
  queue_.pop_front();
  advance();
}

void Connection::record(const Outgoing& done, std::size_t bytes) {
  std::chrono::duration<double> elapsed = Clock::now() - done.started;
  int status = done.message.result_int();
  shared_.metrics.observe(std::string(method_name(done.method)), done.route, status,
                          elapsed.count());
  if (shared_.config.access_log) {
    spdlog::info("{}", format_access({.request_id = done.request_id,
                                      .remote = done.remote,
                                      .method = done.method_text,
                                      .target = done.target,
                                      .status = status,
                                      .bytes = bytes,
                                      .milliseconds = elapsed.count() * 1000}));
  }
}

// --- Connection: closing -----------------------------------------------------------

// Closing a socket that still holds unread input makes the kernel answer with a
// reset, which can destroy the response just written before the client reads it
// (a 413 during a large upload, pipelined requests past max_requests). So when the
// client may still be sending, half-close, then read and discard for a moment.
void Connection::close(bool linger) {
  closing_ = true;
  beast::error_code ec;
  stream_.socket().shutdown(net::socket_base::shutdown_send, ec);
  if (!linger || ec) return close_now();
  stream_.expires_after(
      std::min<std::chrono::seconds>(kLingerTime, seconds(shared_.config.read_timeout)));
  linger_read();
}

void Connection::linger_read() {
  buffer_.clear();  // what was read is discarded; the buffer only lends its room
  stream_.async_read_some(buffer_.prepare(room_in_buffer()),
                          [self = shared_from_this()](beast::error_code ec, std::size_t n) {
                            self->lingered_ += n;
                            if (ec || self->lingered_ > kLingerBytes) return self->close_now();
                            self->linger_read();
                          });
}

void Connection::close_now() {
  closing_ = true;
  stream_.close();
}

std::size_t Connection::body_limit_for(const Request& request) const {
  std::map<std::string, std::string> params;
  Match m = shared_.router.match(request.method, request.path, params);
  if (m.route && m.route->body_limit > 0) return m.route->body_limit;
  if (m.route && m.route->permission != Permission::public_access) {
    return shared_.config.api_body_limit;
  }
  return shared_.config.body_limit;
}

std::size_t Connection::pipeline_depth() const {
  return static_cast<std::size_t>(std::max(shared_.config.pipeline_depth, 1));
}

}  // namespace broadsheet::http
