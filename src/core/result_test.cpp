#include "core/result.hpp"

#include <gtest/gtest.h>

#include "core/types.hpp"

namespace broadsheet {
namespace {

Result<int> half(int n) {
  if (n % 2) return make_error(Errc::invalid_argument, "odd");
  return n / 2;
}

TEST(Result, CarriesValueOrError) {
  auto good = half(4);
  ASSERT_TRUE(good.ok());
  EXPECT_EQ(*good, 2);
  auto bad = half(3);
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().code, Errc::invalid_argument);
  EXPECT_EQ(bad.error().message, "odd");
  EXPECT_STREQ(errc_name(Errc::conflict), "conflict");
}

TEST(Slug, AcceptsAndRefuses) {
  EXPECT_TRUE(validate_slug("morning-briefing").ok());
  EXPECT_TRUE(validate_slug("a1").ok());
  EXPECT_FALSE(validate_slug("").ok());
  EXPECT_FALSE(validate_slug("-a").ok());
  EXPECT_FALSE(validate_slug("a-").ok());
  EXPECT_FALSE(validate_slug("a--b").ok());
  EXPECT_FALSE(validate_slug("Morning").ok());
  EXPECT_FALSE(validate_slug("a b").ok());
  EXPECT_FALSE(validate_slug(std::string(65, 'a')).ok());
}

TEST(Utf8, ValidatesEncodings) {
  EXPECT_TRUE(is_valid_utf8("plain"));
  EXPECT_TRUE(is_valid_utf8("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x93\xb0"));
  EXPECT_FALSE(is_valid_utf8("\xc3"));              // truncated
  EXPECT_FALSE(is_valid_utf8("\xc0\xaf"));          // overlong
  EXPECT_FALSE(is_valid_utf8("\xed\xa0\x80"));      // surrogate
  EXPECT_FALSE(is_valid_utf8("\xff"));
  EXPECT_FALSE(is_valid_utf8("\xe2\x82"));
  EXPECT_TRUE(has_control_chars("a\r\nb"));
  EXPECT_TRUE(has_control_chars(std::string("a\0b", 3)));
  EXPECT_FALSE(has_control_chars("next\xC2\x85line"));
  EXPECT_TRUE(has_unprintable_chars("a\r\nb"));
  EXPECT_TRUE(has_unprintable_chars("next\xC2\x85line"));      // U+0085 NEL
  EXPECT_TRUE(has_unprintable_chars("line\xE2\x80\xA8sep"));   // U+2028
  EXPECT_TRUE(has_unprintable_chars("para\xE2\x80\xA9sep"));   // U+2029
  EXPECT_TRUE(has_unprintable_chars("abc\xE2\x80\xAEgnp.exe"));  // U+202E RIGHT-TO-LEFT OVERRIDE
  EXPECT_TRUE(has_unprintable_chars("a\xE2\x80\xAAz"));          // U+202A
  EXPECT_TRUE(has_unprintable_chars("a\xE2\x81\xA6z"));          // U+2066 LEFT-TO-RIGHT ISOLATE
  EXPECT_TRUE(has_unprintable_chars("a\xE2\x81\xA9z"));          // U+2069
  EXPECT_FALSE(has_unprintable_chars("a\xE2\x80\xAFz"));         // U+202F NARROW NO-BREAK SPACE
  EXPECT_FALSE(has_unprintable_chars("a\xE2\x81\xA5z"));         // U+2065 (unassigned)
  EXPECT_FALSE(has_unprintable_chars("Gr\xC3\xBC\xC3\x9F" "e \xC2\xA0 \xE2\x80\x94"));  // ü ß NBSP —
  EXPECT_FALSE(has_control_chars("tab-free text"));
}

TEST(Clock, FakeClockAdvances) {
  FakeClock clock(1000);
  clock.advance(5);
  EXPECT_EQ(clock.now(), 1005);
  EXPECT_GT(SystemClock::instance().now(), 1700000000);
}

}  // namespace
}  // namespace broadsheet
