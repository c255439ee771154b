// The pool against an aiosmtpd relay (testdata/relay.py): STARTTLS and TLS with a
// certificate made by openssl for the test, verification, AUTH PLAIN and LOGIN,
// SMTPUTF8, SIZE, RSET after a refused recipient, QUIT at stop, and batches over several
// connections.
#include <gmock/gmock.h>
#include <algorithm>
#include <condition_variable>
#include <mutex>
#include <gtest/gtest.h>

#include "smtp/smtp.hpp"
#include "smtp/test_servers.hpp"

namespace broadsheet::smtp {
namespace {

using namespace std::chrono_literals;
using testing::AioRelay;
using testing::Outcomes;
using ::testing::Contains;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using Kind = transport::DeliveryResult::Kind;

const std::string kMessage =
    "From: news@example.org\r\nTo: reader@example.net\r\nSubject: Morning Briefing\r\n\r\n"
    "Today's news.\r\n.and a line with a dot\r\n";

class PoolRelay : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    certs_ = new testing::TempDir;
    cert_ = testing::make_certificate(certs_->path());
    other_ = testing::make_certificate(certs_->path(), "other.test", "DNS:other.test");
  }
  static void TearDownTestSuite() {
    delete certs_;
    certs_ = nullptr;
  }

  PoolOptions options(const AioRelay& relay, TlsMode tls) {
    PoolOptions o;
    RelayOptions r;
    r.host = "127.0.0.1";
    r.port = relay.port();
    r.tls = tls;
    r.ca_file = cert_.cert.string();
    r.pool_size = 1;
    o.relays.push_back(r);
    o.helo_name = "sender.test";
    o.timeouts.connect = 3s;
    o.timeouts.mail = o.timeouts.rcpt = o.timeouts.data = 5s;
    o.timeouts.data_block = o.timeouts.data_end = 5s;
    return o;
  }

  std::vector<std::string> tls_flags(const char* mode) {
    return {"--tls", mode, "--cert", cert_.cert.string(), "--key", cert_.key.string()};
  }

  static std::vector<transport::DeliveryResult> send(PoolOptions o,
                                                     std::vector<transport::Envelope> envelopes,
                                                     const std::string& text = kMessage) {
    auto pool = Pool::start(std::move(o));
    EXPECT_TRUE(pool.ok()) << (pool.ok() ? "" : pool.error().message);
    if (!pool.ok()) return {};
    Outcomes outcomes;
    auto message = std::make_shared<const std::string>(text);
    for (std::size_t i = 0; i < envelopes.size(); ++i) {
      (*pool)->submit_one({envelopes[i], message}, outcomes.slot(i));
    }
    EXPECT_TRUE(outcomes.wait(envelopes.size()));
    (*pool)->stop();
    return outcomes.results();
  }

  // A relay this pool cannot use: the message is deferred with `why`, nothing arrives.
  static transport::DeliveryResult expect_deferred_at_set_up(PoolOptions o, const AioRelay& relay,
                                                             const std::string& why) {
    o.timeouts.connect = 1s;  // give up on the relay soon
    auto r = send(std::move(o), {transport::Envelope{"news@example.org", "reader@example.net"}});
    EXPECT_EQ(r.size(), 1u);
    if (r.empty()) return {};
    EXPECT_EQ(r[0].kind, Kind::deferred);
    EXPECT_EQ(r[0].code, 0);
    EXPECT_THAT(r[0].reply, HasSubstr(why));
    EXPECT_TRUE(relay.messages().empty());
    return r[0];
  }

  // A relay that refuses the configuration: every message is deferred at once (well
  // before the connect timeout) as a configuration failure with `why`.
  static transport::DeliveryResult expect_configuration_failure(PoolOptions o,
                                                                const AioRelay& relay,
                                                                const std::string& why) {
    o.timeouts.connect = 30s;  // not waited for
    const auto began = std::chrono::steady_clock::now();
    auto r = send(std::move(o), {transport::Envelope{"news@example.org", "reader@example.net"},
                                 transport::Envelope{"news@example.org", "other@example.net"}});
    EXPECT_LT(std::chrono::steady_clock::now() - began, 10s);
    EXPECT_EQ(r.size(), 2u);
    if (r.empty()) return {};
    for (const auto& x : r) {
      EXPECT_EQ(x.kind, Kind::deferred);
      EXPECT_TRUE(x.configuration) << x.reply;
      EXPECT_THAT(x.reply, HasSubstr(why));
    }
    EXPECT_TRUE(relay.messages().empty());
    return r[0];
  }

