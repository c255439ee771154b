#include "http/multipart.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <functional>
#include <utility>

#include "core/text.hpp"
#include "core/types.hpp"

namespace broadsheet::http {
namespace {

constexpr std::string_view kCrlf = "\r\n";

Error multipart_error(std::string message) {
  return make_error(Errc::invalid_argument, std::move(message));
}

bool is_tchar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
         std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
}

// RFC 2046's bchars: what a boundary may hold.
bool is_bchar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
         std::string_view("'()+_,-./:=? ").find(c) != std::string_view::npos;
}

std::string ascii_lowered(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(), [](char c) {
    return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
  });
  return out;
}

std::string_view skip_ows(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  return s;
}

using Params = std::vector<std::pair<std::string, std::string>>;

// The `; name=value` parameters after a header value's first word. Quoted values end at
// the next quote: browsers write a quote in a field name as %22 (HTML's form encoding),
// never with a backslash, and a Windows file name keeps its backslashes.
Result<Params> header_params(std::string_view rest, std::string_view where) {
  Params params;
  while (true) {
    rest = skip_ows(rest);
    if (rest.empty()) return params;
    if (rest.front() != ';')
      return multipart_error(fmt::format("{}: a parameter without ';' before it", where));
    rest = skip_ows(rest.substr(1));
    if (rest.empty()) return params;
    std::size_t n = 0;
    while (n < rest.size() && is_tchar(rest[n])) ++n;
    if (n == 0 || n == rest.size() || rest[n] != '=') {
      return multipart_error(fmt::format("{}: a parameter that is not name=value", where));
    }
    std::string name = ascii_lowered(rest.substr(0, n));
    rest.remove_prefix(n + 1);
    std::string value;
    if (!rest.empty() && rest.front() == '"') {
      auto close = rest.find('"', 1);
      if (close == std::string_view::npos) {
        return multipart_error(
            fmt::format("{}: the value of \"{}\" has no closing quote", where, excerpt(name)));
      }
      value = std::string(rest.substr(1, close - 1));
      rest.remove_prefix(close + 1);
    } else {
      std::size_t end = 0;
      while (end < rest.size() && rest[end] != ';' && rest[end] != ' ' && rest[end] != '\t') ++end;
      value = std::string(rest.substr(0, end));
      rest.remove_prefix(end);
    }
    for (const auto& [seen, unused] : params) {
      if (seen == name)
        return multipart_error(fmt::format("{}: \"{}\" is given twice", where, excerpt(name)));
    }
    params.emplace_back(std::move(name), std::move(value));
  }
}

const std::string* param_value(const Params& params, std::string_view name) {
  for (const auto& [n, v] : params) {
    if (n == name) return &v;
  }
  return nullptr;
}

struct PartHeaders {
  bool has_disposition = false;
  bool has_type = false;
};

// One part's header block (without its final CRLF CRLF) into `part`.
Status read_headers(std::string_view block, std::size_t number, MultipartPart& part) {
  PartHeaders seen;
  const std::string where = fmt::format("part {}", number);
  // Folding first: a folded line would otherwise be read as its first half alone.
  if (block.find("\r\n ") != std::string_view::npos ||
      block.find("\r\n\t") != std::string_view::npos) {
    return multipart_error(
        fmt::format("{}: a header line folded onto the next (not allowed)", where));
  }
  while (!block.empty()) {
    auto end = block.find(kCrlf);
    std::string_view line = block.substr(0, end);
    block = end == std::string_view::npos ? std::string_view{} : block.substr(end + 2);
    if (line.starts_with(' ') || line.starts_with('\t')) {
      return multipart_error(
          fmt::format("{}: a header line folded onto the next (not allowed)", where));
    }
    auto colon = line.find(':');
    if (colon == std::string_view::npos) {
      return multipart_error(
          fmt::format("{}: the header line \"{}\" has no ':'", where, excerpt(line)));
    }
    const std::string_view name = line.substr(0, colon);
    if (name.empty()) return multipart_error(fmt::format("{}: a header without a name", where));
    if (!std::all_of(name.begin(), name.end(), is_tchar)) {
      return multipart_error(
          fmt::format("{}: the header name \"{}\" is not a token", where, excerpt(name)));
    }
    const std::string_view value = trim_whitespace(line.substr(colon + 1));
    for (char c : value) {
      const auto u = static_cast<unsigned char>(c);
      if ((u < 0x20 && c != '\t') || u == 0x7f) {
        return multipart_error(
            fmt::format("{}: the header {} holds a control character", where, excerpt(name)));
      }
    }
    if (!is_valid_utf8(value)) {
      return multipart_error(
          fmt::format("{}: the header {} is not valid UTF-8", where, excerpt(name)));
    }
    if (ascii_iequals(name, "content-disposition")) {
      if (seen.has_disposition)
        return multipart_error(fmt::format("{}: two Content-Disposition headers", where));
      seen.has_disposition = true;
      const auto semicolon = value.find(';');
      const std::string_view kind = trim_whitespace(value.substr(0, semicolon));
      if (!ascii_iequals(kind, "form-data")) {
        return multipart_error(fmt::format("{}: the Content-Disposition is \"{}\", not form-data",
                                           where, excerpt(kind)));
      }
      auto params = header_params(
          semicolon == std::string_view::npos ? std::string_view{} : value.substr(semicolon),
          where + "'s Content-Disposition");
      if (!params) return params.error();
      const std::string* field = param_value(*params, "name");
      if (field == nullptr || field->empty())
        return multipart_error(fmt::format(
            "{}: a header without a field name (Content-Disposition has no name=)", where));
      part.name = *field;
      if (const std::string* file = param_value(*params, "filename")) part.filename = *file;
    } else if (ascii_iequals(name, "content-type")) {
      if (seen.has_type) return multipart_error(fmt::format("{}: two Content-Type headers", where));
      seen.has_type = true;
      part.content_type = ascii_lowered(value);
    }
  }
  if (!seen.has_disposition)
    return multipart_error(fmt::format("{}: no Content-Disposition header", where));
  return {};
}

}  // namespace

