// The inbound processor's parser on any bytes (src/bounce/): it never crashes, keeps to
// its limits, and without a token that verifies under the key it finds nothing, so
// hostile mail cannot change a reader.
#include <string>
#include <string_view>

#include "bounce/bounce.hpp"
#include "bounce/message.hpp"
#include "fuzz/fuzz_support.hpp"

using namespace broadsheet;

extern "C" int LLVMFuzzerTestOneInput(const unsigned char* data, std::size_t size) {
  const std::string_view raw = fuzz::as_text(data, size);
  bounce::Limits limits;
  limits.max_bytes = 1 << 16;
  limits.max_parts = 16;
  limits.max_depth = 4;
  const auto analysis = bounce::analyse(raw, std::string(32, 'k'), limits);
  // Nobody without the key can sign a token, so no input names a delivery.
  fuzz::require(analysis.findings.empty(), "no finding without a token signed under the key");
  fuzz::require(!analysis.ignored.empty(), "says why it ignored the message");
  const auto blocks = bounce::detail::header_blocks(raw, 8);
  fuzz::require(blocks.size() <= 8, "at most max_blocks blocks");
  return 0;
}
