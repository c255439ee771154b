// Quoted-printable body encoding (RFC 2045 section 6.7).
#include <string>

#include "mime/mime.hpp"

namespace broadsheet::mime {
namespace {

constexpr std::size_t kMaxQpLine = 76;  // characters, not counting CRLF

void append_escaped(std::string& out, unsigned char c) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  out += {'=', kHex[c >> 4], kHex[c & 0xF]};
}

// Encodes one line (without its line end) onto `out`, adding soft breaks ("=" CRLF)
// so that no encoded line is longer than kMaxQpLine.
void encode_line(std::string_view line, std::string& out) {
  std::size_t column = 0;
  for (std::size_t i = 0; i < line.size(); ++i) {
    const auto c = static_cast<unsigned char>(line[i]);
    const bool last = i + 1 == line.size();
    const bool white = c == ' ' || c == '\t';
    bool literal = (white && !last) || (c >= 0x21 && c <= 0x7E && c != '=');
    // The last character needs no room for a following soft break.
    const std::size_t room = last ? kMaxQpLine : kMaxQpLine - 1;
    if (column + (literal ? 1 : 3) > room) {
      out += "=\r\n";
      column = 0;
    }
    // A '.' opening a line would be doubled or eaten by a careless SMTP hop; escaped,
    // it still fits since the line is empty.
    if (c == '.' && column == 0) literal = false;
    if (literal) {
      out.push_back(static_cast<char>(c));
      column += 1;
    } else {
      append_escaped(out, c);
      column += 3;
    }
  }
}

}  // namespace

std::string quoted_printable(std::string_view text) {
  std::string out;
  out.reserve(text.size() + text.size() / 8);
  for (std::size_t start = 0;;) {
    const std::size_t newline = text.find('\n', start);
    std::string_view line = text.substr(start, newline - start);
    if (newline != std::string_view::npos && !line.empty() && line.back() == '\r') {
      line.remove_suffix(1);
    }
    encode_line(line, out);
    if (newline == std::string_view::npos) return out;
    out += "\r\n";
    start = newline + 1;
  }
}

}  // namespace broadsheet::mime
