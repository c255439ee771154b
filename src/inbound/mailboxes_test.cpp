#include "inbound/mailboxes.hpp"

#include <gtest/gtest.h>

#include "links/token.hpp"

namespace broadsheet::inbound {
namespace {

const std::string kKey(32, 'k');

std::string return_path(std::string_view domain, Id reader = 7) {
  return links::return_path({links::ReturnKind::issue, reader, 3}, kKey, domain);
}

TEST(InboundMailboxes, TakesReturnPathsThatVerifyAndTheUnsubscribeMailboxes) {
  Config config;
  config.mail.from = "Morning Desk <desk@News.Example.net>";
  Newsletter other;
  other.from_address = "editor@other.example.org";
  const Mailboxes m = mailboxes_of(config, {other}, kKey);
  EXPECT_EQ(m.bounce_domains(),
            (std::vector<std::string>{"news.example.net", "other.example.org"}));
  EXPECT_TRUE(m.accepts(return_path("news.example.net")));
  EXPECT_TRUE(m.accepts(return_path("other.example.org")));
  std::string upper = return_path("NEWS.EXAMPLE.NET");
  for (char& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  EXPECT_TRUE(m.accepts(upper));  // MTAs may change the case
  EXPECT_FALSE(m.accepts(return_path("elsewhere.example.com")));
  std::string forged = return_path("news.example.net");
  forged[10] = forged[10] == '0' ? '1' : '0';
  EXPECT_FALSE(m.accepts(forged));
  EXPECT_FALSE(m.accepts("bounce+@news.example.net"));
  EXPECT_TRUE(m.accepts("unsubscribe@news.example.net"));
  EXPECT_TRUE(m.accepts("Unsubscribe+xyz@other.example.org"));
  EXPECT_FALSE(m.accepts("desk@news.example.net"));
  EXPECT_FALSE(m.accepts("postmaster@news.example.net"));
  EXPECT_FALSE(m.accepts("unsubscribe"));
  EXPECT_FALSE(m.accepts(""));
}

TEST(InboundMailboxes, ConfiguredDomainAndMailboxReplaceTheFromDomains) {
  Config config;
  config.mail.from = "desk@news.example.net";
  config.bounce.domain = "bounces.example.net";
  config.mail.unsubscribe_mailbox = "leave@lists.example.net";
  const Mailboxes m = mailboxes_of(config, {}, kKey);
  EXPECT_TRUE(m.accepts(return_path("bounces.example.net")));
  EXPECT_FALSE(m.accepts(return_path("news.example.net")));
  EXPECT_TRUE(m.accepts("leave@lists.example.net"));
  EXPECT_FALSE(m.accepts("unsubscribe@news.example.net"));
}

// The Bounces role as a fake: records what it is given, or fails like a busy store.
class FakeBounces : public store::Bounces {
 public:
  bool fail = false;
  std::vector<store::BounceEvent> events;
  Result<store::BounceRecord> record_bounce(const store::BounceEvent& e, const store::BouncePolicy&,
                                            UnixSeconds) override {
    if (fail) return make_error(Errc::database, "database is locked");
    events.push_back(e);
    return store::BounceRecord{false, "suppressed"};
  }
  Result<std::vector<store::BounceEventRow>> bounce_events_of_issue(Id, std::size_t) override {
    return std::vector<store::BounceEventRow>{};
  }
  Result<std::vector<store::BounceEventRow>> bounce_events_of_subscriber(Id, std::size_t) override {
    return std::vector<store::BounceEventRow>{};
  }
  Result<std::map<store::BounceKind, std::uint64_t>> bounce_totals() override {
    return std::map<store::BounceKind, std::uint64_t>{};
  }
  Result<std::vector<store::DomainCounts>> domain_counts_of_issue(Id, std::size_t) override {
    return std::vector<store::DomainCounts>{};
  }
};

// A DSN as the MTA hands it over: nothing in it names the return path but the envelope.
const std::string kDsn =
    "From: MAILER-DAEMON@mx.example.net\r\nSubject: Undelivered Mail Returned to Sender\r\n"
    "MIME-Version: 1.0\r\nContent-Type: multipart/report; report-type=delivery-status; "
    "boundary=\"B\"\r\n\r\n--B\r\nContent-Type: text/plain\r\n\r\nfailed\r\n--B\r\n"
    "Content-Type: message/delivery-status\r\n\r\nReporting-MTA: dns; mx.example.net\r\n\r\n"
    "Final-Recipient: rfc822; ann@example.net\r\nAction: failed\r\nStatus: 5.1.1\r\n\r\n--B--\r\n";

TEST(InboundDeliver, TheEnvelopeRecipientNamesTheDeliveryAndAStoreFailureAsksForARetry) {
  FakeBounces bounces;
  bounce::Settings settings;
  settings.link_key = kKey;
  FakeClock clock(1800000000);
  const std::string rcpt = return_path("news.example.net");
  EXPECT_EQ(deliver(rcpt, kDsn, bounces, settings, clock), Outcome::handled);
  ASSERT_EQ(bounces.events.size(), 1u);
  EXPECT_EQ(bounces.events[0].kind, store::BounceKind::hard);
  EXPECT_EQ(bounces.events[0].subscriber_id, 7);
  EXPECT_EQ(bounces.events[0].issue_id, std::optional<Id>(3));
  // Ignored (names nothing that verifies) is handled too: the MTA must not retry it.
  EXPECT_EQ(deliver("unsubscribe@news.example.net", kDsn, bounces, settings, clock),
            Outcome::handled);
  EXPECT_EQ(bounces.events.size(), 1u);
  bounces.fail = true;
  EXPECT_EQ(deliver(rcpt, kDsn, bounces, settings, clock), Outcome::retry_later);
}

}  // namespace
}  // namespace broadsheet::inbound
