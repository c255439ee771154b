// Which addresses the store treats as one reader, and what it keeps of a removed one.
//
// The store knows no address rules: whoever opens it passes the rule in (the CLI
// passes address::mailbox_key under `readers.case_sensitive_local_part`), so IDN,
// case and whatever comes next are decided in one place, src/address/. Every lookup,
// insert and import keys the address with it; the UNIQUE index is on the key, while
// the address itself stays as the reader typed it (what is shown and written to).
// `rule` names the rule: keys written under another name are remade, and readers that
// become one are merged, when the store opens (sqlite/mailbox_keys.hpp).
//
// A removed reader leaves a suppression: a hash of the key, never the address, so that
// imports and additions by the publisher skip the mailbox while no personal data is
// kept. Pure; safe from any thread.
#pragma once

#include <functional>
#include <string>
#include <string_view>

namespace broadsheet::store {

struct MailboxKeys {
  std::string rule = "exact";
  std::function<std::string(std::string_view)> key;  // empty: the address as it is

  std::string of(std::string_view email) const { return key ? key(email) : std::string(email); }
};

// The suppression record of a mailbox key: lowercase hex of HMAC-SHA256 under a fixed
// label (a plain hash with a domain of its own, so it matches no other hash we keep).
std::string suppression_hash(std::string_view mailbox_key);

}  // namespace broadsheet::store
