// The request parser on any bytes, as a connection reads it: Beast's parser under the
// server's header and body limits, then read_header() turning the header into a Request.
// The input is fed in pieces whose sizes come from the input's first byte, as a slow
// client would send it. Nothing may crash, and no request may be taken with a body
// over its limit or a path holding control characters.
#include <boost/asio/buffer.hpp>
#include <boost/beast/http/parser.hpp>

#include "core/types.hpp"
#include "fuzz/fuzz_support.hpp"
#include "http/server_wire.hpp"

using namespace broadsheet;
namespace bhttp = boost::beast::http;

extern "C" int LLVMFuzzerTestOneInput(const unsigned char* data, std::size_t size) {
  if (size < 1) return 0;
  std::size_t piece = 1 + data[0] % 64;
  auto input = fuzz::as_text(data + 1, size - 1);
  constexpr std::size_t kBodyLimit = 4096;
  while (!input.empty()) {
    bhttp::request_parser<bhttp::string_body> parser;
    parser.header_limit(2048);
    parser.body_limit(kBodyLimit);
    boost::beast::error_code ec;
    std::size_t offset = 0;
    bool done = false;
    while (offset < input.size()) {
      std::size_t n = std::min(piece, input.size() - offset);
      std::size_t used = parser.put(boost::asio::buffer(input.data() + offset, n), ec);
      if (ec == bhttp::error::need_more) {
        ec = {};
        if (used == 0) {
          if (offset + n >= input.size()) break;
          piece += 64;  // the parser needs a whole line; give it more at once
          continue;
        }
      }
      if (ec) break;
      offset += used;
      if (parser.is_done()) {
        done = true;
        break;
      }
    }
    if (!done) return 0;
    http::Request request;
    auto why = http::read_header(parser.get().base(), request);
    if (why.empty()) {
      fuzz::require(!has_control_chars(request.path), "no control characters in paths");
    }
    fuzz::require(parser.get().body().size() <= kBodyLimit, "body within its limit");
    input.remove_prefix(offset);  // the next pipelined request
  }
  return 0;
}
