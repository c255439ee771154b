// Unit tests of the MIME writer's encoders: dates, quoted-printable, encoded words.
#include <gtest/gtest.h>

#include <random>

#include "core/types.hpp"
#include "mime/header.hpp"
#include "mime/mime.hpp"
#include "mime/testing.hpp"

namespace broadsheet::mime {
namespace {

using testing::decode_word;
using testing::qp_decode;
using testing::split_lines;
using testing::words_of;

TEST(Rfc5322Date, FormatsUtcWithWeekdayAndZone) {
  EXPECT_EQ(rfc5322_date(0), "Thu, 01 Jan 1970 00:00:00 +0000");
  EXPECT_EQ(rfc5322_date(1732906800), "Fri, 29 Nov 2024 19:00:00 +0000");
  EXPECT_EQ(rfc5322_date(951786061), "Tue, 29 Feb 2000 01:01:01 +0000");
  EXPECT_EQ(rfc5322_date(253402300799), "Fri, 31 Dec 9999 23:59:59 +0000");
  EXPECT_EQ(rfc5322_date(-5), rfc5322_date(0));
}

// CRLF for every line end of the input, as the decoder gives it back.
std::string crlf(std::string_view text) {
  std::string out;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '\n' && (i == 0 || text[i - 1] != '\r')) out += '\r';
    out += text[i];
  }
  return out;
}

void expect_valid_qp(std::string_view encoded) {
  for (const auto& line : split_lines(encoded)) {
    EXPECT_LE(line.size(), 76u) << line;
    if (!line.empty()) {
      EXPECT_NE(line.back(), ' ') << line;
      EXPECT_NE(line.back(), '\t') << line;
      EXPECT_NE(line.front(), '.') << line;
    }
    for (std::size_t i = 0; i < line.size(); ++i) {
      auto c = static_cast<unsigned char>(line[i]);
      EXPECT_TRUE(c == ' ' || c == '\t' || (c >= 0x21 && c <= 0x7E)) << line;
      if (c == '=' && i + 1 < line.size()) {
        ASSERT_LE(i + 3, line.size()) << "escape cut by a soft break: " << line;
        EXPECT_GE(testing::hex_value(line[i + 1]), 0) << line;
        EXPECT_GE(testing::hex_value(line[i + 2]), 0) << line;
        i += 2;
      }
    }
  }
  for (std::size_t i = 0; i < encoded.size(); ++i) {
    if (encoded[i] == '\n') {
      EXPECT_TRUE(i > 0 && encoded[i - 1] == '\r');
    }
    if (encoded[i] == '\r') {
      EXPECT_TRUE(i + 1 < encoded.size() && encoded[i + 1] == '\n');
    }
  }
}

TEST(QuotedPrintable, EscapesWhatItMust) {
  EXPECT_EQ(quoted_printable(""), "");
  EXPECT_EQ(quoted_printable("plain text"), "plain text");
  EXPECT_EQ(quoted_printable("a=b"), "a=3Db");
  EXPECT_EQ(quoted_printable("café"), "caf=C3=A9");
  EXPECT_EQ(quoted_printable("tab\there"), "tab\there");
  EXPECT_EQ(quoted_printable(std::string("nul\0byte", 8)), "nul=00byte");
  EXPECT_EQ(quoted_printable("bare\rcr"), "bare=0Dcr");
  EXPECT_EQ(quoted_printable(".\n..x"), "=2E\r\n=2E.x");
}

TEST(QuotedPrintable, KeepsHardBreaksAndEncodesTrailingWhiteSpace) {
  EXPECT_EQ(quoted_printable("one\ntwo\n"), "one\r\ntwo\r\n");
  EXPECT_EQ(quoted_printable("one\r\ntwo\r\n"), "one\r\ntwo\r\n");
  EXPECT_EQ(quoted_printable("\n\n"), "\r\n\r\n");
  EXPECT_EQ(quoted_printable("end  \nnext\t\nlast "), "end =20\r\nnext=09\r\nlast=20");
}

TEST(QuotedPrintable, SoftBreaksKeepLinesWithin76) {
  EXPECT_EQ(quoted_printable(std::string(76, 'a')), std::string(76, 'a'));
  EXPECT_EQ(quoted_printable(std::string(77, 'a')), std::string(75, 'a') + "=\r\n" + "aa");
  // An escape never straddles a soft break.
  std::string near_edge = std::string(74, 'a') + "é";
  auto encoded = quoted_printable(near_edge);
  EXPECT_EQ(encoded, std::string(74, 'a') + "=\r\n=C3=A9");
  expect_valid_qp(encoded);
  // A space that ends up at a soft break is not trailing white space.
  std::string spaced;
  for (int i = 0; i < 40; ++i) spaced += "ab ";
  expect_valid_qp(quoted_printable(spaced));
  EXPECT_EQ(qp_decode(quoted_printable(spaced)), spaced);
}

TEST(QuotedPrintable, RoundTripsRandomText) {
  std::mt19937 rng(20241129);
  const std::string alphabet = std::string("ab =.\t\r\n\n\n") + "é€😀" + std::string(1, '\0');
  for (int round = 0; round < 500; ++round) {
    std::string text;
    std::size_t n = rng() % 400;
    for (std::size_t i = 0; i < n; ++i) text += alphabet[rng() % alphabet.size()];
    auto encoded = quoted_printable(text);
    expect_valid_qp(encoded);
    // A bare CR before LF is indistinguishable from CRLF; compare with that in mind.
    EXPECT_EQ(qp_decode(encoded), crlf(text)) << "round " << round;
    if (HasFailure()) return;
  }
}

