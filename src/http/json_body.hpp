// Request bodies read as JSON within limits. A body is first checked by a pass that
// builds nothing (syntax, UTF-8, nesting depth, number of values), so a body of a
// million empty arrays is refused having cost no memory; one that passes is parsed
// into a single monotonic block sized from the body, which goes with the value (no
// heap of small allocations left fragmented behind).
//
// Trusts nothing in the body. Fails with Errc::invalid_argument and a one-line reason.
// Thread-safe: no shared state.
#pragma once

#include <boost/json/monotonic_resource.hpp>
#include <boost/json/value.hpp>
#include <memory>
#include <string_view>

#include "core/result.hpp"

namespace broadsheet::http {

struct JsonLimits {
  std::size_t max_depth = 8;
  std::size_t max_values = 1024;  // of every kind, objects and arrays included
};

// A parsed body: `value` and everything in it live in `memory`; keep them together.
struct JsonBody {
  std::unique_ptr<boost::json::monotonic_resource> memory;
  boost::json::value value;
};

// A body refused for invalid UTF-8 (anywhere in it, in a string or not) fails with
// exactly this message, so a caller may answer it with its own code.
inline constexpr std::string_view kInvalidUtf8 = "not valid UTF-8";

Result<JsonBody> parse_json_body(std::string_view body, const JsonLimits& limits = {});

}  // namespace broadsheet::http
