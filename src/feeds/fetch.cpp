#include "feeds/fetch.hpp"

#include <curl/curl.h>
#include <fmt/format.h>

#include <cctype>
#include <memory>
#include <mutex>
#include <string_view>

#include "core/text.hpp"

namespace broadsheet::feeds {
namespace {

void set_up_curl() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

struct EasyFree {
  void operator()(CURL* c) const { curl_easy_cleanup(c); }
};
struct SlistFree {
  void operator()(curl_slist* l) const { curl_slist_free_all(l); }
};
struct UrlFree {
  void operator()(CURLU* u) const { curl_url_cleanup(u); }
};

struct Transfer {
  std::size_t max_bytes = 0;
  bool too_large = false;
  std::string body;
  std::string etag, last_modified;
};

std::size_t on_body(char* data, std::size_t size, std::size_t count, void* user) {
  auto* t = static_cast<Transfer*>(user);
  const std::size_t n = size * count;
  if (t->body.size() + n > t->max_bytes) {
    t->too_large = true;
    return 0;  // libcurl aborts the transfer with CURLE_WRITE_ERROR
  }
  t->body.append(data, n);
  return n;
}

bool header_is(std::string_view line, std::string_view name) {
  if (line.size() <= name.size() || line[name.size()] != ':') return false;
  for (std::size_t i = 0; i < name.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(line[i])) != name[i]) return false;
  }
  return true;
}

// Headers of every answer, redirects included: a new status line starts afresh, so
// only the final answer's validators are kept.
std::size_t on_header(char* data, std::size_t size, std::size_t count, void* user) {
  auto* t = static_cast<Transfer*>(user);
  const std::size_t n = size * count;
  std::string_view line(data, n);
  if (line.starts_with("HTTP/")) {
    t->etag.clear();
    t->last_modified.clear();
  } else if (header_is(line, "etag")) {
    t->etag = excerpt(trim_whitespace(line.substr(5)), 500);
  } else if (header_is(line, "last-modified")) {
    t->last_modified = excerpt(trim_whitespace(line.substr(14)), 100);
  }
  return n;
}

std::string mb(std::size_t bytes) {
  return bytes % (1024 * 1024) == 0 ? fmt::format("{} MB", bytes / (1024 * 1024))
                                    : fmt::format("{} bytes", bytes);
}

}  // namespace

const char* user_agent() { return "Broadsheet/0.1 (+feeds; newsletter server)"; }

Status check_feed_url(const std::string& url) {
  set_up_curl();
  const auto bad = [&](std::string_view why) {
    return make_error(Errc::invalid_argument,
                      fmt::format("'{}' is not a feed address: {}", excerpt(url, 200), why));
  };
  if (url.empty() || url.size() > 2000) return bad("it must be 1 to 2000 characters");
  for (char c : url) {
    if (static_cast<unsigned char>(c) <= 0x20 || c == 0x7f)
      return bad("it holds spaces or controls");
  }
  std::unique_ptr<CURLU, UrlFree> u(curl_url());
  if (!u || curl_url_set(u.get(), CURLUPART_URL, url.c_str(), 0) != CURLUE_OK) {
    return bad("it is not an absolute URL such as https://example.org/feed.xml");
  }
  char* scheme = nullptr;
  char* host = nullptr;
  curl_url_get(u.get(), CURLUPART_SCHEME, &scheme, 0);
  curl_url_get(u.get(), CURLUPART_HOST, &host, 0);
  const std::string s = scheme ? scheme : "", h = host ? host : "";
  curl_free(scheme);
  curl_free(host);
  if (s != "http" && s != "https") return bad("only http and https are fetched");
  if (h.empty()) return bad("it names no host");
  return {};
}

CurlFetcher::CurlFetcher(FetchLimits limits) : limits_(limits) { set_up_curl(); }

Result<FetchResponse> CurlFetcher::fetch(const FetchRequest& request) {
  if (auto s = check_feed_url(request.url); !s) return s.error();
  std::unique_ptr<CURL, EasyFree> curl(curl_easy_init());
  if (!curl) return make_error(Errc::internal, "libcurl could not make a handle");
  Transfer t;
  t.max_bytes = limits_.max_bytes;
  std::unique_ptr<curl_slist, SlistFree> headers;
  const auto add_header = [&](const std::string& h) {
    headers.reset(curl_slist_append(headers.release(), h.c_str()));
  };
  if (!request.etag.empty()) add_header("If-None-Match: " + request.etag);
  if (!request.last_modified.empty()) add_header("If-Modified-Since: " + request.last_modified);
  add_header(
      "Accept: application/rss+xml, application/atom+xml, application/rdf+xml, "
      "application/xml;q=0.9, text/xml;q=0.9, */*;q=0.5");
  char error[CURL_ERROR_SIZE] = {};
  CURL* c = curl.get();
  curl_easy_setopt(c, CURLOPT_URL, request.url.c_str());
  curl_easy_setopt(c, CURLOPT_ERRORBUFFER, error);
  curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(c, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 1L);
  curl_easy_setopt(c, CURLOPT_MAXREDIRS, limits_.max_redirects);
  curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS,
                   static_cast<long>(limits_.connect_timeout.count()));
  curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, static_cast<long>(limits_.total_timeout.count()));
  curl_easy_setopt(c, CURLOPT_MAXFILESIZE_LARGE, static_cast<curl_off_t>(limits_.max_bytes));
  curl_easy_setopt(c, CURLOPT_USERAGENT, user_agent());
  curl_easy_setopt(c, CURLOPT_ACCEPT_ENCODING, "gzip, deflate");
  curl_easy_setopt(c, CURLOPT_HTTPHEADER, headers.get());
  curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
  curl_easy_setopt(c, CURLOPT_WRITEDATA, &t);
  curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
  curl_easy_setopt(c, CURLOPT_HEADERDATA, &t);

  const CURLcode rc = curl_easy_perform(c);
  if (t.too_large || rc == CURLE_FILESIZE_EXCEEDED) {
    return make_error(
        Errc::io, fmt::format("the answer is larger than the limit of {}", mb(limits_.max_bytes)));
  }
  if (rc == CURLE_OPERATION_TIMEDOUT) {
    return make_error(Errc::io,
                      fmt::format("timed out: {}", error[0] ? error : curl_easy_strerror(rc)));
  }
  if (rc == CURLE_TOO_MANY_REDIRECTS) {
    return make_error(Errc::io, fmt::format("more than {} redirects", limits_.max_redirects));
  }
  if (rc != CURLE_OK) {
    return make_error(Errc::io,
                      fmt::format("cannot fetch: {}", error[0] ? error : curl_easy_strerror(rc)));
  }
  FetchResponse out;
  curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &out.status);
  char* final_url = nullptr;
  curl_easy_getinfo(c, CURLINFO_EFFECTIVE_URL, &final_url);
  out.final_url = final_url ? final_url : request.url;
  if (out.status == 304) {
    out.not_modified = true;
    out.etag = request.etag;
    out.last_modified = request.last_modified;
    return out;
  }
  if (out.status < 200 || out.status > 299) {
    return make_error(Errc::io, fmt::format("the server answered HTTP {}", out.status));
  }
  out.body = std::move(t.body);
  out.etag = std::move(t.etag);
  out.last_modified = std::move(t.last_modified);
  return out;
}

}  // namespace broadsheet::feeds
