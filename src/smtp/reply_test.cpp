#include "smtp/reply.hpp"

#include <gtest/gtest.h>

namespace broadsheet::smtp {
namespace {

std::vector<Result<Reply>> parse_all(ReplyParser& parser) {
  std::vector<Result<Reply>> out;
  while (auto r = parser.next()) out.push_back(std::move(*r));
  return out;
}

TEST(ReplyParser, ReadsOneLineAndMultiLineReplies) {
  ReplyParser parser;
  const std::string text =
      "220 mx.example.net ESMTP\r\n"
      "250-mx.example.net\r\n250-PIPELINING\r\n250 8BITMIME\r\n";
  parser.feed(text.data(), text.size());
  auto replies = parse_all(parser);
  ASSERT_EQ(replies.size(), 2u);
  ASSERT_TRUE(replies[0].ok());
  EXPECT_EQ(replies[0]->code, 220);
  EXPECT_EQ(replies[0]->lines, std::vector<std::string>{"mx.example.net ESMTP"});
  ASSERT_TRUE(replies[1].ok());
  EXPECT_EQ(replies[1]->code, 250);
  EXPECT_EQ(replies[1]->lines.size(), 3u);
  EXPECT_EQ(replies[1]->lines[2], "8BITMIME");
  EXPECT_TRUE(parser.empty());
}

TEST(ReplyParser, WaitsForTheRestOfARepliesBytes) {
  // Pipelined replies arrive in any split; byte by byte is the worst case.
  const std::string text = "250 2.1.0 Ok\r\n250-2.1.5 Ok\r\n250 more\r\n354 go ahead\r\n";
  ReplyParser parser;
  std::vector<Reply> replies;
  for (char c : text) {
    parser.feed(&c, 1);
    while (auto r = parser.next()) {
      ASSERT_TRUE(r->ok());
      replies.push_back(std::move(r->value()));
    }
  }
  ASSERT_EQ(replies.size(), 3u);
  EXPECT_EQ(replies[0].code, 250);
  EXPECT_EQ(replies[1].lines, (std::vector<std::string>{"2.1.5 Ok", "more"}));
  EXPECT_EQ(replies[2].code, 354);
}

TEST(ReplyParser, AcceptsBareCodesAndBareLineFeeds) {
  ReplyParser parser;
  const std::string text = "250-smtp-sink\r\n250 \r\n221\n";
  parser.feed(text.data(), text.size());
  auto replies = parse_all(parser);
  ASSERT_EQ(replies.size(), 2u);
  EXPECT_EQ(replies[0]->lines, (std::vector<std::string>{"smtp-sink", ""}));
  EXPECT_EQ(replies[1]->code, 221);
  EXPECT_TRUE(replies[1]->lines[0].empty());
}

TEST(ReplyParser, RefusesMalformedReplies) {
  for (std::string bad : {"hello\r\n", "25 x\r\n", "250x\r\n", "199 too low\r\n",
                          "600 too high\r\n", "250-a\r\n550 b\r\n"}) {
    ReplyParser parser;
    parser.feed(bad.data(), bad.size());
    auto r = parser.next();
    ASSERT_TRUE(r.has_value()) << bad;
    EXPECT_FALSE(r->ok()) << bad;
  }
}

TEST(ReplyParser, BoundsLineLengthAndLineCount) {
  {
    ReplyParser parser;
    std::string line(kMaxReplyLine + 10, 'a');
    parser.feed(line.data(), line.size());  // no line end yet: already too long
    auto r = parser.next();
    ASSERT_TRUE(r.has_value());
    EXPECT_FALSE(r->ok());
  }
  {
    ReplyParser parser;
    std::string text;
    for (std::size_t i = 0; i <= kMaxReplyLines; ++i) text += "250-x\r\n";
    parser.feed(text.data(), text.size());
    auto r = parser.next();
    ASSERT_TRUE(r.has_value());
    EXPECT_FALSE(r->ok());
  }
}

TEST(ReplyParser, ClearForgetsBufferedBytes) {
  ReplyParser parser;
  const std::string text = "220 ready\r\n250 injected\r\n";
  parser.feed(text.data(), text.size());
  ASSERT_TRUE(parser.next().has_value());
  EXPECT_FALSE(parser.empty());
  parser.clear();
  EXPECT_TRUE(parser.empty());
  EXPECT_FALSE(parser.next().has_value());
}

TEST(Extensions, ReadsTheKeywordsWeUse) {
  Reply ehlo{250,
             {"mx.example.net greets you", "PIPELINING", "SIZE 10240000", "8BITMIME", "smtputf8",
              "STARTTLS", "AUTH LOGIN PLAIN CRAM-MD5", "ENHANCEDSTATUSCODES"}};
  auto ext = parse_extensions(ehlo);
  EXPECT_TRUE(ext.pipelining);
  EXPECT_TRUE(ext.size);
  EXPECT_EQ(ext.max_size, 10240000u);
  EXPECT_TRUE(ext.eight_bit_mime);
  EXPECT_TRUE(ext.smtputf8);
  EXPECT_TRUE(ext.starttls);
  EXPECT_TRUE(ext.auth_plain);
  EXPECT_TRUE(ext.auth_login);

  auto bare =
      parse_extensions(Reply{250, {"PIPELINING is the name, not a keyword", "SIZE", "AUTH=LOGIN"}});
  EXPECT_FALSE(bare.pipelining);  // the first line is the greeting
  EXPECT_TRUE(bare.size);
  EXPECT_EQ(bare.max_size, 0u);
  EXPECT_TRUE(bare.auth_login);
  EXPECT_FALSE(bare.auth_plain);
}

TEST(Classify, TwoHundredsDeliverFourHundredsDeferFiveHundredsFail) {
  auto ok = classify(Reply{250, {"2.0.0 Ok: queued as 12345"}}, "end of data");
  EXPECT_EQ(ok.kind, transport::DeliveryResult::Kind::delivered);
  EXPECT_EQ(ok.code, 250);
  EXPECT_EQ(ok.reply, "250 2.0.0 Ok: queued as 12345 (in reply to end of data)");

  auto later = classify(Reply{451, {"4.3.0 try again", "later"}}, "RCPT TO");
  EXPECT_EQ(later.kind, transport::DeliveryResult::Kind::deferred);
  EXPECT_EQ(later.reply, "451 4.3.0 try again, later (in reply to RCPT TO)");

  auto never = classify(Reply{550, {"5.1.1 no such user"}}, "RCPT TO");
  EXPECT_EQ(never.kind, transport::DeliveryResult::Kind::failed);
  EXPECT_EQ(never.code, 550);

  EXPECT_EQ(classify(Reply{354, {"go"}}, "MAIL FROM").kind,
            transport::DeliveryResult::Kind::deferred);
}

TEST(Reply, OneLineHasNoControlCharactersAndIsBounded) {
  Reply r{550, {"bad\x01thing", std::string(1000, 'x')}};
  auto line = r.one_line();
  EXPECT_EQ(line.find('\x01'), std::string::npos);
  EXPECT_EQ(line.rfind("550 bad?thing, x", 0), 0u);
  EXPECT_LE(line.size(), 512u);
}

}  // namespace
}  // namespace broadsheet::smtp
