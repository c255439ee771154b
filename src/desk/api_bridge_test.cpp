#include "desk/api_bridge.hpp"

#include <gtest/gtest.h>

namespace broadsheet::desk {
namespace {

TEST(ApiBridge, TheFieldAMessageNamesIsItsFirstQuotedName) {
  EXPECT_EQ(quoted_field("\"draft_items\" must be a number from 1 to 50"), "draft_items");
  EXPECT_EQ(quoted_field("\"schedule\": no such day"), "schedule");
  EXPECT_EQ(quoted_field("There is no newsletter \"no-such\"."), "");
  EXPECT_EQ(quoted_field("name at least one address"), "");
  EXPECT_EQ(quoted_field("an \"open quote"), "");
}

TEST(ApiBridge, JsonBecomesTemplateDataTheTemplatesCanTest) {
  const auto v = boost::json::parse(
      R"({"name":"A <b>","n":3,"ok":true,"no":false,"none":null,"list":[1,"x"],"o":{"k":"v"}})");
  kainjow::mustache::mustache page(
      "{{name}}|{{n}}|{{#ok}}yes{{/ok}}|{{^no}}not{{/no}}|{{^none}}empty{{/none}}|"
      "{{#list}}[{{.}}]{{/list}}|{{o.k}}");
  EXPECT_EQ(page.render(template_data(v)), "A &lt;b&gt;|3|yes|not|empty|[1][x]|v");
}

}  // namespace
}  // namespace broadsheet::desk
