// application/x-www-form-urlencoded bodies, as HTML forms post them: name=value pairs
// joined by '&', '+' for space, %XX escapes. Strict: a bad escape or invalid UTF-8 is an
// error, and the number of fields is bounded.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/result.hpp"

namespace broadsheet::http {

using FormFields = std::vector<std::pair<std::string, std::string>>;

Result<FormFields> parse_form(std::string_view body, std::size_t max_fields = 100);

// Percent-decodes one component; '+' becomes a space when `plus_is_space`.
Result<std::string> percent_decode(std::string_view s, bool plus_is_space);

// Percent-encodes one component: everything but ASCII letters, digits and "-._~".
std::string percent_encode(std::string_view s);

// The first value of `name`, or "" when absent.
std::string form_value(const FormFields& fields, std::string_view name);
// Every value of `name`, in order.
std::vector<std::string> form_values(const FormFields& fields, std::string_view name);

}  // namespace broadsheet::http
