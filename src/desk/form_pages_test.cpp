#include "desk/form_pages.hpp"

#include <gtest/gtest.h>

namespace broadsheet::desk::detail {
namespace {

namespace json = boost::json;

TEST(DeskForms, AttributeLinesAreKeyValueLinesAndNameTheFirstBadOne) {
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

TEST(DeskForms, WhatARoleMayChange) {
  http::Request r;
  for (auto [role, edit, readers, admin] :
       {std::tuple{"admin", true, true, true}, std::tuple{"editor", true, false, false},
        std::tuple{"audience", false, true, false}, std::tuple{"viewer", false, false, false},
        std::tuple{"", false, false, false}}) {
    r.caller.role = role;
    EXPECT_EQ(may_edit(r), edit) << role;
    EXPECT_EQ(may_change_readers(r), readers) << role;
    EXPECT_EQ(is_admin(r), admin) << role;
  }
}

}  // namespace
}  // namespace broadsheet::desk::detail
