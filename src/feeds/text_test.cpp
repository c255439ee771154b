#include "feeds/text.hpp"

#include <gtest/gtest.h>

namespace broadsheet::feeds {
namespace {

TEST(FeedText, ReducesHtmlToPlainText) {
  EXPECT_EQ(html_to_text("<p>One &amp; <b>two</b></p><p>three&nbsp;four</p>", 100),
            "One & two three four");
  EXPECT_EQ(html_to_text("<script>alert(1)</script><style>p{}</style>Safe", 100), "Safe");
  EXPECT_EQ(html_to_text("5 < 6 and 7 > 3", 100), "5 < 6 and 7 > 3");
  EXPECT_EQ(html_to_text("", 100), "");
  EXPECT_EQ(html_to_text("<img src=x onerror=alert(1)>", 100), "");
}

TEST(FeedText, BoundsAtACharacterBoundary) {
  const std::string t = html_to_text("<p>" + std::string(50, 'a') + "\xC3\xA9" + "</p>", 51);
  EXPECT_EQ(t, std::string(50, 'a') + "\xE2\x80\xA6");
  EXPECT_EQ(clean_text("  a \n\t b  ", 10), "a b");
}

TEST(FeedText, SurvivesDeepNesting) {
  std::string html;
  for (int i = 0; i < 20000; ++i) html += "<div>";
  html += "deep";
  // libxml2 stops at its nesting limit: what is past it is lost, and nothing breaks.
  const std::string text = html_to_text(html, 100);
  EXPECT_EQ(text.find('<'), std::string::npos);
  EXPECT_LE(text.size(), 100u);
}

TEST(FeedText, FindsTheFirstImage) {
  EXPECT_EQ(first_image("<p>x</p><IMG SRC=\"/a.png\"><img src=\"/b.png\">"), "/a.png");
  EXPECT_EQ(first_image("<p>no picture</p>"), "");
}

}  // namespace
}  // namespace broadsheet::feeds
