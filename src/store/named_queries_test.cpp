#include "store/named_queries.hpp"

#include <gtest/gtest.h>

namespace broadsheet::store {
namespace {

Error parse_error(std::string_view text) {
  auto q = NamedQueries::parse(text, "test.sql");
  EXPECT_FALSE(q.ok());
  return q.ok() ? Error{Errc::internal, "parsed"} : q.error();
}

TEST(NamedQueries, SplitsBlocksByName) {
  auto q = NamedQueries::parse(
      "-- A header comment.\n"
      "\n"
      "-- name: first\n"
      "-- what it is for\n"
      "SELECT 1;\n"
      "\n"
      "-- Section heading, belongs to nothing --------\n"
      "\n"
      "-- name: second_2\n"
      "SELECT a,\n"
      "       b -- inline\n"
      "FROM t;",
      "test.sql");
  ASSERT_TRUE(q.ok()) << q.error().message;
  ASSERT_EQ(q->all().size(), 2u);
  EXPECT_EQ(q->all()[0].name, "first");
  EXPECT_EQ(q->all()[0].sql, "-- what it is for\nSELECT 1;");
  EXPECT_EQ(q->all()[0].line, 3);
  EXPECT_EQ(q->all()[1].name, "second_2");
  EXPECT_EQ(q->all()[1].sql, "SELECT a,\n       b -- inline\nFROM t;");
  EXPECT_EQ(q->all()[1].line, 9);
  ASSERT_NE(q->find("second_2"), nullptr);
  EXPECT_EQ(q->find("second_2")->name, "second_2");
  EXPECT_EQ(q->find("third"), nullptr);
  EXPECT_EQ(q->origin(), "test.sql");
}

TEST(NamedQueries, AcceptsWindowsLineEndings) {
  auto q = NamedQueries::parse("-- name: a\r\nSELECT 1;\r\n-- name: b\r\nSELECT 2;\r\n", "x");
  ASSERT_TRUE(q.ok()) << q.error().message;
  ASSERT_EQ(q->all().size(), 2u);
  EXPECT_EQ(q->all()[0].name, "a");
  EXPECT_EQ(q->all()[0].sql, "SELECT 1;");
  EXPECT_EQ(q->all()[1].sql, "SELECT 2;");
}

TEST(NamedQueries, EmptyTextHasNoQueries) {
  auto q = NamedQueries::parse("-- only a comment\n\n", "x");
  ASSERT_TRUE(q.ok());
  EXPECT_TRUE(q->all().empty());
}

TEST(NamedQueries, RefusesDuplicateNames) {
  Error e = parse_error("-- name: a\nSELECT 1;\n-- name: b\nSELECT 2;\n-- name: a\nSELECT 3;\n");
  EXPECT_EQ(e.code, Errc::invalid_argument);
  EXPECT_EQ(e.message, "test.sql line 5: duplicate query name 'a'");
}

TEST(NamedQueries, RefusesEmptyAndMalformedNames) {
  EXPECT_EQ(parse_error("-- name:\nSELECT 1;\n").message, "test.sql line 1: query name is empty");
  EXPECT_EQ(parse_error("-- name:   \nSELECT 1;\n").message,
            "test.sql line 1: query name is empty");
  EXPECT_NE(parse_error("-- name: two words\nSELECT 1;\n").message.find("'two words'"),
            std::string::npos);
  EXPECT_NE(parse_error("-- name: dash-ed\nSELECT 1;\n").message.find("letters, digits"),
            std::string::npos);
}

TEST(NamedQueries, RefusesBlocksWithoutSql) {
  EXPECT_EQ(parse_error("-- name: a\n-- just a comment\n\n-- name: b\nSELECT 1;\n").message,
            "test.sql line 1: query 'a' has no SQL");
  EXPECT_EQ(parse_error("-- name: a\nSELECT 1;\n-- name: last\n\n").message,
            "test.sql line 3: query 'last' has no SQL");
}

TEST(NamedQueries, RefusesSqlBeforeTheFirstName) {
  EXPECT_EQ(parse_error("-- header\nSELECT 1;\n-- name: a\nSELECT 2;\n").message,
            "test.sql line 2: SQL before the first '-- name:' line");
}

TEST(NamedQueries, RefusesMarkersThatWouldPassForComments) {
  // Read as comments, these would glue two queries into one block.
  EXPECT_NE(parse_error("-- name: a\nSELECT 1;\n--name: b\nSELECT 2;\n").message.find("line 3"),
            std::string::npos);
  EXPECT_NE(parse_error("-- name: a\nSELECT 1;\n  -- name: b\nSELECT 2;\n").message.find("line 3"),
            std::string::npos);
}

TEST(NamedQueries, FilesAreOneSetWithNamesUniqueAcrossThem) {
  std::vector<Resource> files = {{"a.sql", "-- name: one\nSELECT 1;\n"},
                                 {"b.sql", "-- name: two\nSELECT 2;\n"}};
  auto set = NamedQueries::parse_files(files, "queries/");
  ASSERT_TRUE(set.ok()) << set.error().message;
  ASSERT_NE(set->find("two"), nullptr);
  EXPECT_EQ(set->find("two")->origin, "b.sql");
  EXPECT_EQ(set->origin(), "queries/");

  files.push_back({"c.sql", "\n-- name: one\nSELECT 3;\n"});
  auto clash = NamedQueries::parse_files(files, "queries/");
  ASSERT_FALSE(clash.ok());
  EXPECT_EQ(clash.error().code, Errc::invalid_argument);
  EXPECT_EQ(clash.error().message, "c.sql line 2: query name 'one' is taken by a.sql line 1");
}

}  // namespace
}  // namespace broadsheet::store
