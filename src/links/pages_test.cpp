#include "links/pages.hpp"

#include <gtest/gtest.h>

namespace broadsheet::links {
namespace {

const std::string kKey(32, 'k');

TEST(Pages, EachPurposeHasItsPath) {
  EXPECT_EQ(page_path(TokenPurpose::confirm, "T"), "/confirm/T");
  EXPECT_EQ(page_path(TokenPurpose::unsubscribe, "T"), "/u/T");
  EXPECT_EQ(page_path(TokenPurpose::preferences, "T"), "/p/T");
  EXPECT_EQ(page_url("https://news.example.com", TokenPurpose::unsubscribe, "T"),
            "https://news.example.com/u/T");
}

TEST(Pages, ASignedLinkCarriesATokenThatVerifiesForItsPage) {
  const TokenClaims claims{TokenPurpose::confirm, 42, 7, 2000};
  const std::string url = signed_page_url("https://news.example.com", claims, kKey);
  const std::string prefix = "https://news.example.com/confirm/";
  ASSERT_TRUE(url.starts_with(prefix)) << url;
  auto back = verify_token(url.substr(prefix.size()), TokenPurpose::confirm, kKey, 1999);
  ASSERT_TRUE(back.ok()) << back.error().message;
  EXPECT_EQ(back->subscriber_id, 42);
  EXPECT_EQ(back->newsletter_id, 7);
  EXPECT_EQ(signed_page_path(claims, kKey), "/confirm/" + sign_token(claims, kKey));
}

}  // namespace
}  // namespace broadsheet::links
