// Tests of build_message: the shape of the message and the refusal of header injection.
#include "mime/mime.hpp"

#include <gtest/gtest.h>

#include <functional>

#include "mime/testing.hpp"

namespace broadsheet::mime {
namespace {

using testing::counting_random;
using testing::header_section;
using testing::header_value;
using testing::kBoundary;
using testing::kMessageId;
using testing::sample_message;
using testing::split_lines;

std::string build(const OutgoingMessage& m) {
  auto r = build_message(m, counting_random);
  EXPECT_TRUE(r.ok()) << r.error().message;
  return r.ok() ? *r : std::string();
}

// CRLF only, no line beyond 998, header lines within 78.
void expect_well_formed(std::string_view message) {
  ASSERT_TRUE(message.ends_with("\r\n"));
  for (std::size_t i = 0; i < message.size(); ++i) {
    if (message[i] == '\n') {
      ASSERT_TRUE(i > 0 && message[i - 1] == '\r') << "bare LF at " << i;
    }
    if (message[i] == '\r') {
      ASSERT_EQ(message[i + 1], '\n') << "bare CR at " << i;
    }
    ASSERT_NE(message[i], '\0');
  }
  for (const auto& line : split_lines(message)) EXPECT_LE(line.size(), 998u);
  for (const auto& line : split_lines(header_section(message))) {
    EXPECT_LE(line.size(), 78u) << line;
  }
}

TEST(BuildMessage, WritesATextOnlyMessage) {
  std::string m = build(sample_message());
  expect_well_formed(m);
  EXPECT_EQ(m,
            "Date: Fri, 29 Nov 2024 19:00:00 +0000\r\n"
            "From: The Morning Briefing <briefing@news.example.com>\r\n"
            "To: Ada Reader <ada@example.org>\r\n"
            "Subject: Please confirm your subscription\r\n"
            "Message-ID: " +
                std::string(kMessageId) +
                "\r\n"
                "MIME-Version: 1.0\r\n"
                "Content-Type: text/plain; charset=utf-8\r\n"
                "Content-Transfer-Encoding: quoted-printable\r\n"
                "\r\n"
                "Hello Ada,\r\n"
                "\r\n"
                "please confirm: https://news.example.com/confirm/abc\r\n");
}

TEST(BuildMessage, TextOnlyBodyEndsWithALineBreak) {
  auto msg = sample_message();
  msg.text_body = "no newline";
  EXPECT_TRUE(build(msg).ends_with("\r\n\r\nno newline\r\n"));
  msg.text_body = "";
  EXPECT_TRUE(build(msg).ends_with("quoted-printable\r\n\r\n"));
}

TEST(BuildMessage, WritesMultipartAlternativeTextFirst) {
  auto msg = sample_message();
  msg.reply_to = address::Mailbox{"Letters Desk", "letters@news.example.com"};
  msg.html_body = "<p>Hello Ada,</p>\n<p><a href=\"https://news.example.com/c\">Confirm</a></p>";
  msg.extra_headers = {{"List-Id", "Morning Briefing <morning.news.example.com>"},
                       {"X-Broadsheet-Delivery", "42.7"}};
  std::string m = build(msg);
  expect_well_formed(m);
  const std::string b(kBoundary);
  EXPECT_EQ(header_value(m, "Reply-To"), "Letters Desk <letters@news.example.com>");
  EXPECT_EQ(header_value(m, "Content-Type"), "multipart/alternative; boundary=\"" + b + "\"");
  // Order: own headers, MIME-Version, then the extra headers as given, then Content-Type.
  auto at = [&](std::string_view s) { return m.find(s); };
  EXPECT_LT(at("\r\nReply-To:"), at("\r\nSubject:"));
  EXPECT_LT(at("MIME-Version: 1.0"), at("List-Id: "));
  EXPECT_LT(at("List-Id: "), at("X-Broadsheet-Delivery: 42.7"));
  EXPECT_LT(at("X-Broadsheet-Delivery: "), at("Content-Type: multipart"));
  std::string body = m.substr(m.find("\r\n\r\n") + 4);
  EXPECT_EQ(
      body,
      "--" + b +
          "\r\n"
          "Content-Type: text/plain; charset=utf-8\r\n"
          "Content-Transfer-Encoding: quoted-printable\r\n\r\n"
          "Hello Ada,\r\n\r\nplease confirm: https://news.example.com/confirm/abc\r\n\r\n"
          "--" +
          b +
          "\r\n"
          "Content-Type: text/html; charset=utf-8\r\n"
          "Content-Transfer-Encoding: quoted-printable\r\n\r\n"
          "<p>Hello Ada,</p>\r\n<p><a href=3D\"https://news.example.com/c\">Confirm</a></p>\r\n"
          "--" +
          b + "--\r\n");
}

TEST(BuildMessage, BoundaryCannotOccurInBodies) {
  auto msg = sample_message();
  // A body that quotes the boundary the fixed random source will produce.
  msg.text_body = "--" + std::string(kBoundary) + "\n--" + std::string(kBoundary) + "--\n";
  msg.html_body = msg.text_body;
  std::string m = build(msg);
  std::size_t count = 0;
  for (std::size_t at = m.find(kBoundary); at != std::string::npos;
       at = m.find(kBoundary, at + 1)) {
    ++count;
  }
  EXPECT_EQ(count, 4u);  // Content-Type, two delimiters, the close delimiter
}

TEST(BuildMessage, UsesTheRandomSource) {
  auto a = build_message(sample_message());
  auto b = build_message(sample_message());
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_NE(header_value(*a, "Message-ID"), header_value(*b, "Message-ID"));
  EXPECT_TRUE(header_value(*a, "Message-ID").ends_with("@news.example.com>"));
  auto failing = [](std::span<unsigned char>) -> Status {
    return make_error(Errc::internal, "no entropy");
  };
  auto r = build_message(sample_message(), failing);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, Errc::internal);
}

TEST(BuildMessage, QuotesAndEncodesDisplayNames) {
  auto name_in_from = [](std::string name) {
    auto msg = sample_message();
    msg.from.name = std::move(name);
    std::string m = build(msg);
    expect_well_formed(m);
    return header_value(m, "From");
  };
  EXPECT_EQ(name_in_from(""), "briefing@news.example.com");
  EXPECT_EQ(name_in_from("Doe, Jane"), "\"Doe, Jane\" <briefing@news.example.com>");
  EXPECT_EQ(name_in_from("The \"Daily\" \\ News"),
            "\"The \\\"Daily\\\" \\\\ News\" <briefing@news.example.com>");
  EXPECT_EQ(name_in_from("J. R. Hartley"), "\"J. R. Hartley\" <briefing@news.example.com>");
  EXPECT_EQ(name_in_from("Zoë"), "=?UTF-8?Q?Zo=C3=AB?= <briefing@news.example.com>");
  EXPECT_EQ(name_in_from("=?x?="), "=?UTF-8?B?PT94Pz0=?= <briefing@news.example.com>");
  // Too long to quote on one line: encoded words, folded.
  std::string long_name = "Hartley, J. R. (Fly Fishing) " + std::string(60, 'x');
  EXPECT_NE(name_in_from(long_name).find("=?UTF-8?"), std::string::npos);
}

TEST(BuildMessage, FoldsLongExtraHeadersAtSpaces) {
  auto msg = sample_message();
  std::string unsubscribe =
      "<https://news.example.com/unsubscribe/" + std::string(56, 't') +
      ">, <mailto:unsubscribe@news.example.com?subject=" + std::string(56, 't') + ">";
  msg.extra_headers = {{"List-Unsubscribe", unsubscribe},
                       {"List-Unsubscribe-Post", "List-Unsubscribe=One-Click"}};
  std::string m = build(msg);
  EXPECT_EQ(header_value(m, "List-Unsubscribe"), unsubscribe);
  EXPECT_NE(m.find(">,\r\n <mailto:"), std::string::npos);
  for (const auto& line : split_lines(header_section(m))) EXPECT_LE(line.size(), 998u);
}

TEST(BuildMessage, LongSubjectsStayWithin78) {
  auto msg = sample_message();
  msg.subject = std::string(900, 'x');  // one unfoldable word: encoded instead
  expect_well_formed(build(msg));
  msg.subject = "";
  for (int i = 0; i < 150; ++i) msg.subject += "Nachrichtenüberblick ";
  expect_well_formed(build(msg));
}

// Every way a value could smuggle a header or break the message is refused.
struct Injection {
  std::string why;
  std::function<void(OutgoingMessage&)> apply;
};

TEST(BuildMessage, RefusesHeaderInjection) {
  const std::string nul("\0", 1);
  const std::vector<Injection> cases = {
      {"CRLF in subject", [](auto& m) { m.subject = "Hi\r\nBcc: victim@example.org"; }},
      {"LF in subject", [](auto& m) { m.subject = "Hi\nBcc: victim@example.org"; }},
      {"CR in subject", [](auto& m) { m.subject = "Hi\rBcc: victim@example.org"; }},
      {"NUL in subject", [&](auto& m) { m.subject = "Hi" + nul; }},
      {"escape in subject", [](auto& m) { m.subject = "Hi\x1b[31m"; }},
      {"LF in from name", [](auto& m) { m.from.name = "Evil\nBcc: x@example.org"; }},
      {"NUL in to name", [&](auto& m) { m.to.name = "Ada" + nul; }},
      {"CR in reply-to name",
       [](auto& m) {
         m.reply_to = address::Mailbox{"a\rb", "r@example.org"};
       }},
      {"CRLF in to address", [](auto& m) { m.to.address = "ada@example.org\r\nBcc: x@y.org"; }},
      {"angle bracket in address", [](auto& m) { m.to.address = "ada@example.org>, <x@y.org"; }},
      {"space in address", [](auto& m) { m.from.address = "a b@example.org"; }},
      {"comma in address", [](auto& m) { m.from.address = "a@example.org,b@example.org"; }},
      {"no @ in address", [](auto& m) { m.to.address = "ada"; }},
      {"empty address", [](auto& m) { m.to.address = ""; }},
      {"non-ASCII address", [](auto& m) { m.to.address = "jösé@example.org"; }},
      {"CRLF in extra value",
       [](auto& m) {
         m.extra_headers = {{"List-Id", "a\r\nBcc: x"}};
       }},
      {"NUL in extra value",
       [&](auto& m) {
         m.extra_headers = {{"List-Id", "a" + nul}};
       }},
      {"LF in extra name",
       [](auto& m) {
         m.extra_headers = {{"X-A\nBcc", "x"}};
       }},
      {"colon in extra name",
       [](auto& m) {
         m.extra_headers = {{"Bcc: x@y.org\r\nX", "x"}};
       }},
      {"space in extra name",
       [](auto& m) {
         m.extra_headers = {{"X A", "x"}};
       }},
      {"empty extra name",
       [](auto& m) {
         m.extra_headers = {{"", "x"}};
       }},
      {"non-ASCII extra name",
       [](auto& m) {
         m.extra_headers = {{"X-Grüße", "x"}};
       }},
      {"extra From",
       [](auto& m) {
         m.extra_headers = {{"from", "evil@example.org"}};
       }},
      {"extra Content-Type",
       [](auto& m) {
         m.extra_headers = {{"Content-Type", "text/html"}};
       }},
      {"extra MIME-Version",
       [](auto& m) {
         m.extra_headers = {{"MIME-Version", "2.0"}};
       }},
      {"non-ASCII extra value",
       [](auto& m) {
         m.extra_headers = {{"List-Id", "Grüße <a.b>"}};
       }},
      {"unfoldable extra value",
       [](auto& m) {
         m.extra_headers = {{"X-Long", std::string(1200, 'a')}};
       }},
      {"very long subject", [](auto& m) { m.subject = std::string(10000, 'a'); }},
      {"very long name", [](auto& m) { m.from.name = std::string(5000, 'a'); }},
      {"CRLF in Message-ID domain", [](auto& m) { m.message_id_domain = "x.org>\r\nBcc: a"; }},
      {"empty Message-ID domain", [](auto& m) { m.message_id_domain = ""; }},
      {"invalid UTF-8 subject", [](auto& m) { m.subject = "\xC3\x28"; }},
      {"invalid UTF-8 name", [](auto& m) { m.to.name = "\xED\xA0\x80"; }},  // a surrogate
      {"invalid UTF-8 text body", [](auto& m) { m.text_body = "ok \xFF"; }},
      {"invalid UTF-8 html body", [](auto& m) { m.html_body = "<p>\xC0\xAF</p>"; }},
      {"date before 1970", [](auto& m) { m.date = -1; }},
      {"date after 9999", [](auto& m) { m.date = 253402300800; }},
  };
  for (const auto& c : cases) {
    auto msg = sample_message();
    c.apply(msg);
    auto r = build_message(msg, counting_random);
    ASSERT_FALSE(r.ok()) << c.why << " was accepted:\n" << *r;
    EXPECT_EQ(r.error().code, Errc::invalid_argument) << c.why;
    EXPECT_EQ(r.error().message.find('\n'), std::string::npos) << c.why;
  }
}

TEST(BuildMessage, AcceptsOrdinaryExtraHeaders) {
  auto msg = sample_message();
  msg.extra_headers = {
      {"Feedback-ID", "42:7:newsletter:broadsheet"}, {"Precedence", "bulk"}, {"X-Empty", ""}};
  std::string m = build(msg);
  EXPECT_EQ(header_value(m, "Feedback-ID"), "42:7:newsletter:broadsheet");
  EXPECT_EQ(header_value(m, "Precedence"), "bulk");
  EXPECT_NE(m.find("\r\nX-Empty: \r\n"), std::string::npos);
}

}  // namespace
}  // namespace broadsheet::mime
