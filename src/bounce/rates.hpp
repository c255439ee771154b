// An issue's bounce and complaint rates by receiving domain, set against the limits
// the large mailbox providers publish, so a publisher sees trouble before they act.
//
// Limits (rates of the copies that left for the domain):
//   complaints  0.3%: Gmail's Email sender guidelines and Yahoo's Sender Best
//               Practices (February 2024) ask bulk senders to keep the spam rate
//               users report below 0.3% (and Gmail advises below 0.1%);
//   bounces     2%: no mailbox provider publishes a bounce limit. Amazon SES does for
//               the senders it relays: an account is put under review at a 5% bounce
//               rate and paused at 10%, and Amazon advises staying under 2% (Amazon
//               SES Developer Guide, "Reputation metrics messages",
//               docs.aws.amazon.com/ses/latest/dg/reputationdashboardmessages.html).
//               A bounce here is a hard bounce kept after the relay accepted the copy,
//               or a refusal by the relay during the transaction (a failed delivery).
// A rate over its limit is flagged. Pure functions; safe from any thread.
#pragma once

#include <string>
#include <vector>

#include "store/bounces.hpp"

namespace broadsheet::bounce {

inline constexpr double kComplaintRateLimit = 0.003;
inline constexpr double kBounceRateLimit = 0.02;
// The domains shown, those with most copies first.
inline constexpr std::size_t kMaxRateDomains = 100;

struct DomainRate {
  std::string domain;
  std::uint64_t sent = 0, bounces = 0, complaints = 0;
  double bounce_rate = 0, complaint_rate = 0;  // of `sent`, 0..1
  bool bounces_over = false, complaints_over = false;
};

std::vector<DomainRate> domain_rates(const std::vector<store::DomainCounts>& counts);

// "example.net: 120 sent, 3 bounces (2.5%, over 2%), 0 complaints (0%)".
std::string domain_rate_line(const DomainRate& r);

}  // namespace broadsheet::bounce
