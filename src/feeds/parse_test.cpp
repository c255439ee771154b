// parse_feed over the corpus of testdata/: real-world shapes, then malformed and
// hostile documents.
#include "feeds/parse.hpp"

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>
#include <string>

#include "core/clock.hpp"

namespace broadsheet::feeds {
namespace {

constexpr UnixSeconds kFetchedAt = 1796716800;  // 2026-12-08T08:00:00Z

std::string corpus(const std::string& name) {
  std::ifstream in(std::string(BROADSHEET_FEEDS_TESTDATA) + "/" + name, std::ios::binary);
  EXPECT_TRUE(in) << name;
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

ParsedFeed parse(const std::string& name, const std::string& url = "https://feeds.example/x.xml") {
  auto r = parse_feed(corpus(name), url, kFetchedAt);
  EXPECT_TRUE(r.ok()) << name << ": " << (r.ok() ? "" : r.error().message);
  return r.ok() ? *r : ParsedFeed{};
}

std::string refusal(const std::string& document) {
  auto r = parse_feed(document, "https://feeds.example/x.xml", kFetchedAt);
  EXPECT_FALSE(r.ok());
  if (r.ok()) return "";
  EXPECT_EQ(r.error().code, Errc::invalid_argument);
  return r.error().message;
}

UnixSeconds at(const char* rfc3339) { return *parse_rfc3339(rfc3339); }

TEST(ParseFeed, ReadsAWordPressFeed) {
  ParsedFeed f = parse("wordpress.rss");
  EXPECT_EQ(f.format, "RSS 2.0");
  EXPECT_EQ(f.title, "Harbour Town Gazette");
  EXPECT_EQ(f.link, "https://gazette.example.org");
  ASSERT_EQ(f.items.size(), 2u);
  const FeedItem& a = f.items[0];
  EXPECT_EQ(a.title, "Ferry timetable changes for the winter");
  EXPECT_EQ(a.link, "https://gazette.example.org/2026/12/07/ferry-timetable-winter/");
  EXPECT_EQ(a.guid, "https://gazette.example.org/?p=4211");
  EXPECT_EQ(a.author, "Aisha Rahman");
  EXPECT_EQ(a.section, "Transport");  // the first category
  EXPECT_EQ(a.published_at, at("2026-12-07T07:30:00Z"));
  EXPECT_TRUE(a.dated);
  EXPECT_EQ(a.summary.rfind(
                "The first crossing moves to 06:40 \xE2\x80\x93 and the last leaves at 21:15. "
                "The post Ferry timetable",
                0),
            0u)
      << a.summary;
  EXPECT_EQ(a.summary.find('<'), std::string::npos);
  // The first picture of content:encoded, made absolute against the channel's link.
  EXPECT_EQ(a.image, "https://gazette.example.org/wp-content/uploads/2026/12/ferry.jpg");
  const FeedItem& b = f.items[1];
  EXPECT_EQ(b.title, "Council approves \xE2\x80\x9Cquiet streets\xE2\x80\x9D scheme");
  EXPECT_EQ(b.summary,
            "Residents on six streets will see through traffic closed from January\xE2\x80\xA6");
  EXPECT_EQ(b.author, "Tom O'Neill");
}

TEST(ParseFeed, ReadsANewsSitesAtomWithXmlBase) {
  ParsedFeed f = parse("news.atom");
  EXPECT_EQ(f.format, "Atom 1.0");
  EXPECT_EQ(f.title, "World news | Example News");
  ASSERT_EQ(f.items.size(), 2u);
  const FeedItem& a = f.items[0];
  EXPECT_EQ(a.title, "Talks resume in Geneva");
  EXPECT_EQ(a.link, "https://news.example.com/world/2026/dec/07/talks-resume-geneva");
  EXPECT_EQ(a.guid, "tag:news.example.com,2026:world/2026/dec/07/talks-resume-geneva");
  EXPECT_EQ(a.published_at, at("2026-12-07T07:45:00Z"));  // published, not updated
  EXPECT_EQ(a.author, "Maria Costa");
  EXPECT_EQ(a.section, "Europe");
  EXPECT_EQ(a.summary, "Negotiators met for the first time since June. Read more");
  EXPECT_EQ(a.image, "https://news.example.com/img/geneva-thumb.jpg");
  const FeedItem& b = f.items[1];
  EXPECT_EQ(b.link, "https://news.example.com/science/comet-tonight");  // the entry's xml:base
  EXPECT_EQ(b.image, "https://cdn.example.com/comet.jpg");
  EXPECT_EQ(b.published_at, at("2026-12-06T21:00:00Z"));  // updated, for want of published
  EXPECT_EQ(b.author, "Example News");                    // the feed's author
  EXPECT_EQ(b.summary, "Look north after 22:00.");
}

TEST(ParseFeed, FindsImagesInMediaExtensionsAndEnclosures) {
  ParsedFeed f = parse("media.rss");
  ASSERT_EQ(f.items.size(), 3u);
  EXPECT_EQ(f.items[0].image, "https://photos.example.net/storm-large.jpg");
  EXPECT_EQ(f.items[1].image, "https://photos.example.net/frost-thumb.jpg");
  EXPECT_EQ(f.items[2].image, "https://photos.example.net/lights.png");
  EXPECT_EQ(f.items[0].published_at, at("2026-12-07T06:00:00Z"));
}

TEST(ParseFeed, DecodesCdataAndEntitiesAndDropsMarkup) {
  ParsedFeed f = parse("cdata_entities.rss");
  EXPECT_EQ(f.title, "Fish & Chips Weekly");
  ASSERT_EQ(f.items.size(), 2u);
  EXPECT_EQ(f.items[0].title, "Cod & haddock: prices up again");
  EXPECT_EQ(f.items[0].link, "https://fish.example.org/prices?a=1&b=2");
  EXPECT_EQ(f.items[0].summary,
            "Prices rose by 5 % \xE2\x80\x94 the most since 2019.");  // no script, no style
  EXPECT_EQ(f.items[0].author, "Jo Bloggs");
  EXPECT_EQ(f.items[1].title,
            "Caf\xC3\xA9 opens \xE2\x80\x94 \xE2\x80\x9C"
            "at last\xE2\x80\x9D");
  EXPECT_EQ(f.items[1].summary, "Line one line two");
  EXPECT_EQ(f.items[1].image, "https://fish.example.org/cafe.jpg");
  EXPECT_FALSE(f.items[1].dated);
  EXPECT_EQ(f.items[1].published_at, kFetchedAt);
}

TEST(ParseFeed, ResolvesRelativeLinks) {
  ParsedFeed f = parse("relative.rss");
  ASSERT_EQ(f.items.size(), 4u);
  EXPECT_EQ(f.items[0].link, "https://site.example.org/blog/posts/one.html");
  EXPECT_EQ(f.items[0].image, "https://site.example.org/img/one.png");
  EXPECT_EQ(f.items[1].link, "https://site.example.org/two");
  EXPECT_EQ(f.items[2].link, "");  // javascript: is not a link
  EXPECT_EQ(f.items[2].guid, "three");
  EXPECT_EQ(f.items[3].link, "https://site.example.org/four");

  ParsedFeed g = parse("no_channel_link.rss", "http://127.0.0.1:8080/feeds/x.rss");
  ASSERT_EQ(g.items.size(), 1u);
  EXPECT_EQ(g.items[0].link, "http://127.0.0.1:8080/feeds/item/1");
}

TEST(ParseFeed, ReadsBrokenDatesAndFallsBackToTheFetchTime) {
  ParsedFeed f = parse("broken_dates.rss");
  ASSERT_EQ(f.items.size(), 8u);
  const UnixSeconds ten = at("2026-12-07T10:00:00Z");
  for (int i : {0, 1, 2, 3, 4, 6}) EXPECT_EQ(f.items[i].published_at, ten) << f.items[i].title;
  EXPECT_FALSE(f.items[5].dated);
  EXPECT_EQ(f.items[5].published_at, kFetchedAt);
  EXPECT_EQ(f.items[7].published_at, at("2026-09-03T10:00:00Z"));
}

TEST(ParseFeed, HandlesMissingFields) {
  ParsedFeed f = parse("missing_fields.rss");
  ASSERT_EQ(f.items.size(), 3u);
  EXPECT_EQ(f.skipped, 1u);  // neither link nor guid
  EXPECT_EQ(f.items[0].title, "An item with no title takes its summary's start.");
  EXPECT_EQ(f.items[1].link, "");
  EXPECT_EQ(f.items[1].guid, "urn:uuid:1234");
  EXPECT_EQ(f.items[2].title, "(untitled)");
  EXPECT_EQ(f.items[2].author, "");
}

TEST(ParseFeed, ReadsRss1) {
  ParsedFeed f = parse("rdf.rdf");
  EXPECT_EQ(f.format, "RSS 1.0");
  ASSERT_EQ(f.items.size(), 1u);
  EXPECT_EQ(f.items[0].guid, "https://rdf.example.org/one");
  EXPECT_EQ(f.items[0].author, "Ann");
  EXPECT_EQ(f.items[0].section, "Local");
  EXPECT_EQ(f.items[0].published_at, at("2026-12-07T08:00:00Z"));
}

TEST(ParseFeed, BoundsWhatItKeeps) {
  std::string doc = "<rss version=\"2.0\"><channel><title>t</title>";
  for (int i = 0; i < 600; ++i) {
    doc += "<item><title>" + std::string(1000, 'x') + "</title><link>https://b.example/" +
           std::to_string(i) + "</link><description>" + std::string(5000, 'y') +
           "</description></item>";
  }
  doc += "</channel></rss>";
  auto r = parse_feed(doc, "https://b.example/", kFetchedAt);
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->items.size(), 500u);
  EXPECT_EQ(r->skipped, 100u);
  EXPECT_LE(r->items[0].title.size(), 300u + 3);
  EXPECT_LE(r->items[0].summary.size(), 600u + 3);
}

TEST(ParseFeed, RefusesBillionLaughs) {
  EXPECT_NE(refusal(corpus("billion_laughs.xml")).find("entities"), std::string::npos);
  // In UTF-16 the scan for <!ENTITY cannot see it; libxml2 and the DTD check do.
  const std::string utf16 = refusal(corpus("billion_laughs_utf16.xml"));
  EXPECT_FALSE(utf16.empty());
}

TEST(ParseFeed, RefusesExternalEntities) {
  const std::string why = refusal(corpus("xxe_passwd.xml"));
  EXPECT_NE(why.find("entities"), std::string::npos) << why;
  EXPECT_EQ(why.find("root:"), std::string::npos);
}

TEST(ParseFeed, RefusesAFiftyMegabyteFeed) {
  std::string big = "<rss version=\"2.0\"><channel><title>";
  big.append(50 * 1024 * 1024, 'a');
  big += "</title></channel></rss>";
  EXPECT_NE(refusal(big).find("more than the limit of 10485760 bytes"), std::string::npos);
}

TEST(ParseFeed, NamesWhatIsWrongWithOtherDocuments) {
  EXPECT_EQ(refusal(""), "the feed is empty");
  EXPECT_NE(refusal(corpus("malformed.rss")).find("not well-formed XML"), std::string::npos);
  EXPECT_NE(refusal("just text").find("not well-formed XML"), std::string::npos);
  EXPECT_EQ(refusal(corpus("not_a_feed.html")),
            "not an RSS or Atom feed: the root element is <html>");
  EXPECT_NE(refusal("<rss version=\"2.0\"></rss>").find("<channel>"), std::string::npos);
}

}  // namespace
}  // namespace broadsheet::feeds
