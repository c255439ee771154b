// What goes on the wire for one message, apart from the socket: the scan that finds
// what a message needs (dot-stuffing, 8BITMIME, SMTPUTF8, its SIZE), the envelope
// commands, and the message as a list of buffers, dot-stuffed without copying the
// message. Internal to src/smtp; pure functions, safe from any thread.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "smtp/reply.hpp"
#include "transport/transport.hpp"

namespace broadsheet::smtp {

struct MessageScan {
  std::vector<std::size_t> dot_lines;  // offsets of lines starting with '.', in order
  bool eight_bit = false;              // a byte >= 0x80 anywhere
  bool eight_bit_header = false;       // ... in the header (needs SMTPUTF8 to be right)
  bool ends_with_crlf = false;
  std::uint64_t wire_size = 0;  // bytes between DATA's 354 and the final ".\r\n"
};
MessageScan scan_message(std::string_view message);

// A reason to refuse the envelope before any relay sees it (control characters,
// spaces, angle brackets, more than 254 bytes), or nothing.
std::optional<std::string> envelope_problem(const transport::Envelope& envelope);
bool needs_smtputf8(const transport::Envelope& envelope);

// Appends "MAIL FROM:<..> [SIZE=n] [BODY=8BITMIME] [SMTPUTF8]\r\n", or the
// "RCPT TO:<..>\r\n" and "DATA\r\n" lines. Parameters only when the relay offers them.
void append_mail_from(std::string& out, const transport::Envelope& envelope,
                      const MessageScan& scan, const Extensions& ext, bool smtputf8);
void append_rcpt_to(std::string& out, const transport::Envelope& envelope);

// A piece of bytes to send: a view of the message or of a constant.
struct Piece {
  const char* data;
  std::size_t size;
};
// The message as it goes after the 354: the message split before each line that
// starts with '.', a "." piece put in between, then "\r\n" if the message did not
// end with one, then ".\r\n". Views into `message`, which must outlive them.
void append_data_pieces(std::vector<Piece>& out, std::string_view message, const MessageScan& scan);

}  // namespace broadsheet::smtp
