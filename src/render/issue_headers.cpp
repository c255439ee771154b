#include "render/issue_headers.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cctype>

#include "markdown/fields.hpp"
#include "mime/header.hpp"

namespace broadsheet::render::detail {
namespace {

using mime::check_header_text;

// Bytes that may stand in a URL written into a header: printable ASCII without
// quotes, backslash, backquote, angle brackets (which end the <URL> of List-Unsubscribe)
// and, for mailto, the comma that separates its entries.
constexpr std::array<bool, 256> kUrlBytes = [] {
  std::array<bool, 256> ok{};
  for (int c = 0x21; c < 0x7F; ++c)
    ok[c] = std::string_view("<>\"'\\`,").find(static_cast<char>(c)) == std::string_view::npos;
  return ok;
}();

bool url_bytes(std::string_view text, bool comma) {
  return std::all_of(text.begin(), text.end(), [comma](char c) {
    return kUrlBytes[static_cast<unsigned char>(c)] || (comma && c == ',');
  });
}

}  // namespace

Error refuse(std::string_view what, std::string_view why) {
  return make_error(Errc::invalid_argument, fmt::format("{} {}", what, why));
}

Status append_field(std::string& out, std::string_view name,
                    const std::vector<std::string>& tokens) {
  auto value = mime::fold(name, tokens, name.size() + 2);
  if (!value) return value.error();
  out.append(name).append(": ").append(*value).append("\r\n");
  return {};
}

Status check_url(std::string_view what, std::string_view url) {
  if (auto ok = mime::check_header_text(what, url); !ok) return ok;
  if (url.size() > kMaxUrl) return refuse(what, fmt::format("is longer than {} bytes", kMaxUrl));
  if (!url.starts_with("https://") && !url.starts_with("http://")) {
    return refuse(what, "must start with https:// or http://");
  }
  if (!url_bytes(url, true)) {
    return refuse(what, "contains a space, a quote, an angle bracket or a non-ASCII byte");
  }
  return {};
}

Result<std::string> mailto_uri(std::string_view value) {
  constexpr std::string_view what = "the unsubscribe mailto";
  if (auto ok = mime::check_header_text(what, value); !ok) return ok.error();
  std::string uri =
      value.starts_with("mailto:") ? std::string(value) : "mailto:" + std::string(value);
  if (uri.size() > kMaxUrl) return refuse(what, "is too long");
  if (uri.find('@') == std::string::npos) return refuse(what, "has no address");
  if (!url_bytes(uri, false)) {
    return refuse(what, "contains a space, a quote, a comma or an angle bracket");
  }
  return uri;
}

Status check_domain(std::string_view what, std::string_view domain) {
  bool ok = !domain.empty() && domain.size() <= 253 && domain.front() != '.' &&
            domain.back() != '.' && std::all_of(domain.begin(), domain.end(), [](unsigned char c) {
              return std::isalnum(c) || c == '-' || c == '.';
            });
  return ok ? Status{} : refuse(what, "must be a domain of letters, digits, hyphens and dots");
}

Status refuse_fields(std::string_view what, std::string_view text) {
  for (std::size_t at = text.find("{{"); at != std::string_view::npos;
       at = text.find("{{", at + 1)) {
    if (auto field = markdown::field_at(text, at)) {
      return refuse(what, fmt::format("cannot hold the merge field {}: it is the same for every "
                                      "reader",
                                      text.substr(at, field->length)));
    }
  }
  return {};
}

std::string list_id_value(std::string_view name, std::string_view id) {
  bool plain = name.find("=?") == std::string_view::npos;
  for (unsigned char c : name) plain = plain && c >= 0x20 && c < 0x7F;
  std::string value;
  if (name.empty()) {
  } else if (plain) {
    value = "\"";
    for (char c : name) {
      if (c == '"' || c == '\\') value += '\\';
      value += c;
    }
    value += "\" ";
  } else {
    for (const std::string& word : mime::encoded_words(name, 9)) value += word + " ";
  }
  return value + "<" + std::string(id) + ">";
}

}  // namespace broadsheet::render::detail
