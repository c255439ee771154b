#include "config/mailbox_url.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace broadsheet {
namespace {

using ::testing::HasSubstr;

TEST(MailboxUrl, ImapsWithDefaultsAndAnEncodedUser) {
  auto u = parse_mailbox_url("IMAPS://bounces%40example.org@mail.example.org");
  ASSERT_TRUE(u) << u.error().message;
  EXPECT_EQ(u->protocol, MailboxProtocol::imap);
  EXPECT_EQ(u->user, "bounces@example.org");
  EXPECT_EQ(u->host, "mail.example.org");
  EXPECT_EQ(u->port, 993);
  EXPECT_EQ(u->folder, "INBOX");
  EXPECT_EQ(u->server_url(), "imaps://mail.example.org:993/INBOX");
  EXPECT_EQ(u->display(), "imaps://bounces@example.org@mail.example.org:993/INBOX");

  u = parse_mailbox_url("imaps://b@127.0.0.1:10993/Bounces/Lists%20A");
  ASSERT_TRUE(u) << u.error().message;
  EXPECT_EQ(u->port, 10993);
  EXPECT_EQ(u->folder, "Bounces/Lists A");
  EXPECT_EQ(u->server_url(), "imaps://127.0.0.1:10993/Bounces/Lists%20A");
}

TEST(MailboxUrl, Pop3sAndIpv6) {
  auto u = parse_mailbox_url("pop3s://b@[::1]:10995");
  ASSERT_TRUE(u) << u.error().message;
  EXPECT_EQ(u->protocol, MailboxProtocol::pop3);
  EXPECT_EQ(u->host, "::1");
  EXPECT_EQ(u->port, 10995);
  EXPECT_EQ(u->server_url(), "pop3s://[::1]:10995/");
  u = parse_mailbox_url("pop3s://b@mx.example.org/");
  ASSERT_TRUE(u);
  EXPECT_EQ(u->port, 995);
}

TEST(MailboxUrl, RefusesWhatWouldLeakOrMeansNothing) {
  const std::pair<const char*, const char*> cases[] = {
      {"imap://b@mx.example.org", "in clear"},
      {"pop3://b@mx.example.org", "in clear"},
      {"https://b@mx.example.org", "neither imaps nor pop3s"},
      {"mx.example.org", "not a URL"},
      {"imaps://b:secret@mx.example.org", "inbound.mailbox_password_file"},
      {"imaps://mx.example.org", "no user"},
      {"imaps://b@mx.example.org:0", "port"},
      {"imaps://b@mx.example.org:99999", "port"},
      {"imaps://b@mx.example.org:", "port"},
      {"imaps://b@mx.example.org/INBOX;UID=1", "';'"},
      {"imaps://b@mx.example.org/INBOX%3BUID=1", "';'"},
      {"imaps://b@mx.example.org/?x", "query"},
      {"imaps://b@mx.exa mple.org", "host"},
      {"imaps://b@/INBOX", "host"},
      {"imaps://b%0a@mx.example.org", "user"},
      {"imaps://b@mx.example.org/a%zz", "folder"},
      {"pop3s://b@mx.example.org/INBOX", "no folder"},
  };
  for (const auto& [url, why] : cases) {
    auto u = parse_mailbox_url(url);
    ASSERT_FALSE(u) << url;
    EXPECT_THAT(u.error().message, HasSubstr(why)) << url;
    EXPECT_THAT(u.error().message, ::testing::Not(HasSubstr("secret"))) << url;
  }
}

}  // namespace
}  // namespace broadsheet
