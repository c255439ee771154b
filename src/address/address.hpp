// Email address validation and normalisation (RFC 5321/5322 as mail really is).
//
// Rules: the whole address at most 254 octets, local part at most 64; dot-atom local
// parts (atext, no leading, trailing or doubled dots; quoted local parts refused);
// domain of LDH labels of at most 63 characters, at least one dot, a TLD ending in a
// letter; special-use domains (test, invalid, localhost, local, onion, arpa, example,
// example.com/net/org, home.arpa, internal, alt) refused unless allowed; Unicode
// domains converted with libidn2 (UTS-46 non-transitional) to A-labels, the Unicode
// form kept for display; Unicode local parts only when SMTPUTF8 is allowed.
// Surrounding white space is trimmed and the domain lowercased; the local part keeps
// its case (it is the receiving system's to interpret).
//
// Pure functions; safe from any thread.
#pragma once

#include <string>
#include <string_view>

#include "core/result.hpp"

namespace broadsheet::address {

struct AddressPolicy {
  bool allow_special_use_domains = false;  // e.g. for tests against example.com
  bool allow_utf8_local_part = false;      // SMTPUTF8 mailboxes
};

struct EmailAddress {
  std::string normalized;  // local@a-label.domain, what is stored and compared
  std::string display;     // local@unicode.domain, what a reader sees
  std::string local_part;
  std::string domain;  // A-labels, lowercase
};

// Parses and normalises `input`. On failure the Error (Errc::invalid_argument) has a
// message that says which rule broke, e.g. "the part before @ is longer than 64
// characters"; it never echoes more than the first 100 bytes of the input.
Result<EmailAddress> parse_email(std::string_view input, const AddressPolicy& policy = {});

// Which addresses are one reader's mailbox. Mailbox providers ignore the case of the
// local part, so by default two addresses that differ only in the case of its ASCII
// letters are one mailbox; `exact` keeps the local part as typed (for the rare
// receiving system that tells them apart). The domain never counts case (the
// normalised form already lowercases it). Non-ASCII letters of an SMTPUTF8 local part
// are compared as typed.
enum class MailboxMatch { ignore_local_case, exact };

// The rule's name, recorded by the store beside the keys it made with it.
const char* mailbox_match_name(MailboxMatch match);

// The key one mailbox is known by: `normalized` (an EmailAddress::normalized) with the
// rule applied. Equal keys are the same reader.
std::string mailbox_key(std::string_view normalized, MailboxMatch match);

}  // namespace broadsheet::address
