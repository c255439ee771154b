// Relaxed canonicalisation against RFC 6376's own example (section 3.4.6) and the
// corner cases of section 3.4.4.
#include "mail/dkim_canon.hpp"

#include <gtest/gtest.h>

namespace broadsheet::mail_detail {
namespace {

std::string body_of(std::string_view body) {
  std::string out;
  std::size_t pieces = 0;
  relaxed_body(body, [&](std::string_view piece) {
    out += piece;
    ++pieces;
  });
  return out;
}

std::string header_of(std::string_view field) {
  std::string out;
  append_relaxed_header(field, out);
  return out;
}

TEST(DkimCanon, Rfc6376Example) {
  EXPECT_EQ(header_of("A: X"), "a:X");
  EXPECT_EQ(header_of("B : Y\t\r\n\tZ  "), "b:Y Z");
  EXPECT_EQ(body_of(" C \r\nD \t E\r\n\r\n\r\n"), " C\r\nD E\r\n");
}

TEST(DkimCanon, BodyCornerCases) {
  EXPECT_EQ(body_of(""), "");
  EXPECT_EQ(body_of("\r\n"), "");
  EXPECT_EQ(body_of("\r\n \t\r\n\r\n"), "");               // only blank lines
  EXPECT_EQ(body_of("text"), "text\r\n");                  // no final CRLF
  EXPECT_EQ(body_of("text  \t"), "text\r\n");              // ... and trailing space
  EXPECT_EQ(body_of("a\r\n\r\nb\r\n"), "a\r\n\r\nb\r\n");  // inner blank lines stay
  EXPECT_EQ(body_of("a\r\n  \r\nb\r\n"), "a\r\n\r\nb\r\n");
  EXPECT_EQ(body_of("a\r\n \t \r\n"), "a\r\n");  // a last line of spaces goes
  EXPECT_EQ(body_of("\tx\r\n"), " x\r\n");       // leading whitespace stays, as SP
  EXPECT_EQ(body_of("x=20\r\ny\r\n"), "x=20\r\ny\r\n");
}

TEST(DkimCanon, UnchangedLinesAreHandedOnAsOneSpan) {
  std::string body;
  for (int i = 0; i < 100; ++i) body += "a line of text that needs no change\r\n";
  std::size_t pieces = 0;
  std::string out;
  relaxed_body(body, [&](std::string_view piece) {
    out += piece;
    ++pieces;
  });
  EXPECT_EQ(out, body);
  EXPECT_EQ(pieces, 1u);
}

TEST(DkimCanon, HeaderCornerCases) {
  EXPECT_EQ(header_of("Subject:"), "subject:");
  EXPECT_EQ(header_of("Subject:   "), "subject:");
  EXPECT_EQ(header_of("List-Unsubscribe-Post: List-Unsubscribe=One-Click"),
            "list-unsubscribe-post:List-Unsubscribe=One-Click");
  EXPECT_EQ(header_of("To: \"A  B\"\r\n <a@example.org>"), "to:\"A B\" <a@example.org>");
}

}  // namespace
}  // namespace broadsheet::mail_detail
