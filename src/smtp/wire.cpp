#include "smtp/wire.hpp"

#include <cstdint>
#include <cstring>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace broadsheet::smtp {
namespace {

constexpr std::size_t kMaxEnvelopeAddress = 254;

// Eight bytes at a time: every message is scanned once on the pool's I/O thread, and
// a byte at a time this was most of that thread's work per message (30 KB).
bool has_high_byte(const char* data, std::size_t size) {
  std::uint64_t any = 0;
  std::size_t i = 0;
  for (; i + 8 <= size; i += 8) {
    std::uint64_t word;
    std::memcpy(&word, data + i, sizeof word);
    any |= word;
  }
  for (; i < size; ++i) any |= static_cast<unsigned char>(data[i]);
  return (any & 0x8080808080808080ULL) != 0;
}

// Appends the offset of every '.' that follows a '\n', in order: the lines after the
// first that start with a dot. SSE2 tests 16 places at once (one memchr per line cost
// more than the test itself).
void find_dot_lines(const char* data, std::size_t size, std::vector<std::size_t>& out) {
  std::size_t i = 0;  // the '\n' looked at
#if defined(__SSE2__)
  const __m128i lf = _mm_set1_epi8('\n');
  const __m128i dot = _mm_set1_epi8('.');
  // Each step also reads the byte after its 16, which is before `size`.
  for (; i + 17 <= size; i += 16) {
    __m128i here = _mm_loadu_si128(reinterpret_cast<const __m128i*>(data + i));
    __m128i next = _mm_loadu_si128(reinterpret_cast<const __m128i*>(data + i + 1));
    auto bits = static_cast<unsigned>(
        _mm_movemask_epi8(_mm_and_si128(_mm_cmpeq_epi8(here, lf), _mm_cmpeq_epi8(next, dot))));
    for (; bits != 0; bits &= bits - 1) {
      out.push_back(i + static_cast<std::size_t>(__builtin_ctz(bits)) + 1);
    }
  }
#endif
  for (; i + 1 < size; ++i) {
    if (data[i] == '\n' && data[i + 1] == '.') out.push_back(i + 1);
  }
}

bool non_ascii(std::string_view s) { return has_high_byte(s.data(), s.size()); }

std::optional<std::string> address_problem(std::string_view address, const char* which) {
  if (address.size() > kMaxEnvelopeAddress) {
    return std::string(which) + " address longer than 254 bytes";
  }
  for (unsigned char c : address) {
    if (c < 0x21 || c == 0x7f || c == '<' || c == '>') {
      return std::string(which) + " address with a space, control character or angle bracket";
    }
  }
  return std::nullopt;
}

}  // namespace

MessageScan scan_message(std::string_view message) {
  MessageScan scan;
  const char* data = message.data();
  const std::size_t size = message.size();
  if (size > 0 && data[0] == '.') scan.dot_lines.push_back(0);
  find_dot_lines(data, size, scan.dot_lines);
  // Where the blank line after the header starts (the whole message if none does).
  std::size_t header_end = size;
  if (size >= 2 && data[0] == '\r' && data[1] == '\n') {
    header_end = 0;
  } else if (auto lf = message.find("\n\r\n"); lf != std::string_view::npos) {
    header_end = lf + 1;
  }
  scan.eight_bit_header = has_high_byte(data, header_end);
  scan.eight_bit = scan.eight_bit_header || has_high_byte(data + header_end, size - header_end);
  scan.ends_with_crlf = size >= 2 && data[size - 2] == '\r' && data[size - 1] == '\n';
  scan.wire_size = size + scan.dot_lines.size() + (scan.ends_with_crlf ? 0 : 2);
  return scan;
}

std::optional<std::string> envelope_problem(const transport::Envelope& envelope) {
  if (auto p = address_problem(envelope.mail_from, "sender")) return p;
  if (envelope.rcpt_to.empty()) return std::string("empty recipient address");
  return address_problem(envelope.rcpt_to, "recipient");
}

bool needs_smtputf8(const transport::Envelope& envelope) {
  return non_ascii(envelope.mail_from) || non_ascii(envelope.rcpt_to);
}

void append_mail_from(std::string& out, const transport::Envelope& envelope,
                      const MessageScan& scan, const Extensions& ext, bool smtputf8) {
  out += "MAIL FROM:<";
  out += envelope.mail_from;
  out += '>';
  if (ext.size) {
    out += " SIZE=";
    out += std::to_string(scan.wire_size);
  }
  if (scan.eight_bit && ext.eight_bit_mime) out += " BODY=8BITMIME";
  if (smtputf8) out += " SMTPUTF8";
  out += "\r\n";
}

void append_rcpt_to(std::string& out, const transport::Envelope& envelope) {
  out += "RCPT TO:<";
  out += envelope.rcpt_to;
  out += ">\r\n";
}

void append_data_pieces(std::vector<Piece>& out, std::string_view message,
                        const MessageScan& scan) {
  static constexpr char kDot[] = ".";
  static constexpr char kCrlf[] = "\r\n";
  static constexpr char kEnd[] = ".\r\n";
  std::size_t from = 0;
  for (std::size_t at : scan.dot_lines) {
    if (at > from) out.push_back({message.data() + from, at - from});
    out.push_back({kDot, 1});
    from = at;
  }
  if (message.size() > from) out.push_back({message.data() + from, message.size() - from});
  if (!scan.ends_with_crlf) out.push_back({kCrlf, 2});
  out.push_back({kEnd, 3});
}

}  // namespace broadsheet::smtp
