#include "bounce/rates.hpp"

#include <fmt/format.h>

namespace broadsheet::bounce {

std::vector<DomainRate> domain_rates(const std::vector<store::DomainCounts>& counts) {
  std::vector<DomainRate> out;
  out.reserve(counts.size());
  for (const auto& c : counts) {
    DomainRate r;
    r.domain = c.domain;
    r.sent = c.sent;
    r.bounces = c.failed + c.hard;
    r.complaints = c.complaints;
    if (c.sent > 0) {
      r.bounce_rate = static_cast<double>(r.bounces) / static_cast<double>(c.sent);
      r.complaint_rate = static_cast<double>(r.complaints) / static_cast<double>(c.sent);
    }
    r.bounces_over = r.bounce_rate > kBounceRateLimit;
    r.complaints_over = r.complaint_rate > kComplaintRateLimit;
    out.push_back(std::move(r));
  }
  return out;
}

std::string domain_rate_line(const DomainRate& r) {
  auto part = [](std::uint64_t n, std::string_view what, double rate, bool over, double limit) {
    return fmt::format("{} {}{} ({:.2g}%{})", n, what, n == 1 ? "" : "s", rate * 100,
                       over ? fmt::format(", over {:.2g}%", limit * 100) : "");
  };
  return fmt::format(
      "{}: {} sent, {}, {}", r.domain, r.sent,
      part(r.bounces, "bounce", r.bounce_rate, r.bounces_over, kBounceRateLimit),
      part(r.complaints, "complaint", r.complaint_rate, r.complaints_over, kComplaintRateLimit));
}

}  // namespace broadsheet::bounce