  static std::vector<Pool::RelayCheck> check(PoolOptions o) {
    const std::size_t expected = o.relays.size();
    auto pool = Pool::start(std::move(o));
    EXPECT_TRUE(pool.ok());
    if (!pool.ok()) return {};
    std::mutex mu;
    std::condition_variable cv;
    std::vector<Pool::RelayCheck> out;
    (*pool)->check_relays([&](const Pool::RelayCheck& c) {
      std::lock_guard lock(mu);
      out.push_back(c);
      cv.notify_all();
    });
    {
      std::unique_lock lock(mu);
      EXPECT_TRUE(cv.wait_for(lock, 20s, [&] { return out.size() == expected; }));
    }
    (*pool)->stop();
    return out;
  }

  static inline testing::TempDir* certs_ = nullptr;
  static inline testing::Certificate cert_, other_;
  const transport::Envelope reader_{"news@example.org", "reader@example.net"};
};

TEST_F(PoolRelay, StartTlsWithAVerifiedCertificateThenAuthPlain) {
  auto flags = tls_flags("starttls");
  flags.insert(flags.end(), {"--auth", "news:pa55word"});
  AioRelay relay(flags);
  auto o = options(relay, TlsMode::starttls);
  o.relays[0].username = "news";
  o.relays[0].password = "pa55word";
  auto r = send(o, {reader_});
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(r[0].kind, Kind::delivered) << r[0].reply;
  auto got = relay.messages();
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].env["tls"], "1");
  EXPECT_EQ(got[0].env["auth"], "news");
  EXPECT_EQ(got[0].env["rcpt_to"], "reader@example.net");
  EXPECT_EQ(got[0].content, kMessage);  // the dotted line arrives intact
  EXPECT_THAT(relay.events(), Contains("AUTH PLAIN ok"));
  // EHLO again after STARTTLS, as RFC 3207 asks.
  const auto events = relay.events();
  EXPECT_EQ(std::count(events.begin(), events.end(), "EHLO sender.test"), 2);
}

TEST_F(PoolRelay, AuthLoginWhenPlainIsNotOffered) {
  auto flags = tls_flags("starttls");
  flags.insert(flags.end(), {"--auth", "news:pa55word", "--auth-exclude", "PLAIN"});
  AioRelay relay(flags);
  auto o = options(relay, TlsMode::starttls);
  o.relays[0].username = "news";
  o.relays[0].password = "pa55word";
  auto r = send(o, {reader_});
  EXPECT_EQ(r[0].kind, Kind::delivered) << r[0].reply;
  EXPECT_THAT(relay.events(), Contains("AUTH LOGIN ok"));
}

TEST_F(PoolRelay, WrongPasswordDefersWithTheRelaysWords) {
  auto flags = tls_flags("starttls");
  flags.insert(flags.end(), {"--auth", "news:pa55word"});
  AioRelay relay(flags);
  auto o = options(relay, TlsMode::starttls);
  o.relays[0].username = "news";
  o.relays[0].password = "unguessable-password";
  auto r = expect_deferred_at_set_up(o, relay, "AUTH PLAIN refused: 535");
  EXPECT_THAT(r.reply, ::testing::Not(HasSubstr("unguessable")));  // never in a result
}

TEST_F(PoolRelay, TlsFromTheFirstByte) {
  AioRelay relay(tls_flags("tls"));
  auto r = send(options(relay, TlsMode::tls), {reader_});
  EXPECT_EQ(r[0].kind, Kind::delivered) << r[0].reply;
  ASSERT_EQ(relay.messages().size(), 1u);
  EXPECT_EQ(relay.messages()[0].env["tls"], "1");
}

