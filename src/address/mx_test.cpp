#include "address/mx.hpp"

#include <ares.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <thread>
#include <vector>

#include "address/dns_test_server.hpp"

namespace broadsheet::address {
namespace {

using namespace std::chrono_literals;
using testing::DnsTestServer;
using testing::Zone;
using Reply = Zone::Reply;

std::map<std::string, Zone> zones() {
  return {
      {"mx.test-mail.net", {.mx = {{10, "mx1.test-mail.net"}, {20, "mx2.test-mail.net"}}}},
      {"nullmx.test-mail.net", {.mx = {{0, ""}}}},
      {"a-only.test-mail.net", {.a = {{{192, 0, 2, 7}}}}},
      {"aaaa-only.test-mail.net",
       {.aaaa = {{{0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1}}}}},
      {"nothing.test-mail.net", {}},
      {"silent.test-mail.net", {.reply = Reply::silent}},
      {"broken.test-mail.net", {.reply = Reply::servfail}},
      // Not a Null MX by RFC 7505: the root is one of several exchanges.
      {"mixed.test-mail.net", {.mx = {{0, ""}, {10, "mx1.test-mail.net"}}}},
  };
}

class MxCheck : public ::testing::Test {
 protected:
  MxVerdict check(const std::string& domain) {
    return check_deliverable(domain, {.timeout = 500ms, .dns_servers = dns_.address()});
  }
  DnsTestServer dns_{zones()};
};

TEST_F(MxCheck, MxRecordsAreDeliverable) {
  EXPECT_EQ(check("mx.test-mail.net").deliverability, Deliverability::deliverable);
  EXPECT_EQ(check("mixed.test-mail.net").deliverability, Deliverability::deliverable);
}

TEST_F(MxCheck, NullMxRefuses) {
  auto v = check("nullmx.test-mail.net");
  EXPECT_EQ(v.deliverability, Deliverability::undeliverable);
  EXPECT_EQ(v.reason, "the domain does not accept email");
}

TEST_F(MxCheck, NxdomainRefuses) {
  auto v = check("no-such-domain.test-mail.net");
  EXPECT_EQ(v.deliverability, Deliverability::undeliverable);
  EXPECT_EQ(v.reason, "the domain does not exist");
}

TEST_F(MxCheck, NoMxButAnAddressIsDeliverable) {
  EXPECT_EQ(check("a-only.test-mail.net").deliverability, Deliverability::deliverable);
  EXPECT_EQ(check("aaaa-only.test-mail.net").deliverability, Deliverability::deliverable);
}

TEST_F(MxCheck, NoMxAndNoAddressRefuses) {
  auto v = check("nothing.test-mail.net");
  EXPECT_EQ(v.deliverability, Deliverability::undeliverable);
  EXPECT_EQ(v.reason, "the domain has no mail server");
}

TEST_F(MxCheck, SilenceIsUnknownWithinTheTimeout) {
  auto start = std::chrono::steady_clock::now();
  auto v = check("silent.test-mail.net");
  auto took = std::chrono::steady_clock::now() - start;
  EXPECT_EQ(v.deliverability, Deliverability::unknown) << v.reason;
  EXPECT_GE(took, 400ms);
  EXPECT_LT(took, 1000ms);
  EXPECT_LE(dns_.queries(), 2) << "one query, sent at most twice";
}

TEST_F(MxCheck, ServfailIsUnknown) {
  EXPECT_EQ(check("broken.test-mail.net").deliverability, Deliverability::unknown);
}

TEST_F(MxCheck, ConcurrentChecksEachGetTheirAnswer) {
  std::vector<std::thread> threads;
  std::vector<MxVerdict> got(16);
  const std::vector<std::pair<std::string, Deliverability>> want = {
      {"mx.test-mail.net", Deliverability::deliverable},
      {"nullmx.test-mail.net", Deliverability::undeliverable},
      {"a-only.test-mail.net", Deliverability::deliverable},
      {"nothing.test-mail.net", Deliverability::undeliverable},
  };
  for (std::size_t i = 0; i < got.size(); ++i) {
    threads.emplace_back([&, i] { got[i] = check(want[i % want.size()].first); });
  }
  for (auto& t : threads) t.join();
  for (std::size_t i = 0; i < got.size(); ++i) {
    EXPECT_EQ(got[i].deliverability, want[i % want.size()].second) << want[i % want.size()].first;
  }
}

TEST(MxNetwork, UnreachableServerIsUnknown) {
  // A port nothing listens on: the kernel refuses the datagram.
  int fd = ::socket(AF_INET, SOCK_DGRAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof addr;
  ASSERT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  ASSERT_EQ(::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len), 0);
  ::close(fd);
  auto server = "127.0.0.1:" + std::to_string(ntohs(addr.sin_port));
  auto start = std::chrono::steady_clock::now();
  auto v = check_deliverable("mx.test-mail.net", {.timeout = 500ms, .dns_servers = server});
  EXPECT_EQ(v.deliverability, Deliverability::unknown) << v.reason;
  EXPECT_LT(std::chrono::steady_clock::now() - start, 1000ms);
}

TEST(MxDnsServers, AcceptsAddressesWithAndWithoutPorts) {
  ASSERT_EQ(ares_library_init(ARES_LIB_INIT_ALL), ARES_SUCCESS);
  for (std::string ok : {"", "127.0.0.1", "127.0.0.1:5353", "[::1]:53",
                         "192.0.2.1,192.0.2.2:53,[2001:db8::1]:5353"}) {
    EXPECT_TRUE(validate_dns_servers(ok).ok()) << ok;
    if (ok.empty()) continue;
    // What is accepted here, c-ares takes too.
    ares_channel channel = nullptr;
    ASSERT_EQ(ares_init(&channel), ARES_SUCCESS);
    EXPECT_EQ(ares_set_servers_ports_csv(channel, ok.c_str()), ARES_SUCCESS) << ok;
    ares_destroy(channel);
  }
  ares_library_cleanup();
}

TEST(MxDnsServers, RefusesNamesAndBadPorts) {
  for (std::string bad : {"dns.google", "127.0.0.1:", "127.0.0.1:0", "127.0.0.1:70000", "::1",
                          "[::1]", "[::1", "[::1]53", "127.0.0.1,", " 127.0.0.1", "1.2.3"}) {
    auto st = validate_dns_servers(bad);
    EXPECT_FALSE(st.ok()) << bad;
  }
}

}  // namespace
}  // namespace broadsheet::address
