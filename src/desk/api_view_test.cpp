#include "desk/api_view.hpp"

#include <gtest/gtest.h>

namespace broadsheet::desk {
namespace {

namespace json = boost::json;

TEST(DeskApiViewTest, AttributeLinesAreKeyValueLinesAndNameTheFirstBadOne) {
  auto a = attribute_lines("Country=FR\r\n\r\nplan=gold=plus\n");
  ASSERT_TRUE(a) << a.error().message;
  EXPECT_EQ(json::serialize(*a), R"({"Country":"FR","plan":"gold=plus"})");
  EXPECT_EQ(attribute_lines_of(*a), "Country=FR\nplan=gold=plus\n");
  EXPECT_TRUE(attribute_lines("")->empty());
  auto bad = attribute_lines("ok=1\nno equals sign\n");
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().message, "Attributes: \"no equals sign\" is not KEY=VALUE.");
  EXPECT_FALSE(attribute_lines("=value"));
}

TEST(DeskApiViewTest, AnApiAnswerIsReadBackWithItsMessage) {
  auto ok = read_answer(http::Response::json(200, json::object{{"id", 3}}));
  EXPECT_EQ(ok.status, 200);
  EXPECT_EQ(ok.body.at("id").as_int64(), 3);
  EXPECT_TRUE(ok.message.empty());
  auto refused = read_answer(http::Response::json_error(409, "in_use", "An issue uses it."));
  EXPECT_EQ(refused.status, 409);
  EXPECT_EQ(refused.message, "An issue uses it.");
  auto garbled = read_answer(http::Response::text(500, "not json"));
  EXPECT_EQ(garbled.message, "The request failed.");
}

TEST(DeskApiViewTest, ACallCarriesItsJsonAndKeepsWhoAsks) {
  http::Request desk;
  desk.method = http::Method::post;
  desk.headers = {{"content-type", "application/x-www-form-urlencoded"}, {"cookie", "x"}};
  desk.body = "csrf_token=t&name=A";
  desk.principal = "user:aud";
  desk.params["id"] = "7";
  auto call = api_call(desk, http::Method::patch, json::object{{"name", "A"}});
  EXPECT_EQ(call.method, http::Method::patch);
  EXPECT_EQ(call.body, R"({"name":"A"})");
  EXPECT_TRUE(http::has_content_type(call, "application/json"));
  EXPECT_EQ(call.principal, "user:aud");
  EXPECT_EQ(call.params.at("id"), "7");
  auto bare = api_call(desk, http::Method::delete_, nullptr);
  EXPECT_TRUE(bare.body.empty());
  EXPECT_FALSE(bare.header("content-type"));
}

TEST(DeskApiViewTest, JsonBecomesTemplateData) {
  auto data = template_data(json::parse(R"({"a":"x","n":5,"none":null,"list":[{"b":true}]})"));
  ASSERT_TRUE(data.is_object());
  EXPECT_EQ(data.get("a")->string_value(), "x");
  EXPECT_EQ(data.get("n")->string_value(), "5");
  EXPECT_TRUE(data.get("none")->is_false());
  EXPECT_TRUE(data.get("list")->is_list());
}

}  // namespace
}  // namespace broadsheet::desk
