#include "render/issue_render.hpp"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <thread>

#include "core/text.hpp"
#include "mime/testing.hpp"
#include "render/testing.hpp"

namespace broadsheet::render {
namespace {

namespace fs = std::filesystem;
using mime::testing::counting_random;
using mime::testing::header_value;
using testing::sample_input;
using testing::sample_reader;

constexpr UnixSeconds kDate = 1732860000;  // Fri, 29 Nov 2024 06:00:00 UTC

PreparedIssue prepared(const IssueRenderInput& in = sample_input()) {
  auto p = PreparedIssue::prepare(in);
  EXPECT_TRUE(p.ok()) << p.error().message;
  return std::move(p.value());
}

// The same message through the general MIME writer, from the same parts.
std::string via_build_message(const PreparedIssue& p, const ReaderFields& r) {
  mime::OutgoingMessage m;
  m.from = p.from();
  m.to = {r.name, r.email};
  m.reply_to = address::Mailbox{"Letters", "letters@news.example.com"};
  m.subject = sample_input().issue.subject;
  m.text_body = p.text_for(r).value();
  m.html_body = p.html_for(r).value();
  m.message_id_domain = "news.example.com";
  m.date = kDate;
  m.extra_headers = {
      {"List-Id", "\"The Morning Briefing\" <morning.news.example.com>"},
      {"List-Unsubscribe", "<" + r.unsubscribe_url + ">, <mailto:" + r.unsubscribe_mailto + ">"},
      {"List-Unsubscribe-Post", "List-Unsubscribe=One-Click"},
      {"Feedback-ID", "42:morning:newsletter:broadsheet"},
      {"X-Broadsheet-Delivery", r.delivery_header}};
  auto bytes = mime::build_message(m, counting_random);
  EXPECT_TRUE(bytes.ok()) << bytes.error().message;
  return bytes.ok() ? *bytes : "";
}

TEST(IssueRender, MessageIsWhatTheMimeWriterWritesForTheSameParts) {
  const PreparedIssue p = prepared();
  std::vector<ReaderFields> readers;
  readers.push_back(sample_reader(1));
  auto r = sample_reader(2);
  r.name = "Zoë Ångström-Øster, née \"Zo\" Ñúñez 日本語";
  readers.push_back(r);
  r = sample_reader(3);
  r.name = "";
  readers.push_back(r);
  r = sample_reader(4);
  r.name = "O'Brien, Dr. <Pat> & \"Co\"";
  r.issue_date = "Saturday, 30 November 2024";
  readers.push_back(r);
  for (const auto& reader : readers) {
    auto fast = p.message_for(reader, kDate, counting_random);
    ASSERT_TRUE(fast.ok()) << fast.error().message;
    EXPECT_EQ(*fast, via_build_message(p, reader)) << "reader " << reader.name;
  }
}

TEST(IssueRender, HeadersNameTheListAndHowToLeaveIt) {
  const PreparedIssue p = prepared();
  const auto r = sample_reader();
  const std::string m = p.message_for(r, kDate, counting_random).value();
  EXPECT_EQ(header_value(m, "From"), "The Morning Briefing <briefing@news.example.com>");
  EXPECT_EQ(header_value(m, "To"), "Ada Lovelace <reader1@mail.example.org>");
  EXPECT_EQ(header_value(m, "Reply-To"), "Letters <letters@news.example.com>");
  EXPECT_EQ(header_value(m, "Date"), "Fri, 29 Nov 2024 06:00:00 +0000");
  EXPECT_EQ(header_value(m, "Message-ID"), mime::testing::kMessageId);
  EXPECT_EQ(header_value(m, "MIME-Version"), "1.0");
  EXPECT_EQ(header_value(m, "List-Id"), "\"The Morning Briefing\" <morning.news.example.com>");
  EXPECT_EQ(header_value(m, "List-Unsubscribe"),
            "<" + r.unsubscribe_url + ">, <mailto:" + r.unsubscribe_mailto + ">");
  EXPECT_EQ(header_value(m, "List-Unsubscribe-Post"), "List-Unsubscribe=One-Click");
  EXPECT_EQ(header_value(m, "Feedback-ID"), "42:morning:newsletter:broadsheet");
  EXPECT_EQ(header_value(m, "X-Broadsheet-Delivery"), r.delivery_header);
  EXPECT_EQ(header_value(m, "Content-Type"),
            "multipart/alternative; boundary=\"" + std::string(mime::testing::kBoundary) + "\"");
}

TEST(IssueRender, ListIdDomainAndSenderAreConfigurable) {
  auto in = sample_input();
  in.list_id_domain = "lists.example.net";
  in.feedback_id_sender = "gazette";
  in.newsletter.name = "Frühstück";
  in.newsletter.from_address = "";
  in.from = "Gazette <news@gazette.example.com>";
  const std::string m = prepared(in).message_for(sample_reader(), kDate, counting_random).value();
  EXPECT_EQ(header_value(m, "List-Id"), "=?UTF-8?B?RnLDvGhzdMO8Y2s=?= <morning.lists.example.net>");
  EXPECT_EQ(header_value(m, "Feedback-ID"), "42:morning:newsletter:gazette");
  EXPECT_EQ(header_value(m, "From"), "Gazette <news@gazette.example.com>");
  EXPECT_EQ(header_value(m, "Message-ID"),
            "<000102030405060708090a0b0c0d0e0f@gazette.example.com>");
}

TEST(IssueRender, ReaderFieldsAreFilledAndEscapedForEachBody) {
  const PreparedIssue p = prepared();
  auto r = sample_reader();
  r.name = "<b>Mallory</b> & \"friends\"";
  r.email_display = "mallory@bücher.example";
  const std::string html = p.html_for(r).value();
  const std::string text = p.text_for(r).value();
  EXPECT_NE(html.find("Good morning &lt;b&gt;Mallory&lt;/b&gt; &amp; &quot;friends&quot;,"),
            std::string::npos);
  EXPECT_EQ(html.find("<b>Mallory"), std::string::npos);
  EXPECT_NE(text.find("Good morning <b>Mallory</b> & \"friends\","), std::string::npos);
  EXPECT_NE(html.find("because\nmallory@bücher.example\nsubscribed"), std::string::npos);
  EXPECT_NE(html.find("href=\"" + r.unsubscribe_url + "\""), std::string::npos);
  EXPECT_NE(html.find("href=\"" + r.preferences_url + "\""), std::string::npos);
  EXPECT_NE(text.find("Unsubscribe: " + r.unsubscribe_url), std::string::npos);
  EXPECT_NE(text.find("Friday, 29 November 2024"), std::string::npos);
  EXPECT_EQ(html.find('\x01'), std::string::npos);
  EXPECT_EQ(text.find('\x01'), std::string::npos);

  r.name = "";
  EXPECT_NE(p.text_for(r).value().find("Good morning reader,"), std::string::npos);
  r.issue_date = "";  // the issue's own date, in UTC
  EXPECT_NE(p.html_for(r).value().find("Friday, 29 November 2024"), std::string::npos);
}

TEST(IssueRender, AReaderFieldAsALinkTargetIsCheckedForEachReader) {
  auto in = sample_input(1);
  in.issue.body_markdown = "[Open your profile]({{name}}) or [write]({{email}}).\n";
  const PreparedIssue p = prepared(in);
  auto r = sample_reader();
  r.name = "javascript:alert(document.cookie)//";
  const std::string html = p.html_for(r).value();
  const std::string text = p.text_for(r).value();
  EXPECT_EQ(html.find("javascript"), std::string::npos) << html;
  EXPECT_EQ(text.find("javascript"), std::string::npos) << text;
  EXPECT_NE(html.find(">Open your profile</a>"), std::string::npos) << html;
  EXPECT_EQ(html.find("href=\"" + r.email), std::string::npos);  // not a URL either
  for (const char* name : {"JavaScript:alert(1)", " javascript:alert(1)", "data:text/html,x",
                           "vbscript:x", "java&#115;cript:alert(1)"}) {
    r.name = name;
    EXPECT_EQ(p.html_for(r).value().find("href=\"" + html_escaped(name)), std::string::npos)
        << name;
  }
  // A name that is an http(s) URL is the editor's choice of target, and kept.
  r.name = "https://ada.example/profile?a=1&b=2";
  EXPECT_NE(p.html_for(r).value().find("href=\"https://ada.example/profile?a=1&amp;b=2\""),
            std::string::npos);
  r.name = "javascript:alert(1)";
  const std::string evil = p.message_for(r, kDate, counting_random).value();
  const std::string bodies = evil.substr(evil.find("\r\n\r\n"));  // To: names the reader
  EXPECT_EQ(bodies.find("javascript"), std::string::npos);  // nor in the quoted-printable parts
}

TEST(IssueRender, HtmlIsBuiltForMailClients) {
  const std::string html = prepared().html_for(sample_reader()).value();
  EXPECT_NE(html.find("max-width:600px"), std::string::npos);
  EXPECT_NE(html.find("role=\"presentation\""), std::string::npos);
  // The preheader: first in the body, hidden.
  const auto hidden = html.find("<div style=\"display:none;");
  ASSERT_NE(hidden, std::string::npos);
  EXPECT_EQ(html.find("The council voted 31 to 24; shopkeepers worry about the works.", hidden),
            html.find('>', hidden) + 1);
  // Every image has alt text; no layout depends on a <style> rule.
  for (auto at = html.find("<img "); at != std::string::npos; at = html.find("<img ", at + 1)) {
    const std::string tag = html.substr(at, html.find('>', at) - at);
    EXPECT_NE(tag.find(" alt=\""), std::string::npos) << tag;
    EXPECT_EQ(tag.find(" alt=\"\""), std::string::npos) << tag;
  }
  for (std::string_view tag : {"<p ", "<h2 ", "<table ", "<td ", "<th ", "<a ", "<li "}) {
    for (auto at = html.find(tag); at != std::string::npos; at = html.find(tag, at + 1)) {
      const auto comment = html.rfind("<!--", at);
      if (comment != std::string::npos && html.find("-->", comment) > at) continue;  // Outlook's
      const std::string element = html.substr(at, html.find('>', at) - at);
      EXPECT_NE(element.find("style=\""), std::string::npos) << element;
    }
  }
  // The footer: the postal address, why, and both links.
  EXPECT_NE(html.find("1 Printing House Square, London EC4V 4AA, United Kingdom"),
            std::string::npos);
  EXPECT_NE(html.find("You are receiving The Morning Briefing because"), std::string::npos);
  EXPECT_NE(html.find(">Unsubscribe</a>"), std::string::npos);
  EXPECT_NE(html.find(">Manage your newsletters</a>"), std::string::npos);
  EXPECT_NE(html.find("href=\"https://news.example.com/archive/morning/42\""), std::string::npos);
}

TEST(IssueRender, TextIsMadeFromTheMarkdownWithFootnotes) {
  const std::string text = prepared().text_for(sample_reader()).value();
  EXPECT_NE(text.find("the full story [1]."), std::string::npos) << text;
  EXPECT_NE(text.find("\nLinks:\n[1] https://news.example.com/2024/11/29/tram-line-1?utm_source="
                      "newsletter&utm_medium=email\n"),
            std::string::npos);
  EXPECT_NE(text.find("https://news.example.com/archive/cycling"), std::string::npos);
  EXPECT_NE(text.find("\nRoute               | Stops | Opens\n"), std::string::npos) << text;
  EXPECT_EQ(text.find('<'), std::string::npos) << "no HTML in the text body";
}

TEST(IssueRender, WebVersionHoldsNoReaderData) {
  const PreparedIssue p = prepared();
  const std::string& web = p.web_html();
  EXPECT_NE(web.find("Good morning reader,"), std::string::npos);
  EXPECT_EQ(web.find("/u/"), std::string::npos);
  EXPECT_EQ(web.find("/p/"), std::string::npos);
  EXPECT_EQ(web.find("subscribed to it"), std::string::npos);
  EXPECT_EQ(web.find("View this issue in your browser"), std::string::npos);
  EXPECT_EQ(web.find("display:none"), std::string::npos);
  EXPECT_NE(web.find("You are reading an issue of The Morning Briefing"), std::string::npos);
  EXPECT_NE(web.find("https://news.example.com/newsletters"), std::string::npos);
  EXPECT_NE(web.find("Friday, 29 November 2024"), std::string::npos);
  EXPECT_EQ(web.find('\x01'), std::string::npos);
}

TEST(IssueRender, DefaultsAndReaderSectionsDifferBetweenEmailAndWeb) {
  IssueRenderInput in = sample_input();
  in.issue.body_markdown =
      "Dear {{name | default: \"friend\"}},\n\n{{#reader}}\nYou signed up with "
      "{{email}}.\n{{/reader}}\n{{^reader}}\nRead it by email: sign up.\n{{/reader}}\n";
  const PreparedIssue p = prepared(in);
  ReaderFields named = sample_reader(1), nameless = sample_reader(2);
  named.name = "Ada <b>";
  nameless.name = "";
  const std::string html = p.html_for(named).value();
  EXPECT_NE(html.find("Dear Ada &lt;b&gt;,"), std::string::npos) << html;
  EXPECT_NE(html.find("You signed up with " + named.email), std::string::npos);
  EXPECT_EQ(html.find("Read it by email"), std::string::npos);
  EXPECT_NE(p.text_for(nameless).value().find("Dear friend,"), std::string::npos);
  const std::string& web = p.web_html();
  EXPECT_NE(web.find("Dear friend,"), std::string::npos) << web;
  EXPECT_EQ(web.find("signed up with"), std::string::npos);
  EXPECT_NE(web.find("Read it by email: sign up."), std::string::npos);
}

TEST(IssueRender, DatesAreWrittenInFull) {
  EXPECT_EQ(format_issue_date(0), "Thursday, 1 January 1970");
  EXPECT_EQ(format_issue_date(1732860000), "Friday, 29 November 2024");
  EXPECT_EQ(format_issue_date(1732860000 + 18 * 3600), "Saturday, 30 November 2024");
}

// ---- Nothing from outside adds a header.

struct Attempt {
  std::string label, value;
};

std::vector<Attempt> hostile_values() {
  return {{"CRLF", "x\r\nBcc: victim@example.net"},
          {"LF", "x\nBcc: victim@example.net"},
          {"CR", "x\rBcc: victim@example.net"},
          {"NUL", std::string("x\0y", 3)},
          {"ESC", "x\x1b[31m"},
          {"DEL", "x\x7f"},
          {"CRLFCRLF", "x\r\n\r\n--=_bs_101112131415161718191a1b\r\nContent-Type: text/html"},
          {"huge", std::string(5000, 'a')}};
}

TEST(IssueRender, ReaderValuesThatCouldBreakTheHeaderAreRefused) {
  const PreparedIssue p = prepared();
  using Setter = void (*)(ReaderFields&, const std::string&);
  const std::vector<std::pair<std::string, Setter>> fields = {
      {"name", [](ReaderFields& r, const std::string& v) { r.name = v; }},
      {"email", [](ReaderFields& r, const std::string& v) { r.email = v; }},
      {"email_display", [](ReaderFields& r, const std::string& v) { r.email_display = v; }},
      {"issue_date", [](ReaderFields& r, const std::string& v) { r.issue_date = v; }},
      {"unsubscribe_url",
       [](ReaderFields& r, const std::string& v) {
         r.unsubscribe_url = "https://n.example/u/" + v;
       }},
      {"preferences_url",
       [](ReaderFields& r, const std::string& v) {
         r.preferences_url = "https://n.example/p/" + v;
       }},
      {"unsubscribe_mailto",
       [](ReaderFields& r, const std::string& v) { r.unsubscribe_mailto = "u@n.example?s=" + v; }},
      {"delivery_header", [](ReaderFields& r, const std::string& v) { r.delivery_header = v; }},
  };
  for (const auto& [field, set] : fields) {
    for (const auto& attempt : hostile_values()) {
      ReaderFields r = sample_reader();
      set(r, attempt.value);
      auto m = p.message_for(r, kDate, counting_random);
      EXPECT_FALSE(m.ok()) << field << " with " << attempt.label << " was accepted";
      if (!m.ok()) {
        EXPECT_EQ(m.error().code, Errc::invalid_argument) << m.error().message;
      }
    }
  }
}

TEST(IssueRender, LongAndForeignNamesAreEncodedAndFolded) {
  const PreparedIssue p = prepared();
  auto r = sample_reader();
  r.name = "";
  for (int i = 0; i < 60; ++i) r.name += "Jöhn Ŝmïth 名前 ";
  r.name += "end";
  const std::string m = p.message_for(r, kDate, counting_random).value();
  const std::string head(mime::testing::header_section(m));
  for (const auto& line : mime::testing::split_lines(head)) {
    if (line.starts_with("List-Unsubscribe:")) continue;  // one unbreakable URL
    EXPECT_LE(line.size(), 78u) << line;
  }
  std::string decoded;
  for (const auto& word : mime::testing::words_of(header_value(m, "To"))) {
    if (word.starts_with("=?")) decoded += mime::testing::decode_word(word);
  }
  EXPECT_EQ(decoded, r.name);
}

TEST(IssueRender, BodyTextCannotForgeAPartOrAHeader) {
  auto in = sample_input(1);
  in.issue.body_markdown =
      "x\r\n\r\n--=_bs_101112131415161718191a1b\r\nContent-Type: text/html\r\n\r\n<script>"
      "\n\nBcc: victim@example.net\n";
  const std::string m = prepared(in).message_for(sample_reader(), kDate, counting_random).value();
  const std::string delimiter = "\r\n--" + std::string(mime::testing::kBoundary);
  std::size_t count = 0;
  for (auto at = m.find(delimiter); at != std::string::npos; at = m.find(delimiter, at + 1))
    ++count;
  EXPECT_EQ(count, 3u) << "two parts and the closing delimiter, nothing forged";
  EXPECT_EQ(header_value(m, "Bcc"), "<missing>");
}

TEST(IssueRender, IssueAndConfigurationValuesThatCouldBreakAHeaderAreRefused) {
  using Setter = void (*)(IssueRenderInput&, const std::string&);
  const std::vector<std::pair<std::string, Setter>> fields = {
      {"subject", [](IssueRenderInput& in, const std::string& v) { in.issue.subject = v; }},
      {"preheader", [](IssueRenderInput& in, const std::string& v) { in.issue.preheader = v; }},
      {"newsletter name",
       [](IssueRenderInput& in, const std::string& v) { in.newsletter.name = v; }},
      {"from_name",
       [](IssueRenderInput& in, const std::string& v) { in.newsletter.from_name = v; }},
      {"from_address",
       [](IssueRenderInput& in, const std::string& v) { in.newsletter.from_address = v; }},
      {"from",
       [](IssueRenderInput& in, const std::string& v) {
         in.newsletter.from_address.clear();
         in.from = "News " + v + " <n@news.example.com>";
       }},
      {"reply_to", [](IssueRenderInput& in,
                      const std::string& v) { in.reply_to = "R " + v + " <r@x.example>"; }},
      {"publication", [](IssueRenderInput& in, const std::string& v) { in.publication_name = v; }},
      {"postal address", [](IssueRenderInput& in, const std::string& v) { in.postal_address = v; }},
      {"base_url", [](IssueRenderInput& in, const std::string& v) { in.base_url += "/" + v; }},
      {"list_id_domain", [](IssueRenderInput& in, const std::string& v) { in.list_id_domain = v; }},
      {"feedback sender",
       [](IssueRenderInput& in, const std::string& v) { in.feedback_id_sender = v; }},
      {"name fallback", [](IssueRenderInput& in, const std::string& v) { in.name_fallback = v; }},
      {"html layout", [](IssueRenderInput& in, const std::string& v) { in.layout.html += v; }},
      {"text layout", [](IssueRenderInput& in, const std::string& v) { in.layout.text += v; }},
      {"markdown", [](IssueRenderInput& in, const std::string& v) { in.issue.body_markdown += v; }},
  };
  for (const auto& [field, set] : fields) {
    for (const auto& attempt : hostile_values()) {
      const bool multiline =
          field == "html layout" || field == "text layout" || field == "markdown";
      if (multiline &&
          (attempt.label.starts_with("CR") || attempt.label == "LF" || attempt.label == "huge")) {
        continue;  // line breaks are the point of a body; they cannot reach a header
      }
      IssueRenderInput in = sample_input(1);
      set(in, attempt.value);
      auto p = PreparedIssue::prepare(in);
      EXPECT_FALSE(p.ok()) << field << " with " << attempt.label << " was accepted";
    }
  }
}

TEST(IssueRender, MergeFieldsAreCheckedWhereTheyCannotWork) {
  auto in = sample_input(1);
  in.issue.subject = "News for {{name}}";
  auto p = PreparedIssue::prepare(in);
  ASSERT_FALSE(p.ok());
  EXPECT_NE(p.error().message.find("{{name}}"), std::string::npos) << p.error().message;

  in = sample_input(1);
  in.issue.body_markdown = "Hello {{nmae}}";
  p = PreparedIssue::prepare(in);
  ASSERT_FALSE(p.ok());
  EXPECT_NE(p.error().message.find("unknown merge field {{nmae}}"), std::string::npos)
      << p.error().message;

  for (std::string layout :
       {"{{#name}}Hi {{name}}{{/name}}", "{{^ email }}no email{{/email}}",
        "{{#unsubscribe_url}}x{{/unsubscribe_url}}", "{{#open}}never closed", "{{"}) {
    in = sample_input(1);
    in.layout.html = layout;
    p = PreparedIssue::prepare(in);
    EXPECT_FALSE(p.ok()) << layout;
  }
}

TEST(IssueRender, PublishersReplaceLayoutsPerNewsletterOrForAll) {
  std::string tmpl = (fs::temp_directory_path() / "broadsheet-layout-XXXXXX").string();
  ASSERT_NE(::mkdtemp(tmpl.data()), nullptr);
  const fs::path data = tmpl;
  fs::create_directories(data / "templates" / "email");
  auto write = [&](const std::string& name, const std::string& content) {
    std::ofstream(data / "templates" / "email" / name) << content;
  };

  auto layout = load_email_layout(data.string(), "morning");
  ASSERT_TRUE(layout.ok()) << layout.error().message;
  EXPECT_EQ(layout->html, builtin_email_layout().html);
  EXPECT_EQ(layout->html_origin, "built-in");

  write("issue.html.mustache", "<p>ALL {{newsletter_name}}</p>{{{body}}}");
  write("morning.txt.mustache", "MORNING {{name}}\n{{{body}}}");
  layout = load_email_layout(data.string(), "morning");
  ASSERT_TRUE(layout.ok());
  EXPECT_EQ(layout->html_origin, (data / "templates/email/issue.html.mustache").string());
  EXPECT_EQ(layout->text_origin, (data / "templates/email/morning.txt.mustache").string());
  auto in = sample_input(1);
  in.layout = *layout;
  const PreparedIssue p = prepared(in);
  EXPECT_TRUE(p.html_for(sample_reader()).value().starts_with("<p>ALL The Morning Briefing</p>"));
  EXPECT_TRUE(p.text_for(sample_reader()).value().starts_with("MORNING Ada Lovelace\n"));

  write("morning.html.mustache", "<p>ONLY MORNING</p>");
  layout = load_email_layout(data.string(), "morning");
  EXPECT_EQ(layout->html, "<p>ONLY MORNING</p>");
  layout = load_email_layout(data.string(), "evening");
  EXPECT_TRUE(layout->html.starts_with("<p>ALL"));
  EXPECT_EQ(layout->text, builtin_email_layout().text);

  write("evening.html.mustache", "\xff\xfe not UTF-8");
  EXPECT_FALSE(load_email_layout(data.string(), "evening").ok());
  fs::remove_all(data);
}

TEST(IssueRender, TheSponsorStandsLabelledBetweenTheFirstAndSecondStory) {
  IssueRenderInput in = sample_input(3);
  in.issue.sponsor_markdown =
      "**Acme** for {{name}}: [offer](/acme) <b>raw</b>\n\n{{#reader}}Yours, "
      "{{email}}{{/reader}}\n";
  const PreparedIssue p = prepared(in);
  const ReaderFields reader = sample_reader();
  const std::string html = p.html_for(reader).value();
  const auto first = html.find(">1. Council"), ad = html.find("class=\"bs-sponsor\"");
  const auto second = html.find(">2. Council");
  ASSERT_NE(ad, std::string::npos) << html;
  EXPECT_LT(first, ad);
  EXPECT_LT(ad, second);
  const std::string block = html.substr(ad, second - ad);
  EXPECT_NE(block.find(">Advertisement</p>"), std::string::npos) << block;
  EXPECT_NE(block.find("<strong>Acme</strong> for Ada Lovelace"), std::string::npos) << block;
  EXPECT_NE(block.find("href=\"https://news.example.com/acme\""), std::string::npos);
  EXPECT_NE(block.find("&lt;b&gt;raw&lt;/b&gt;"), std::string::npos);
  EXPECT_NE(block.find("Yours, " + reader.email), std::string::npos);

  const std::string text = p.text_for(reader).value();
  const auto tad = text.find("----- Advertisement -----");
  ASSERT_NE(tad, std::string::npos) << text;
  EXPECT_LT(text.find("1. Council"), tad);
  EXPECT_LT(tad, text.find("2. Council"));
  // The body's three links come first ([1]-[6]); the block's continue the numbers.
  EXPECT_NE(text.find("*Acme* for Ada Lovelace: offer [7] <b>raw</b>\n\nYours, " + reader.email +
                      "\n\nLinks:\n[7] https://news.example.com/acme\n-----"),
            std::string::npos)
      << text;

  const std::string& web = p.web_html();
  EXPECT_NE(web.find(">Advertisement</p>"), std::string::npos);
  EXPECT_NE(web.find("<strong>Acme</strong> for reader"), std::string::npos) << web;
  EXPECT_EQ(web.find("Yours,"), std::string::npos);  // {{#reader}} is for emails only
}

TEST(IssueRender, WithoutASponsorTheBodyIsAsBefore) {
  IssueRenderInput in = sample_input(2);
  in.layout.html = "[{{{body}}}]";
  in.layout.text = "[{{{body}}}]";
  const PreparedIssue whole = prepared(in);
  in.layout.html = "[{{{body_lead}}}{{#sponsor}}AD{{/sponsor}}{{{body_rest}}}]";
  in.layout.text = in.layout.html;
  const PreparedIssue split = prepared(in);
  EXPECT_EQ(whole.html_for(sample_reader()).value(), split.html_for(sample_reader()).value());
  EXPECT_EQ(whole.text_for(sample_reader()).value(), split.text_for(sample_reader()).value());
  EXPECT_EQ(whole.web_html(), split.web_html());
  // The built-in layouts too: no trace of a block, nor of their comments.
  const std::string html = prepared().html_for(sample_reader()).value();
  EXPECT_LT(html.find("<!DOCTYPE html>"), 2u) << html.substr(0, 200);
  EXPECT_EQ(html.find("bs-sponsor\""), std::string::npos);
  EXPECT_EQ(html.find("Advertisement"), std::string::npos);
  EXPECT_EQ(prepared().text_for(sample_reader()).value().find("Advertisement"), std::string::npos);
}

TEST(IssueRender, ALayoutPlacesTheSponsorOrGetsTheBuiltInLook) {
  IssueRenderInput in = sample_input(2);
  in.issue.sponsor_markdown = "Buy *now*.";
  in.layout.html = "{{{body}}}";
  in.layout.text = "{{{body}}}";
  PreparedIssue p = prepared(in);
  std::string html = p.html_for(sample_reader()).value();
  EXPECT_NE(html.find("<div class=\"bs-sponsor\""), std::string::npos) << html;
  EXPECT_NE(html.find(">Advertisement</p>\n<p style="), std::string::npos) << html;
  const std::string text = p.text_for(sample_reader()).value();
  EXPECT_NE(text.find("\n\n----------------------------- Advertisement ----------------------------"
                      "\nBuy _now_.\n-------"),
            std::string::npos)
      << text;
  EXPECT_LT(text.find("Advertisement"), text.find("2. Council"));

  in.layout.html = "{{{body}}}|{{#sponsor}}<aside>{{{sponsor}}}</aside>{{/sponsor}}";
  p = prepared(in);
  html = p.html_for(sample_reader()).value();
  EXPECT_EQ(html.find("bs-sponsor"), std::string::npos) << html;  // {{{body}}} is the body alone
  EXPECT_NE(html.find("|<aside><p style="), std::string::npos) << html;
}

TEST(IssueRender, TheSponsorIsRefusedWhereTheBodyWouldBe) {
  IssueRenderInput in = sample_input(1);
  in.issue.sponsor_markdown = "Hi {{first_name}}";
  auto p = PreparedIssue::prepare(in);
  ASSERT_FALSE(p.ok());
  EXPECT_NE(p.error().message.find("sponsor block"), std::string::npos) << p.error().message;
  EXPECT_NE(p.error().message.find("{{first_name}}"), std::string::npos);
  // A second default of one field, across the body and the block.
  in.issue.body_markdown = "Hi {{name | default: \"friend\"}}\n";
  in.issue.sponsor_markdown = "For {{name | default: \"you\"}}\n";
  EXPECT_FALSE(PreparedIssue::prepare(in).ok());
}

TEST(IssueRender, ThreadsShareOnePreparedIssue) {
  const PreparedIssue p = prepared();
  std::vector<std::string> expected;
  for (int i = 0; i < 8; ++i) {
    expected.push_back(p.message_for(sample_reader(i), kDate, counting_random).value());
  }
  std::vector<std::thread> threads;
  std::atomic<int> mismatches{0};
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int round = 0; round < 50; ++round) {
        for (int i = 0; i < 8; ++i) {
          if (p.message_for(sample_reader(i), kDate, counting_random).value() != expected[i]) {
            ++mismatches;
          }
        }
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(mismatches.load(), 0);
}

TEST(IssueRender, BoundaryAndMessageIdComeFromTheRandomSource) {
  const PreparedIssue p = prepared();
  auto failing = [](std::span<unsigned char>) -> Status {
    return make_error(Errc::internal, "no entropy");
  };
  EXPECT_FALSE(p.message_for(sample_reader(), kDate, failing).ok());
  auto a = p.message_for(sample_reader(), kDate).value();
  auto b = p.message_for(sample_reader(), kDate).value();
  EXPECT_NE(header_value(a, "Message-ID"), header_value(b, "Message-ID"));
  EXPECT_NE(header_value(a, "Content-Type"), header_value(b, "Content-Type"));
}

}  // namespace
}  // namespace broadsheet::render
