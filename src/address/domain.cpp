// Normalises the domain of an email address: Unicode to A-labels through libidn2, then
// the LDH, length, top-level and special-use rules.
//
// Trusts: the caller for valid UTF-8 without control characters (parse_email checks
// first), and libidn2 for UTS-46 mapping, NFC and Punycode. Everything else about the
// text is checked here. Fails with Errc::invalid_argument; messages quote at most 100
// bytes of the domain as it was typed.
#include "address/domain.hpp"

#include <idn2.h>

#include <algorithm>
#include <array>
#include <memory>
#include <vector>

namespace broadsheet::address {
namespace {

constexpr std::size_t kMaxDomain = 253;  // RFC 1035 name length without the root dot
constexpr std::size_t kMaxLabel = 63;    // RFC 1035 label length
constexpr const char* kLabelTooLong =
    "a part of the domain between dots is longer than 63 characters";
constexpr const char* kDomainTooLong = "the domain is longer than 253 characters";

// Reserved by RFC 2606, 6761, 6762, 7686, 9476 and ICANN (internal): mail to them goes
// nowhere, so accepting one only produces a bounce or a silent loss.
constexpr std::array<std::string_view, 9> kSpecialUseTlds{
    "test", "invalid", "localhost", "local", "onion", "arpa", "example", "internal", "alt"};
constexpr std::array<std::string_view, 3> kSpecialUseDomains{"example.com", "example.net",
                                                             "example.org"};

Error invalid_domain(std::string message) {
  return make_error(Errc::invalid_argument, std::move(message));
}

struct Idn2Free {
  void operator()(char* p) const { idn2_free(p); }
};
using Idn2String = std::unique_ptr<char, Idn2Free>;

bool is_ascii(std::string_view s) {
  return std::all_of(s.begin(), s.end(),
                     [](char c) { return static_cast<unsigned char>(c) < 0x80; });
}

char lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }
bool is_letter(char c) { return c >= 'a' && c <= 'z'; }
bool is_ldh(char c) { return is_letter(c) || (c >= '0' && c <= '9') || c == '-'; }

bool has_a_label(std::string_view domain) {
  return domain.starts_with("xn--") || domain.find(".xn--") != std::string_view::npos;
}

std::vector<std::string_view> split_labels(std::string_view domain) {
  std::vector<std::string_view> labels;
  std::size_t start = 0;
  while (true) {
    std::size_t dot = domain.find('.', start);
    labels.push_back(domain.substr(start, dot - start));
    if (dot == std::string_view::npos) return labels;
    start = dot + 1;
  }
}

// The A-label form of `raw`. ASCII goes through libidn2 too when it already holds
// A-labels, so broken Punycode ("xn--zz") is refused rather than stored.
Result<std::string> to_ascii(std::string_view raw) {
  std::string lowered(raw);
  std::transform(lowered.begin(), lowered.end(), lowered.begin(), lower);
  if (is_ascii(lowered) && !has_a_label(lowered)) return lowered;
  char* out = nullptr;
  int rc = idn2_to_ascii_8z(lowered.c_str(), &out, IDN2_NONTRANSITIONAL | IDN2_NFC_INPUT);
  Idn2String owned(out);
  // Length failures get the same words as for ASCII domains: the limits are the same,
  // they only bite after conversion.
  if (rc == IDN2_TOO_BIG_LABEL || rc == IDN2_PUNYCODE_BIG_OUTPUT) return invalid_domain(kLabelTooLong);
  if (rc == IDN2_TOO_BIG_DOMAIN) return invalid_domain(kDomainTooLong);
  if (rc != IDN2_OK || owned == nullptr) {
    return invalid_domain("the domain is not a valid internationalised domain name");
  }
  std::string ascii(owned.get());
  std::transform(ascii.begin(), ascii.end(), ascii.begin(), lower);
  return ascii;
}

// The Unicode form for display; the A-label form when it does not decode, since a
// reader can still read that and it is what mail is sent to anyway.
std::string to_unicode(const std::string& ascii) {
  if (!has_a_label(ascii)) return ascii;
  char* out = nullptr;
  int rc = idn2_to_unicode_8z8z(ascii.c_str(), &out, 0);
  Idn2String owned(out);
  if (rc != IDN2_OK || owned == nullptr) return ascii;
  return {owned.get()};
}

Status check_labels(std::string_view ascii) {
  auto labels = split_labels(ascii);
  for (std::size_t i = 0; i < labels.size(); ++i) {
    std::string_view label = labels[i];
    if (label.empty()) {
      if (i == 0) return invalid_domain("the domain cannot start with a dot");
      if (i + 1 == labels.size()) return invalid_domain("the domain cannot end with a dot");
      return invalid_domain("the domain cannot contain two dots in a row");
    }
    if (label.size() > kMaxLabel) {
      return invalid_domain(kLabelTooLong);
    }
    const auto* bad = std::find_if_not(label.begin(), label.end(), is_ldh);
    if (bad != label.end()) {
      return invalid_domain(std::string("the domain contains '") + *bad +
                     "', but only letters, digits, hyphens and dots are allowed");
    }
    if (label.front() == '-' || label.back() == '-') {
      return invalid_domain("a part of the domain cannot start or end with a hyphen");
    }
  }
  return {};
}

bool is_special_use(std::string_view ascii) {
  std::string_view tld = ascii.substr(ascii.rfind('.') + 1);
  if (std::find(kSpecialUseTlds.begin(), kSpecialUseTlds.end(), tld) != kSpecialUseTlds.end()) {
    return true;
  }
  return std::any_of(kSpecialUseDomains.begin(), kSpecialUseDomains.end(), [&](auto d) {
    return ascii == d || (ascii.ends_with(d) && ascii[ascii.size() - d.size() - 1] == '.');
  });
}

}  // namespace

std::string excerpt(std::string_view text, std::size_t max_bytes) {
  if (text.size() <= max_bytes) return std::string(text);
  std::size_t cut = max_bytes;
  // Back up over continuation bytes so the excerpt stays valid UTF-8.
  while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80) --cut;
  return std::string(text.substr(0, cut)) + "…";
}

Result<MailDomain> normalize_mail_domain(std::string_view raw, bool allow_special_use) {
  if (raw.front() == '[') {
    return invalid_domain("addresses at an IP address (such as [192.0.2.1]) are not accepted");
  }
  // Checked before IDN mapping too, because libidn2 would report a trailing dot as a
  // generic failure and the reader deserves the specific reason.
  if (raw.back() == '.') return invalid_domain("the domain cannot end with a dot");
  auto ascii = to_ascii(raw);
  if (!ascii) return ascii.error();
  if (auto labels = check_labels(*ascii); !labels) return labels.error();
  if (ascii->size() > kMaxDomain) return invalid_domain(kDomainTooLong);
  std::string quoted = "'" + excerpt(raw) + "'";
  if (ascii->find('.') == std::string::npos) {
    return invalid_domain("the domain " + quoted + " needs a dot and an ending such as .com or .org");
  }
  // A top-level name ends in a letter; that refuses IP addresses and numeric endings.
  // Punycode TLDs qualify too: the last digit of a Punycode delta is always a-z.
  if (!is_letter(ascii->back())) {
    return invalid_domain("the domain " + quoted +
                   " does not end in a name such as .com (IP addresses are not accepted)");
  }
  if (!allow_special_use && is_special_use(*ascii)) {
    return invalid_domain("the domain " + quoted + " is reserved and cannot receive mail");
  }
  std::string unicode = to_unicode(*ascii);
  return MailDomain{std::move(*ascii), std::move(unicode)};
}

}  // namespace broadsheet::address
