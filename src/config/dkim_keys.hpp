// The `dkim.keys` setting (RFC 6376): which keys sign, as "domain:selector:algorithm:path"
// entries. Parsed here, apart from the keys themselves (dkim/key.hpp), so that checking
// a configuration needs neither OpenSSL nor the signer.
//
// What it trusts: nothing in the setting. A malformed entry is Errc::config naming it.
// Pure functions; safe from any thread.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "core/result.hpp"

namespace broadsheet {

enum class DkimAlgorithm { rsa_sha256, ed25519_sha256 };

// "rsa" or "ed25519": the names used on the command line and in dkim.keys.
std::string_view dkim_algorithm_name(DkimAlgorithm algorithm);
Result<DkimAlgorithm> parse_dkim_algorithm(std::string_view name);

// One signing key as configured. `key_path` is relative to the data folder unless
// absolute.
struct DkimKeySpec {
  std::string domain;    // d=, lowercase A-labels, e.g. "news.example.com"
  std::string selector;  // s=, e.g. "2026a"
  DkimAlgorithm algorithm = DkimAlgorithm::ed25519_sha256;
  std::string key_path;
};

// `dkim.keys`: entries "domain:selector:algorithm:path" separated by commas, spaces
// around them ignored; "" is no key. Two entries may not share a domain and selector
// (one DNS record each). The path may not contain a comma.
Result<std::vector<DkimKeySpec>> parse_dkim_key_specs(std::string_view text);
std::string format_dkim_key_specs(const std::vector<DkimKeySpec>& specs);

// Checks a d= domain (LDH labels, at least two, lowercase ASCII, ending in a name
// rather than digits so not an IP address, xn-- A-labels that decode) and an s=
// selector (LDH labels). Errc::invalid_argument says what is wrong.
Status validate_dkim_domain(std::string_view domain);
Status validate_dkim_selector(std::string_view selector);

}  // namespace broadsheet
