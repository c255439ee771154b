// The multipart/form-data reader (the desk's import form) on any bytes: the first line
// is the Content-Type, the rest the body. It never crashes, keeps to its bounds, and
// every part it returns lies inside the body with a name and headers of UTF-8.
#include "core/types.hpp"
#include "fuzz/fuzz_support.hpp"
#include "http/multipart.hpp"

using namespace broadsheet;

extern "C" int LLVMFuzzerTestOneInput(const unsigned char* data, std::size_t size) {
  const std::string_view input = fuzz::as_text(data, size);
  const auto newline = input.find('\n');
  if (newline == std::string_view::npos) return 0;
  http::Request request;
  request.headers.emplace_back("content-type", std::string(input.substr(0, newline)));
  request.body = std::string(input.substr(newline + 1));
  const http::MultipartLimits limits{.max_parts = 20, .max_header_bytes = 512};
  auto parts = http::parse_multipart(request, limits);
  if (!parts) {
    fuzz::require(!parts.error().message.empty(), "every refusal says why");
    return 0;
  }
  fuzz::require(!parts->empty() && parts->size() <= limits.max_parts, "1 to max_parts parts");
  const char* begin = request.body.data();
  const char* end = begin + request.body.size();
  for (const auto& part : *parts) {
    fuzz::require(!part.name.empty() && is_valid_utf8(part.name), "a name of UTF-8");
    fuzz::require(!part.filename || is_valid_utf8(*part.filename), "a file name of UTF-8");
    fuzz::require(part.body.data() >= begin && part.body.data() + part.body.size() <= end,
                  "a part's body lies in the request's");
  }
  return 0;
}
