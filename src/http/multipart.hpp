// multipart/form-data bodies (RFC 7578 over RFC 2046's syntax), as a browser posts a
// form that holds a file: the desk's import form without JavaScript, and the CSRF field
// the router reads from such a form.
//
// Trusts nothing in the body. The boundary comes from the Content-Type (1 to 70
// characters of RFC 2046's set); the body must open with it, each part has headers
// ending in CRLF with a Content-Disposition of form-data and a non-empty name, and the
// body must end with the final boundary (an epilogue after it is ignored, as RFC 2046
// says). Every malformation is an Errc::invalid_argument whose message names it and,
// when it is in a part, the part's number. Bounded: at most `max_parts` parts and
// `max_header_bytes` of headers per part; the whole size is the caller's (the route's
// body limit). The parts' bodies are views into `body`: REQUIRES that it outlives them.
// Pure functions; safe from any thread.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.hpp"
#include "http/message.hpp"

namespace broadsheet::http {

struct MultipartLimits {
  std::size_t max_parts = 100;
  std::size_t max_header_bytes = 8 * 1024;  // of one part's headers, CRLFs included
};

struct MultipartPart {
  std::string name;                     // the form field (UTF-8, not empty)
  std::optional<std::string> filename;  // a file field's: "" when no file was chosen
  std::string content_type;             // as sent, lowercased; empty when absent
  std::string_view body;                // the bytes, as they are (no transfer decoding)
};

// The boundary parameter of a `multipart/form-data` Content-Type.
Result<std::string> multipart_boundary(std::string_view content_type);

// The parts of `body`, in order, with the boundary given.
Result<std::vector<MultipartPart>> parse_multipart(std::string_view boundary, std::string_view body,
                                                   const MultipartLimits& limits = {});

// The parts of a request's body, from its Content-Type's boundary.
Result<std::vector<MultipartPart>> parse_multipart(const Request& request,
                                                   const MultipartLimits& limits = {});

// The first part named `name`, or nullptr.
const MultipartPart* find_part(const std::vector<MultipartPart>& parts, std::string_view name);

}  // namespace broadsheet::http
