#include "admin/issue_details.hpp"

#include <boost/json.hpp>

#include "admin/json_shapes.hpp"
#include "admin/reader_fields.hpp"

namespace broadsheet::admin {

Result<IssueDetails> load_issue_details(store::DeliveryLog& deliveries, store::Bounces& bounces,
                                        store::Releases& releases, store::Segments* segments,
                                        const Issue& issue,
                                        UnixSeconds now, std::size_t max_events) {
  IssueDetails d;
  auto progress = send::issue_progress(deliveries, issue, now);
  if (!progress) return progress.error();
  d.progress = std::move(*progress);
  auto cohorts = releases.cohort_releases(issue.id);
  if (!cohorts) return cohorts.error();
  d.releases = std::move(*cohorts);
  auto events = bounces.bounce_events_of_issue(issue.id, max_events);
  if (!events) return events.error();
  d.bounces = std::move(*events);
  auto domains = bounces.domain_counts_of_issue(issue.id, bounce::kMaxRateDomains);
  if (!domains) return domains.error();
  d.domain_rates = bounce::domain_rates(*domains);
  if (segments != nullptr) {
    auto segment = issue_segment_name(*segments, issue.id);
    if (!segment) return segment.error();
    d.segment = std::move(*segment);
  }
  return d;
}

boost::json::object issue_details_json(const Issue& issue, const IssueDetails& details) {
  auto out = issue_json(issue);
  out["body_markdown"] = issue.body_markdown;
  out["sponsor"] = sponsor_json(issue);
  out["deliveries"] = progress_json(details.progress);
  out["bounces"] = bounce_events_json(details.bounces);
  out["domain_rates"] = domain_rates_json(details.domain_rates);
  out["releases"] = releases_json(details.releases);
  out["segment"] = details.segment ? boost::json::value(*details.segment) : boost::json::value(nullptr);
  return out;
}

}  // namespace broadsheet::admin
