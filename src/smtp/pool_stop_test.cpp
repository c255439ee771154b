// Stopping the pool whatever the relay does: stop_within() cuts a relay that never
// greets or answers slowly after the grace, with the RFC timeouts (minutes) untouched,
// and tells what left (deferred) from what never did (not_sent).
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "smtp/smtp.hpp"
#include "smtp/test_servers.hpp"

namespace broadsheet::smtp {
namespace {

using namespace std::chrono_literals;
using ::testing::HasSubstr;
using testing::Outcomes;
using Kind = transport::DeliveryResult::Kind;

PoolOptions options_with_default_timeouts(std::uint16_t port) {
  PoolOptions o;
  RelayOptions r;
  r.host = "127.0.0.1";
  r.port = port;
  r.pool_size = 1;
  o.relays.push_back(r);
  o.helo_name = "sender.test";
  return o;  // the default timeouts: five minutes and more
}

transport::Mail mail(const std::string& to) {
  return {{"news@example.org", to},
          std::make_shared<const std::string>(
              "From: news@example.org\r\nSubject: hi\r\n\r\nHello.\r\n")};
}

double seconds_since(std::chrono::steady_clock::time_point t) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t).count();
}

TEST(PoolStop, ARelayThatNeverGreetsIsCutAfterTheGrace) {
  std::uint16_t port = 0;
  const int listener = testing::listen_on_loopback("silent relay", port);  // never accepts
  auto pool = Pool::start(options_with_default_timeouts(port));
  ASSERT_TRUE(pool.ok()) << pool.error().message;
  Outcomes outcomes;
  (*pool)->submit_one(mail("a@example.net"), outcomes.slot(0));
  (*pool)->submit_one(mail("b@example.net"), outcomes.slot(1));
  std::this_thread::sleep_for(200ms);
  const auto began = std::chrono::steady_clock::now();
  (*pool)->stop_within(300ms);
  (*pool)->stop();
  EXPECT_LT(seconds_since(began), 3.0);
  ASSERT_TRUE(outcomes.wait(2, 1s));
  for (const auto& r : outcomes.results()) {
    EXPECT_EQ(r.kind, Kind::not_sent) << r.reply;  // nothing left: no attempt to count
  }
  // A message handed over after the cut is not sent either, at once.
  Outcomes late;
  (*pool)->submit_one(mail("c@example.net"), late.slot(0));
  ASSERT_TRUE(late.wait(1, 1s));
  EXPECT_EQ(late.results()[0].kind, Kind::not_sent);
  ::close(listener);
}

TEST(PoolStop, AMessageWhoseBodyLeftIsDeferredWhenCut) {
  // The reply to the final dot comes a byte every 10 s: under the 10-minute limit.
  testing::TricklingRelay relay(10s);
  auto pool = Pool::start(options_with_default_timeouts(relay.port()));
  ASSERT_TRUE(pool.ok()) << pool.error().message;
  Outcomes outcomes;
  (*pool)->submit_one(mail("a@example.net"), outcomes.slot(0));
  (*pool)->submit_one(mail("b@example.net"), outcomes.slot(1));
  for (int i = 0; i < 100 && relay.messages() == 0; ++i) std::this_thread::sleep_for(50ms);
  ASSERT_EQ(relay.messages(), 1);
  const auto began = std::chrono::steady_clock::now();
  (*pool)->stop_within(300ms);
  (*pool)->stop();
  EXPECT_LT(seconds_since(began), 3.0);
  ASSERT_TRUE(outcomes.wait(2, 1s));
  const auto results = outcomes.results();
  EXPECT_EQ(results[0].kind, Kind::deferred) << results[0].reply;  // it may have arrived
  EXPECT_THAT(results[0].reply, HasSubstr("shutting down"));
  EXPECT_EQ(results[1].kind, Kind::not_sent) << results[1].reply;
}

TEST(PoolStop, TheGraceLetsAWorkingRelayFinish) {
  testing::SmtpSink sink;
  auto pool = Pool::start(options_with_default_timeouts(sink.port()));
  ASSERT_TRUE(pool.ok()) << pool.error().message;
  Outcomes outcomes;
  (*pool)->stop_within(5s);
  for (std::size_t i = 0; i < 5; ++i) {
    (*pool)->submit_one(mail("r" + std::to_string(i) + "@example.net"), outcomes.slot(i));
  }
  ASSERT_TRUE(outcomes.wait(5, 5s));
  const auto began = std::chrono::steady_clock::now();
  (*pool)->stop();  // nothing left to cut: no waiting for the grace's end
  EXPECT_LT(seconds_since(began), 2.0);
  for (const auto& r : outcomes.results()) EXPECT_EQ(r.kind, Kind::delivered) << r.reply;
}

}  // namespace
}  // namespace broadsheet::smtp
