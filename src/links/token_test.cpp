#include "links/token.hpp"

#include <gtest/gtest.h>

namespace broadsheet::links {
namespace {

const std::string kTokenKey(32, 'k');

TEST(Token, RoundTripsItsClaims) {
  TokenClaims c{TokenPurpose::confirm, 42, 7, 2000};
  auto t = sign_token(c, kTokenKey);
  EXPECT_EQ(t.size(), 56u);
  auto back = verify_token(t, TokenPurpose::confirm, kTokenKey, 1999);
  ASSERT_TRUE(back.ok()) << back.error().message;
  EXPECT_EQ(back->subscriber_id, 42);
  EXPECT_EQ(back->newsletter_id, 7);
  EXPECT_EQ(back->expires_at, 2000);
}

TEST(Token, RefusesExpiredWrongPurposeTamperedAndForeignKeys) {
  auto t = sign_token({TokenPurpose::confirm, 42, 7, 2000}, kTokenKey);
  EXPECT_NE(verify_token(t, TokenPurpose::confirm, kTokenKey, 2000).error().message.find("expired"),
            std::string::npos);
  EXPECT_NE(verify_token(t, TokenPurpose::unsubscribe, kTokenKey, 1000).error().message.find("purpose"),
            std::string::npos);
  EXPECT_FALSE(verify_token(t, TokenPurpose::confirm, std::string(32, 'x'), 1000).ok());
  for (std::size_t i = 0; i < t.size(); ++i) {
    std::string bad = t;
    bad[i] = bad[i] == 'A' ? 'B' : 'A';
    EXPECT_FALSE(verify_token(bad, TokenPurpose::confirm, kTokenKey, 1000).ok()) << "byte " << i;
  }
  EXPECT_FALSE(verify_token("", TokenPurpose::confirm, kTokenKey, 1000).ok());
  EXPECT_FALSE(verify_token(t + "A", TokenPurpose::confirm, kTokenKey, 1000).ok());
  EXPECT_FALSE(verify_token(std::string(56, '!'), TokenPurpose::confirm, kTokenKey, 1000).ok());
}

TEST(Token, NeverExpiringUnsubscribeTokens) {
  auto t = sign_token({TokenPurpose::unsubscribe, 1, 0, 0}, kTokenKey);
  EXPECT_TRUE(verify_token(t, TokenPurpose::unsubscribe, kTokenKey, 4000000000).ok());
}

}  // namespace
}  // namespace broadsheet::links
