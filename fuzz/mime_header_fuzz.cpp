// The header encoder (Subject and the like) on any bytes: what it returns is ASCII,
// each physical line at most 78 characters, and breaks only as CRLF followed by a
// space (folding), so no value can add a header or end the header block.
#include "fuzz/fuzz_support.hpp"
#include "mime/mime.hpp"

using namespace broadsheet;

extern "C" int LLVMFuzzerTestOneInput(const unsigned char* data, std::size_t size) {
  if (size < 1) return 0;
  std::size_t used = data[0] % 40;
  auto text = fuzz::as_text(data + 1, size - 1);
  auto encoded = mime::encode_header_words(text, used);
  if (!encoded) return 0;
  const std::string& s = *encoded;
  std::size_t column = used;
  for (std::size_t i = 0; i < s.size(); ++i) {
    auto c = static_cast<unsigned char>(s[i]);
    fuzz::require(c < 0x80, "ASCII only");
    if (c == '\r') {
      fuzz::require(i + 2 < s.size() && s[i + 1] == '\n' && (s[i + 2] == ' ' || s[i + 2] == '\t'),
                    "breaks only as folding");
      column = 0;
      ++i;
      continue;
    }
    fuzz::require(c != '\n' && c != 0, "no bare LF or NUL");
    ++column;
    fuzz::require(column <= 78, "lines within 78 characters");
  }
  return 0;
}
