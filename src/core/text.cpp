#include "core/text.hpp"

#include <algorithm>

#include "core/types.hpp"

namespace broadsheet {
namespace {

// The entity for one of the five special ASCII characters, or empty.
std::string_view entity(char c, std::string_view apostrophe) {
  switch (c) {
    case '&':
      return "&amp;";
    case '<':
      return "&lt;";
    case '>':
      return "&gt;";
    case '"':
      return "&quot;";
    case '\'':
      return apostrophe;
    default:
      return {};
  }
}

// The first UTF-8 sequence of non-empty `s` as its lead byte announces it (cut at
// the end of `s`); a single byte when the lead byte is ASCII or a continuation byte.
std::string_view first_char(std::string_view s) {
  const auto lead = static_cast<unsigned char>(s.front());
  std::size_t n = lead < 0x80 ? 1 : lead >= 0xF0 ? 4 : lead >= 0xE0 ? 3 : lead >= 0xC0 ? 2 : 1;
  return s.substr(0, std::min(n, s.size()));
}

// `c` with an ASCII capital made small; every other byte as it is.
char ascii_lower_char(char c) {
  return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
}

}  // namespace

bool ascii_iequals(std::string_view a, std::string_view b) {
  return std::equal(a.begin(), a.end(), b.begin(), b.end(),
                    [](char x, char y) { return ascii_lower_char(x) == ascii_lower_char(y); });
}

bool ascii_istarts_with(std::string_view s, std::string_view prefix) {
  return s.size() >= prefix.size() && ascii_iequals(s.substr(0, prefix.size()), prefix);
}

void append_html_escaped(std::string& out, std::string_view text) {
  for (char c : text) {
    std::string_view e = entity(c, "&#39;");
    if (e.empty()) {
      out.push_back(c);
    } else {
      out.append(e);
    }
  }
}

std::string html_escaped(std::string_view text) {
  std::string out;
  out.reserve(text.size() + text.size() / 8);
  append_html_escaped(out, text);
  return out;
}

void append_xml_escaped(std::string& out, std::string_view text) {
  while (!text.empty()) {
    std::string_view c = first_char(text);
    text.remove_prefix(c.size());
    if (c.size() == 1) {
      const auto b = static_cast<unsigned char>(c.front());
      if ((b < 0x20 && b != '\t' && b != '\n' && b != '\r') || b >= 0x80) continue;
      std::string_view e = entity(c.front(), "&apos;");
      if (!e.empty()) {
        out.append(e);
        continue;
      }
    }
    if (c == "\xEF\xBF\xBE" || c == "\xEF\xBF\xBF") continue;  // U+FFFE, U+FFFF
    out.append(c);
  }
}

void append_json_string(std::string& out, std::string_view text) {
  static constexpr char kHex[] = "0123456789abcdef";
  out.push_back('"');
  for (char c : text) {
    const auto b = static_cast<unsigned char>(c);
    if (c == '"' || c == '\\') {
      out.push_back('\\');
      out.push_back(c);
    } else if (b < 0x20) {
      out.append("\\u00");
      out.push_back(kHex[b >> 4]);
      out.push_back(kHex[b & 0xF]);
    } else {
      out.push_back(c);
    }
  }
  out.push_back('"');
}

std::string excerpt(std::string_view text, std::size_t max_bytes) {
  constexpr std::string_view kReplacement = "\xEF\xBF\xBD";
  std::string out;
  std::size_t i = 0;
  while (i < text.size()) {
    std::string_view ch = first_char(text.substr(i));
    const bool valid = is_valid_utf8(ch);
    const bool readable = valid && !has_unprintable_chars(ch);
    const std::string_view piece = readable ? ch : kReplacement;
    if (out.size() + piece.size() > max_bytes) {
      out += "\xE2\x80\xA6";  // …
      break;
    }
    out += piece;
    i += valid ? ch.size() : 1;  // a control character is one replacement, a bad byte one
  }
  return out;
}

std::string_view trim_whitespace(std::string_view s) {
  auto space = [](char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; };
  while (!s.empty() && space(s.front())) s.remove_prefix(1);
  while (!s.empty() && space(s.back())) s.remove_suffix(1);
  return s;
}

std::vector<std::string_view> split_at(std::string_view text, char separator) {
  std::vector<std::string_view> parts;
  for (std::size_t start = 0;;) {
    auto end = text.find(separator, start);
    parts.push_back(text.substr(start, end == std::string_view::npos ? end : end - start));
    if (end == std::string_view::npos) return parts;
    start = end + 1;
  }
}

void csv_append_field(std::string& out, std::string_view field) {
  const bool formula =
      !field.empty() && std::string_view("=+-@\t\r").find(field.front()) != std::string_view::npos;
  if (field.find_first_of(",\"\r\n") == std::string_view::npos) {
    if (formula) out.push_back('\'');
    out.append(field);
    return;
  }
  out.push_back('"');
  if (formula) out.push_back('\'');
  for (char c : field) {
    if (c == '"') out.push_back('"');
    out.push_back(c);
  }
  out.push_back('"');
}

}  // namespace broadsheet
