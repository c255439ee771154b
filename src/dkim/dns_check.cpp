#include "dkim/dns_check.hpp"

#include <fmt/format.h>

namespace broadsheet::dkim {

PublishedKeyCheck check_published_key(const DkimSigner::Key& k, const address::MxOptions& dns) {
  PublishedKeyCheck out;
  out.name = dkim_record_name(k.selector, k.domain);
  auto records = address::lookup_txt(out.name, dns);
  if (!records) {
    out.verdict = records.error().code == Errc::not_found
                      ? "no TXT record is published"
                      : "DNS lookup failed: " + records.error().message;
  } else if (records->size() > 1) {
    out.verdict = fmt::format(
        "{} TXT records are published; verifiers may take any, keep only one", records->size());
  } else {
    auto result = check_dkim_record(records->front(), k.key);
    out.ok = result.verdict == DkimRecordVerdict::matches;
    out.verdict = result.reason;
  }
  return out;
}

}  // namespace broadsheet::dkim
