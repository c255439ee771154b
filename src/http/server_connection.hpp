// One client connection of the server: reads requests under the connection's limits,
// has them run through the Router on the handler pool, and writes the responses back
// in order. See server.cpp for the whole picture. Only server*.cpp include this (it
// pulls Beast).
//
// Thread safety: every member function except drain() and abandon() runs on the
// connection's strand. A handler runs on the handler pool with an Exchange the
// connection has handed over and touches nothing else of the connection; its response
// comes back through the strand.
#pragma once

#include <atomic>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/parser.hpp>
#include <chrono>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <unordered_map>
#include <vector>

#include "config/config.hpp"
#include "core/ip_network.hpp"
#include "http/metrics.hpp"
#include "http/router.hpp"
#include "http/server_wire.hpp"

namespace broadsheet::http {

class Connection;

// How many client connections the server holds at once.
struct ConnectionLimits {
  std::size_t total = 0;
  std::size_t per_client = 0;
};

// The limits for `config` in a process that may open `open_files` descriptors
// (RLIMIT_NOFILE): http.max_connections, or when it is 0 (or more than the
// descriptors allow) what the descriptors leave after kReservedDescriptors for the
// database, the mail transport, logs and the listener; per client
// http.max_connections_per_client (0: no limit of its own) and at most half of that.
ConnectionLimits connection_limits(const Config::Http& config, std::size_t open_files);
inline constexpr std::size_t kReservedDescriptors = 48;

// What the server and its connections share. Outlives every connection.
struct ServerShared {
  ServerShared(const Config::Http& c, const Router& r, Metrics& m, boost::asio::thread_pool& h);

  const Config::Http config;
  const Router& router;
  Metrics& metrics;
  // Where handlers run; they may block. Owned by the Server, which joins it before
  // it destroys the connections.
  boost::asio::thread_pool& handlers;
  const std::vector<Network> trusted_proxies;  // from config.trusted_proxies
  const ConnectionLimits limits;

  // Whether a new connection may be served, and the idle connection to close to make
  // room for it (not yet closed; its drain() is the caller's to call).
  struct Admission {
    bool admitted = false;
    std::shared_ptr<Connection> evict;
  };
  // Registers a new connection under the caps: at most limits.per_client from its
  // client and limits.total in all. At a cap, an idle connection makes room (one of
  // the same client's; under the total cap the longest idle of the client holding
  // the most); when none is idle the new one is refused. Refused once stopping.
  Admission add(const std::shared_ptr<Connection>& c);
  // Called by a connection's destructor.
  void remove(Connection* c);
  // Marks the server as stopping and returns the connections alive now.
  std::vector<std::shared_ptr<Connection>> begin_stop();
  std::vector<std::shared_ptr<Connection>> live_connections();
  // Called, outside the lock, when stopping and the last connection is gone.
  void set_on_last_closed(std::function<void()> f);

 private:
  struct Entry {
    std::weak_ptr<Connection> connection;
    std::string client;   // its client_key(), empty when not capped per client
    bool counted = true;  // against the caps: false once chosen to make room
  };
  std::shared_ptr<Connection> pick_idle(const std::string& client);  // REQUIRES: mu_ held
  void uncount(Entry& e);                                            // REQUIRES: mu_ held

  std::mutex mu_;
  bool stopping_ = false;
  std::unordered_map<Connection*, Entry> live_;
  std::size_t counted_ = 0;  // live connections counted against the total
  std::unordered_map<std::string, std::size_t> per_client_;  // counted ones by client
  std::function<void()> on_last_closed_;
};

class Connection : public std::enable_shared_from_this<Connection> {
 public:
  Connection(boost::asio::ip::tcp::socket socket, ServerShared& shared);
  ~Connection();
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  // Starts reading requests.
  void start();
  // Asks the connection to finish the request in progress (if any), write what it
  // owes, and close. Safe from any thread.
  void drain();
  // Closes the socket at once.
  // REQUIRES: no thread is running the io_context.
  void abandon();

