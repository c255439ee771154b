// The HTTP/1.1 server on Boost.Beast and Asio: I/O threads (one per core) for the
// sockets, and a larger pool of handler threads, as handlers may block.
//
// Trusts nothing from the network. Each connection owns its limits: header size,
// body size (per route permission), time to read a request, idle keep-alive time,
// requests per connection and pipelining depth. Handlers run on the handler pool
// through the Router, one at a time per connection; every request gets an id, an
// access-log line and a metrics observation. On stop() (or SIGINT/SIGTERM inside
// run()) it stops accepting, finishes the requests in progress (running handlers
// included), closes idle connections, and returns.
//
// Configuration: the [http] section of Config. Failure to bind is an Errc::io error
// from listen(); nothing else in it is fatal.
#pragma once

#include <functional>
#include <memory>

#include "config/config.hpp"
#include "core/result.hpp"
#include "http/metrics.hpp"
#include "http/router.hpp"

namespace broadsheet::http {

class Server {
 public:
  Server(const Config::Http& config, const Router& router, Metrics& metrics);
  ~Server();

  // Binds and listens; returns the bound port (useful with port 0).
  Result<unsigned short> listen(const std::string& host, unsigned short port);

  // Serves until stop() or SIGINT/SIGTERM, then drains and returns.
  // REQUIRES: listen() succeeded.
  void run();

  // Asks run() to drain and return. Safe from any thread.
  void stop();

  // Called once, on a server thread, the moment stopping begins (stop() or a signal),
  // before the requests in progress are finished: what must stop taking work at once
  // does it here (serve: hand-overs, sending). Must not block.
  // REQUIRES: set before run().
  void on_stopping(std::function<void()> f);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace broadsheet::http
