// The live DNS check of the configured DKIM keys (`broadsheet dkim check`, GET
// /api/v1/settings/dkim?check=1): each key's TXT record looked up with the resolver of
// mail.dns_servers (address/mx.hpp) and compared with the key (check_dkim_record).
// Blocks for at most the timeout of the lookup; safe from any thread. Never fails: a
// failed lookup is a verdict.
#pragma once

#include <string>

#include "address/mx.hpp"
#include "dkim/signer.hpp"

namespace broadsheet::dkim {

struct PublishedKeyCheck {
  std::string name;       // "SELECTOR._domainkey.DOMAIN"
  bool ok = false;        // the one published record matches the key
  std::string verdict;    // one line: what was found
};

PublishedKeyCheck check_published_key(const DkimSigner::Key& key,
                                      const address::MxOptions& dns);

}  // namespace broadsheet::dkim
