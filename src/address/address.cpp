// parse_email: turns what a reader typed into a sign-up box, or what an import file
// held, into the address Broadsheet stores and compares, or says which rule broke.
//
// Trusts nothing about its input: any bytes, any length. Work is bounded by refusing
// oversized input before looking further. Trusts core/types for UTF-8 validation and
// libidn2 (through domain.cpp) for IDN mapping. Fails only with Errc::invalid_argument;
// messages quote at most 100 bytes of input.
#include "address/address.hpp"

#include <cstdint>

#include "address/domain.hpp"
#include "core/types.hpp"

namespace broadsheet::address {
namespace {

constexpr std::size_t kMaxAddress = 254;   // RFC 5321 path limit without the brackets
constexpr std::size_t kMaxLocalPart = 64;  // RFC 5321 section 4.5.3.1.1
// IDN mapping can shrink a domain (fullwidth letters become ASCII), so the raw input
// gets a looser bound; it caps the work, the real limit is checked after conversion.
constexpr std::size_t kMaxInput = 1024;

Error invalid(std::string message) {
  return make_error(Errc::invalid_argument, std::move(message));
}

bool is_ascii_space(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && is_ascii_space(s.front())) s.remove_prefix(1);
  while (!s.empty() && is_ascii_space(s.back())) s.remove_suffix(1);
  return s;
}

bool is_atext(char c) {
  if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) return true;
  return std::string_view("!#$%&'*+-/=?^_`{|}~").find(c) != std::string_view::npos;
}

// Decodes the code point starting at s[i] and advances i. REQUIRES: valid UTF-8.
std::uint32_t next_code_point(std::string_view s, std::size_t& i) {
  auto byte = [&](std::size_t k) { return static_cast<unsigned char>(s[k]); };
  unsigned char lead = byte(i);
  int extra = lead < 0x80 ? 0 : lead < 0xE0 ? 1 : lead < 0xF0 ? 2 : 3;
  std::uint32_t cp = extra == 0 ? lead : lead & (0x3F >> extra);
  for (int k = 1; k <= extra; ++k) cp = (cp << 6) | (byte(i + k) & 0x3F);
  i += extra + 1;
  return cp;
}

bool is_c1_control(std::uint32_t cp) { return cp >= 0x80 && cp <= 0x9F; }

// Characters that render as nothing or reorder the text around them: in a mailbox name
// they let one address display as another, and no real mailbox needs them.
bool is_invisible(std::uint32_t cp) {
  return cp == 0xAD || (cp >= 0x200B && cp <= 0x200F) || (cp >= 0x2028 && cp <= 0x202E) ||
         (cp >= 0x2060 && cp <= 0x206F) || cp == 0xFEFF;
}

bool has_c1_controls(std::string_view s) {
  for (std::size_t i = 0; i < s.size();) {
    if (is_c1_control(next_code_point(s, i))) return true;
  }
  return false;
}

std::string describe_char(char c) {
  if (c == ' ') return "a space";
  return std::string("'") + c + "'";
}

Status check_local_part(std::string_view local, const AddressPolicy& policy) {
  if (local.empty()) return invalid("the part before @ is empty");
  if (local.size() > kMaxLocalPart) {
    return invalid("the part before @ is longer than 64 characters");
  }
  if (local.front() == '.') return invalid("the part before @ cannot start with a dot");
  if (local.back() == '.') return invalid("the part before @ cannot end with a dot");
  if (local.find("..") != std::string_view::npos) {
    return invalid("the part before @ cannot contain two dots in a row");
  }
  for (std::size_t i = 0; i < local.size();) {
    char c = local[i];
    if (static_cast<unsigned char>(c) < 0x80) {
      if (c != '.' && !is_atext(c)) {
        return invalid("the part before @ contains " + describe_char(c) +
                       ", which is not allowed in an address");
      }
      ++i;
      continue;
    }
    if (!policy.allow_utf8_local_part) {
      return invalid("the part before @ contains non-ASCII characters, which are not accepted");
    }
    if (is_invisible(next_code_point(local, i))) {
      return invalid("the part before @ contains an invisible or direction-changing character");
    }
  }
  return {};
}

}  // namespace

Result<EmailAddress> parse_email(std::string_view input, const AddressPolicy& policy) {
  std::string_view text = trim(input);
  if (text.empty()) return invalid("the address is empty");
  if (text.size() > kMaxInput) return invalid("the address is longer than 254 characters");
  if (has_control_chars(text)) {
    return invalid("the address contains a control character such as a line break or tab");
  }
  if (!is_valid_utf8(text)) return invalid("the address is not valid UTF-8 text");
  if (has_c1_controls(text)) return invalid("the address contains a control character");
  if (text.front() == '"') {
    return invalid("quoted names before @ (\"...\") are not accepted; use a plain address");
  }
  std::size_t at = text.find('@');
  if (at == std::string_view::npos) {
    return invalid("the address needs an @ between the name and the domain");
  }
  if (text.find('@', at + 1) != std::string_view::npos) {
    return invalid("the address has more than one @");
  }
  std::string_view local = text.substr(0, at);
  std::string_view raw_domain = text.substr(at + 1);
  if (auto checked = check_local_part(local, policy); !checked) return checked.error();
  if (raw_domain.empty()) return invalid("the part after @ is empty; it should be a domain");

  auto domain = normalize_mail_domain(raw_domain, policy.allow_special_use_domains);
  if (!domain) return domain.error();
  if (local.size() + 1 + domain->ascii.size() > kMaxAddress) {
    return invalid("the address is longer than 254 characters");
  }
  EmailAddress address;
  address.local_part = std::string(local);
  address.normalized = address.local_part + "@" + domain->ascii;
  address.display = address.local_part + "@" + domain->unicode;
  address.domain = std::move(domain->ascii);
  return address;
}

const char* mailbox_match_name(MailboxMatch match) {
  return match == MailboxMatch::exact ? "exact" : "ignore-local-case";
}

std::string mailbox_key(std::string_view normalized, MailboxMatch match) {
  std::string key(normalized);
  const std::size_t at = key.rfind('@');
  // The domain is lowercase after parse_email already; an address read from elsewhere
  // (an old row) is made so too.
  const std::size_t from = match == MailboxMatch::exact && at != std::string::npos ? at : 0;
  for (std::size_t i = from; i < key.size(); ++i) {
    const char c = key[i];
    if (c >= 'A' && c <= 'Z') key[i] = static_cast<char>(c - 'A' + 'a');
  }
  return key;
}

}  // namespace broadsheet::address
