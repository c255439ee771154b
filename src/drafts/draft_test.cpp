#include "drafts/draft.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

namespace broadsheet::drafts {
namespace {

Article article(Id id, std::string section, UnixSeconds published, std::string title = "") {
  Article a;
  a.id = id;
  a.section = std::move(section);
  a.published_at = published;
  a.title = title.empty() ? "Story " + std::to_string(id) : std::move(title);
  a.url = "https://news.example.org/" + std::to_string(id);
  a.standfirst = "Summary of " + std::to_string(id);
  return a;
}

std::vector<Id> ids(const std::vector<Article>& v) {
  std::vector<Id> out;
  for (const auto& a : v) out.push_back(a.id);
  return out;
}

schedule::Day day(std::string_view text) { return *schedule::parse_day(text); }

TEST(SelectArticles, SectionsInTheGivenOrderThenTheRestNewestFirstUpToN) {
  DraftSettings s;
  s.items = 4;
  s.sections = {"World", "business"};
  std::vector<Article> all = {article(1, "Sport", 500),   article(2, "Business", 100),
                              article(3, "world", 200),   article(4, "World", 300),
                              article(5, "Business", 400), article(6, "Culture", 600)};
  EXPECT_EQ(ids(select_articles(all, s)), (std::vector<Id>{4, 3, 5, 2}));
  s.items = 10;
  EXPECT_EQ(ids(select_articles(all, s)), (std::vector<Id>{4, 3, 5, 2, 6, 1}));
  s.sections.clear();
  s.items = 3;
  EXPECT_EQ(ids(select_articles(all, s)), (std::vector<Id>{6, 1, 5}));
  s.items = 0;
  EXPECT_TRUE(select_articles(all, s).empty());
}

TEST(SelectArticles, TiesGoToTheLaterId) {
  DraftSettings s;
  EXPECT_EQ(ids(select_articles({article(1, "", 100), article(2, "", 100)}, s)),
            (std::vector<Id>{2, 1}));
}

TEST(DraftSubject, NewsletterNameAndTheEditionsDay) {
  Newsletter n;
  n.name = "Morning Briefing";
  EXPECT_EQ(draft_subject(n, day("2026-12-08")), "Morning Briefing: Tuesday 8 December 2026");
}

TEST(EscapeMarkdown, NothingOpensALinkAMergeFieldOrAHeading) {
  EXPECT_EQ(escape_markdown("[x](y) {{name}} # *b*"),
            "\\[x\\]\\(y\\) \\{\\{name\\}\\} \\# \\*b\\*");
  EXPECT_EQ(escape_markdown("two\nlines"), "two lines");
  EXPECT_EQ(escape_markdown("Plain text, 3 words."), "Plain text, 3 words.");
}

TEST(RenderDraft, TheBuiltInLayoutGroupsBySectionAndKeepsMergeFields) {
  auto layout = load_draft_layout("/nonexistent", "morning");
  ASSERT_TRUE(layout.ok()) << layout.error().message;
  EXPECT_EQ(layout->origin, "built-in");
  Newsletter n;
  n.name = "Morning Briefing";
  std::vector<Article> picked = {article(4, "World", 300, "Talks [resume]"),
                                 article(5, "Business", 400), article(3, "World", 200),
                                 article(7, "", 100)};
  picked[0].author = "Ann Reporter";
  auto body = render_draft(*layout, n, day("2026-12-08"), picked);
  ASSERT_TRUE(body.ok()) << body.error().message;
  const std::string& md = *body;
  EXPECT_NE(md.find("# Morning Briefing"), std::string::npos) << md;
  EXPECT_NE(md.find("Tuesday 8 December 2026"), std::string::npos) << md;
  EXPECT_NE(md.find("{{name | default: \"reader\"}}"), std::string::npos) << md;
  const auto world = md.find("## World"), business = md.find("## Business"),
             more = md.find("## More");
  ASSERT_NE(world, std::string::npos) << md;
  EXPECT_LT(world, business);
  EXPECT_LT(business, more);
  EXPECT_NE(md.find("**[Talks \\[resume\\]](https://news.example.org/4)** · Ann Reporter"),
            std::string::npos)
      << md;
  EXPECT_LT(md.find("news.example.org/3"), business) << "both World stories under World";
  EXPECT_NE(md.find("Summary of 5"), std::string::npos);
}

TEST(RenderDraft, APublishersLayoutReplacesTheBuiltInOne) {
  const auto dir = std::filesystem::temp_directory_path() / "broadsheet-drafts-test";
  std::filesystem::create_directories(dir / "templates" / "draft");
  std::ofstream(dir / "templates" / "draft" / "morning.md.mustache")
      << "{{edition}}:{{#sections}}{{#articles}} {{title}}{{/articles}}{{/sections}}\n";
  auto layout = load_draft_layout(dir.string(), "morning");
  ASSERT_TRUE(layout.ok()) << layout.error().message;
  EXPECT_NE(layout->origin, "built-in");
  Newsletter n;
  n.name = "M";
  auto body = render_draft(*layout, n, day("2026-12-08"), {article(1, "", 1, "A & B")});
  ASSERT_TRUE(body.ok()) << body.error().message;
  EXPECT_EQ(*body, "2026-12-08: A \\& B\n");
  std::ofstream(dir / "templates" / "draft" / "broken.md.mustache") << "{{#open}}never closed\n";
  auto broken = load_draft_layout(dir.string(), "broken");
  ASSERT_TRUE(broken.ok());
  auto refused = render_draft(*broken, n, day("2026-12-08"), {});
  ASSERT_FALSE(refused.ok());
  EXPECT_NE(refused.error().message.find("broken.md.mustache"), std::string::npos);
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace broadsheet::drafts
