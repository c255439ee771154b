// The inbound listener of `serve` (`[inbound] listen`, off by default): a small
// LMTP/SMTP server (session.hpp) that a publisher's MTA delivers the bounce domain's
// mail to, each message handed to a Deliver function once per accepted recipient (in
// serve: the inbound processor, mailboxes.hpp and bounce/bounce.hpp).
//
// I/O model, as http/server.hpp: Asio, one I/O thread reading and writing every
// connection, and a small pool of worker threads for deliveries, which block on the
// store; a connection reads nothing further while its message is being delivered.
//
// Limits it owns: connections at once (beyond: 421 and closed), the time to receive
// each command or data line (`timeout`; then 421 and closed), the session's limits
// (message size, recipients, line length, errors). Input is never trusted.
//
// Stopping: stop() closes the listening socket, tells idle sessions 421 and closes
// them, lets deliveries in progress finish and their replies be written, and returns
// within kDrainLimit whatever a client does. Safe from any thread but its own.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "core/result.hpp"
#include "inbound/session.hpp"

namespace broadsheet::inbound {

inline constexpr std::chrono::seconds kDrainLimit{5};

struct ListenerOptions {
  std::string host_name = "localhost";  // in the greeting and the LHLO reply
  Limits limits;
  int max_connections = 16;
  std::chrono::milliseconds timeout{std::chrono::seconds(60)};
  int workers = 4;
};

// Delivers one message to one recipient; may block. Runs on a worker thread.
using Deliver = std::function<Outcome(std::string_view recipient, std::string_view message)>;

class Listener {
 public:
  Listener(ListenerOptions options, Hooks hooks, Deliver deliver);
  ~Listener();  // stop()

  // Binds; returns the bound port (useful with port 0). Errc::io when it cannot.
  Result<unsigned short> listen(const std::string& host, unsigned short port);
  // Serves on threads of its own until stop(). REQUIRES: listen() succeeded.
  void start();
  // Begins stopping and returns at once. Safe from any thread.
  void request_stop();
  // Stops (request_stop) and waits until every thread has ended.
  void stop();

 private:
  struct Impl;
  std::shared_ptr<Impl> impl_;
};

}  // namespace broadsheet::inbound
