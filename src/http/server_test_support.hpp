// Test helpers for the server: a real Server on 127.0.0.1 (port 0) running in a
// background thread, and a small Asio/Beast client that sends raw bytes (so tests can
// send what a browser would not) and reads parsed responses. Every client operation
// has a deadline, so a server bug fails a test instead of hanging it.
#pragma once

// GCC 12 with the sanitizers reports a false "maybe uninitialized" inside Beast's
// response parser (a boost::optional it reads only when set). The pragma must
// precede the Beast headers, where the warning is located.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif

#include <gtest/gtest.h>

#include <atomic>
#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <chrono>
#include <future>
#include <optional>
#include <string>
#include <thread>

#include "http/server.hpp"

namespace broadsheet::http::testing {

namespace net = boost::asio;
namespace bhttp = boost::beast::http;
using tcp = net::ip::tcp;
using WireResponse = bhttp::response<bhttp::string_body>;
using namespace std::chrono_literals;

inline Config::Http test_config() {
  Config::Http c;
  c.listen = "127.0.0.1:0";
  c.threads = 2;
  c.header_limit = 2048;
  c.body_limit = 1024;
  c.api_body_limit = 4096;
  c.read_timeout = 5;
  c.keepalive_timeout = 5;
  c.max_requests = 100;
  c.pipeline_depth = 2;
  c.handler_threads = 16;
  c.access_log = true;
  return c;
}

// Lets every request through: the server tests are about transport, not permissions.
inline std::optional<Response> allow_all(Permission, const Request&) { return std::nullopt; }

// GET /hello, answering "hello world" at once.
inline Route hello() {
  return {Method::get, "/hello", Permission::public_access,
          [](const Request&) { return Response::text(200, "hello world"); }};
}

class TestServer {
 public:
  explicit TestServer(std::vector<Route> routes, const Config::Http& config = test_config())
      : router_(std::move(routes), allow_all), server_(config, router_, metrics_) {
    auto bound = server_.listen("127.0.0.1", 0);
    EXPECT_TRUE(bound.ok()) << (bound.ok() ? "" : bound.error().message);
    port_ = bound.ok() ? *bound : 0;
    thread_ = std::thread([this] {
      server_.run();
      stopped_.set_value();
    });
  }
  ~TestServer() {
    server_.stop();
    thread_.join();
  }

  unsigned short port() const { return port_; }
  Metrics& metrics() { return metrics_; }
  void stop() { server_.stop(); }
  // True when run() has returned within `limit`.
  bool stopped_within(std::chrono::milliseconds limit) {
    return stopped_future_.wait_for(limit) == std::future_status::ready;
  }

 private:
  Router router_;
  Metrics metrics_;
  Server server_;
  unsigned short port_ = 0;
  std::promise<void> stopped_;
  std::future<void> stopped_future_ = stopped_.get_future();
  std::thread thread_;
};

// Polls `done` every few milliseconds until it holds; false if it still does not
// after `limit`.
template <class Predicate>
bool eventually(Predicate done, std::chrono::milliseconds limit = 5000ms) {
  auto give_up = std::chrono::steady_clock::now() + limit;
  while (!done()) {
    if (std::chrono::steady_clock::now() > give_up) return false;
    std::this_thread::sleep_for(5ms);
  }
  return true;
}

// A handler that blocks for a while, as one waiting on the database does, and counts
// how many of its calls have started, are running, and ran at the same time at most.
class Sleeper {
 public:
  explicit Sleeper(std::chrono::milliseconds duration) : duration_(duration) {}

  Route route(std::string pattern = "/sleep") {
    return {Method::get, std::move(pattern), Permission::public_access, [this](const Request&) {
              ++started;
              int now = ++running;
              int seen = most.load();
              while (now > seen && !most.compare_exchange_weak(seen, now)) {
              }
              std::this_thread::sleep_for(duration_);
              --running;
              ++finished;
              return Response::text(200, "rested");
            }};
  }

  std::atomic<int> started{0}, running{0}, most{0}, finished{0};

 private:
  std::chrono::milliseconds duration_;
};

class TestClient {
 public:
  explicit TestClient(unsigned short port) {
    boost::system::error_code ec;
    socket_.connect(tcp::endpoint(net::ip::make_address("127.0.0.1"), port), ec);
    EXPECT_FALSE(ec) << ec.message();
    // Each send() goes out at once, so that a test can split a request across reads.
    socket_.set_option(tcp::no_delay(true), ec);
  }

  // Sends raw bytes; false (and the error in last_error) when that failed.
  bool send(std::string_view raw) {
    last_error = run([&](auto handler) {
      net::async_write(socket_, net::buffer(raw.data(), raw.size()), handler);
    });
    return !last_error;
  }

  // Reads one response (interim 1xx included); nullopt on error or end of stream.
  std::optional<WireResponse> read(bool head = false, std::chrono::seconds limit = 5s) {
    bhttp::response_parser<bhttp::string_body> parser;
    parser.body_limit(boost::none);
    parser.skip(head);
    last_error =
        run([&](auto handler) { bhttp::async_read(socket_, buffer_, parser, handler); }, limit);
    if (last_error) return std::nullopt;
    return parser.release();
  }

  // How long until the server closed the connection, or nullopt if it is still open
  // after `limit`. Whatever arrives meanwhile is discarded.
  std::optional<std::chrono::milliseconds> time_to_close(std::chrono::seconds limit) {
    auto start = std::chrono::steady_clock::now();
    while (true) {
      auto left = limit - (std::chrono::steady_clock::now() - start);
      if (left <= 0s) return std::nullopt;
      char scratch[4096];
      last_error =
          run([&](auto handler) { socket_.async_read_some(net::buffer(scratch), handler); },
              std::chrono::duration_cast<std::chrono::seconds>(left) + 1s);
      if (last_error == net::error::timed_out) return std::nullopt;
      if (last_error) {
        return std::chrono::duration_cast<std::chrono::milliseconds>(
            std::chrono::steady_clock::now() - start);
      }
    }
  }

  // Drops the connection with a reset, as a client that crashes or gives up does.
  void abort() {
    boost::system::error_code ignored;
    socket_.set_option(net::socket_base::linger(true, 0), ignored);
    socket_.close(ignored);
  }

  boost::system::error_code last_error;

 private:
  template <class Start>
  boost::system::error_code run(Start start, std::chrono::seconds limit = 5s) {
    boost::system::error_code result;
    bool done = false;
    start([&](boost::system::error_code ec, std::size_t) {
      result = ec;
      done = true;
    });
    ioc_.restart();
    ioc_.run_for(limit);
    if (done) return result;
    socket_.cancel();
    ioc_.restart();
    ioc_.run();
    return net::error::timed_out;
  }

  net::io_context ioc_;
  tcp::socket socket_{ioc_};
  boost::beast::flat_buffer buffer_;
};

inline std::string field(const WireResponse& r, std::string_view name) {
  auto it = r.find(name);
  return it == r.end() ? "<absent>" : std::string(it->value());
}

inline std::string get(std::string_view target, std::string_view extra_headers = "") {
  return std::string("GET ") + std::string(target) + " HTTP/1.1\r\nHost: test\r\n" +
         std::string(extra_headers) + "\r\n";
}

inline std::string post(std::string_view target, std::string_view body) {
  return std::string("POST ") + std::string(target) +
         " HTTP/1.1\r\nHost: test\r\nContent-Length: " + std::to_string(body.size()) + "\r\n\r\n" +
         std::string(body);
}

}  // namespace broadsheet::http::testing
