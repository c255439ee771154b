#include "core/encoding.hpp"

#include <gtest/gtest.h>

namespace broadsheet {
namespace {

TEST(Hex, RoundTripsAndRefusesNonHex) {
  Bytes bytes{0x00, 0x7f, 0xab, 0xff};
  EXPECT_EQ(to_hex(bytes), "007fabff");
  EXPECT_EQ(*from_hex("007fabff"), bytes);
  EXPECT_EQ(*from_hex("007FABFF"), bytes);
  EXPECT_TRUE(from_hex("")->empty());
  EXPECT_FALSE(from_hex("abc").has_value());
  EXPECT_FALSE(from_hex("zz").has_value());
  EXPECT_TRUE(is_lower_hex("0123456789abcdef"));
  EXPECT_FALSE(is_lower_hex("ABCDEF"));
  EXPECT_FALSE(is_lower_hex(""));
}

TEST(Base64, MatchesRfc4648Vectors) {
  const std::pair<const char*, const char*> vectors[] = {
      {"", ""},
      {"f", "Zg=="},
      {"fo", "Zm8="},
      {"foo", "Zm9v"},
      {"foob", "Zm9vYg=="},
      {"fooba", "Zm9vYmE="},
      {"foobar", "Zm9vYmFy"},
  };
  for (auto [plain, encoded] : vectors) {
    EXPECT_EQ(base64_encode(plain), encoded);
    EXPECT_EQ(base64_decode(encoded), plain) << encoded;
  }
  EXPECT_EQ(base64_decode("Zm8"), "fo");  // padding left off
  EXPECT_EQ(base64_encode(std::string("\xff\xfe", 2)), "//4=");
}

TEST(Base64, RefusesWhatBtoaNeverWrites) {
  EXPECT_FALSE(base64_decode("Zm9v!").has_value());
  EXPECT_FALSE(base64_decode("Zm 9v").has_value());
  EXPECT_FALSE(base64_decode("Z").has_value());
  EXPECT_FALSE(base64_decode("Zh==").has_value());    // stray bits after the last byte
  EXPECT_FALSE(base64_decode("Zm9v-_").has_value());  // the URL-safe alphabet
  EXPECT_FALSE(base64_decode("Z===").has_value());
}

TEST(Base64, PaddedDecoderWantsThePadding) {
  EXPECT_EQ(base64_decode_padded("Zm8="), "fo");
  EXPECT_EQ(base64_decode_padded(""), "");
  EXPECT_FALSE(base64_decode_padded("Zm8").has_value());
}

TEST(Base64Url, MatchesRfc4648VectorsWithoutPadding) {
  const std::pair<const char*, const char*> vectors[] = {
      {"", ""},           {"f", "Zg"},          {"fo", "Zm8"},          {"foo", "Zm9v"},
      {"foob", "Zm9vYg"}, {"fooba", "Zm9vYmE"}, {"foobar", "Zm9vYmFy"},
  };
  for (auto [plain, encoded] : vectors) {
    EXPECT_EQ(base64url_encode(plain), encoded);
    EXPECT_EQ(base64url_decode(encoded), plain) << encoded;
  }
  // The two characters where the alphabets differ (section 5): '-' for '+', '_' for '/'.
  EXPECT_EQ(base64url_encode(std::string("\xfb\xff\xfe", 3)), "-__-");
  EXPECT_EQ(base64url_decode("-__-"), std::string("\xfb\xff\xfe", 3));
  EXPECT_FALSE(base64url_decode("Zm8=").has_value());  // no padding
  EXPECT_FALSE(base64url_decode("+//+").has_value());  // the standard alphabet
  EXPECT_FALSE(base64url_decode("Zh").has_value());    // stray bits after the last byte
  EXPECT_FALSE(base64url_decode("Z").has_value());
}

std::string unhex(std::string_view hex) {
  auto bytes = from_hex(hex);
  return bytes ? std::string(bytes->begin(), bytes->end()) : "<bad hex>";
}

// RFC 4231 section 4: the HMAC-SHA-256 results of its test cases 1 to 4, 6 and 7
// (case 5 is about truncation, which callers do themselves).
TEST(HmacSha256, MatchesRfc4231Vectors) {
  struct Case {
    std::string key, data;
    const char* mac;
  };
  const Case cases[] = {
      {std::string(20, '\x0b'), "Hi There",
       "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7"},
      {"Jefe", "what do ya want for nothing?",
       "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"},
      {std::string(20, '\xaa'), std::string(50, '\xdd'),
       "773ea91e36800e46854db8ebd09181a72959098b3ef8c122d9635514ced565fe"},
      {unhex("0102030405060708090a0b0c0d0e0f10111213141516171819"), std::string(50, '\xcd'),
       "82558a389a443c0ea4cc819899f2083a85f0faa3e578f8077a2e3ff46729665b"},
      {std::string(131, '\xaa'), "Test Using Larger Than Block-Size Key - Hash Key First",
       "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54"},
      {std::string(131, '\xaa'),
       "This is a test using a larger than block-size key and a larger than block-size "
       "data. The key needs to be hashed before being used by the HMAC algorithm.",
       "9b09ffa71b942fcb27635fbcd5b0e944bfdc63644f0713938a7f51535c3a35e2"},
  };
  for (const Case& c : cases) {
    EXPECT_EQ(hmac_sha256_hex(c.key, c.data), c.mac) << c.data;
    EXPECT_EQ(to_hex(hmac_sha256(c.key, c.data)), c.mac);
  }
}

}  // namespace
}  // namespace broadsheet