  // What the connection caps count it under: client_key() of its peer, or empty
  // for a trusted proxy, which speaks for many clients. Safe from any thread.
  const std::string& client_key() const { return client_key_; }
  // True while it waits for the first byte of a request, since idle_since(). Safe
  // from any thread.
  bool idle() const { return idle_.load(std::memory_order_relaxed); }
  std::chrono::steady_clock::time_point idle_since() const {
    return std::chrono::steady_clock::time_point(
        std::chrono::steady_clock::duration(idle_since_.load(std::memory_order_relaxed)));
  }

 private:
  using Clock = std::chrono::steady_clock;

  // A response waiting to be written, with what the access log and metrics need.
  struct Outgoing {
    WireResponse message;
    Method method = Method::other;
    std::string method_text, target, request_id, route;
    std::string remote;  // the client, as the request's remote_address
    Clock::time_point started;
  };

  // A request on its way to its response: what the handler sees, and what queuing
  // the response needs. Handed to the handler pool and back.
  struct Exchange {
    Request request;
    std::string method_text;    // as sent
    Clock::time_point started;  // when the header was complete
    unsigned version = 11;
    bool keep_alive = false;
    std::string route;  // the matched pattern, or "unmatched"
  };

  void read_request();
  void on_first_bytes(beast::error_code ec, std::size_t bytes);
  void begin_request();
  void parse_header(bool after_read);
  void read_header_bytes();
  void on_header(beast::error_code ec);
  void send_continue();
  void read_body();
  void on_body(beast::error_code ec);
  void on_read_error(beast::error_code ec);
  void finish_request();
  void handle(Exchange exchange);
  void on_handled(Exchange exchange, Response response);
  void refuse(int status, std::string_view code, std::string_view message);
  // Answers a request whose header was read with `response` (the router's refusal)
  // without reading its body, and closes.
  void refuse(Response response);
  void send_refusal(Response response, std::string route, unsigned version);
  void enqueue(Exchange exchange, Response response);
  void write_next();
  void on_write(beast::error_code ec, std::size_t bytes);
  void record(const Outgoing& done, std::size_t bytes);
  void advance();
  void close(bool linger);
  void linger_read();
  void close_now();

  std::size_t body_limit_for(const Request& request) const;
  std::size_t pipeline_depth() const;
  // How much one read may add to the buffer without passing its maximum.
  std::size_t room_in_buffer() const;

  ServerShared& shared_;
  beast::tcp_stream stream_;
  beast::flat_buffer buffer_;
  std::optional<bhttp::request_parser<bhttp::string_body>> parser_;
  Request pending_;  // the request being read, filled from its header
  std::deque<Outgoing> queue_;
  IpAddress peer_;
  bool peer_is_proxy_ = false;  // one of the trusted proxies: requests say who the client is
  std::string remote_;          // the peer, as text
  std::string client_key_;
  std::atomic<bool> idle_{false};
  std::atomic<Clock::rep> idle_since_{0};
  std::string method_text_;        // of the request being read, as sent
  Clock::time_point deadline_;     // of the request being read
  Clock::time_point header_done_;  // when its header was complete
  std::size_t header_bytes_ = 0;   // of the request being read, parsed so far
  std::size_t request_bytes_ = 0;  // of the request being read, header and body, parsed so far
  std::size_t body_limit_ = 0;     // of the request being read, once its route is known
  std::size_t lingered_ = 0;
  int requests_ = 0;
  bool reading_ = false;       // a read is in flight
  bool in_request_ = false;    // some of a request has arrived
  bool handling_ = false;      // a handler runs on the pool; no request is read meanwhile
  bool writing_ = false;       // a write is in flight
  bool stop_reading_ = false;  // no further requests: close once the queue is written
  bool draining_ = false;      // the server is stopping
  bool linger_ = false;        // on close, read what the client still sends (see close())
  bool closing_ = false;
};

}  // namespace broadsheet::http
