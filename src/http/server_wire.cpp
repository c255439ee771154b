#include "http/server_wire.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <boost/asio/error.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/url/parse.hpp>
#include <cctype>
#include <ctime>
#include <vector>

#include "core/types.hpp"
#include "http/access_log.hpp"

namespace broadsheet::http {
namespace {

std::string lowercase(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

bool is_token(std::string_view s) {
  if (s.empty()) return false;
  return std::all_of(s.begin(), s.end(), [](unsigned char c) {
    return std::isalnum(c) ||
           std::string_view("!#$%&'*+-.^_`|~").find(static_cast<char>(c)) != std::string_view::npos;
  });
}

// A CR or LF in a value would let whatever put it there write its own headers.
bool is_field_value(std::string_view s) {
  return std::none_of(s.begin(), s.end(),
                      [](unsigned char c) { return (c < 0x20 && c != '\t') || c == 0x7f; });
}

// Framing is the server's business: a handler's own value could desynchronise
// the connection.
bool is_framing(std::string_view name) {
  auto n = lowercase(name);
  return n == "content-length" || n == "transfer-encoding" || n == "connection";
}

bool has_header(const Response& r, std::string_view lowercase_name) {
  return std::any_of(r.headers.begin(), r.headers.end(),
                     [&](const auto& h) { return lowercase(h.first) == lowercase_name; });
}

// Why the handler's response cannot be sent as it is, or an empty string.
std::string defect(const Response& r) {
  if (r.status < 200 || r.status > 599) return "status " + std::to_string(r.status);
  for (const auto& [name, value] : r.headers) {
    if (!is_token(name) || !is_field_value(value)) return "header " + name;
  }
  return {};
}

std::string http_date() {
  std::time_t now = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&now, &tm);
  char buf[40];
  std::strftime(buf, sizeof buf, "%a, %d %b %Y %H:%M:%S GMT", &tm);
  return buf;
}

bool body_allowed(int status) { return status != 204 && status != 304; }

// Why the body of a request cannot be framed without doubt, or an empty string.
// RFC 9112 6.1 and 6.3: a request body is framed by Content-Length, or by chunked as
// the final transfer coding, never both; HTTP/1.0 has no transfer codings. Anything
// else (xchunked, gzip, "chunked, identity") would be read with an empty body and its
// bytes taken for the next request, while a proxy in front may frame it otherwise:
// request smuggling. Codings before chunked (gzip) are refused too, as nothing here
// decodes them.
std::string framing_defect(const bhttp::request_header<>& header) {
  if (header.count(bhttp::field::transfer_encoding) == 0) return {};
  if (header.version() < 11) return "HTTP/1.0 has no Transfer-Encoding";
  if (header.count(bhttp::field::content_length) > 0) {
    return "Transfer-Encoding and Content-Length together";
  }
  std::vector<std::string> codings;
  auto [first, last] = header.equal_range(bhttp::field::transfer_encoding);
  for (auto field = first; field != last; ++field) {
    std::string_view list = field->value();
    while (!list.empty()) {
      auto comma = list.find(',');
      std::string_view item = list.substr(0, comma);
      list = comma == std::string_view::npos ? std::string_view{} : list.substr(comma + 1);
      while (!item.empty() && (item.front() == ' ' || item.front() == '\t')) item.remove_prefix(1);
      while (!item.empty() && (item.back() == ' ' || item.back() == '\t')) item.remove_suffix(1);
      if (!item.empty()) codings.push_back(lowercase(item));
    }
  }
  if (codings.size() != 1 || codings.front() != "chunked") {
    return "the only Transfer-Encoding accepted is chunked";
  }
  return {};
}

}  // namespace

std::string read_header(const bhttp::request_header<>& header, Request& out) {
  out.method = method_from(header.method_string());
  out.target = std::string(header.target());
  // The path is set before any check can refuse the request: the refusal is answered
  // in JSON under /api/, and only the path tells. A target that is not a path gets
  // its raw text up to the query.
  auto url = boost::urls::parse_origin_form(header.target());
  out.path = url ? std::string(url->path()) : out.target.substr(0, out.target.find('?'));
  if (header.version() != 10 && header.version() != 11) return "unsupported HTTP version";
  // RFC 9112 3.2: a server must refuse an HTTP/1.1 request without exactly one Host.
  if (header.version() == 11 && header.count(bhttp::field::host) != 1) {
    return "an HTTP/1.1 request needs exactly one Host header";
  }
  if (auto why = framing_defect(header); !why.empty()) return why;
  if (!url) return "the request target is not a path";
  if (has_control_chars(out.path)) return "the path holds control characters";
  out.query.clear();
  for (auto param : url->params()) {
    out.query.emplace(param.key, param.has_value ? param.value : std::string());
  }
  out.headers.clear();
  for (const auto& field : header) {
    out.headers.emplace_back(lowercase(field.name_string()), std::string(field.value()));
  }
  return {};
}

bool expects_continue(const bhttp::request_header<>& header) {
  if (header.version() < 11) return false;
  auto it = header.find(bhttp::field::expect);
  return it != header.end() && lowercase(it->value()) == "100-continue";
}

WireResponse to_wire(Response response, const Request& request, bool keep_alive, unsigned version,
                     const RouteTraits& traits) {
  if (auto why = defect(response); !why.empty()) {
    spdlog::error("request {}: handler for {} returned an unsendable response ({})",
                  request.request_id, loggable(traits.log_target), why);
    response = error_response(request.path, 500, "internal",
                              "An error has occurred. Please try again later.");
  }
  WireResponse wire{static_cast<bhttp::status>(response.status), version};
  wire.reason(status_reason(response.status));
  for (auto& [name, value] : response.headers) {
    if (!is_framing(name)) wire.insert(name, value);
  }
  if (!has_header(response, "x-content-type-options")) {
    wire.set("X-Content-Type-Options", "nosniff");
  }
  if (!has_header(response, "referrer-policy")) {
    wire.set("Referrer-Policy",
             traits.shielded ? "no-referrer" : "strict-origin-when-cross-origin");
  }
  if (!has_header(response, "content-security-policy")) {
    bool page = false;
    for (const auto& [name, value] : response.headers) {
      if (lowercase(name) == "content-type") page = lowercase(value).starts_with("text/html");
    }
    if (!page) {
      wire.set("Content-Security-Policy", kNonPagePolicy);
    } else if (traits.shielded) {
      wire.set("Content-Security-Policy", std::string(kPagePolicy) + std::string(kShieldedFrames));
    } else {
      wire.set("Content-Security-Policy", kPagePolicy);
    }
  }
  wire.set(bhttp::field::server, "broadsheet");
  wire.set(bhttp::field::date, http_date());
  wire.set("X-Request-Id", request.request_id);
  wire.keep_alive(keep_alive);
  if (body_allowed(response.status)) {
    wire.content_length(response.body.size());
    if (request.method != Method::head) wire.body() = std::move(response.body);
  }
  return wire;
}

bool is_expected_ending(const beast::error_code& ec) {
  namespace error = boost::asio::error;
  return ec == bhttp::error::end_of_stream || ec == bhttp::error::partial_message ||
         ec == error::eof || ec == error::operation_aborted || ec == error::connection_reset ||
         ec == error::connection_aborted || ec == error::broken_pipe ||
         ec == error::not_connected || ec == error::bad_descriptor || ec == beast::error::timeout;
}

}  // namespace broadsheet::http
