// The pool against relays written to misbehave: a relay must not hold a connection,
// or a message, longer than the timeouts allow, however it doles out its bytes.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "smtp/smtp.hpp"
#include "smtp/test_servers.hpp"

namespace broadsheet::smtp {
namespace {

using namespace std::chrono_literals;
using testing::Outcomes;
using ::testing::HasSubstr;
using Kind = transport::DeliveryResult::Kind;

TEST(PoolHostile, AReplyTrickledAByteAtATimeTimesOutAsAWhole) {
  // One byte every 0.4 s: each read comes well within the 2 s limit, the reply never.
  testing::TricklingRelay relay(400ms);
  PoolOptions o;
  RelayOptions r;
  r.host = "127.0.0.1";
  r.port = relay.port();
  r.pool_size = 1;
  o.relays.push_back(r);
  o.helo_name = "sender.test";
  o.timeouts.connect = o.timeouts.mail = o.timeouts.rcpt = o.timeouts.data = 5s;
  o.timeouts.data_block = 5s;
  o.timeouts.data_end = 2s;
  auto pool = Pool::start(o);
  ASSERT_TRUE(pool.ok()) << pool.error().message;
  Outcomes outcomes;
  (*pool)->submit_one({{"news@example.org", "reader@example.net"},
                       std::make_shared<const std::string>(
                           "From: news@example.org\r\nSubject: hi\r\n\r\nHello.\r\n")},
                      outcomes.slot(0));
  // Before the fix the reply was waited for as long as bytes kept coming: for ever.
  ASSERT_TRUE(outcomes.wait(1, 30s));
  (*pool)->stop();
  const auto result = outcomes.results()[0];
  EXPECT_EQ(result.kind, Kind::deferred) << result.reply;
  EXPECT_EQ(result.code, 0);
  EXPECT_THAT(result.reply, HasSubstr("timeout after 2 s waiting for the reply to end of data"));
  EXPECT_EQ(relay.messages(), 1);
  EXPECT_GE(relay.bytes_trickled(), 2);  // the relay did keep the line alive
}

}  // namespace
}  // namespace broadsheet::smtp
