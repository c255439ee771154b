#include "web/archive_pages.hpp"

#include <gtest/gtest.h>

namespace broadsheet::web {
namespace {

AtomFeed sample_feed() {
  AtomFeed feed;
  feed.id = "https://news.example.org/archive/morning";
  feed.title = "Morning Briefing";
  feed.subtitle = "The news before breakfast";
  feed.self_url = "https://news.example.org/archive/morning/feed.atom";
  feed.page_url = feed.id;
  feed.author = "The Daily";
  feed.updated = 1732863600;  // 2024-11-29T07:00:00Z
  return feed;
}

TEST(RenderAtom, WritesTheRequiredFeedAndEntryElements) {
  AtomFeed feed = sample_feed();
  feed.entries.push_back({"https://news.example.org/archive/morning/3", "Friday",
                          "https://news.example.org/archive/morning/3", "In brief", 1732863600,
                          1732863600});
  const std::string xml = render_atom(feed);
  EXPECT_TRUE(
      xml.starts_with("<?xml version=\"1.0\" encoding=\"utf-8\"?>\n"
                      "<feed xmlns=\"http://www.w3.org/2005/Atom\">\n"));
  for (const char* part : {
           "<id>https://news.example.org/archive/morning</id>",
           "<title>Morning Briefing</title>",
           "<subtitle>The news before breakfast</subtitle>",
           "<updated>2024-11-29T07:00:00Z</updated>",
           "<link rel=\"self\" type=\"application/atom+xml\" "
           "href=\"https://news.example.org/archive/morning/feed.atom\"/>",
           "<link rel=\"alternate\" type=\"text/html\" "
           "href=\"https://news.example.org/archive/morning\"/>",
           "<author>\n    <name>The Daily</name>\n  </author>",
           "<entry>\n    <id>https://news.example.org/archive/morning/3</id>\n"
           "    <title>Friday</title>\n    <updated>2024-11-29T07:00:00Z</updated>\n"
           "    <published>2024-11-29T07:00:00Z</published>\n"
           "    <link rel=\"alternate\" type=\"text/html\" "
           "href=\"https://news.example.org/archive/morning/3\"/>\n"
           "    <summary>In brief</summary>\n  </entry>",
       }) {
    EXPECT_NE(xml.find(part), std::string::npos) << part << "\nin:\n" << xml;
  }
  EXPECT_TRUE(xml.ends_with("</feed>\n"));
}

TEST(RenderAtom, EscapesEveryValueAndDropsWhatXmlForbids) {
  AtomFeed feed = sample_feed();
  feed.title = "Tom & Jerry's <b>\"news\"</b>";
  feed.self_url = "https://x.example/a?b=1&c=\"2\"";
  feed.entries.push_back({"id",
                          "caf\xC3\xA9 \x01\x1F"
                          "bell\x07 tab\tok \xEF\xBF\xBF end",
                          "u", "", 0, 0});
  const std::string xml = render_atom(feed);
  EXPECT_NE(xml.find("<title>Tom &amp; Jerry&apos;s &lt;b&gt;&quot;news&quot;&lt;/b&gt;</title>"),
            std::string::npos)
      << xml;
  EXPECT_NE(xml.find("href=\"https://x.example/a?b=1&amp;c=&quot;2&quot;\""), std::string::npos);
  EXPECT_NE(xml.find("<title>caf\xC3\xA9 bell tab\tok  end</title>"), std::string::npos) << xml;
  EXPECT_EQ(xml.find("<summary>"), std::string::npos) << "no summary without a preheader";
}

TEST(RenderAtom, AFeedWithoutEntriesIsStillComplete) {
  const std::string xml = render_atom(sample_feed());
  EXPECT_EQ(xml.find("<entry>"), std::string::npos);
  EXPECT_NE(xml.find("<updated>2024-11-29T07:00:00Z</updated>"), std::string::npos);
  EXPECT_NE(xml.find("<author>"), std::string::npos);
}

}  // namespace
}  // namespace broadsheet::web
