// The pool against Postfix's smtp-sink: delivery, pipelining on the wire, dot-stuffing,
// refusals injected by smtp-sink's options, disconnects, slow replies, a relay that is
// down, weights and connection reuse.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "smtp/smtp.hpp"
#include "smtp/test_servers.hpp"

namespace broadsheet::smtp {
namespace {

using namespace std::chrono_literals;
using testing::Outcomes;
using testing::RecordingProxy;
using testing::SmtpSink;
using ::testing::HasSubstr;
using Kind = transport::DeliveryResult::Kind;

std::shared_ptr<const std::string> message(const std::string& subject,
                                           const std::string& body = "Hello.\r\n") {
  return std::make_shared<const std::string>(
      "From: news@example.org\r\nTo: reader@example.net\r\n"
      "Subject: " +
      subject + "\r\n\r\n" + body);
}

PoolOptions options_for(std::uint16_t port, int pool_size = 2) {
  PoolOptions o;
  RelayOptions r;
  r.host = "127.0.0.1";
  r.port = port;
  r.pool_size = pool_size;
  o.relays.push_back(r);
  o.helo_name = "sender.test";
  o.timeouts.connect = 5s;
  o.timeouts.mail = o.timeouts.rcpt = o.timeouts.data = 5s;
  o.timeouts.data_block = o.timeouts.data_end = 5s;
  return o;
}

std::unique_ptr<Pool> start(PoolOptions o) {
  auto pool = Pool::start(std::move(o));
  EXPECT_TRUE(pool.ok()) << (pool.ok() ? "" : pool.error().message);
  return std::move(*pool);
}

// Sends `n` messages at once and returns their results.
std::vector<transport::DeliveryResult> send(Pool& pool, int n,
                                            const std::string& body = "Hello.\r\n") {
  Outcomes outcomes;
  for (int i = 0; i < n; ++i) {
    pool.submit_one({{"news@example.org", "reader" + std::to_string(i) + "@example.net"},
                     message("message " + std::to_string(i), body)},
                    outcomes.slot(i));
  }
  EXPECT_TRUE(outcomes.wait(n));
  return outcomes.results();
}

bool contains_in_one_chunk(const std::vector<std::string>& chunks,
                           std::initializer_list<const char*> parts) {
  for (const auto& chunk : chunks) {
    bool all = true;
    for (const char* p : parts) all = all && chunk.find(p) != std::string::npos;
    if (all) return true;
  }
  return false;
}

TEST(PoolSink, DeliversOverFewConnectionsKeptOpen) {
  SmtpSink sink;
  RecordingProxy proxy(sink.port());
  auto pool = start(options_for(proxy.port(), 2));
  for (const auto& r : send(*pool, 20)) {
    EXPECT_EQ(r.kind, Kind::delivered) << r.reply;
    EXPECT_EQ(r.code, 250);
    EXPECT_THAT(r.reply, HasSubstr("(in reply to end of data)"));
  }
  // A second batch reuses the open connections.
  for (const auto& r : send(*pool, 10)) EXPECT_EQ(r.kind, Kind::delivered) << r.reply;
  pool->stop();
  EXPECT_LE(proxy.connections(), 2);
  auto got = sink.messages();
  ASSERT_EQ(got.size(), 30u);
  EXPECT_EQ(got[0].info["X-Client-Proto"], "ESMTP");
  EXPECT_EQ(got[0].info["X-Helo-Args"], "sender.test");
  EXPECT_THAT(got[0].info["X-Mail-Args"], HasSubstr("<news@example.org>"));
  EXPECT_THAT(got[0].message, HasSubstr("Hello.\n"));
  // QUIT closed every session.
  EXPECT_TRUE(contains_in_one_chunk(proxy.client_chunks(), {"QUIT\r\n"}));
}

TEST(PoolSink, ManyMessagesOverTwoThreadsAndTwoRelays) {
  SmtpSink a, b;
  auto o = options_for(a.port(), 4);
  RelayOptions second = o.relays[0];
  second.port = b.port();
  o.relays.push_back(second);
  o.threads = 2;
  auto pool = start(o);
  Outcomes outcomes;
  // Submitted from several threads at once, while earlier ones complete.
  std::vector<std::thread> submitters;
  for (int t = 0; t < 4; ++t) {
    submitters.emplace_back([&, t] {
      for (int i = 0; i < 100; ++i) {
        const int n = t * 100 + i;
        pool->submit_one({{"news@example.org", "reader" + std::to_string(n) + "@example.net"},
                          message("m" + std::to_string(n))},
                         outcomes.slot(n));
      }
    });
  }
  for (auto& t : submitters) t.join();
  ASSERT_TRUE(outcomes.wait(400, 60s));
  pool->stop();
  for (const auto& r : outcomes.results()) EXPECT_EQ(r.kind, Kind::delivered) << r.reply;
  EXPECT_EQ(a.count(), 200u);
  EXPECT_EQ(b.count(), 200u);
}

TEST(PoolSink, PipelinesWhenOffered) {
  SmtpSink sink;  // offers PIPELINING
  RecordingProxy proxy(sink.port());
  auto pool = start(options_for(proxy.port(), 1));
  for (const auto& r : send(*pool, 5)) EXPECT_EQ(r.kind, Kind::delivered) << r.reply;
  pool->stop();
  auto chunks = proxy.client_chunks();
  // MAIL, RCPT and DATA left in one write ...
  EXPECT_TRUE(contains_in_one_chunk(chunks, {"MAIL FROM:", "RCPT TO:", "DATA\r\n"}));
  // ... and the next message's envelope went right behind a final dot.
  EXPECT_TRUE(contains_in_one_chunk(chunks, {"\r\n.\r\nMAIL FROM:", "RCPT TO:", "DATA\r\n"}));
  EXPECT_EQ(sink.count(), 5u);
}

TEST(PoolSink, WaitsForEachReplyWithoutPipelining) {
  SmtpSink sink({"-p"});  // PIPELINING not offered
  RecordingProxy proxy(sink.port());
  auto pool = start(options_for(proxy.port(), 1));
  for (const auto& r : send(*pool, 3)) EXPECT_EQ(r.kind, Kind::delivered) << r.reply;
  pool->stop();
  auto chunks = proxy.client_chunks();
  EXPECT_TRUE(contains_in_one_chunk(chunks, {"MAIL FROM:"}));
  EXPECT_FALSE(contains_in_one_chunk(chunks, {"MAIL FROM:", "RCPT TO:"}));
  EXPECT_FALSE(contains_in_one_chunk(chunks, {"RCPT TO:", "DATA\r\n"}));
  EXPECT_EQ(sink.count(), 3u);
}

TEST(PoolSink, DotStuffedLinesArriveIntact) {
  SmtpSink sink;
  auto pool = start(options_for(sink.port(), 1));
  const std::string body = ".hidden line\r\n..two dots\r\n.\r\nmiddle. of a line\r\n.";
  auto results = send(*pool, 1, body);
  ASSERT_EQ(results[0].kind, Kind::delivered) << results[0].reply;
  pool->stop();
  auto got = sink.messages();
  ASSERT_EQ(got.size(), 1u);
  EXPECT_THAT(got[0].message, HasSubstr("\n\n.hidden line\n..two dots\n.\nmiddle. of a line\n.\n"));
}

TEST(PoolSink, EightBitBodyAsksFor8BitMime) {
  SmtpSink sink;
  auto pool = start(options_for(sink.port(), 1));
  auto results = send(*pool, 1,
                      "Gr\xc3\xbc\xc3\x9f"
                      "e\r\n");
  ASSERT_EQ(results[0].kind, Kind::delivered) << results[0].reply;
  auto plain = send(*pool, 1, "plain\r\n");
  ASSERT_EQ(plain[0].kind, Kind::delivered) << plain[0].reply;
  pool->stop();
  auto got = sink.messages();
  ASSERT_EQ(got.size(), 2u);
  int with = 0;
  for (auto& m : got) with += m.info["X-Mail-Args"].find("BODY=8BITMIME") != std::string::npos;
  EXPECT_EQ(with, 1);
}

TEST(PoolSink, FallsBackToHeloWhenEhloIsRefused) {
  SmtpSink sink({"-e"});  // no ESMTP: EHLO gets 500
  auto pool = start(options_for(sink.port(), 1));
  for (const auto& r : send(*pool, 2)) EXPECT_EQ(r.kind, Kind::delivered) << r.reply;
  pool->stop();
  auto got = sink.messages();
  ASSERT_EQ(got.size(), 2u);
  EXPECT_EQ(got[0].info["X-Client-Proto"], "SMTP");
  EXPECT_EQ(got[0].info["X-Helo-Args"], "sender.test");
}

TEST(PoolSink, PermanentRefusalAtRcptFails) {
  SmtpSink sink({"-f", "RCPT"});
  auto pool = start(options_for(sink.port(), 1));
  auto results = send(*pool, 3);
  for (const auto& r : results) {
    EXPECT_EQ(r.kind, Kind::failed) << r.reply;
    EXPECT_EQ(r.code, 500);
    EXPECT_THAT(r.reply, HasSubstr("(in reply to RCPT TO)"));
  }
}

TEST(PoolSink, TemporaryRefusalAtRcptDefers) {
  SmtpSink sink({"-r", "RCPT"});
  auto pool = start(options_for(sink.port(), 1));
  for (const auto& r : send(*pool, 2)) {
    EXPECT_EQ(r.kind, Kind::deferred) << r.reply;
    EXPECT_EQ(r.code, 450);
    EXPECT_THAT(r.reply, HasSubstr("450 4.3.0"));
  }
}

TEST(PoolSink, RefusalsAtMailAndAtTheFinalDot) {
  {
    SmtpSink sink({"-r", "MAIL"});
    auto pool = start(options_for(sink.port(), 1));
    auto r = send(*pool, 1)[0];
    EXPECT_EQ(r.kind, Kind::deferred);
    EXPECT_THAT(r.reply, HasSubstr("(in reply to MAIL FROM)"));
  }
  {
    SmtpSink sink({"-f", "."});
    auto pool = start(options_for(sink.port(), 1));
    auto r = send(*pool, 2);
    EXPECT_EQ(r[0].kind, Kind::failed);
    EXPECT_THAT(r[0].reply, HasSubstr("(in reply to end of data)"));
    EXPECT_EQ(r[1].kind, Kind::failed);  // the connection goes on after a refused message
  }
}

TEST(PoolSink, ClosingReplyDefers) {
  SmtpSink sink({"-Q", "RCPT"});  // 421 and hang up
  auto pool = start(options_for(sink.port(), 1));
  auto r = send(*pool, 1)[0];
  EXPECT_EQ(r.kind, Kind::deferred) << r.reply;
  EXPECT_EQ(r.code, 421);
}

TEST(PoolSink, DisconnectAfterDataDefers) {
  SmtpSink sink({"-q", "DATA"});  // hangs up without a reply
  auto pool = start(options_for(sink.port(), 1));
  auto r = send(*pool, 1)[0];
  EXPECT_EQ(r.kind, Kind::deferred) << r.reply;
  EXPECT_EQ(r.code, 0);
  EXPECT_THAT(r.reply, HasSubstr("connection closed by the relay"));
  EXPECT_THAT(r.reply, HasSubstr("DATA"));
}

TEST(PoolSink, DisconnectAfterTheFinalDotDefers) {
  SmtpSink sink({"-q", "."});
  auto pool = start(options_for(sink.port(), 1));
  auto r = send(*pool, 1)[0];
  EXPECT_EQ(r.kind, Kind::deferred) << r.reply;
  EXPECT_THAT(r.reply, HasSubstr("end of data"));
}

TEST(PoolSink, SlowReplyTimesOutAndDefers) {
  // Without pipelining: smtp-sink -W answers a pipelined DATA before the delayed RCPT.
  SmtpSink sink({"-p", "-W", "rcpt:4"});
  auto o = options_for(sink.port(), 1);
  o.timeouts.rcpt = 500ms;
  auto pool = start(o);
  const auto began = std::chrono::steady_clock::now();
  auto r = send(*pool, 1)[0];
  EXPECT_EQ(r.kind, Kind::deferred) << r.reply;
  EXPECT_EQ(r.code, 0);
  EXPECT_THAT(r.reply, HasSubstr("timeout after 0.5 s waiting for the reply to RCPT TO"));
  // Tried once more on a fresh connection, as its body was never sent.
  EXPECT_LT(std::chrono::steady_clock::now() - began, 3s);
}

TEST(PoolSink, RelayDownAtFirstIsReconnected) {
  const auto port = testing::free_port();
  auto pool = start(options_for(port, 1));
  Outcomes outcomes;
  pool->submit_one({{"news@example.org", "reader@example.net"}, message("early")},
                   outcomes.slot(0));
  std::this_thread::sleep_for(1s);
  EXPECT_EQ(outcomes.count(), 0u);  // still waiting for the relay
  SmtpSink sink({}, port);
  ASSERT_TRUE(outcomes.wait(1, 15s));
  EXPECT_EQ(outcomes.results()[0].kind, Kind::delivered) << outcomes.results()[0].reply;
  pool->stop();
  EXPECT_EQ(sink.count(), 1u);
}

TEST(PoolSink, RelayThatStaysDownDefersAfterTheConnectTimeout) {
  auto o = options_for(testing::free_port(), 1);
  o.timeouts.connect = 1s;
  auto pool = start(o);
  auto r = send(*pool, 2);
  for (const auto& x : r) {
    EXPECT_EQ(x.kind, Kind::deferred);
    EXPECT_EQ(x.code, 0);
    EXPECT_THAT(x.reply, HasSubstr("no connection"));
    EXPECT_THAT(x.reply, HasSubstr("refused"));
  }
}

TEST(PoolSink, WeightsShareTheMessages) {
  SmtpSink heavy, light;
  auto o = options_for(heavy.port(), 2);
  o.relays[0].weight = 3;
  RelayOptions second = o.relays[0];
  second.port = light.port();
  second.weight = 1;
  o.relays.push_back(second);
  auto pool = start(o);
  for (const auto& r : send(*pool, 40)) EXPECT_EQ(r.kind, Kind::delivered) << r.reply;
  pool->stop();
  EXPECT_EQ(heavy.count(), 30u);
  EXPECT_EQ(light.count(), 10u);
}

TEST(PoolSink, MessagesGoToTheRelayThatIsUp) {
  SmtpSink up;
  auto o = options_for(testing::free_port(), 2);  // nobody listens there
  RelayOptions second = o.relays[0];
  second.port = up.port();
  o.relays.push_back(second);
  auto pool = start(o);
  for (const auto& r : send(*pool, 10)) EXPECT_EQ(r.kind, Kind::delivered) << r.reply;
  pool->stop();
  EXPECT_EQ(up.count(), 10u);
}

TEST(PoolSink, ARelayThatComesBackGetsItsShareAgain) {
  SmtpSink up;
  const auto port = testing::free_port();
  auto o = options_for(port, 2);
  RelayOptions second = o.relays[0];
  second.port = up.port();
  o.relays.push_back(second);
  auto pool = start(o);
  for (const auto& r : send(*pool, 10)) EXPECT_EQ(r.kind, Kind::delivered) << r.reply;
  EXPECT_EQ(up.count(), 10u);
  SmtpSink back({}, port);
  for (const auto& r : send(*pool, 10)) EXPECT_EQ(r.kind, Kind::delivered) << r.reply;
  std::this_thread::sleep_for(1s);  // the probe finds it up
  for (const auto& r : send(*pool, 20)) EXPECT_EQ(r.kind, Kind::delivered) << r.reply;
  pool->stop();
  EXPECT_GE(back.count(), 5u);
  EXPECT_EQ(back.count() + up.count(), 40u);
}

TEST(PoolSink, OpensANewConnectionAfterMessagesPerConnection) {
  SmtpSink sink;
  RecordingProxy proxy(sink.port());
  auto o = options_for(proxy.port(), 1);
  o.relays[0].messages_per_connection = 2;
  auto pool = start(o);
  for (const auto& r : send(*pool, 6)) EXPECT_EQ(r.kind, Kind::delivered) << r.reply;
  pool->stop();
  EXPECT_EQ(proxy.connections(), 3);
  EXPECT_EQ(sink.count(), 6u);
}

TEST(PoolSink, IdleConnectionsAreClosed) {
  SmtpSink sink;
  RecordingProxy proxy(sink.port());
  auto o = options_for(proxy.port(), 1);
  o.timeouts.idle = 300ms;
  auto pool = start(o);
  auto first = send(*pool, 1)[0];
  EXPECT_EQ(first.kind, Kind::delivered) << first.reply;
  std::this_thread::sleep_for(800ms);
  EXPECT_TRUE(contains_in_one_chunk(proxy.client_chunks(), {"QUIT\r\n"}));
  auto second = send(*pool, 1)[0];  // on a new connection
  EXPECT_EQ(second.kind, Kind::delivered) << second.reply;
  EXPECT_EQ(proxy.connections(), 2);
}

TEST(PoolSink, RefusesABrokenEnvelopeWithoutAConnection) {
  SmtpSink sink;
  RecordingProxy proxy(sink.port());
  auto pool = start(options_for(proxy.port(), 1));
  Outcomes outcomes;
  pool->submit_one({{"news@example.org", "a@b.net>\r\nRCPT TO:<c@d.net"}, message("x")},
                   outcomes.slot(0));
  ASSERT_TRUE(outcomes.wait(1));
  EXPECT_EQ(outcomes.results()[0].kind, Kind::failed);
  EXPECT_EQ(proxy.connections(), 0);
}

TEST(PoolSink, StopGivesBackWhatIsQueuedAndLaterSubmitsAsNotSent) {
  const auto port = testing::free_port();  // nothing there: the messages stay queued
  auto pool = start(options_for(port, 1));
  Outcomes outcomes;
  pool->submit_one({{"news@example.org", "reader@example.net"}, message("queued")},
                   outcomes.slot(0));
  pool->stop();
  ASSERT_EQ(outcomes.count(), 1u);
  EXPECT_EQ(outcomes.results()[0].kind, Kind::not_sent);  // no attempt: nothing left
  pool->submit_one({{"news@example.org", "reader@example.net"}, message("late")}, outcomes.slot(1));
  ASSERT_EQ(outcomes.count(), 2u);
  EXPECT_EQ(outcomes.results()[1].kind, Kind::not_sent);
}

TEST(PoolOptionsCheck, RefusesUnusableOptions) {
  EXPECT_FALSE(Pool::start(PoolOptions{}).ok());
  auto o = options_for(25);
  o.relays[0].pool_size = 0;
  auto r = Pool::start(o);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, Errc::config);
  o = options_for(25);
  o.relays[0].tls = TlsMode::starttls;
  o.relays[0].ca_file = "/nonexistent/ca.pem";
  EXPECT_FALSE(Pool::start(o).ok());
}

}  // namespace
}  // namespace broadsheet::smtp
