// The domain half of an email address, for parse_email (address.hpp) and the domain
// check of the `dkim.keys` setting (config/dkim_keys.cpp); other subsystems take a
// whole EmailAddress, never a bare domain.
//
// Pure functions; safe from any thread.
#pragma once

#include <string>
#include <string_view>

#include "core/result.hpp"

namespace broadsheet::address {

struct MailDomain {
  std::string ascii;    // A-labels, lowercase: what is stored and compared
  std::string unicode;  // U-labels where the A-labels decode, for display
};

// REQUIRES: `raw` is non-empty valid UTF-8 without control characters.
// Converts Unicode domains with libidn2 (UTS-46 non-transitional), lowercases, and
// checks the LDH, length, top-level and special-use rules listed in address.hpp.
Result<MailDomain> normalize_mail_domain(std::string_view raw, bool allow_special_use);

// At most the first `max_bytes` of `text`, cut on a UTF-8 boundary, with "…" appended
// when cut: lets an error message name the offending input without repeating all of it.
// REQUIRES: `text` is valid UTF-8.
std::string excerpt(std::string_view text, std::size_t max_bytes = 100);

}  // namespace broadsheet::address
