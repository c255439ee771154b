#include "smtp/wire.hpp"

#include <gtest/gtest.h>

namespace broadsheet::smtp {
namespace {

std::string joined(const std::vector<Piece>& pieces) {
  std::string out;
  for (const auto& p : pieces) out.append(p.data, p.size);
  return out;
}

TEST(ScanMessage, FindsLinesStartingWithADot) {
  const std::string m = ".first\r\nSubject: x\r\n\r\nbody\r\n.\r\n..two\r\nend.\r\n.";
  auto scan = scan_message(m);
  EXPECT_EQ(scan.dot_lines,
            (std::vector<std::size_t>{0, m.find(".\r\n..two"), m.find("..two"), m.size() - 1}));
  EXPECT_FALSE(scan.ends_with_crlf);
  EXPECT_EQ(scan.wire_size, m.size() + 4 + 2);
}

TEST(ScanMessage, TellsEightBitHeadersFromEightBitBodies) {
  auto plain = scan_message("Subject: hi\r\n\r\nplain\r\n");
  EXPECT_FALSE(plain.eight_bit);
  EXPECT_FALSE(plain.eight_bit_header);
  EXPECT_TRUE(plain.ends_with_crlf);
  EXPECT_TRUE(plain.dot_lines.empty());

  auto body = scan_message(
      "Subject: hi\r\n\r\nGr\xc3\xbc\xc3\x9f"
      "e\r\n");
  EXPECT_TRUE(body.eight_bit);
  EXPECT_FALSE(body.eight_bit_header);

  auto header = scan_message(
      "Subject: Gr\xc3\xbc\xc3\x9f"
      "e\r\n\r\nplain\r\n");
  EXPECT_TRUE(header.eight_bit);
  EXPECT_TRUE(header.eight_bit_header);
}

TEST(DataPieces, WithoutDotsTheMessageGoesAsItIs) {
  const std::string m = "Subject: x\r\n\r\nline one.\r\nline two\r\n";
  std::vector<Piece> pieces;
  append_data_pieces(pieces, m, scan_message(m));
  ASSERT_EQ(pieces.size(), 2u);
  EXPECT_EQ(pieces[0].data, m.data());  // a view, not a copy
  EXPECT_EQ(pieces[0].size, m.size());
  EXPECT_EQ(std::string(pieces[1].data, pieces[1].size), ".\r\n");
}

TEST(DataPieces, DotStuffsAndTerminates) {
  const std::string m = ".a\r\nb\r\n.\r\n..c\r\nd";
  std::vector<Piece> pieces;
  append_data_pieces(pieces, m, scan_message(m));
  EXPECT_EQ(joined(pieces), "..a\r\nb\r\n..\r\n...c\r\nd\r\n.\r\n");
}

TEST(Envelope, RefusesAddressesThatWouldBreakTheCommand) {
  EXPECT_FALSE(envelope_problem({"", "reader@example.net"}).has_value());  // null sender
  EXPECT_FALSE(envelope_problem({"news@example.org", "r\xc3\xa9@example.net"}).has_value());
  EXPECT_TRUE(envelope_problem({"news@example.org", ""}).has_value());
  EXPECT_TRUE(envelope_problem({"news@example.org", "a b@example.net"}).has_value());
  EXPECT_TRUE(envelope_problem({"news@example.org", "a@x\r\nRCPT TO:<b@y>"}).has_value());
  EXPECT_TRUE(envelope_problem({"news>@example.org", "a@example.net"}).has_value());
  EXPECT_TRUE(envelope_problem({"news@example.org", std::string(250, 'a') + "@x.net"}).has_value());
  EXPECT_TRUE(needs_smtputf8({"news@example.org", "r\xc3\xa9@example.net"}));
  EXPECT_FALSE(needs_smtputf8({"news@example.org", "re@example.net"}));
}

TEST(Envelope, MailFromCarriesOnlyTheParametersTheRelayOffers) {
  const Envelope env{"news@example.org", "reader@example.net"};
  auto scan = scan_message(
      "Subject: x\r\n\r\nGr\xc3\xbc\xc3\x9f"
      "e\r\n");
  std::string out;
  append_mail_from(out, env, scan, Extensions{}, false);
  EXPECT_EQ(out, "MAIL FROM:<news@example.org>\r\n");

  Extensions ext;
  ext.size = true;
  ext.eight_bit_mime = true;
  out.clear();
  append_mail_from(out, env, scan, ext, true);
  EXPECT_EQ(out, "MAIL FROM:<news@example.org> SIZE=" + std::to_string(scan.wire_size) +
                     " BODY=8BITMIME SMTPUTF8\r\n");

  out.clear();
  append_mail_from(out, {"", "reader@example.net"}, scan_message("a\r\n"), ext, false);
  append_rcpt_to(out, env);
  EXPECT_EQ(out, "MAIL FROM:<> SIZE=3\r\nRCPT TO:<reader@example.net>\r\n");
}

TEST(Base64, EncodesAuthCredentials) {
  EXPECT_EQ(base64(std::string("\0user\0pass", 10)), "AHVzZXIAcGFzcw==");
  EXPECT_EQ(base64(""), "");
  EXPECT_EQ(base64("ab"), "YWI=");
}

}  // namespace
}  // namespace broadsheet::smtp
