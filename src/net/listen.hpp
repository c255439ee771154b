// Opening a listening TCP socket for the servers in the binary (HTTP, the inbound
// LMTP/SMTP listener): the one place that resolves the host, binds with SO_REUSEADDR
// and listens, so every server starts and fails the same way.
#pragma once

#include <boost/asio/ip/tcp.hpp>
#include <string>

#include "core/result.hpp"

namespace broadsheet::net {

// Opens `acceptor` (not yet open) listening on HOST:PORT. HOST is an IP address or a
// name (its first address is taken); PORT 0 asks the system for a free port.
// Returns the port bound, or Errc::io "cannot listen on HOST:PORT: STEP: REASON"
// (STEP is resolve, open, reuse_address, bind, listen or local_endpoint); on failure
// the acceptor is left closed. Blocking (a name may be looked up): call at start-up.
Result<unsigned short> listen_on(boost::asio::ip::tcp::acceptor& acceptor,
                                 const std::string& host, unsigned short port);

}  // namespace broadsheet::net
