// The JSON body reader of the sign-up API and the token API on any bytes: it never
// crashes, refuses invalid UTF-8, and what it accepts keeps to the limits it was given
// (depth and number of values), counted again here on the parsed value.
#include <boost/json/value.hpp>

#include "core/types.hpp"
#include "fuzz/fuzz_support.hpp"
#include "http/json_body.hpp"

using namespace broadsheet;
namespace json = boost::json;

namespace {

// Values in `v` (itself included), and the deepest nesting of arrays and objects.
void measure(const json::value& v, std::size_t depth, std::size_t& values, std::size_t& deepest) {
  ++values;
  if (v.is_array() || v.is_object()) deepest = std::max(deepest, depth + 1);
  if (v.is_array()) {
    for (const auto& e : v.as_array()) measure(e, depth + 1, values, deepest);
  } else if (v.is_object()) {
    for (const auto& kv : v.as_object()) measure(kv.value(), depth + 1, values, deepest);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const unsigned char* data, std::size_t size) {
  auto body = fuzz::as_text(data, size);
  // The sign-up API's limits, then the token API's defaults.
  for (http::JsonLimits limits :
       {http::JsonLimits{.max_depth = 4, .max_values = 256}, http::JsonLimits{}}) {
    auto parsed = http::parse_json_body(body, limits);
    if (!parsed) continue;
    fuzz::require(is_valid_utf8(body), "only UTF-8 bodies are accepted");
    std::size_t values = 0, deepest = 0;
    measure(parsed->value, 0, values, deepest);
    fuzz::require(values <= limits.max_values, "at most max_values values");
    fuzz::require(deepest <= limits.max_depth, "at most max_depth levels");
  }
  return 0;
}