TEST_F(PoolRelay, UntrustedCertificateIsRefusedUnlessVerifyIsOff) {
  AioRelay relay(tls_flags("tls"));
  auto o = options(relay, TlsMode::tls);
  o.relays[0].ca_file.clear();  // the system's roots do not know the test's certificate
  expect_deferred_at_set_up(o, relay, "TLS handshake failed");
  expect_deferred_at_set_up(o, relay, "self-signed certificate");

  o.relays[0].verify_certificate = false;
  auto r = send(o, {reader_});
  EXPECT_EQ(r[0].kind, Kind::delivered) << r[0].reply;
}

TEST_F(PoolRelay, CertificateForAnotherNameIsRefused) {
  AioRelay relay(
      {"--tls", "starttls", "--cert", other_.cert.string(), "--key", other_.key.string()});
  auto o = options(relay, TlsMode::starttls);
  o.relays[0].ca_file = other_.cert.string();  // trusted, but names other.test
  expect_deferred_at_set_up(o, relay, "TLS handshake failed");
}

TEST_F(PoolRelay, StartTlsRequiredButNotOffered) {
  AioRelay relay({});
  expect_deferred_at_set_up(options(relay, TlsMode::starttls), relay, "does not offer STARTTLS");
}

TEST_F(PoolRelay, ConfigurationFailuresDeferEveryMessageAtOnceNamingTheKey) {
  {
    AioRelay relay({});
    expect_configuration_failure(options(relay, TlsMode::starttls), relay,
                                 "does not offer STARTTLS: set smtp.tls = \"none\" or \"tls\"");
  }
  {
    AioRelay relay({"--auth", "news:pa55word"});
    auto o = options(relay, TlsMode::none);
    o.relays[0].username = "news";
    o.relays[0].password = "wrong-password";
    expect_configuration_failure(o, relay, "AUTH PLAIN refused: 535");
  }
  {
    AioRelay relay({});
    auto o = options(relay, TlsMode::none);
    o.relays[0].username = "news";  // credentials for a relay that offers no AUTH
    o.relays[0].password = "pa55word";
    expect_configuration_failure(o, relay, "does not offer AUTH PLAIN or LOGIN");
  }
  {
    AioRelay relay(tls_flags("tls"));
    auto o = options(relay, TlsMode::tls);
    o.relays[0].ca_file.clear();
    expect_configuration_failure(o, relay, "smtp.ca_file");
  }
}

TEST_F(PoolRelay, TheSenderRefusedIsAConfigurationFailure) {
  AioRelay relay({"--reject-sender", "*"});
  auto r = send(options(relay, TlsMode::none), {reader_});
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(r[0].kind, Kind::deferred);
  EXPECT_TRUE(r[0].configuration);
  EXPECT_EQ(r[0].code, 553);
  EXPECT_THAT(r[0].reply, HasSubstr("refuses the sender <news@example.org>: 553 5.7.1"));
  EXPECT_TRUE(relay.messages().empty());
}

TEST_F(PoolRelay, ARelayThatIsDownIsNotAConfigurationFailure) {
  AioRelay relay({});
  auto o = options(relay, TlsMode::none);
  o.relays[0].port = testing::free_port();
  auto r = expect_deferred_at_set_up(o, relay, "cannot connect");
  EXPECT_FALSE(r.configuration);
}

