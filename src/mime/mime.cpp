#include "mime/mime.hpp"

#include <fmt/format.h>
#include <openssl/rand.h>

#include <algorithm>
#include <array>
#include <cctype>

#include "core/types.hpp"
#include "mime/header.hpp"

namespace broadsheet::mime {
namespace {

constexpr UnixSeconds kLastDate = 253402300799;  // 9999-12-31T23:59:59Z
constexpr std::size_t kMessageIdBytes = 16;
constexpr std::size_t kBoundaryBytes = 12;

// Headers the writer sets itself; an extra header of the same name would shadow or
// contradict them.
constexpr std::array<std::string_view, 8> kOwnHeaders = {
    "date", "from", "to", "reply-to", "subject", "message-id", "mime-version", "content-"};

bool is_own_header(std::string_view name) {
  std::string lower(name);
  std::transform(lower.begin(), lower.end(), lower.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return std::any_of(kOwnHeaders.begin(), kOwnHeaders.end(), [&](std::string_view own) {
    return own.back() == '-' ? lower.starts_with(own) : lower == own;
  });
}

Status check_extra_header(std::string_view name, std::string_view value) {
  if (name.empty() || name.size() > 76) {
    return make_error(Errc::invalid_argument, "an extra header name must have 1 to 76 characters");
  }
  for (unsigned char c : name) {
    if (c <= 0x20 || c >= 0x7F || c == ':') {
      return make_error(Errc::invalid_argument,
                        "an extra header name must be printable ASCII without ':' or spaces");
    }
  }
  const std::string field = fmt::format("the extra header {}", name);
  if (is_own_header(name)) {
    return make_error(Errc::invalid_argument, fmt::format("{} is set by the MIME writer", field));
  }
  if (auto ok = check_header_text(field, value); !ok) return ok;
  for (unsigned char c : value) {
    if (c >= 0x80) {
      return make_error(Errc::invalid_argument,
                        fmt::format("{} is not ASCII; encode it with encode_header_words", field));
    }
  }
  return {};
}

Status check_message_id_domain(std::string_view domain) {
  bool ok = !domain.empty() && domain.size() <= 253 &&
            std::all_of(domain.begin(), domain.end(),
                        [](unsigned char c) { return std::isalnum(c) || c == '-' || c == '.'; });
  if (ok) return {};
  return make_error(Errc::invalid_argument,
                    "the Message-ID domain must be 1 to 253 letters, digits, hyphens and dots");
}

std::string hex(std::span<const unsigned char> bytes) {
  std::string out;
  for (unsigned char b : bytes) out += fmt::format("{:02x}", b);
  return out;
}

// Appends one "Name: value" CRLF whose value is made of unfoldable tokens.
Status append_tokens(std::string& out, std::string_view name,
                     const std::vector<std::string>& tokens) {
  auto value = fold(name, tokens, name.size() + 2);
  if (!value) return value.error();
  out += fmt::format("{}: {}\r\n", name, *value);
  return {};
}

Status append_mailbox(std::string& out, std::string_view name, const address::Mailbox& box) {
  auto tokens = mailbox_tokens(name, box, name.size() + 2);
  if (!tokens) return tokens.error();
  return append_tokens(out, name, *tokens);
}

Status append_headers(std::string& out, const OutgoingMessage& m, std::string_view message_id) {
  out += fmt::format("Date: {}\r\n", rfc5322_date(m.date));
  if (auto ok = append_mailbox(out, "From", m.from); !ok) return ok;
  if (auto ok = append_mailbox(out, "To", m.to); !ok) return ok;
  if (m.reply_to) {
    if (auto ok = append_mailbox(out, "Reply-To", *m.reply_to); !ok) return ok;
  }
  if (auto ok = check_header_text("the subject", m.subject); !ok) return ok;
  constexpr std::string_view kSubject = "Subject";
  auto subject = unstructured_tokens(m.subject, kSubject.size() + 2);
  if (auto ok = append_tokens(out, kSubject, subject); !ok) return ok;
  out +=
      fmt::format("Message-ID: <{}@{}>\r\nMIME-Version: 1.0\r\n", message_id, m.message_id_domain);
  for (const auto& [name, value] : m.extra_headers) {
    if (auto ok = check_extra_header(name, value); !ok) return ok;
    if (auto ok = append_tokens(out, name, split_spaces(value)); !ok) return ok;
  }
  return {};
}

void append_part_headers(std::string& out, std::string_view type) {
  out += fmt::format(
      "Content-Type: text/{}; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n",
      type);
}

void append_body(std::string& out, const OutgoingMessage& m, std::string_view boundary) {
  if (m.html_body.empty()) {
    append_part_headers(out, "plain");
    out += "\r\n";
    out += quoted_printable(m.text_body);
    if (!m.text_body.empty() && !out.ends_with("\r\n")) out += "\r\n";
    return;
  }
  out += fmt::format("Content-Type: multipart/alternative; boundary=\"{}\"\r\n\r\n", boundary);
  for (const auto& [type, body] :
       {std::pair{"plain", &m.text_body}, std::pair{"html", &m.html_body}}) {
    out += fmt::format("--{}\r\n", boundary);
    append_part_headers(out, type);
    out += "\r\n";
    out += quoted_printable(*body);
    out += "\r\n";  // belongs to the delimiter that follows, not to the body
  }
  out += fmt::format("--{}--\r\n", boundary);
}

}  // namespace

Status system_random(std::span<unsigned char> out) {
  if (RAND_bytes(out.data(), static_cast<int>(out.size())) != 1) {
    return make_error(Errc::internal, "the random number generator failed");
  }
  return {};
}

Result<std::string> build_message(const OutgoingMessage& message, const RandomSource& random) {
  if (message.date < 0 || message.date > kLastDate) {
    return make_error(Errc::invalid_argument, "the date must lie between 1970 and 9999");
  }
  if (auto ok = check_message_id_domain(message.message_id_domain); !ok) return ok.error();
  if (!is_valid_utf8(message.text_body) || !is_valid_utf8(message.html_body)) {
    return make_error(Errc::invalid_argument, "a message body is not valid UTF-8");
  }
  std::array<unsigned char, kMessageIdBytes + kBoundaryBytes> bytes{};
  if (auto ok = random(bytes); !ok) return ok.error();
  const std::span<const unsigned char> all(bytes);
  // "=_" never occurs in quoted-printable output: '=' there is followed by a hex digit
  // or a line break. So the boundary cannot occur in a body.
  const std::string boundary = "=_bs_" + hex(all.subspan(kMessageIdBytes));

  std::string out;
  out.reserve(1024 + 2 * (message.text_body.size() + message.html_body.size()));
  if (auto ok = append_headers(out, message, hex(all.first(kMessageIdBytes))); !ok) {
    return ok.error();
  }
  append_body(out, message, boundary);
  return out;
}

}  // namespace broadsheet::mime
