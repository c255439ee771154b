// Checks, entities, merge fields and link targets for both Markdown renderers.
#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <utility>
#include <vector>

#include "core/text.hpp"
#include "core/types.hpp"
#include "markdown/detail.hpp"
#include "markdown/fields.hpp"

namespace broadsheet::markdown {

namespace detail {
namespace {

// The named entities editors write; others are kept as literal text.
constexpr std::array<std::pair<std::string_view, std::string_view>, 32> kEntities = {{
    {"amp", "&"},        {"lt", "<"},          {"gt", ">"},          {"quot", "\""},
    {"apos", "'"},       {"nbsp", "\u00A0"},   {"copy", "\u00A9"},   {"reg", "\u00AE"},
    {"trade", "\u2122"}, {"hellip", "\u2026"}, {"mdash", "\u2014"},  {"ndash", "\u2013"},
    {"lsquo", "\u2018"}, {"rsquo", "\u2019"},  {"ldquo", "\u201C"},  {"rdquo", "\u201D"},
    {"laquo", "\u00AB"}, {"raquo", "\u00BB"},  {"euro", "\u20AC"},   {"pound", "\u00A3"},
    {"yen", "\u00A5"},   {"cent", "\u00A2"},   {"middot", "\u00B7"}, {"bull", "\u2022"},
    {"times", "\u00D7"}, {"divide", "\u00F7"}, {"deg", "\u00B0"},    {"sect", "\u00A7"},
    {"para", "\u00B6"},  {"shy", "\u00AD"},    {"zwnj", "\u200C"},   {"thinsp", "\u2009"},
}};

void append_utf8(std::string& out, char32_t cp) {
  if (cp == 0 || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) cp = 0xFFFD;
  if (cp < 0x80) {
    out.push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out.push_back(static_cast<char>(0xC0 | (cp >> 6)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else if (cp < 0x10000) {
    out.push_back(static_cast<char>(0xE0 | (cp >> 12)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else {
    out.push_back(static_cast<char>(0xF0 | (cp >> 18)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  }
}

bool starts_with_nocase(std::string_view text, std::string_view prefix) {
  return text.size() >= prefix.size() &&
         std::equal(prefix.begin(), prefix.end(), text.begin(), [](char a, char b) {
           return std::tolower(static_cast<unsigned char>(a)) ==
                  std::tolower(static_cast<unsigned char>(b));
         });
}

// Percent-encodes what may not stand in a URL as written into an attribute or a
// footnote: spaces, controls, non-ASCII, quotes, angle brackets and the like.
std::string clean_url(std::string_view url) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : url) {
    if (c <= 0x20 || c >= 0x7F ||
        std::string_view("\"<>\\^`{|}").find(static_cast<char>(c)) != std::string_view::npos) {
      out += {'%', kHex[c >> 4], kHex[c & 0xF]};
    } else {
      out.push_back(static_cast<char>(c));
    }
  }
  return out;
}

constexpr std::size_t kMarkerWidth = 12;

bool is_wide(char32_t cp) {
  return (cp >= 0x1100 && cp <= 0x115F) || (cp >= 0x2E80 && cp <= 0xA4CF) ||
         (cp >= 0xAC00 && cp <= 0xD7A3) || (cp >= 0xF900 && cp <= 0xFAFF) ||
         (cp >= 0xFE30 && cp <= 0xFE4F) || (cp >= 0xFF00 && cp <= 0xFF60) ||
         (cp >= 0xFFE0 && cp <= 0xFFE6) || (cp >= 0x1F300 && cp <= 0x1F64F) ||
         (cp >= 0x1F900 && cp <= 0x1F9FF) || (cp >= 0x20000 && cp <= 0x3FFFD);
}

}  // namespace

Status check_markdown(std::string_view markdown) {
  if (markdown.size() > kMaxMarkdown) {
    return make_error(Errc::invalid_argument,
                      fmt::format("the Markdown is longer than {} bytes", kMaxMarkdown));
  }
  if (!is_valid_utf8(markdown)) {
    return make_error(Errc::invalid_argument, "the Markdown is not valid UTF-8");
  }
  for (unsigned char c : markdown) {
    if ((c < 0x20 && c != '\t' && c != '\n' && c != '\r') || c == 0x7F) {
      return make_error(Errc::invalid_argument,
                        fmt::format("the Markdown contains the control character 0x{:02X}", c));
    }
  }
  return {};
}

std::optional<std::string> decode_entity(std::string_view entity) {
  if (entity.size() < 3 || entity.front() != '&' || entity.back() != ';') return std::nullopt;
  std::string_view body = entity.substr(1, entity.size() - 2);
  std::string out;
  if (body.front() == '#') {
    const bool hex = body.size() > 1 && (body[1] == 'x' || body[1] == 'X');
    std::string_view digits = body.substr(hex ? 2 : 1);
    if (digits.empty() || digits.size() > 7) return std::nullopt;
    char32_t cp = 0;
    for (char c : digits) {
      int d = std::isdigit(static_cast<unsigned char>(c)) ? c - '0'
              : hex && std::isxdigit(static_cast<unsigned char>(c))
                  ? std::tolower(static_cast<unsigned char>(c)) - 'a' + 10
                  : -1;
      if (d < 0) return std::nullopt;
      cp = cp * (hex ? 16 : 10) + static_cast<char32_t>(d);
    }
    append_utf8(out, cp);
    return out;
  }
  for (const auto& [name, text] : kEntities) {
    if (name == body) return std::string(text);
  }
  return std::nullopt;
}

std::string attribute_text(const MD_ATTRIBUTE& attribute) {
  std::string out;
  for (std::size_t i = 0; attribute.substr_offsets[i] < attribute.size; ++i) {
    std::string_view piece(attribute.text + attribute.substr_offsets[i],
                           attribute.substr_offsets[i + 1] - attribute.substr_offsets[i]);
    switch (attribute.substr_types[i]) {
      case MD_TEXT_NULLCHAR:
        out += "\uFFFD";
        break;
      case MD_TEXT_ENTITY:
        out += decode_entity(piece).value_or(std::string(piece));
        break;
      default:
        out += piece;
    }
  }
  return out;
}

Status append_with_fields(std::string& out, std::string_view text, bool html,
                          const MarkdownOptions& options) {
  auto append = [&](std::string_view piece) {
    if (html) {
      append_html_escaped(out, piece);
    } else {
      out += piece;
    }
  };
  if (!options.merge_field) {
    append(text);
    return {};
  }
  std::size_t from = 0;
  for (std::size_t at = text.find("{{"); at != std::string_view::npos;
       at = text.find("{{", at + 1)) {
    auto field = field_at(text, at);
    if (!field) continue;
    auto value = options.merge_field(*field, html);
    if (!value) {
      return make_error(Errc::invalid_argument,
                        fmt::format("unknown merge field {}", text.substr(at, field->length)));
    }
    append(text.substr(from, at - from));
    out += *value;
    from = at + field->length;
    at = from - 1;
  }
  append(text.substr(from));
  return {};
}

namespace {

// A link target as written (or as a fixed merge field's value): kept when it is an
// http, https or mailto URL (images: http and https), made absolute when it starts
// with "/", else dropped.
std::optional<std::string> checked_target(std::string_view target, bool image, bool html,
                                          const MarkdownOptions& options) {
  std::string url;
  if (image ? starts_with_nocase(target, "https://") || starts_with_nocase(target, "http://")
            : link_scheme_allowed(target)) {
    url = std::string(target);
  } else if (target.starts_with("//")) {
    url = "https:" + std::string(target);
  } else if (target.starts_with("/") && !options.base_url.empty()) {
    url = options.base_url + std::string(target);
  } else {
    return std::nullopt;
  }
  url = clean_url(url);
  return html ? html_escaped(url) : url;
}

}  // namespace

Result<std::optional<std::string>> link_target(std::string_view target, bool image, bool html,
                                               const MarkdownOptions& options) {
  while (!target.empty() && target.front() == ' ') target.remove_prefix(1);
  while (!target.empty() && target.back() == ' ') target.remove_suffix(1);
  if (auto field = field_at(target, 0); field && field->length == target.size()) {
    if (!options.merge_field) return std::optional<std::string>{};
    auto value = options.merge_field(*field, false);
    if (!value) {
      return make_error(Errc::invalid_argument, fmt::format("unknown merge field {}", target));
    }
    if (image) return std::optional<std::string>{};
    // The value decides the scheme, so it is checked as the target, not the braces: a
    // reader's field per reader (link_marker), a fixed value now.
    if (auto reader = marker_field(*value)) return std::optional<std::string>{link_marker(*reader)};
    return checked_target(*value, image, html, options);
  }
  return checked_target(target, image, html, options);
}

namespace {

// The top-level blocks that may begin a story: thematic breaks and headings (level).
struct StoryScanner {
  struct Block {
    bool rule = false;
    unsigned level = 0;  // a heading's; 0 for other blocks
  };
  std::vector<Block> blocks;
  std::size_t depth = 0;

  int enter_block(MD_BLOCKTYPE type, void* detail) {
    if (depth++ == 1) {
      Block b;
      b.rule = type == MD_BLOCK_HR;
      if (type == MD_BLOCK_H) b.level = static_cast<MD_BLOCK_H_DETAIL*>(detail)->level;
      blocks.push_back(b);
    }
    return 0;
  }
  int leave_block(MD_BLOCKTYPE, void*) {
    --depth;
    return 0;
  }
  int enter_span(MD_SPANTYPE, void*) { return 0; }
  int leave_span(MD_SPANTYPE, void*) { return 0; }
  int text(MD_TEXTTYPE, std::string_view) { return 0; }
};

}  // namespace

std::optional<std::size_t> second_story_block(std::string_view markdown) {
  StoryScanner scan;
  if (parse(markdown, scan) != 0) return std::nullopt;
  std::array<std::size_t, 7> headings{};  // by level, 1 to 6
  for (const auto& b : scan.blocks) {
    if (b.level >= 1 && b.level <= 6) ++headings[b.level];
  }
  unsigned story_level = 0;
  for (unsigned level = 1; level <= 6 && story_level == 0; ++level) {
    if (headings[level] >= 2) story_level = level;
  }
  bool story_heading_seen = false;
  for (std::size_t i = 0; i < scan.blocks.size(); ++i) {
    const auto& b = scan.blocks[i];
    if (b.rule && i > 0) return i;
    if (story_level != 0 && b.level == story_level) {
      if (story_heading_seen) return i;
      story_heading_seen = true;
    }
  }
  return std::nullopt;
}

std::size_t display_width(std::string_view text) {
  std::size_t width = 0;
  for (std::size_t i = 0; i < text.size();) {
    const auto lead = static_cast<unsigned char>(text[i]);
    std::size_t n = lead < 0x80 ? 1 : lead < 0xE0 ? 2 : lead < 0xF0 ? 3 : 4;
    char32_t cp = n == 1 ? lead : lead & (0x7F >> n);
    for (std::size_t k = 1; k < n && i + k < text.size(); ++k) {
      cp = (cp << 6) | (static_cast<unsigned char>(text[i + k]) & 0x3F);
    }
    if (cp == 0x01) {
      // A reader field's marker (merge_fields.hpp): guess the width of a name.
      width += kMarkerWidth;
      i += 2;
      continue;
    }
    width += is_wide(cp) ? 2 : 1;
    i += n;
  }
  return width;
}

}  // namespace detail
}  // namespace broadsheet::markdown