// Checks the encoded words of an unfolded value and returns what they decode to.
std::string decode_value(const std::string& folded, std::size_t used) {
  auto lines = split_lines(folded);
  for (std::size_t i = 0; i < lines.size(); ++i) {
    EXPECT_LE(lines[i].size() + (i == 0 ? used : 0), 78u) << lines[i];
    if (i > 0) {
      EXPECT_EQ(lines[i].front(), ' ');
    }
  }
  std::string unfolded;
  for (const auto& line : lines) unfolded += line;
  std::string text;
  for (const auto& word : words_of(unfolded)) {
    EXPECT_LE(word.size(), 75u) << word;
    std::string decoded = decode_word(word);
    EXPECT_TRUE(is_valid_utf8(decoded)) << "a character was split in " << word;
    text += decoded;
  }
  return text;
}

TEST(EncodeHeaderWords, KeepsPlainAsciiAndFoldsIt) {
  EXPECT_EQ(*encode_header_words("Morning Briefing, 29 November", 9),
            "Morning Briefing, 29 November");
  std::string long_ascii;
  for (int i = 0; i < 30; ++i) long_ascii += "word" + std::to_string(i) + " ";
  long_ascii.pop_back();
  auto folded = encode_header_words(long_ascii, 9);
  ASSERT_TRUE(folded.ok());
  EXPECT_NE(folded->find("\r\n "), std::string::npos);
  std::string unfolded;
  for (const auto& line : split_lines(*folded)) unfolded += line;
  EXPECT_EQ(unfolded, long_ascii);
  for (const auto& line : split_lines("Subject: " + *folded)) EXPECT_LE(line.size(), 78u);
}

TEST(EncodeHeaderWords, EncodesNonAsciiWithoutSplittingCharacters) {
  const std::vector<std::string> subjects = {
      "Café au lait",
      "Grüße aus Köln — Ihr Morgenbriefing für Freitag, den 29. November 2024, mit allen "
      "Nachrichten des Tages",
      "😀🎉📰 Emoji everywhere 😀🎉📰 and more emoji "
      "🧪🧪🧪🧪🧪🧪🧪🧪🧪🧪🧪🧪🧪🧪🧪",
      "日本語のニュースレター：今日の見出しと明日の予定、そして週末の特集記事のご案内です",
      "Looks =?UTF-8?Q?encoded?= but is not",
      "  leading and  double spaces ",
      "tab\tinside",
      std::string(300, 'x'),  // one word too long to fold
  };
  for (const auto& subject : subjects) {
    auto encoded = encode_header_words(subject, 9);
    ASSERT_TRUE(encoded.ok()) << subject;
    EXPECT_NE(encoded->find("=?UTF-8?"), std::string::npos) << subject;
    EXPECT_EQ(decode_value(*encoded, 9), subject);
  }
}

TEST(EncodeHeaderWords, RoundTripsRandomText) {
  std::mt19937 rng(7);
  const std::vector<std::string> pieces = {"a",  "Z", " ", "=", "?",  "_", "\"",   ",",
                                           "\t", "é", "ß", "—", "日", "😀", "🧪", "=?"};
  for (int round = 0; round < 300; ++round) {
    std::string text;
    std::size_t n = 1 + rng() % 120;
    for (std::size_t i = 0; i < n; ++i) text += pieces[rng() % pieces.size()];
    std::size_t used = rng() % 40;
    auto encoded = encode_header_words(text, used);
    ASSERT_TRUE(encoded.ok()) << text;
    if (encoded->find("=?UTF-8?") == std::string::npos) continue;  // plain ASCII kept
    EXPECT_EQ(decode_value(*encoded, used), text) << "round " << round;
    if (HasFailure()) return;
  }
}

TEST(EncodeHeaderWords, PicksTheShorterScheme) {
  EXPECT_NE(encode_header_words("Café au lait")->find("?Q?"), std::string::npos);
  EXPECT_NE(encode_header_words("日本語のニュース")->find("?B?"), std::string::npos);
}

TEST(EncodeHeaderWords, RefusesLineBreaksAndBadText) {
  for (std::string bad : std::vector<std::string>{
           "a\r\nBcc: x@example.com", std::string("nul\0", 4), "lf\nonly", "cr\ronly", "esc\x1b",
           "bad \xC3\x28 utf8", std::string(5000, 'a')}) {
    auto r = encode_header_words(bad);
    ASSERT_FALSE(r.ok()) << bad;
    EXPECT_EQ(r.error().code, Errc::invalid_argument);
  }
}

// The one splitter of header values written as they are (List-Id, extra headers).
TEST(SplitSpaces, SplitsAtEverySingleSpace) {
  using V = std::vector<std::string>;
  EXPECT_EQ(split_spaces("News <news.example.org>"), (V{"News", "<news.example.org>"}));
  EXPECT_EQ(split_spaces("a  b"), (V{"a", "", "b"}));
  EXPECT_EQ(split_spaces(" a "), (V{"", "a", ""}));
  EXPECT_EQ(split_spaces("one"), (V{"one"}));
  EXPECT_EQ(split_spaces(""), (V{""}));
}

}  // namespace
}  // namespace broadsheet::mime
