// The feed parser on any bytes: it never crashes, and what it accepts keeps to its
// limits: items bounded in number, every link and image absolute http(s), titles never
// empty, titles and summaries within their byte limits.
#include <string_view>

#include "feeds/parse.hpp"
#include "fuzz/fuzz_support.hpp"

using namespace broadsheet;

extern "C" int LLVMFuzzerTestOneInput(const unsigned char* data, std::size_t size) {
  feeds::ParseLimits limits;
  limits.max_items = 50;
  auto feed = feeds::parse_feed(fuzz::as_text(data, size), "https://feeds.example/x.xml",
                                1796716800, limits);
  if (!feed) return 0;
  fuzz::require(feed->items.size() <= limits.max_items, "at most max_items items");
  for (const auto& item : feed->items) {
    fuzz::require(!item.title.empty(), "a title");
    for (std::string_view url : {std::string_view(item.link), std::string_view(item.image)}) {
      const bool http = url.empty() || url.starts_with("http://") || url.starts_with("https://") ||
                        url.starts_with("HTTP://") || url.starts_with("HTTPS://");
      fuzz::require(http, "links and images are http(s)");
    }
    // "…" may follow the cut: 3 bytes.
    fuzz::require(item.title.size() <= limits.max_title + 3, "a bounded title");
    fuzz::require(item.summary.size() <= limits.max_summary + 3, "a bounded summary");
  }
  return 0;
}
