#include "smtp/wire.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <random>

#include "core/encoding.hpp"

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

// The scan as its contract reads, a byte at a time: what the word-wide one must find.
MessageScan byte_by_byte_scan(std::string_view m) {
  MessageScan scan;
  std::size_t header_end = m.size();
  for (std::size_t i = 0; i < m.size(); ++i) {
    const bool line_start = i == 0 || m[i - 1] == '\n';
    if (line_start && m[i] == '.') scan.dot_lines.push_back(i);
    if (line_start && header_end == m.size() && m.substr(i, 2) == "\r\n") header_end = i;
  }
  for (std::size_t i = 0; i < m.size(); ++i) {
    if (static_cast<unsigned char>(m[i]) >= 0x80) {
      scan.eight_bit = true;
      scan.eight_bit_header = scan.eight_bit_header || i < header_end;
    }
  }
  scan.ends_with_crlf = m.size() >= 2 && m.substr(m.size() - 2) == "\r\n";
  scan.wire_size = m.size() + scan.dot_lines.size() + (scan.ends_with_crlf ? 0 : 2);
  return scan;
}

TEST(ScanMessage, FindsWhatAByteByByteScanFindsAtEveryOffset) {
  // Dots after line ends, blank lines and high bytes at every place within and across
  // the 8- and 16-byte steps, in messages of every length up to a few steps.
  std::mt19937 random(5);
  const std::string alphabet = "ab.\r\n\n\n..\xc3";
  for (int round = 0; round < 4000; ++round) {
    std::string m(random() % 80, 'a');
    for (char& c : m) c = alphabet[random() % alphabet.size()];
    if (round % 4 == 0) std::replace(m.begin(), m.end(), '\xc3', 'z');  // all ASCII
    const MessageScan want = byte_by_byte_scan(m);
    const MessageScan got = scan_message(m);
    ASSERT_EQ(got.dot_lines, want.dot_lines) << ::testing::PrintToString(m);
    ASSERT_EQ(got.eight_bit, want.eight_bit) << ::testing::PrintToString(m);
    ASSERT_EQ(got.eight_bit_header, want.eight_bit_header) << ::testing::PrintToString(m);
    ASSERT_EQ(got.ends_with_crlf, want.ends_with_crlf) << ::testing::PrintToString(m);
    ASSERT_EQ(got.wire_size, want.wire_size) << ::testing::PrintToString(m);
  }
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
  const transport::Envelope env{"news@example.org", "reader@example.net"};
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
  EXPECT_EQ(base64_encode(std::string("\0user\0pass", 10)), "AHVzZXIAcGFzcw==");
  EXPECT_EQ(base64_encode(""), "");
  EXPECT_EQ(base64_encode("ab"), "YWI=");
}

}  // namespace
}  // namespace broadsheet::smtp
