#include "http/json_body.hpp"

#include <gtest/gtest.h>

#include <string>

namespace broadsheet::http {
namespace {

TEST(JsonBody, ParsesWhatFitsTheLimits) {
  auto body = parse_json_body(R"({"subject":"Tuesday","tags":["a","b"],"n":1.5,"ok":true})");
  ASSERT_TRUE(body.ok()) << body.error().message;
  const auto& o = body->value.as_object();
  EXPECT_EQ(o.at("subject").as_string(), "Tuesday");
  EXPECT_EQ(o.at("tags").as_array().size(), 2u);
  // Everything lives in the body's own block.
  EXPECT_EQ(body->value.storage().get(), body->memory.get());
  JsonBody moved = std::move(*body);
  EXPECT_EQ(moved.value.as_object().at("subject").as_string(), "Tuesday");
}

// The defect: a 6 MiB body of empty arrays took 90 MB to parse.
TEST(JsonBody, RefusesTooManyValuesBeforeBuildingAnything) {
  std::string many = "[";
  for (int i = 0; i < 2000; ++i) many += "[],";
  many += "[]]";
  auto body = parse_json_body(many, {.max_depth = 8, .max_values = 1024});
  ASSERT_FALSE(body.ok());
  EXPECT_EQ(body.error().code, Errc::invalid_argument);
  EXPECT_NE(body.error().message.find("more than 1024"), std::string::npos);
  EXPECT_TRUE(parse_json_body(R"([1,2,3])", {.max_depth = 8, .max_values = 4}).ok());
  EXPECT_FALSE(parse_json_body(R"([1,2,3,4])", {.max_depth = 8, .max_values = 4}).ok());
  EXPECT_FALSE(
      parse_json_body(R"({"a":{"b":1},"c":2,"d":3})", {.max_depth = 8, .max_values = 3}).ok());
}

TEST(JsonBody, RefusesDepthSyntaxAndBadUtf8) {
  EXPECT_TRUE(parse_json_body("[[[1]]]", {.max_depth = 3, .max_values = 10}).ok());
  EXPECT_FALSE(parse_json_body("[[[[1]]]]", {.max_depth = 3, .max_values = 10}).ok());
  EXPECT_FALSE(parse_json_body("{").ok());
  EXPECT_FALSE(parse_json_body("").ok());
  EXPECT_FALSE(parse_json_body("{} {}").ok());
  EXPECT_FALSE(parse_json_body("\"\xff\"").ok());
  EXPECT_FALSE(parse_json_body("{\"a\":1,}").ok());
}

}  // namespace
}  // namespace broadsheet::http
