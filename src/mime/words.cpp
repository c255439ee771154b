// RFC 2047 encoded words and unstructured header values (Subject).

#include <algorithm>
#include <optional>
#include <vector>

#include "core/encoding.hpp"
#include "mime/header.hpp"
#include "mime/mime.hpp"

namespace broadsheet::mime {
namespace {

constexpr std::size_t kMaxWord = 75;                       // RFC 2047 section 2
constexpr std::size_t kWordOverhead = 12;                  // "=?UTF-8?Q?" and "?="
constexpr std::size_t kMinFirstWord = kWordOverhead + 12;  // room for a 4-byte character

// The Q characters allowed even inside a phrase (RFC 2047 5(3)); space becomes '_'.
bool q_literal(unsigned char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '!' ||
         c == '*' || c == '+' || c == '-' || c == '/';
}

std::size_t q_size(unsigned char c) { return q_literal(c) || c == ' ' ? 1 : 3; }

std::size_t b_size(std::size_t bytes) { return (bytes + 2) / 3 * 4; }

// REQUIRES: `lead` starts a character of valid UTF-8.
std::size_t utf8_length(unsigned char lead) {
  if (lead < 0x80) return 1;
  if (lead < 0xE0) return 2;
  if (lead < 0xF0) return 3;
  return 4;
}

enum class Scheme { q, b };

Scheme shorter_scheme(std::string_view text) {
  std::size_t q = 0;
  for (unsigned char c : text) q += q_size(c);
  return q <= b_size(text.size()) ? Scheme::q : Scheme::b;
}

std::string encode_word(std::string_view chunk, Scheme scheme) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out = scheme == Scheme::q ? "=?UTF-8?Q?" : "=?UTF-8?B?";
  if (scheme == Scheme::q) {
    for (unsigned char c : chunk) {
      if (q_literal(c)) {
        out.push_back(static_cast<char>(c));
      } else if (c == ' ') {
        out.push_back('_');
      } else {
        out += {'=', kHex[c >> 4], kHex[c & 0xF]};
      }
    }
  } else {
    out += base64_encode(chunk);
  }
  return out + "?=";
}

// Text holding "=?" could be read as an encoded word, so it is encoded itself.
bool looks_encoded(std::string_view text) { return text.find("=?") != std::string_view::npos; }

std::size_t first_word_room(std::size_t used) {
  std::size_t room = used < kFoldAt ? kFoldAt - used : 0;
  return std::clamp(room, kMinFirstWord, kMaxWord);
}

bool printable_ascii(unsigned char c) { return c > 0x20 && c < 0x7F; }

}  // namespace

std::vector<std::string> encoded_words(std::string_view text, std::size_t used) {
  const Scheme scheme = shorter_scheme(text);
  std::vector<std::string> words;
  std::size_t budget = first_word_room(used) - kWordOverhead;
  std::size_t start = 0;
  std::size_t q_length = 0;
  for (std::size_t i = 0; i < text.size();) {
    const std::size_t n = utf8_length(static_cast<unsigned char>(text[i]));
    std::size_t char_q = 0;
    for (std::size_t k = i; k < i + n; ++k) char_q += q_size(static_cast<unsigned char>(text[k]));
    const bool fits =
        scheme == Scheme::q ? q_length + char_q <= budget : b_size(i + n - start) <= budget;
    if (!fits && i > start) {
      words.push_back(encode_word(text.substr(start, i - start), scheme));
      start = i;
      q_length = 0;
      budget = kMaxWord - kWordOverhead;
      continue;
    }
    q_length += char_q;
    i += n;
  }
  if (start < text.size()) words.push_back(encode_word(text.substr(start), scheme));
  return words;
}

std::optional<std::vector<std::string>> plain_words(std::string_view text, std::size_t used,
                                                    bool (*allowed)(unsigned char)) {
  if (text.empty() || looks_encoded(text)) return std::nullopt;
  std::vector<std::string> words;
  std::size_t limit = std::max(used < kFoldAt ? kFoldAt - used : 0, kMinFirstWord);
  for (std::size_t start = 0;;) {
    std::size_t end = std::min(text.find(' ', start), text.size());
    std::string_view word = text.substr(start, end - start);
    if (word.empty() || word.size() > limit) return std::nullopt;
    for (unsigned char c : word) {
      if (!allowed(c)) return std::nullopt;
    }
    words.emplace_back(word);
    if (end == text.size()) return words;
    start = end + 1;
    limit = kFoldAt - 1;
  }
}

std::vector<std::string> unstructured_tokens(std::string_view text, std::size_t used) {
  if (text.empty()) return {""};
  if (auto words = plain_words(text, used, printable_ascii)) return *words;
  return encoded_words(text, used);
}

Result<std::string> encode_header_words(std::string_view text, std::size_t used) {
  if (auto ok = check_header_text("the header value", text); !ok) return ok.error();
  return fold("the header value", unstructured_tokens(text, used), used);
}

}  // namespace broadsheet::mime
