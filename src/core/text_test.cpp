// html_escaped / append_xml_escaped: the shared escaping of mail, web and HTTP.
#include "core/text.hpp"

#include <gtest/gtest.h>

namespace broadsheet {
namespace {

std::string xml(std::string_view s) {
  std::string out;
  append_xml_escaped(out, s);
  return out;
}

TEST(HtmlEscaped, EscapesTheFiveSpecialCharacters) {
  EXPECT_EQ(html_escaped(R"(<a href="x" title='y'>&</a>)"),
            "&lt;a href=&quot;x&quot; title=&#39;y&#39;&gt;&amp;&lt;/a&gt;");
  EXPECT_EQ(html_escaped("plain"), "plain");
  EXPECT_EQ(html_escaped(""), "");
  EXPECT_EQ(html_escaped("&amp;"), "&amp;amp;");  // already-escaped text is escaped again
}

TEST(HtmlEscaped, CopiesEveryOtherByte) {
  // Controls and non-UTF-8 bytes pass through: HTML output keeps what it is given.
  EXPECT_EQ(html_escaped(std::string_view("a\0b\x01\xFF caf\xC3\xA9", 11)),
            std::string("a\0b\x01\xFF caf\xC3\xA9", 11));
}

TEST(HtmlEscaped, AppendsToWhatIsThere) {
  std::string out = "<p>";
  append_html_escaped(out, "1 < 2");
  EXPECT_EQ(out, "<p>1 &lt; 2");
}

TEST(XmlEscaped, EscapesWithApos) {
  EXPECT_EQ(xml(R"(<a b="c" d='e'>&)"), "&lt;a b=&quot;c&quot; d=&apos;e&apos;&gt;&amp;");
}

TEST(XmlEscaped, DropsWhatXml10Forbids) {
  EXPECT_EQ(xml("a\tb\nc\rd"), "a\tb\nc\rd");
  EXPECT_EQ(xml(std::string_view("a\0b\x01\x1F"
                                 "c",
                                 6)),
            "abc");
  EXPECT_EQ(xml("x\xEF\xBF\xBEy\xEF\xBF\xBFz"), "xyz");  // U+FFFE, U+FFFF
  EXPECT_EQ(xml("stray \x80\xBF bytes"), "stray  bytes");
}

TEST(XmlEscaped, KeepsUtf8) {
  EXPECT_EQ(xml("caf\xC3\xA9 \xE2\x80\x94 \xF0\x9F\x93\xB0 \xEF\xBF\xBD"),
            "caf\xC3\xA9 \xE2\x80\x94 \xF0\x9F\x93\xB0 \xEF\xBF\xBD");
}

}  // namespace
}  // namespace broadsheet

namespace broadsheet {
namespace {

TEST(Excerpt, KeepsShortReadableTextAsItIs) {
  EXPECT_EQ(excerpt("morning-briefing"), "morning-briefing");
  EXPECT_EQ(excerpt("Grüße, 日本"), "Grüße, 日本");
  EXPECT_EQ(excerpt(""), "");
}

TEST(Excerpt, CutsAtACharacterBoundary) {
  const std::string text = std::string(63, 'a') + "é";  // é is two bytes: 65 in all
  EXPECT_EQ(excerpt(text), std::string(63, 'a') + "…");
  EXPECT_EQ(excerpt(std::string(3000, '7'), 10), "7777777777…");
  EXPECT_EQ(excerpt("日本語", 7), "日本…");
}

TEST(Excerpt, ReplacesWhatCannotBeShown) {
  EXPECT_EQ(excerpt("a\xFF"
                    "b"),
            "a\xEF\xBF\xBD"
            "b");
  EXPECT_EQ(excerpt("a\r\nb"),
            "a\xEF\xBF\xBD\xEF\xBF\xBD"
            "b");
  EXPECT_EQ(excerpt("\xC3"), "\xEF\xBF\xBD");          // a lead byte cut off
  EXPECT_EQ(excerpt("x\xC2\x85y"), "x\xEF\xBF\xBDy");  // U+0085, a C1 control
}

TEST(TrimWhitespace, DropsSpacesTabsAndLineEndsAtBothEnds) {
  EXPECT_EQ(trim_whitespace(" \t a b \r\n"), "a b");
  EXPECT_EQ(trim_whitespace("   "), "");
  EXPECT_EQ(trim_whitespace(""), "");
}

TEST(SplitAt, KeepsEmptyParts) {
  using V = std::vector<std::string_view>;
  EXPECT_EQ(split_at("a,b", ','), (V{"a", "b"}));
  EXPECT_EQ(split_at("a,,b,", ','), (V{"a", "", "b", ""}));
  EXPECT_EQ(split_at("", ','), (V{""}));
}

TEST(AsciiIequals, FoldsOnlyAsciiLetters) {
  EXPECT_TRUE(ascii_iequals("Content-Type", "content-TYPE"));
  EXPECT_TRUE(ascii_iequals("", ""));
  EXPECT_FALSE(ascii_iequals("LHLO", "LHL"));
  EXPECT_FALSE(ascii_iequals("[", "{"));                // 0x5B is not 0x7B made small
  EXPECT_FALSE(ascii_iequals("\xC3\x89", "\xC3\xA9"));  // É and é are other bytes
  EXPECT_TRUE(ascii_istarts_with("size=1000", "SIZE="));
  EXPECT_FALSE(ascii_istarts_with("SIZ", "SIZE="));
}

TEST(JsonString, EscapesQuotesBackslashesAndControls) {
  std::string out;
  append_json_string(out, "a\"b\\c\n\x01 Zoë");
  EXPECT_EQ(out, "\"a\\\"b\\\\c\\u000a\\u0001 Zoë\"");
  out.clear();
  append_json_string(out, "");
  EXPECT_EQ(out, "\"\"");
}

}  // namespace
}  // namespace broadsheet
