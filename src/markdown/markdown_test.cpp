#include "markdown/markdown.hpp"

#include <gtest/gtest.h>

#include "markdown/detail.hpp"
#include "markdown/fields.hpp"

namespace broadsheet::markdown {
namespace {

MarkdownOptions options() {
  MarkdownOptions o;
  o.base_url = "https://news.example.com";
  o.merge_field = [](const FieldRef& field, bool html) -> std::optional<std::string> {
    const std::string_view name = field.name;
    if (name == "name") return std::string(html ? "[H:NAME]" : "[T:NAME]");
    if (name == "preferences_url") return std::string("https://news.example.com/p/TOKEN");
    if (name == "evil") return std::string("javascript:alert(document.cookie)//");
    if (name == "reader") return field_marker(ReaderField::name);
    return std::nullopt;
  };
  return o;
}

std::string html(std::string_view md) {
  auto out = markdown_to_email_html(md, options());
  EXPECT_TRUE(out.ok()) << out.error().message;
  return out.ok() ? *out : "";
}

std::string text(std::string_view md) {
  auto out = markdown_to_text(md, options());
  EXPECT_TRUE(out.ok()) << out.error().message;
  return out.ok() ? *out : "";
}

TEST(MarkdownHtml, ElementsCarryInlineStyles) {
  const std::string out = html(
      "# Title\n\nA *b* **c** ~~d~~ `e`.\n\n- x\n- y\n\n1. z\n\n> q\n\n```\ncode\n```\n\n---\n\n"
      "| a | b |\n|---|--:|\n| 1 | 2 |\n");
  EXPECT_NE(out.find("<h1 style=\"margin:28px 0 12px;font-size:28px;"), std::string::npos) << out;
  EXPECT_NE(out.find("A <em>b</em> <strong>c</strong> <del>d</del> <code class=\"bs-code\" style="),
            std::string::npos);
  for (std::string_view tag : {"<p ", "<ul ", "<ol ", "<li ", "<blockquote ", "<pre ", "<hr ",
                               "<table ", "<th ", "<td "}) {
    const auto at = out.find(tag);
    ASSERT_NE(at, std::string::npos) << tag;
    EXPECT_EQ(out.substr(at, out.find('>', at) - at).find("style=\"") == std::string::npos, false)
        << tag;
  }
  EXPECT_NE(out.find("<th align=\"left\""), std::string::npos);
  EXPECT_NE(out.find("<td align=\"right\""), std::string::npos);
  EXPECT_NE(out.find("<table width=\"100%\""), std::string::npos);
}

TEST(MarkdownHtml, AMergeFieldAsALinkTargetIsCheckedByItsValue) {
  // A fixed value is checked as if written there.
  std::string out = html("[Open]({{evil}}) [Manage]({{preferences_url}})");
  EXPECT_EQ(out.find("javascript"), std::string::npos) << out;
  EXPECT_NE(out.find(">Manage</a>"), std::string::npos) << out;
  EXPECT_NE(out.find("Open"), std::string::npos);
  EXPECT_EQ(text("[Open]({{evil}})").find("javascript"), std::string::npos);
  // A reader's field becomes its link marker, checked per reader (merge_fields.hpp).
  out = html("[Profile]({{reader}})");
  EXPECT_NE(out.find("href=\"" + link_marker(ReaderField::name) + "\""), std::string::npos) << out;
  EXPECT_NE(text("[Profile]({{reader}})").find(link_marker(ReaderField::name)), std::string::npos);
}

TEST(MarkdownHtml, RawHtmlIsShownAsText) {
  const std::string out = html("<script>alert(1)</script>\n\nA <b onclick=\"x\">tag</b>.\n");
  EXPECT_EQ(out.find("<script>"), std::string::npos) << out;
  EXPECT_NE(out.find("&lt;script&gt;alert(1)&lt;/script&gt;"), std::string::npos) << out;
  EXPECT_NE(out.find("A &lt;b onclick=&quot;x&quot;&gt;tag&lt;/b&gt;."), std::string::npos);
}

TEST(MarkdownHtml, LinksKeepSafeTargetsOnly) {
  const std::string out = html(
      "[a](https://x.example/?a=1&b=\"2\") [b](/archive/7) [c](javascript:alert(1)) "
      "[d](data:text/html,hi) [e](relative/path) [f](mailto:ed@x.example) "
      "[g]({{preferences_url}}) [h](//cdn.example/x) <https://auto.example/>");
  EXPECT_NE(out.find("<a href=\"https://x.example/?a=1&amp;b=%222%22\""), std::string::npos) << out;
  EXPECT_NE(out.find("<a href=\"https://news.example.com/archive/7\""), std::string::npos);
  EXPECT_NE(out.find(" c "), std::string::npos);
  EXPECT_EQ(out.find("javascript"), std::string::npos);
  EXPECT_EQ(out.find("data:"), std::string::npos);
  EXPECT_EQ(out.find("relative/path"), std::string::npos);
  EXPECT_NE(out.find("<a href=\"mailto:ed@x.example\""), std::string::npos);
  EXPECT_NE(out.find("<a href=\"https://news.example.com/p/TOKEN\""), std::string::npos);
  EXPECT_NE(out.find("<a href=\"https://cdn.example/x\""), std::string::npos);
  EXPECT_NE(out.find("<a href=\"https://auto.example/\""), std::string::npos);
}

TEST(MarkdownHtml, ImagesAlwaysHaveAltText) {
  const std::string out = html(
      "![A *red* bus](https://x.example/bus.png) ![](https://x.example/a.png \"Title\") "
      "![](https://x.example/b.png) ![Hidden](javascript:x) ![\"q\" & "
      "<b>](https://x.example/c.png)");
  EXPECT_NE(out.find("<img src=\"https://x.example/bus.png\" alt=\"A red bus\""), std::string::npos)
      << out;
  EXPECT_NE(out.find("<img src=\"https://x.example/a.png\" alt=\"Title\" title=\"Title\""),
            std::string::npos);
  EXPECT_NE(out.find("<img src=\"https://x.example/b.png\" alt=\"Image\""), std::string::npos);
  EXPECT_NE(out.find(" Hidden "), std::string::npos);
  EXPECT_NE(out.find("alt=\"&quot;q&quot; &amp; &lt;b&gt;\""), std::string::npos);
  EXPECT_NE(out.find("max-width:100%"), std::string::npos);
}

TEST(MarkdownHtml, EntitiesAreDecodedOrShownLiterally) {
  EXPECT_NE(html("&copy; &#233; &#x1F600; &bogus; &amp;").find("© é 😀 &amp;bogus; &amp;"),
            std::string::npos);
}

TEST(MarkdownFields, AreReplacedInTextAndTargetsButNotInCode) {
  const std::string out = html("Hi {{name}}, {{ name }} and {{{name}}}. `{{name}}`\n\n    {{x}}\n");
  EXPECT_NE(out.find("Hi [H:NAME], [H:NAME] and [H:NAME]."), std::string::npos) << out;
  EXPECT_NE(out.find(">{{name}}</code>"), std::string::npos);
  EXPECT_NE(out.find("<code>{{x}}\n</code>"), std::string::npos);
  EXPECT_NE(text("Hi {{name}}").find("Hi [T:NAME]"), std::string::npos);
  EXPECT_NE(html("{ {name} } {{ }} {{na me}}").find("{ {name} } {{ }} {{na me}}"),
            std::string::npos);
}

TEST(MarkdownFields, UnknownNamesAreErrors) {
  for (std::string_view md :
       {"Hi {{nmae}}", "[x]({{nmae}})", "![{{nmae}}](https://x.example/a.png)",
        "| {{nmae}} |\n|---|\n| 1 |\n"}) {
    auto h = markdown_to_email_html(md, options());
    ASSERT_FALSE(h.ok()) << md;
    EXPECT_NE(h.error().message.find("{{nmae}}"), std::string::npos) << h.error().message;
    EXPECT_FALSE(markdown_to_text(md, options()).ok()) << md;
  }
  // Without a resolver braces are plain text.
  EXPECT_EQ(*markdown_to_text("Hi {{nmae}}"), "Hi {{nmae}}\n");
}

TEST(MarkdownInput, BadInputIsRefused) {
  for (const std::string& md : {std::string("a\0b", 3), std::string("a\x1b[1m"), std::string("\xff\xfe"),
                         std::string("a\x7f"), std::string(kMaxMarkdown + 1, 'a')}) {
    EXPECT_FALSE(markdown_to_email_html(md).ok());
    EXPECT_FALSE(markdown_to_text(md).ok());
  }
  EXPECT_TRUE(markdown_to_text("tab\there\r\nand CRLF\r\n").ok());
}

TEST(MarkdownText, ParagraphsWrapAt72Columns) {
  std::string md;
  for (int i = 0; i < 40; ++i) md += "word" + std::to_string(i) + " ";
  md += "https://example.com/" + std::string(100, 'u') + " end\n\n> " + md + "\n";
  const std::string out = text(md);
  std::size_t start = 0, long_lines = 0;
  for (std::size_t end; (end = out.find('\n', start)) != std::string::npos; start = end + 1) {
    const std::string line = out.substr(start, end - start);
    if (line.size() > 72) {
      ++long_lines;
      EXPECT_EQ(line.find(' ', line.starts_with("> ") ? 2 : 0), std::string::npos)
          << "only an unbreakable word may pass 72 columns: " << line;
    }
  }
  EXPECT_EQ(long_lines, 1u) << out;
  EXPECT_NE(out.find("\n> word0 word1"), std::string::npos) << out;
}

TEST(MarkdownText, WideCharactersCountTwice) {
  std::string md;
  for (int i = 0; i < 30; ++i) md += "日本 ";
  const std::string out = text(md);
  const std::string first = out.substr(0, out.find('\n'));
  EXPECT_LE(detail::display_width(first), 72u);
  EXPECT_GE(detail::display_width(first), 65u);
}

TEST(MarkdownText, LinksBecomeNumberedFootnotes) {
  const std::string out = text(
      "Read [the story](https://x.example/story) and [more](https://x.example/more), or "
      "[the story again](https://x.example/story). Autolinks stay: https://auto.example/a "
      "and www.example.org and ed@x.example. [Manage]({{preferences_url}}). "
      "[Dropped](javascript:x).\n");
  EXPECT_EQ(out,
            "Read the story [1] and more [2], or the story again [1]. Autolinks stay:\n"
            "https://auto.example/a and www.example.org and ed@x.example. Manage [3].\n"
            "Dropped.\n"
            "\n"
            "Links:\n"
            "[1] https://x.example/story\n"
            "[2] https://x.example/more\n"
            "[3] https://news.example.com/p/TOKEN\n");
}

TEST(MarkdownText, BlocksReadAsPlainText) {
  const std::string out = text(
      "# Main title\n\nIntro with **bold** and _em_.\n\n## Section\n\n### Small\n\n"
      "- one\n- two\n  - nested\n- three\n\n3. c\n4. d\n\n> quoted\n> text\n\n"
      "```\n  keep   spacing\n```\n\n---\n\nLine  \nbreak\n\n![Chart](https://x.example/c.png)\n");
  EXPECT_EQ(out,
            "Main title\n"
            "==========\n"
            "\n"
            "Intro with *bold* and _em_.\n"
            "\n"
            "Section\n"
            "-------\n"
            "\n"
            "Small\n"
            "\n"
            "  * one\n"
            "  * two\n"
            "      * nested\n"
            "  * three\n"
            "\n"
            "  3. c\n"
            "  4. d\n"
            "\n"
            "> quoted text\n"
            "\n"
            "      keep   spacing\n"
            "\n"
            "* * *\n"
            "\n"
            "Line\n"
            "break\n"
            "\n"
            "[Image: Chart]\n");
}

TEST(MarkdownText, LooseListsKeepBlankLinesAndWrapUnderTheirBullet) {
  const std::string out = text(
      "- first item that is long enough to be wrapped onto a second line of the plain text\n\n"
      "- second\n");
  EXPECT_EQ(out,
            "  * first item that is long enough to be wrapped onto a second line of\n"
            "    the plain text\n"
            "\n"
            "  * second\n");
}

TEST(MarkdownText, TablesAreColumnsWhenTheyFitElseRecords) {
  EXPECT_EQ(text("| Name | Score |\n|:-----|------:|\n| Ada | 10 |\n| Grace | 9 |\n"),
            "Name  | Score\n"
            "------+------\n"
            "Ada   |    10\n"
            "Grace |     9\n");
  const std::string wide = text(
      "| Headline | Summary |\n|---|---|\n"
      "| Council approves tram line | After three years of debate the council voted 31 to "
      "24 on Thursday night to build the line through the old town |\n");
  EXPECT_EQ(wide,
            "Headline: Council approves tram line\n"
            "Summary: After three years of debate the council voted 31 to 24 on\n"
            "Thursday night to build the line through the old town\n");
}

// Where the first story ends, as the renderers report it: "lead|rest" with the split
// marked, for both renderers (the text one without the blank line between).
std::string stories(std::string_view md, bool as_html) {
  auto out = as_html ? render_email_html(md, options()) : render_text(md, options());
  EXPECT_TRUE(out.ok()) << out.error().message;
  if (!out.ok()) return "";
  std::string lead = out->out.substr(0, out->first_story_end);
  std::string rest = out->out.substr(out->first_story_end);
  return lead + "|" + rest;
}

TEST(MarkdownStories, TheSecondStoryBeginsAtASecondHeadingOfTheStoryLevel) {
  // "# Title" is used once, so the stories are the level-2 headings.
  EXPECT_EQ(stories("# Briefing\n\nHello.\n\n## One\n\nA.\n\n### Detail\n\n## Two\n\nB.\n", false),
            "Briefing\n========\n\nHello.\n\nOne\n---\n\nA.\n\nDetail\n|\nTwo\n---\n\nB.\n");
  const std::string h = stories("## One\n\nA.\n\n## Two\n\nB.\n\n## Three\n", true);
  const auto bar = h.find('|');
  EXPECT_NE(h.substr(0, bar).find(">One</h2>"), std::string::npos) << h;
  EXPECT_TRUE(h.substr(bar + 1).starts_with("<h2 ")) << h;
  EXPECT_NE(h.substr(bar + 1).find(">Two</h2>"), std::string::npos) << h;
}

TEST(MarkdownStories, AThematicBreakEndsTheFirstStoryIfItComesFirst) {
  EXPECT_EQ(stories("One.\n\n---\n\nTwo.\n\n---\n\nThree.\n", false),
            "One.\n|\n* * *\n\nTwo.\n\n* * *\n\nThree.\n");
  EXPECT_EQ(stories("# A\n\nx\n\n---\n\n# B\n", false), "A\n=\n\nx\n|\n* * *\n\nB\n=\n");
  // A break first of all ends nothing.
  EXPECT_EQ(stories("---\n\nOnly.\n", false), "* * *\n\nOnly.\n|");
}

TEST(MarkdownStories, OneStoryEndsAtTheEndAndNestedBlocksDoNotCount) {
  EXPECT_EQ(stories("Just one story.\n", false), "Just one story.\n|");
  EXPECT_EQ(stories("# One heading\n\ntext\n", true).back(), '|');
  // Headings and breaks inside quotes and lists are not stories.
  EXPECT_EQ(stories("> ## a\n>\n> ---\n>\n> ## b\n\n- ## c\n- ## d\n", false).back(), '|');
}

TEST(MarkdownStories, LinkFootnotesStayAtTheEndAndMayStartAtAnyNumber) {
  const std::string out =
      stories("[A](https://a.example/)\n\n---\n\n[B](https://b.example/)\n", false);
  EXPECT_EQ(out,
            "A [1]\n|\n* * *\n\nB [2]\n\nLinks:\n[1] https://a.example/\n[2] https://b.example/\n");
  MarkdownOptions o = options();
  o.first_footnote = 3;
  auto ad = render_text("[Shop](https://shop.example/)\n", o);
  ASSERT_TRUE(ad.ok());
  EXPECT_EQ(ad->out, "Shop [3]\n\nLinks:\n[3] https://shop.example/\n");
  EXPECT_EQ(ad->footnotes, 1u);
}

}  // namespace
}  // namespace broadsheet::markdown
