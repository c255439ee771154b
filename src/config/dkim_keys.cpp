#include "config/dkim_keys.hpp"

#include <fmt/format.h>

#include "address/domain.hpp"
#include "core/text.hpp"

namespace broadsheet {
namespace {

Status check_labels(std::string_view name, std::string_view what, std::size_t min_labels) {
  if (name.empty() || name.size() > 253) {
    return make_error(Errc::invalid_argument, fmt::format("{} must be 1 to 253 characters", what));
  }
  auto labels = split_at(name, '.');
  for (std::string_view label : labels) {
    if (label.empty() || label.size() > 63 || label.front() == '-' || label.back() == '-') {
      return make_error(Errc::invalid_argument,
                        fmt::format("{} \"{}\" has an empty, overlong or hyphen-edged label", what,
                                    std::string(name.substr(0, 80))));
    }
    for (char c : label) {
      bool ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-';
      if (!ok) {
        return make_error(Errc::invalid_argument,
                          fmt::format("{} \"{}\" may hold only lowercase letters, digits, "
                                      "hyphens and dots (IDNs as xn-- A-labels)",
                                      what, std::string(name.substr(0, 80))));
      }
    }
  }
  if (labels.size() < min_labels) {
    return make_error(Errc::invalid_argument, fmt::format("{} \"{}\" needs at least {} labels",
                                                          what, std::string(name), min_labels));
  }
  return {};
}

}  // namespace

std::string_view dkim_algorithm_name(DkimAlgorithm algorithm) {
  return algorithm == DkimAlgorithm::rsa_sha256 ? "rsa" : "ed25519";
}

Result<DkimAlgorithm> parse_dkim_algorithm(std::string_view name) {
  if (name == "rsa") return DkimAlgorithm::rsa_sha256;
  if (name == "ed25519") return DkimAlgorithm::ed25519_sha256;
  return make_error(Errc::invalid_argument, "the algorithm must be rsa or ed25519");
}

Status validate_dkim_domain(std::string_view domain) {
  if (auto st = check_labels(domain, "domain", 2); !st) return st;
  const std::string shown(domain.substr(0, 80));
  // d= names a domain in DNS: an IP address (an all-digit ending) has no _domainkey
  // records, and an A-label that does not decode, or "--" in third and fourth place
  // outside one (RFC 5891 4.2.3.1), is no valid name: a key for either never verifies.
  for (std::string_view label : split_at(domain, '.')) {
    if (label.size() >= 4 && label.substr(2, 2) == "--" && !label.starts_with("xn--")) {
      return make_error(Errc::invalid_argument,
                        fmt::format("domain \"{}\" has a label with \"--\" in third and fourth "
                                    "place, which only an IDN's xn-- A-label may have",
                                    shown));
    }
  }
  auto normal = address::normalize_mail_domain(domain, true);
  if (!normal) {
    return make_error(Errc::invalid_argument,
                      fmt::format("domain \"{}\": {}", shown, normal.error().message));
  }
  return {};
}

Status validate_dkim_selector(std::string_view selector) {
  return check_labels(selector, "selector", 1);
}

Result<std::vector<DkimKeySpec>> parse_dkim_key_specs(std::string_view text) {
  std::vector<DkimKeySpec> specs;
  if (trim_whitespace(text).empty()) return specs;
  for (std::string_view part : split_at(text, ',')) {
    std::string_view entry = trim_whitespace(part);
    auto bad = [&](std::string_view why) {
      return make_error(Errc::config,
                        fmt::format("entry \"{}\": {}", std::string(entry.substr(0, 120)), why));
    };
    // domain:selector:algorithm:path; the path is the rest, colons and all.
    std::string_view fields[4];
    std::string_view rest = entry;
    for (int i = 0; i < 3; ++i) {
      auto colon = rest.find(':');
      if (colon == std::string_view::npos) {
        return bad("expected domain:selector:algorithm:path");
      }
      fields[i] = rest.substr(0, colon);
      rest.remove_prefix(colon + 1);
    }
    fields[3] = rest;
    DkimKeySpec spec;
    spec.domain = fields[0];
    spec.selector = fields[1];
    spec.key_path = fields[3];
    if (auto st = validate_dkim_domain(spec.domain); !st) return bad(st.error().message);
    if (auto st = validate_dkim_selector(spec.selector); !st) return bad(st.error().message);
    auto algorithm = parse_dkim_algorithm(fields[2]);
    if (!algorithm) return bad(algorithm.error().message);
    spec.algorithm = *algorithm;
    if (spec.key_path.empty()) return bad("the key file path is empty");
    for (const auto& other : specs) {
      if (other.domain == spec.domain && other.selector == spec.selector) {
        return bad("another key has the same domain and selector");
      }
    }
    specs.push_back(std::move(spec));
  }
  return specs;
}

std::string format_dkim_key_specs(const std::vector<DkimKeySpec>& specs) {
  std::string out;
  for (const auto& s : specs) {
    if (!out.empty()) out += ',';
    out += fmt::format("{}:{}:{}:{}", s.domain, s.selector, dkim_algorithm_name(s.algorithm),
                       s.key_path);
  }
  return out;
}

}  // namespace broadsheet
