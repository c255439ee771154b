// Relaxed canonicalisation against RFC 6376's own example (section 3.4.6), the corner
// cases of section 3.4.4, and a line-by-line reading of the RFC on random bodies long
// enough for the vector scan.
#include "dkim/canon.hpp"

#include <gtest/gtest.h>

#include <random>

namespace broadsheet::dkim::detail {
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

TEST(DkimCanon, WhitespaceBesideCrAndTabs) {
  EXPECT_EQ(body_of("a \rb\r\n"), "a \rb\r\n");   // a bare CR ends no line
  EXPECT_EQ(body_of("a  \rb\r\n"), "a \rb\r\n");  // ... but the run shortens
  EXPECT_EQ(body_of("a \r\r\n"), "a \r\r\n");
  EXPECT_EQ(body_of("a \n\r\n"), "a \n\r\n");  // nor does a bare LF
  EXPECT_EQ(body_of("a \t b\r\n"), "a b\r\n");
  EXPECT_EQ(body_of("a\t\tb\r\n"), "a b\r\n");
  EXPECT_EQ(body_of("a\t \r\n"), "a\r\n");
  EXPECT_EQ(body_of(" \t a\r\n"), " a\r\n");
  EXPECT_EQ(body_of("a b c\r\n"), "a b c\r\n");
}

// RFC 6376 section 3.4.4 read line by line: the reference the scan must agree with.
std::string reference_body(std::string_view body) {
  std::vector<std::string> lines;
  for (std::size_t at = 0; at < body.size();) {
    std::size_t eol = body.find("\r\n", at);
    std::string_view line = body.substr(at, eol == std::string_view::npos ? eol : eol - at);
    std::string out;
    for (char c : line) {
      bool wsp = c == ' ' || c == '\t';
      if (wsp && (out.empty() || out.back() != ' ')) out += ' ';
      if (!wsp) out += c;
    }
    while (!out.empty() && out.back() == ' ') out.pop_back();
    lines.push_back(out);
    at = eol == std::string_view::npos ? body.size() : eol + 2;
  }
  while (!lines.empty() && lines.back().empty()) lines.pop_back();
  std::string joined;
  for (const auto& line : lines) joined += line + "\r\n";
  return joined;
}

TEST(DkimCanon, AgreesWithALineByLineReadingOnRandomBodies) {
  // Mostly text and single spaces, as mail is, with runs, tabs, bare CR and LF, blank
  // lines and whitespace-only lines at every offset of the 16- and 32-byte steps.
  const std::string_view pieces[] = {"a",    "b",    "word", " ",  " ",  "  ",       "\t",
                                     " \t ", "\r\n", "\r\n", "\r", "\n", "\r\n\r\n", " \r\n"};
  std::mt19937 rng(6376);
  for (int round = 0; round < 5000; ++round) {
    std::string body;
    std::size_t length = rng() % 300;
    while (body.size() < length) body += pieces[rng() % std::size(pieces)];
    ASSERT_EQ(body_of(body), reference_body(body)) << testing::PrintToString(body);
  }
}

TEST(DkimCanon, PiecesAreTheBodyItselfExceptForATabsSpaceAndAFinalLineBreak) {
  std::string body;
  for (int i = 0; i < 50; ++i) body += "Line " + std::to_string(i) + "   |  x\t| y   \r\n";
  body += "last line without a break  ";
  const char* begin = body.data();
  const char* end = begin + body.size();
  std::size_t copied = 0;
  relaxed_body(body, [&](std::string_view piece) {
    bool inside = piece.data() >= begin && piece.data() + piece.size() <= end;
    if (!inside) {
      EXPECT_TRUE(piece == " " || piece == "\r\n") << piece;
      ++copied;
    }
  });
  EXPECT_EQ(copied, 51u);  // the SP for each line's TAB, and the CRLF at the end
}

TEST(DkimCanon, HeaderCornerCases) {
  EXPECT_EQ(header_of("Subject:"), "subject:");
  EXPECT_EQ(header_of("Subject:   "), "subject:");
  EXPECT_EQ(header_of("List-Unsubscribe-Post: List-Unsubscribe=One-Click"),
            "list-unsubscribe-post:List-Unsubscribe=One-Click");
  EXPECT_EQ(header_of("To: \"A  B\"\r\n <a@example.org>"), "to:\"A B\" <a@example.org>");
}

}  // namespace
}  // namespace broadsheet::dkim::detail
