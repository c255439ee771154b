// IP addresses and address blocks as the configuration names them
// (http.trusted_proxies): "10.0.0.0/8", "fd00::/8", or single addresses.
//
// Thread safety: plain functions over immutable values.
#pragma once

#include <boost/asio/ip/address.hpp>
#include <string_view>
#include <vector>

#include "core/result.hpp"

namespace broadsheet {

using IpAddress = boost::asio::ip::address;

// An address block: "10.0.0.0/8", "fd00::/8", or one address ("192.0.2.7", "::1").
struct Network {
  IpAddress base;
  unsigned prefix = 0;  // leading bits that must match
};

// A comma-separated list of addresses and CIDR blocks; empty text gives no networks.
// Errc::invalid_argument names the entry that is not one.
Result<std::vector<Network>> parse_networks(std::string_view text);

bool contains(const std::vector<Network>& networks, const IpAddress& address);

// IPv4 clients of a dual-stack listener arrive as ::ffff:a.b.c.d; this is a.b.c.d.
IpAddress canonical(const IpAddress& address);

}  // namespace broadsheet
