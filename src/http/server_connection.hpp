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
#include "http/metrics.hpp"
#include "http/router.hpp"
#include "http/server_wire.hpp"

namespace broadsheet::http {

class Connection;

// What the server and its connections share. Outlives every connection.
struct ServerShared {
  ServerShared(const Config::Http& c, const Router& r, Metrics& m, boost::asio::thread_pool& h)
      : config(c), router(r), metrics(m), handlers(h) {}

  const Config::Http config;
  const Router& router;
  Metrics& metrics;
  // Where handlers run; they may block. Owned by the Server, which joins it before
  // it destroys the connections.
  boost::asio::thread_pool& handlers;

  // Registers a new connection; false once stopping, when it must be dropped.
  bool add(const std::shared_ptr<Connection>& c);
  // Called by a connection's destructor.
  void remove(Connection* c);
  // Marks the server as stopping and returns the connections alive now.
  std::vector<std::shared_ptr<Connection>> begin_stop();
  std::vector<std::shared_ptr<Connection>> live_connections();
  // Called, outside the lock, when stopping and the last connection is gone.
  void set_on_last_closed(std::function<void()> f);

 private:
  std::mutex mu_;
  bool stopping_ = false;
  std::unordered_map<Connection*, std::weak_ptr<Connection>> live_;
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

 private:
  using Clock = std::chrono::steady_clock;

  // A response waiting to be written, with what the access log and metrics need.
  struct Outgoing {
    WireResponse message;
    Method method = Method::other;
    std::string method_text, target, request_id, route;
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

  ServerShared& shared_;
  beast::tcp_stream stream_;
  beast::flat_buffer buffer_;
  std::optional<bhttp::request_parser<bhttp::string_body>> parser_;
  Request pending_;  // the request being read, filled from its header
  std::deque<Outgoing> queue_;
  std::string remote_;
  std::string method_text_;        // of the request being read, as sent
  Clock::time_point deadline_;     // of the request being read
  Clock::time_point header_done_;  // when its header was complete
  std::size_t header_bytes_ = 0;   // of the request being read, parsed so far
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
