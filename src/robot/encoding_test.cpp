#include "robot/encoding.hpp"

#include <gtest/gtest.h>

namespace broadsheet::robot {
namespace {

TEST(RobotHex, RoundTripsAndRefusesNonHex) {
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

TEST(RobotBase64, MatchesRfc4648Vectors) {
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

TEST(RobotBase64, RefusesWhatBtoaNeverWrites) {
  EXPECT_FALSE(base64_decode("Zm9v!").has_value());
  EXPECT_FALSE(base64_decode("Zm 9v").has_value());
  EXPECT_FALSE(base64_decode("Z").has_value());
  EXPECT_FALSE(base64_decode("Zh==").has_value());    // stray bits after the last byte
  EXPECT_FALSE(base64_decode("Zm9v-_").has_value());  // the URL-safe alphabet
  EXPECT_FALSE(base64_decode("Z===").has_value());
}

}  // namespace
}  // namespace broadsheet::robot
