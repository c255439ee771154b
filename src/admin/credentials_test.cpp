// Token secrets and passwords: tokens are random, well-formed and stored only as a
// hash; passwords are Argon2id, which libsodium's verifier accepts.
#include "admin/credentials.hpp"

#include <gtest/gtest.h>
#include <sodium.h>

#include <set>
#include <string_view>

namespace broadsheet::admin {
namespace {

TEST(ApiToken, IsRandomWellFormedAndStoredAsItsHash) {
  std::set<std::string> seen;
  for (int i = 0; i < 200; ++i) {
    auto t = generate_api_token();
    EXPECT_TRUE(looks_like_api_token(t.secret)) << t.secret;
    EXPECT_EQ(t.secret.size(), 46u);
    EXPECT_EQ(t.hash, api_token_hash(t.secret));
    EXPECT_EQ(t.hash.size(), 64u);
    EXPECT_EQ(t.hash.find(t.secret), std::string::npos);
    EXPECT_TRUE(seen.insert(t.secret).second) << "a token came twice";
  }
}

TEST(ApiToken, HashIsSha256InHex) {
  // SHA-256("abc"), FIPS 180-2 appendix B.1.
  EXPECT_EQ(api_token_hash("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST(ApiToken, RefusesWhatIsNotAToken) {
  const std::string good = "bs_" + std::string(43, 'A');
  EXPECT_TRUE(looks_like_api_token(good));
  EXPECT_FALSE(looks_like_api_token(""));
  EXPECT_FALSE(looks_like_api_token("bs_"));
  EXPECT_FALSE(looks_like_api_token("xx_" + std::string(43, 'A')));
  EXPECT_FALSE(looks_like_api_token("bs_" + std::string(42, 'A')));
  EXPECT_FALSE(looks_like_api_token("bs_" + std::string(44, 'A')));
  EXPECT_FALSE(looks_like_api_token("bs_" + std::string(42, 'A') + "="));
  EXPECT_FALSE(looks_like_api_token("bs_" + std::string(42, 'A') + "+"));
  EXPECT_FALSE(looks_like_api_token("bs_" + std::string(42, 'A') + "\n"));
}

TEST(Password, HashesWithArgon2idAndChecks) {
  auto hash = hash_password("correct horse battery");
  ASSERT_TRUE(hash.ok()) << hash.error().message;
  EXPECT_TRUE(hash->starts_with("$argon2id$")) << *hash;
  auto matches = [](const std::string& stored, std::string_view password) {
    return crypto_pwhash_str_verify(stored.c_str(), password.data(), password.size()) == 0;
  };
  EXPECT_TRUE(matches(*hash, "correct horse battery"));
  EXPECT_FALSE(matches(*hash, "correct horse batterY"));
  EXPECT_FALSE(matches("not a hash", "correct horse battery"));
  auto again = hash_password("correct horse battery");
  ASSERT_TRUE(again.ok());
  EXPECT_NE(*again, *hash) << "each hash has its own salt";
}

TEST(Password, RefusesTooShortOrTooLong) {
  auto shorter = hash_password("elevenchars");
  ASSERT_FALSE(shorter.ok());
  EXPECT_EQ(shorter.error().code, Errc::invalid_argument);
  EXPECT_EQ(shorter.error().message, "the password must have at least 12 characters");
  EXPECT_FALSE(hash_password(std::string(1025, 'x')).ok());
  EXPECT_TRUE(hash_password(std::string(12, 'x')).ok());
  EXPECT_FALSE(hash_password("\xC3\xA9\xC3\xA9\xC3\xA9\xC3\xA9\xC3\xA9\xC3\xA9").ok())
      << "six characters in twelve bytes";
}

}  // namespace
}  // namespace broadsheet::admin