TEST_F(PoolRelay, ACheckSaysWhatEachRelayOffersOrWhyNot) {
  auto flags = tls_flags("starttls");
  flags.insert(flags.end(), {"--auth", "news:pa55word"});
  AioRelay good(flags);
  AioRelay plain({});
  auto o = options(good, TlsMode::starttls);
  o.relays[0].username = "news";
  o.relays[0].password = "pa55word";
  RelayOptions second = o.relays[0];
  second.port = plain.port();
  second.listed = true;
  o.relays.push_back(second);
  RelayOptions down = o.relays[0];
  down.port = testing::free_port();
  o.relays.push_back(down);
  auto checks = check(o);
  ASSERT_EQ(checks.size(), 3u);
  std::sort(checks.begin(), checks.end(),
            [](const auto& a, const auto& b) { return a.relay < b.relay; });
  for (const auto& c : checks) {
    if (c.relay == "127.0.0.1:" + std::to_string(good.port())) {
      EXPECT_TRUE(c.ok) << c.what;
      EXPECT_THAT(c.what, HasSubstr("ready: STARTTLS (certificate verified), AUTH as news"));
    } else if (c.relay == "127.0.0.1:" + std::to_string(plain.port())) {
      EXPECT_FALSE(c.ok);
      EXPECT_TRUE(c.configuration);
      EXPECT_THAT(c.what, HasSubstr("does not offer STARTTLS: set its mode in smtp.relays"));
    } else {
      EXPECT_FALSE(c.ok);
      EXPECT_FALSE(c.configuration);
      EXPECT_THAT(c.what, HasSubstr("cannot connect"));
    }
  }
  EXPECT_TRUE(good.messages().empty());
  EXPECT_THAT(good.events(), Contains("QUIT"));
}

TEST_F(PoolRelay, Smtputf8WhenTheAddressNeedsIt) {
  const transport::Envelope utf8{"news@example.org",
                                 "le\xc3\xa7on@\xc3\xa9"
                                 "cole.example"};
  {
    AioRelay relay({"--smtputf8"});
    auto r = send(options(relay, TlsMode::none), {utf8, reader_});
    EXPECT_EQ(r[0].kind, Kind::delivered) << r[0].reply;
    EXPECT_EQ(r[1].kind, Kind::delivered) << r[1].reply;
    auto got = relay.messages();
    ASSERT_EQ(got.size(), 2u);
    EXPECT_EQ(got[0].env["rcpt_to"], utf8.rcpt_to);
    EXPECT_EQ(got[0].env["mail_options"], "SMTPUTF8");
    EXPECT_EQ(got[1].env["mail_options"], "");  // only when needed
  }
  {
    AioRelay relay({});  // no SMTPUTF8
    auto r = send(options(relay, TlsMode::none), {utf8});
    EXPECT_EQ(r[0].kind, Kind::failed);
    EXPECT_EQ(r[0].code, 0);
    EXPECT_THAT(r[0].reply, HasSubstr("SMTPUTF8"));
    EXPECT_TRUE(relay.messages().empty());
  }
}

TEST_F(PoolRelay, SizeIsDeclaredAndItsLimitKept) {
  AioRelay relay({"--size", "1000"});
  const std::string big = kMessage + std::string(2000, 'x') + "\r\n";
  auto pool = Pool::start(options(relay, TlsMode::none));
  ASSERT_TRUE(pool.ok());
  Outcomes outcomes;
  (*pool)->submit_one({reader_, std::make_shared<const std::string>(big)}, outcomes.slot(0));
  (*pool)->submit_one({reader_, std::make_shared<const std::string>(kMessage)}, outcomes.slot(1));
  ASSERT_TRUE(outcomes.wait(2));
  (*pool)->stop();
  auto r = outcomes.results();
  EXPECT_EQ(r[0].kind, Kind::failed);
  EXPECT_THAT(r[0].reply, HasSubstr("larger than the relay's limit of 1000 bytes"));
  EXPECT_EQ(r[1].kind, Kind::delivered) << r[1].reply;
  auto got = relay.messages();
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].env["mail_options"], "SIZE=" + std::to_string(kMessage.size() + 1));
}

// About 2,300 bytes in lines of 72 (the relay refuses lines over 1,000).
std::string long_message() {
  std::string text = kMessage;
  for (int i = 0; i < 30; ++i) text += std::string(70, 'x') + "\r\n";
  return text;
}

TEST_F(PoolRelay, AMessageTooLargeForOneRelayGoesToAnother) {
  AioRelay small({"--size", "1000"}), large({"--size", "100000"});
  auto o = options(small, TlsMode::none);
  RelayOptions second = o.relays[0];
  second.port = large.port();
  o.relays.push_back(second);
  const std::string big = long_message();
  // Four messages: round robin offers two of them to the small relay first.
  auto r = send(o, std::vector<transport::Envelope>(4, reader_), big);
  ASSERT_EQ(r.size(), 4u);
  for (const auto& x : r) EXPECT_EQ(x.kind, Kind::delivered) << x.reply;
  EXPECT_TRUE(small.messages().empty());
  EXPECT_EQ(large.messages().size(), 4u);
}

