// Header checks, folding, mailboxes and dates for the MIME writer.
#include "mime/header.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <cstring>

#include "core/types.hpp"
#include "mime/mime.hpp"

namespace broadsheet::mime {
namespace {

constexpr std::size_t kMaxAddress = 254;

bool atext(unsigned char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
         (c != 0 && std::strchr("!#$%&'*+-/=?^_`{|}~", c) != nullptr);
}

// A quoted-string (RFC 5322 3.2.4) of printable ASCII and spaces, or nullopt.
// Decoders read "=?" even inside quotes, so such names are encoded instead.
std::optional<std::string> quoted_string(std::string_view text) {
  if (text.find("=?") != std::string_view::npos) return std::nullopt;
  std::string out = "\"";
  for (unsigned char c : text) {
    if (c < 0x20 || c >= 0x7F) return std::nullopt;
    if (c == '"' || c == '\\') out.push_back('\\');
    out.push_back(static_cast<char>(c));
  }
  return out + "\"";
}

// A plain ASCII addr-spec as parse_email writes it: no SMTPUTF8, no quoted local
// part, no comments or brackets.
Status check_address(std::string_view field, std::string_view address) {
  if (auto ok = check_header_text(field, address); !ok) return ok;
  auto refuse = [&](std::string_view why) {
    return make_error(Errc::invalid_argument, fmt::format("{} address {}", field, why));
  };
  if (address.empty()) return refuse("is empty");
  if (address.size() > kMaxAddress) return refuse("is longer than 254 bytes");
  auto at = address.rfind('@');
  if (at == std::string_view::npos || at == 0 || at + 1 == address.size()) {
    return refuse("needs a local part, an @ and a domain");
  }
  for (unsigned char c : address) {
    if (c >= 0x80) return refuse("is not ASCII (SMTPUTF8 messages are not written)");
    if (c <= 0x20 || std::strchr("<>()[]\\,;:\"", c) != nullptr) {
      return refuse("contains a space or a character that needs quoting");
    }
  }
  return {};
}

}  // namespace

Status check_header_text(std::string_view field, std::string_view text) {
  auto refuse = [&](std::string_view why) {
    return make_error(Errc::invalid_argument, fmt::format("{} {}", field, why));
  };
  if (text.size() > kMaxHeaderValue) return refuse("is longer than 4096 bytes");
  for (unsigned char c : text) {
    if (c == '\r' || c == '\n') return refuse("contains a line break");
    if (c == '\0') return refuse("contains a NUL byte");
    if ((c < 0x20 && c != '\t') || c == 0x7F) return refuse("contains a control character");
  }
  if (!is_valid_utf8(text)) return refuse("is not valid UTF-8");
  return {};
}

Result<std::string> fold(std::string_view field, const std::vector<std::string>& tokens,
                         std::size_t used) {
  std::string out;
  std::size_t column = used;
  for (std::size_t i = 0; i < tokens.size(); ++i) {
    const std::string& token = tokens[i];
    if (i > 0) {
      // An empty token never starts a line: a folded line may not be only white space.
      if (!token.empty() && column + 1 + token.size() > kFoldAt) {
        out += "\r\n ";
        column = 1;
      } else {
        out += ' ';
        ++column;
      }
    }
    out += token;
    column += token.size();
    if (column > kMaxLine) {
      return make_error(Errc::invalid_argument,
                        fmt::format("{} has a word too long for a 998-character line", field));
    }
  }
  return out;
}

std::vector<std::string> split_spaces(std::string_view value) {
  std::vector<std::string> tokens;
  for (std::size_t start = 0;;) {
    std::size_t end = std::min(value.find(' ', start), value.size());
    tokens.emplace_back(value.substr(start, end - start));
    if (end == value.size()) return tokens;
    start = end + 1;
  }
}

Result<std::vector<std::string>> mailbox_tokens(std::string_view field, const address::Mailbox& box,
                                                std::size_t used) {
  if (auto ok = check_address(field, box.address); !ok) return ok.error();
  if (box.name.empty()) return std::vector<std::string>{box.address};
  if (auto ok = check_header_text(fmt::format("{} name", field), box.name); !ok) {
    return ok.error();
  }
  std::vector<std::string> tokens;
  if (auto atoms = plain_words(box.name, used, atext)) {
    tokens = std::move(*atoms);
  } else if (auto quoted = quoted_string(box.name); quoted && used + quoted->size() <= kFoldAt) {
    tokens.push_back(std::move(*quoted));
  } else {
    tokens = encoded_words(box.name, used);
  }
  tokens.push_back("<" + box.address + ">");
  return tokens;
}

std::string rfc5322_date(UnixSeconds t) {
  using namespace std::chrono;
  static constexpr const char* kDays[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
  static constexpr const char* kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                            "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  const sys_seconds at{seconds{std::clamp<UnixSeconds>(t, 0, 253402300799)}};
  const auto day = floor<days>(at);
  const year_month_day date{day};
  const hh_mm_ss time{at - day};
  return fmt::format("{}, {:02} {} {:04} {:02}:{:02}:{:02} +0000", kDays[weekday{day}.c_encoding()],
                     static_cast<unsigned>(date.day()),
                     kMonths[static_cast<unsigned>(date.month()) - 1],
                     static_cast<int>(date.year()), time.hours().count(), time.minutes().count(),
                     time.seconds().count());
}

}  // namespace broadsheet::mime
