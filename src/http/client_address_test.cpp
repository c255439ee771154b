#include "http/client_address.hpp"

#include <gtest/gtest.h>

namespace broadsheet::http {
namespace {

using Headers = std::vector<std::pair<std::string, std::string>>;

IpAddress ip(const char* text) { return boost::asio::ip::make_address(text); }

std::vector<Network> networks(const char* text) {
  auto n = parse_networks(text);
  EXPECT_TRUE(n.ok()) << text;
  return n.ok() ? *n : std::vector<Network>{};
}

TEST(ClientAddress, IPv6ClientsAreCountedByTheirSlash64) {
  EXPECT_EQ(client_key(ip("2001:db8:1:2:3:4:5:6")), "2001:db8:1:2::/64");
  EXPECT_EQ(client_key(ip("2001:db8:1:2:ffff::1")), "2001:db8:1:2::/64");
  EXPECT_EQ(client_key(ip("::ffff:192.0.2.1")), "192.0.2.1");
}

TEST(ClientAddress, HeadersOfUntrustedPeersAreIgnored) {
  Headers h{{"x-forwarded-for", "203.0.113.9"}, {"x-forwarded-proto", "https"}};
  auto o = client_origin(ip("198.51.100.1"), h, networks("127.0.0.1"));
  EXPECT_EQ(o.address, "198.51.100.1");
  EXPECT_FALSE(o.secure);
  EXPECT_EQ(client_origin(ip("127.0.0.1"), h, {}).address, "127.0.0.1");
}

TEST(ClientAddress, TheRightmostUntrustedHopIsTheClient) {
  auto trusted = networks("127.0.0.1, 10.0.0.0/8");
  // What the client wrote itself is left of what the proxies appended.
  Headers h{{"x-forwarded-for", "127.0.0.1, 6.6.6.6"},
            {"x-forwarded-for", "203.0.113.9, 10.1.2.3"}};
  EXPECT_EQ(client_origin(ip("127.0.0.1"), h, trusted).address, "203.0.113.9");
  // A local client through the proxy is still local.
  EXPECT_EQ(
      client_origin(ip("127.0.0.1"), Headers{{"x-forwarded-for", "127.0.0.1"}}, trusted).address,
      "127.0.0.1");
  // Without any forwarding header, the peer itself.
  EXPECT_EQ(client_origin(ip("10.9.9.9"), Headers{}, trusted).address, "10.9.9.9");
  // Garbage is nobody, never the (perhaps loopback) proxy.
  EXPECT_EQ(client_origin(ip("127.0.0.1"), Headers{{"x-forwarded-for", "1.2.3.4, evil"}}, trusted)
                .address,
            "unknown");
  EXPECT_EQ(client_origin(ip("127.0.0.1"), Headers{{"x-forwarded-for", ""}}, trusted).address,
            "unknown");
  EXPECT_EQ(
      client_origin(ip("127.0.0.1"), Headers{{"x-forwarded-for", "[2001:db8::1]:443"}}, trusted)
          .address,
      "2001:db8::1");
  EXPECT_EQ(client_origin(ip("127.0.0.1"), Headers{{"x-forwarded-for", "192.0.2.4:5000"}}, trusted)
                .address,
            "192.0.2.4");
}

TEST(ClientAddress, ForwardedIsReadOnlyWithoutXForwardedFor) {
  auto trusted = networks("127.0.0.1");
  Headers forwarded{{"forwarded", R"(for=192.0.2.60;proto=http, For="[2001:db8:cafe::17]:4711")"}};
  EXPECT_EQ(client_origin(ip("127.0.0.1"), forwarded, trusted).address, "2001:db8:cafe::17");
  forwarded.push_back({"x-forwarded-for", "198.51.100.3"});
  EXPECT_EQ(client_origin(ip("127.0.0.1"), forwarded, trusted).address, "198.51.100.3");
  EXPECT_EQ(client_origin(ip("127.0.0.1"), Headers{{"forwarded", "for=_hidden"}}, trusted).address,
            "unknown");
}

TEST(ClientAddress, ProtoFromTrustedProxiesOnly) {
  auto trusted = networks("127.0.0.1");
  EXPECT_TRUE(
      client_origin(ip("127.0.0.1"), Headers{{"x-forwarded-proto", "HTTPS"}}, trusted).secure);
  EXPECT_FALSE(
      client_origin(ip("127.0.0.1"), Headers{{"x-forwarded-proto", "https, http"}}, trusted)
          .secure);
}

}  // namespace
}  // namespace broadsheet::http
