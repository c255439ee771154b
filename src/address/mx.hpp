// Whether a mail domain can receive email, asked of DNS with c-ares (RFC 5321 section
// 5.1, RFC 7505). Used at sign-up to refuse addresses at domains that cannot get mail.
//
// Rules: MX records that are not a Null MX: deliverable. A Null MX (one MX of
// preference 0 and exchange "."): undeliverable. NXDOMAIN: undeliverable. No MX
// (NODATA) but an A or AAAA record (the implicit MX): deliverable; no address either:
// undeliverable. A timeout, SERVFAIL, malformed answer or network error: unknown, which
// callers treat as deliverable, so that a DNS hiccup never loses a reader.
//
// Trusts the configured resolver for the answer, nothing else. Bounded: every lookup
// of one check shares one deadline (MxOptions::timeout), each query is sent at most
// twice per server. Synchronous; safe from any thread (one resolver channel per call).
#pragma once

#include <chrono>
#include <string>
#include <vector>

#include "core/result.hpp"

namespace broadsheet::address {

enum class Deliverability { deliverable, undeliverable, unknown };

struct MxVerdict {
  Deliverability deliverability;
  std::string reason;  // one line for the operator's log, e.g. "the domain does not exist"
};

struct MxOptions {
  std::chrono::milliseconds timeout{3000};  // the whole check, all its lookups together
  // Comma-separated "IPv4", "IPv4:PORT" or "[IPv6]:PORT"; empty: the
  // servers of /etc/resolv.conf.
  std::string dns_servers;
};

// REQUIRES: `ascii_domain` is a domain as parse_email returns it (A-labels, lowercase).
MxVerdict check_deliverable(const std::string& ascii_domain, const MxOptions& options = {});

// Checks a MxOptions::dns_servers list; Errc::invalid_argument names the bad entry.
Status validate_dns_servers(const std::string& servers);

// The TXT records at `name`, each record's strings joined into one (RFC 6376 section
// 3.6.2.2), asked of the same resolver with the same deadline as the MX check. Used by
// `broadsheet dkim check`. Errc::not_found when the name does not exist or has no TXT
// record; Errc::io when DNS fails or does not answer within options.timeout.
Result<std::vector<std::string>> lookup_txt(const std::string& name, const MxOptions& options = {});

}  // namespace broadsheet::address
