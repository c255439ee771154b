// Fetching a feed over HTTP(S) with libcurl: one blocking GET, bounded in every way a
// site could make it hurt. Call it from the poller's own thread or the CLI, never from
// the HTTP server's threads.
//
// Limits: connect and total timeouts, a body limit (the transfer is aborted as soon as
// it is passed, whatever Content-Length said), at most max_redirects redirects and only
// to http and https, no other protocol ever (no file://, no gopher://). Conditional GET:
// the ETag and Last-Modified of the last answer go back as If-None-Match and
// If-Modified-Since, and a 304 comes back as not_modified. Sends a User-Agent naming
// Broadsheet and accepts gzip and deflate (the limit applies to the decoded body).
//
// Fails with Errc::io and one line for the operator: the connection (libcurl's
// reason), a timeout, too many redirects, a body over the limit, an HTTP status that
// is neither 2xx nor 304 (the status and its reason).
// Thread-safe: a fetcher may be used from several threads at once.
#pragma once

#include <chrono>
#include <cstddef>
#include <string>

#include "core/result.hpp"

namespace broadsheet::feeds {

struct FetchRequest {
  std::string url;
  std::string etag;           // sent as If-None-Match when not empty
  std::string last_modified;  // sent as If-Modified-Since when not empty
};

struct FetchResponse {
  bool not_modified = false;  // 304: body is empty, keep what was known
  long status = 0;
  std::string body;
  std::string etag;           // of this answer; empty when it gave none
  std::string last_modified;  // likewise
  std::string final_url;      // after redirects: the base for relative links
};

class Fetcher {
 public:
  virtual ~Fetcher() = default;
  virtual Result<FetchResponse> fetch(const FetchRequest& request) = 0;
};

struct FetchLimits {
  std::chrono::milliseconds connect_timeout{10'000};
  std::chrono::milliseconds total_timeout{30'000};
  std::size_t max_bytes = 10 * 1024 * 1024;
  long max_redirects = 5;
};

class CurlFetcher final : public Fetcher {
 public:
  explicit CurlFetcher(FetchLimits limits = {});
  Result<FetchResponse> fetch(const FetchRequest& request) override;

 private:
  FetchLimits limits_;
};

// Checks a feed's address as an editor typed it: an absolute http or https URL with a
// host. Errc::invalid_argument saying what is wrong.
Status check_feed_url(const std::string& url);

// "Broadsheet/0.1 (+feeds)": what every request says it is.
const char* user_agent();

}  // namespace broadsheet::feeds
