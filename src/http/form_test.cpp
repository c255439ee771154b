#include "http/form.hpp"

#include <gtest/gtest.h>

namespace broadsheet::http {
namespace {

TEST(Form, DecodesFieldsAndRepeats) {
  auto f = parse_form("email=ada%40mail.net&name=Ada+Lovelace&newsletters=a&newsletters=b&empty=");
  ASSERT_TRUE(f.ok()) << f.error().message;
  EXPECT_EQ(form_value(*f, "email"), "ada@mail.net");
  EXPECT_EQ(form_value(*f, "name"), "Ada Lovelace");
  EXPECT_EQ(form_values(*f, "newsletters"), (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(form_value(*f, "missing"), "");
}

TEST(Form, RefusesBadEscapesUtf8AndTooManyFields) {
  EXPECT_FALSE(parse_form("a=%4").ok());
  EXPECT_FALSE(parse_form("a=%zz").ok());
  EXPECT_FALSE(parse_form("a=%ff").ok());
  EXPECT_TRUE(parse_form("a=%C3%A9").ok());
  std::string many;
  for (int i = 0; i < 101; ++i) many += "x=1&";
  EXPECT_FALSE(parse_form(many).ok());
}

TEST(Form, PercentEncodeRoundTrips) {
  const std::string raw = "/admin/issues?x=1&y=a b/é";
  EXPECT_EQ(percent_encode(raw), "%2Fadmin%2Fissues%3Fx%3D1%26y%3Da%20b%2F%C3%A9");
  EXPECT_EQ(*percent_decode(percent_encode(raw), false), raw);
}

}  // namespace
}  // namespace broadsheet::http
