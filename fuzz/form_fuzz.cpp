// The form-body parser (the no-JavaScript sign-up form) on any bytes: it never
// crashes, keeps to its field bound, and whatever it accepts decodes to UTF-8.
#include "core/types.hpp"
#include "fuzz/fuzz_support.hpp"
#include "http/form.hpp"

using namespace broadsheet;

extern "C" int LLVMFuzzerTestOneInput(const unsigned char* data, std::size_t size) {
  auto fields = http::parse_form(fuzz::as_text(data, size), 100);
  if (!fields) return 0;
  fuzz::require(fields->size() <= 100, "at most max_fields fields");
  for (const auto& [name, value] : *fields) {
    fuzz::require(is_valid_utf8(name) && is_valid_utf8(value), "fields are UTF-8");
    fuzz::require(name.size() + value.size() <= size, "decoding never grows");
  }
  return 0;
}
