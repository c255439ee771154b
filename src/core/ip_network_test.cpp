#include "core/ip_network.hpp"

#include <gtest/gtest.h>

namespace broadsheet {
namespace {

IpAddress ip(const char* text) { return boost::asio::ip::make_address(text); }

std::vector<Network> networks(const char* text) {
  auto n = parse_networks(text);
  EXPECT_TRUE(n.ok()) << text;
  return n.ok() ? *n : std::vector<Network>{};
}

TEST(IpNetwork, NetworksHoldTheirAddresses) {
  auto n = networks(" 10.0.0.0/8, 192.0.2.7,fd00::/8 , ::1");
  EXPECT_TRUE(contains(n, ip("10.200.3.4")));
  EXPECT_TRUE(contains(n, ip("::ffff:10.1.1.1")));  // as a dual-stack listener sees it
  EXPECT_TRUE(contains(n, ip("192.0.2.7")));
  EXPECT_FALSE(contains(n, ip("192.0.2.8")));
  EXPECT_TRUE(contains(n, ip("fd12::1")));
  EXPECT_TRUE(contains(n, ip("::1")));
  EXPECT_FALSE(contains(n, ip("11.0.0.1")));
  EXPECT_FALSE(contains(networks("172.16.0.0/12"), ip("172.32.0.1")));
  EXPECT_TRUE(contains(networks("172.16.0.0/12"), ip("172.31.255.1")));
  EXPECT_TRUE(networks("").empty());
  for (const char* bad : {"10.0.0.0/33", "nginx", "10.0.0.0/", "::1/129", "1.2.3.4/x"}) {
    EXPECT_FALSE(parse_networks(bad).ok()) << bad;
  }
}

}  // namespace
}  // namespace broadsheet
