// Who a request comes from. A client's address is the peer of its connection, unless
// that peer is one of the configured trusted proxies (http.trusted_proxies): then it
// is what the proxy says in X-Forwarded-For (or, when there is none, Forwarded), read
// from the right and skipping every address that is itself a trusted proxy, and
// X-Forwarded-Proto says whether the client used TLS. Headers from any other peer are
// ignored, whatever they say. An address list that cannot be read gives "unknown",
// never the proxy's own address (which may be loopback, and loopback may read
// /metrics).
//
// Thread safety: plain functions over immutable values.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/ip_network.hpp"

namespace broadsheet::http {

// What the connection caps count as one client: an IPv4 address, or the /64 of an
// IPv6 address (the block one subscriber line gets, whose addresses cost nothing).
std::string client_key(const IpAddress& address);

struct ClientOrigin {
  std::string address;  // as text, "unknown" when the proxy's list cannot be read
  bool secure = false;  // the client reached the proxy over TLS
};

// The client of a request whose connection comes from `peer`. `headers` have
// lowercase names, as in Request.
ClientOrigin client_origin(const IpAddress& peer,
                           const std::vector<std::pair<std::string, std::string>>& headers,
                           const std::vector<Network>& trusted_proxies);

}  // namespace broadsheet::http
