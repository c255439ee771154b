#include "inbound/session.hpp"

#include <gtest/gtest.h>

namespace broadsheet::inbound {
namespace {

Session make(std::size_t max_bytes = 1000) {
  Limits limits;
  limits.max_message_bytes = max_bytes;
  limits.max_recipients = 3;
  return Session("bounces.example.net", limits,
                 Hooks{[](std::string_view a) { return a.starts_with("bounce+"); }});
}

// Feeds lines; returns the replies, concatenated.
std::string feed(Session& s, std::initializer_list<std::string_view> lines) {
  std::string out;
  for (auto l : lines) out += s.on_line(l).reply;
  return out;
}

TEST(InboundSession, LmtpGivesOneReplyPerRecipientAfterData) {
  Session s = make();
  EXPECT_EQ(s.greeting().substr(0, 4), "220 ");
  const std::string lhlo = s.on_line("LHLO mx.example.net").reply;
  EXPECT_NE(lhlo.find("250-PIPELINING\r\n"), std::string::npos);
  EXPECT_NE(lhlo.find("250-ENHANCEDSTATUSCODES\r\n"), std::string::npos);
  EXPECT_NE(lhlo.find("250 SIZE 1000\r\n"), std::string::npos);
  EXPECT_EQ(feed(s, {"MAIL FROM:<>", "RCPT TO:<bounce+a@x>", "RCPT TO:<bounce+b@x>",
                     "RCPT TO:<someone@x>"}),
            "250 2.1.0 OK\r\n250 2.1.5 OK\r\n250 2.1.5 OK\r\n"
            "550 5.1.1 <someone@x>: Recipient address rejected: not a bounce or unsubscribe "
            "address of this server\r\n");
  EXPECT_EQ(s.on_line("DATA").reply.substr(0, 4), "354 ");
  EXPECT_FALSE(s.on_line("Subject: hi\r").deliver);
  EXPECT_FALSE(s.on_line("").deliver);
  EXPECT_FALSE(s.on_line("..a dot").deliver);
  EXPECT_TRUE(s.in_data());
  Step end = s.on_line(".");
  ASSERT_TRUE(end.deliver);
  EXPECT_EQ(end.reply, "");
  EXPECT_EQ(end.deliver->mail_from, "");
  EXPECT_EQ(end.deliver->recipients, (std::vector<std::string>{"bounce+a@x", "bounce+b@x"}));
  EXPECT_EQ(end.deliver->message, "Subject: hi\r\n\r\n.a dot\r\n");
  // No command is taken while the delivery runs.
  EXPECT_EQ(s.on_line("NOOP").reply.substr(0, 4), "503 ");
  EXPECT_EQ(s.delivered({Outcome::handled, Outcome::retry_later}).reply,
            "250 2.0.0 OK, handled\r\n451 4.3.0 Error: could not be stored, try again later\r\n");
  // The next transaction starts afresh.
  EXPECT_EQ(feed(s, {"MAIL FROM:<>"}), "250 2.1.0 OK\r\n");
  Step quit = s.on_line("QUIT");
  EXPECT_EQ(quit.reply, "221 2.0.0 Bye\r\n");
  EXPECT_TRUE(quit.close);
}

TEST(InboundSession, SmtpGivesOneReplyForTheMessage) {
  Session s = make();
  EXPECT_EQ(s.on_line("HELO mx").reply, "250 bounces.example.net\r\n");
  feed(s, {"MAIL FROM:<MAILER-DAEMON@x> BODY=8BITMIME", "RCPT TO:<bounce+a@x>",
           "RCPT TO:<bounce+b@x>", "DATA", "x"});
  ASSERT_TRUE(s.on_line(".").deliver);
  EXPECT_EQ(s.delivered({Outcome::handled, Outcome::handled}).reply, "250 2.0.0 OK, handled\r\n");
  feed(s, {"MAIL FROM:<>", "RCPT TO:<bounce+a@x>", "DATA", "x"});
  ASSERT_TRUE(s.on_line(".").deliver);
  EXPECT_EQ(s.delivered({Outcome::retry_later}).reply.substr(0, 10), "451 4.3.0 ");
}

TEST(InboundSession, SizeIsAdvertisedAndEnforced) {
  Session s = make(100);
  s.on_line("EHLO mx");
  EXPECT_EQ(s.on_line("MAIL FROM:<> SIZE=101").reply.substr(0, 10), "552 5.3.4 ");
  EXPECT_EQ(s.on_line("MAIL FROM:<> SIZE=100").reply, "250 2.1.0 OK\r\n");
  feed(s, {"RCPT TO:<bounce+a@x>", "DATA"});
  for (int i = 0; i < 20; ++i) EXPECT_FALSE(s.on_line("0123456789").deliver);
  Step end = s.on_line(".");
  EXPECT_FALSE(end.deliver);
  EXPECT_EQ(end.reply.substr(0, 10), "552 5.3.4 ");
  // Under LMTP, one 552 per recipient.
  Session l = make(10);
  feed(l, {"LHLO mx", "MAIL FROM:<>", "RCPT TO:<bounce+a@x>", "RCPT TO:<bounce+b@x>", "DATA",
           "0123456789012"});
  EXPECT_EQ(l.on_line(".").reply,
            "552 5.3.4 Message size exceeds fixed limit\r\n552 5.3.4 Message size exceeds fixed "
            "limit\r\n");
}

TEST(InboundSession, CommandsOutOfOrderAndGarbageAreRefused) {
  Session s = make();
  EXPECT_EQ(s.on_line("MAIL FROM:<>").reply.substr(0, 4), "503 ");
  EXPECT_EQ(s.on_line("LHLO").reply.substr(0, 4), "501 ");
  s.on_line("LHLO mx");
  EXPECT_EQ(s.on_line("RCPT TO:<bounce+a@x>").reply.substr(0, 4), "503 ");
  EXPECT_EQ(s.on_line("DATA").reply.substr(0, 4), "503 ");
  EXPECT_EQ(s.on_line("MAIL FROM:nobracket@x").reply.substr(0, 4), "501 ");
  s.on_line("MAIL FROM:<>");
  EXPECT_EQ(s.on_line("MAIL FROM:<>").reply.substr(0, 4), "503 ");
  EXPECT_EQ(s.on_line("DATA").reply.substr(0, 4), "554 ");  // no valid recipient
  EXPECT_EQ(s.on_line("STARTTLS").reply.substr(0, 4), "502 ");
  EXPECT_EQ(s.on_line(std::string(1200, 'A')).reply.substr(0, 4), "500 ");
  EXPECT_EQ(s.on_line("VRFY root").reply.substr(0, 4), "252 ");
  // A recipient with control characters is refused, and the reply never echoes them.
  Session t = make();
  feed(t, {"LHLO mx", "MAIL FROM:<>"});
  const std::string r = t.on_line(std::string("RCPT TO:<a\x01b@x>")).reply;
  EXPECT_EQ(r.substr(0, 4), "501 ");
  // Too many errors end the session.
  Step last;
  for (int i = 2; i < kMaxErrors; ++i) {  // the bad RCPT was the first error
    last = t.on_line("XYZZY");
    EXPECT_FALSE(last.close);
  }
  last = t.on_line("XYZZY");
  EXPECT_TRUE(last.close);
  EXPECT_EQ(last.reply.substr(0, 4), "421 ");
}

TEST(InboundSession, RecipientsAreBoundedAndRsetForgets) {
  Session s = make();
  feed(s, {"LHLO mx", "MAIL FROM:<>", "RCPT TO:<bounce+1@x>", "RCPT TO:<bounce+2@x>",
           "RCPT TO:<bounce+3@x>"});
  EXPECT_EQ(s.on_line("RCPT TO:<bounce+4@x>").reply.substr(0, 10), "452 4.5.3 ");
  EXPECT_EQ(s.on_line("RSET").reply, "250 2.0.0 OK\r\n");
  EXPECT_EQ(s.on_line("DATA").reply.substr(0, 4), "503 ");
  EXPECT_EQ(feed(s, {"MAIL FROM:<@relay.example:bounce+9@x>"}), "250 2.1.0 OK\r\n");
}

}  // namespace
}  // namespace broadsheet::inbound