TEST_F(PoolRelay, AMessageTooLargeForEveryRelayFailsNamingEachLimit) {
  AioRelay first({"--size", "1000"}), second({"--size", "1500"});
  auto o = options(first, TlsMode::none);
  RelayOptions other = o.relays[0];
  other.port = second.port();
  o.relays.push_back(other);
  const std::string big = long_message();
  auto r = send(o, {reader_}, big);
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(r[0].kind, Kind::failed);
  EXPECT_THAT(r[0].reply, HasSubstr("larger than every relay's limit (SIZE)"));
  EXPECT_THAT(r[0].reply, HasSubstr(":" + std::to_string(first.port()) + " 1000 bytes"));
  EXPECT_THAT(r[0].reply, HasSubstr(":" + std::to_string(second.port()) + " 1500 bytes"));
  EXPECT_TRUE(first.messages().empty());
  EXPECT_TRUE(second.messages().empty());
}

class PoolRelayPipelining : public PoolRelay, public ::testing::WithParamInterface<bool> {};

TEST_P(PoolRelayPipelining, RsetAfterARefusedRecipient) {
  std::vector<std::string> flags = {"--reject-rcpt", "gone@example.net"};
  if (GetParam()) flags.push_back("--pipelining");
  AioRelay relay(flags);
  auto r = send(options(relay, TlsMode::none),
                {{"news@example.org", "gone@example.net"}, reader_, reader_});
  ASSERT_EQ(r.size(), 3u);
  EXPECT_EQ(r[0].kind, Kind::failed);
  EXPECT_EQ(r[0].code, 550);
  EXPECT_THAT(r[0].reply, HasSubstr("no such user (in reply to RCPT TO)"));
  EXPECT_EQ(r[1].kind, Kind::delivered) << r[1].reply;
  EXPECT_EQ(r[2].kind, Kind::delivered) << r[2].reply;
  // One session: the refused transaction is reset before the next MAIL; QUIT at stop.
  EXPECT_THAT(
      relay.events(),
      ElementsAre("EHLO sender.test", "MAIL news@example.org", "RCPT gone@example.net refused",
                  "RSET", "MAIL news@example.org", "MAIL news@example.org", "QUIT"));
  EXPECT_EQ(relay.messages().size(), 2u);
}

INSTANTIATE_TEST_SUITE_P(WithAndWithout, PoolRelayPipelining, ::testing::Bool());

// A batch (the mail queue's sign-up emails) goes out over every connection the relay
// allows, not one message after another, and each result comes back at its index.
TEST_F(PoolRelay, SendsABatchOverSeveralConnectionsAndWaits) {
  AioRelay relay({});
  testing::RecordingProxy proxy(relay.port());
  auto o = options(relay, TlsMode::none);
  o.relays[0].port = proxy.port();
  o.relays[0].pool_size = 3;
  auto pool = Pool::start(o);
  ASSERT_TRUE(pool.ok());
  std::vector<transport::Mail> batch;
  auto message = std::make_shared<const std::string>(kMessage);
  for (int i = 0; i < 12; ++i) {
    batch.push_back({{"news@example.org", "reader" + std::to_string(i) + "@example.net"}, message});
  }
  batch[5].envelope.rcpt_to = "two words@example.net";  // refused alone, at its index
  auto results = transport::send_and_wait(**pool, std::move(batch));
  ASSERT_EQ(results.size(), 12u);
  for (std::size_t i = 0; i < results.size(); ++i) {
    if (i == 5) {
      EXPECT_EQ(results[i].kind, Kind::failed);
      continue;
    }
    EXPECT_EQ(results[i].kind, Kind::delivered) << results[i].reply;
    EXPECT_EQ(results[i].code, 250);
  }
  EXPECT_EQ(relay.messages().size(), 11u);
  EXPECT_GT(proxy.connections(), 1) << "the batch went over one connection";
}

}  // namespace
}  // namespace broadsheet::smtp