Result<std::string> multipart_boundary(std::string_view content_type) {
  const auto semicolon = content_type.find(';');
  const std::string_view type = trim_whitespace(content_type.substr(0, semicolon));
  if (!ascii_iequals(type, "multipart/form-data")) {
    return multipart_error(
        fmt::format("the Content-Type is \"{}\", not multipart/form-data", excerpt(type)));
  }
  auto params = header_params(
      semicolon == std::string_view::npos ? std::string_view{} : content_type.substr(semicolon),
      "the Content-Type");
  if (!params) return params.error();
  const std::string* boundary = param_value(*params, "boundary");
  if (boundary == nullptr || boundary->empty()) {
    return multipart_error("the Content-Type multipart/form-data has no boundary");
  }
  if (boundary->size() > 70) return multipart_error("the boundary is longer than 70 characters");
  if (!std::all_of(boundary->begin(), boundary->end(), is_bchar) || boundary->back() == ' ') {
    return multipart_error("the boundary holds a character that RFC 2046 does not allow");
  }
  return *boundary;
}

Result<std::vector<MultipartPart>> parse_multipart(std::string_view boundary, std::string_view body,
                                                   const MultipartLimits& limits) {
  if (boundary.empty()) return multipart_error("the boundary is empty");
  const std::string delimiter = "--" + std::string(boundary);
  const std::string next_delimiter = "\r\n" + delimiter;
  const std::boyer_moore_horspool_searcher find_next(next_delimiter.begin(), next_delimiter.end());
  if (!body.starts_with(delimiter))
    return multipart_error("the body does not begin with the boundary");
  std::vector<MultipartPart> parts;
  std::size_t at = delimiter.size();  // just past a boundary
  while (true) {
    std::string_view rest = body.substr(at);
    if (rest.starts_with("--")) break;  // the final boundary; an epilogue may follow
    const std::size_t number = parts.size() + 1;
    rest = skip_ows(rest);
    if (rest.empty()) return multipart_error("the body ends without the final boundary");
    if (!rest.starts_with(kCrlf)) {
      return multipart_error(fmt::format("part {}: text after the boundary on its line", number));
    }
    if (parts.size() == limits.max_parts) {
      return multipart_error(fmt::format("more than {} parts", limits.max_parts));
    }
    rest.remove_prefix(2);
    const std::size_t headers_at = body.size() - rest.size();
    std::string_view block;
    std::size_t content_at = 0;
    if (rest.starts_with(kCrlf)) {
      content_at = headers_at + 2;  // no headers at all: read_headers says what is missing
    } else {
      const std::size_t window = std::min(rest.size(), limits.max_header_bytes);
      const auto end = rest.substr(0, window).find("\r\n\r\n");
      if (end == std::string_view::npos || end + 4 > limits.max_header_bytes) {
        if (window == rest.size() && end == std::string_view::npos) {
          return multipart_error(
              fmt::format("part {}: the body ends in the part's headers", number));
        }
        return multipart_error(
            fmt::format("part {}: headers longer than {} bytes", number, limits.max_header_bytes));
      }
      block = rest.substr(0, end);
      content_at = headers_at + end + 4;
    }
    MultipartPart part;
    if (auto read = read_headers(block, number, part); !read) return read.error();
    const auto found =
        std::search(body.begin() + static_cast<std::ptrdiff_t>(content_at), body.end(), find_next);
    if (found == body.end()) {
      return multipart_error(
          fmt::format("part {}: the body ends before the final boundary", number));
    }
    const auto content_end = static_cast<std::size_t>(found - body.begin());
    part.body = body.substr(content_at, content_end - content_at);
    parts.push_back(std::move(part));
    at = content_end + next_delimiter.size();
  }
  if (parts.empty())
    return multipart_error("the form has no fields (the final boundary comes first)");
  return parts;
}

Result<std::vector<MultipartPart>> parse_multipart(const Request& request,
                                                   const MultipartLimits& limits) {
  auto content_type = request.header("content-type");
  if (!content_type)
    return multipart_error("the request has no Content-Type (multipart/form-data)");
  auto boundary = multipart_boundary(*content_type);
  if (!boundary) return boundary.error();
  return parse_multipart(*boundary, request.body, limits);
}

const MultipartPart* find_part(const std::vector<MultipartPart>& parts, std::string_view name) {
  for (const auto& p : parts) {
    if (p.name == name) return &p;
  }
  return nullptr;
}

}  // namespace broadsheet::http
