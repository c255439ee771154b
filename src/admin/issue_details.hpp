// One issue as `issue show` and GET /api/v1/issues/{id} present it: its delivery
// progress, the scheduler's releases, its inbound events, its rates by receiving
// domain and the segment it goes to, read once and shown by both (the text of `issue show`, or the JSON object both
// print).
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include <boost/json/object.hpp>

#include "bounce/rates.hpp"
#include "core/clock.hpp"
#include "core/result.hpp"
#include "core/types.hpp"
#include "send/issue_control.hpp"
#include "store/bounces.hpp"
#include "store/delivery_log.hpp"
#include "store/releases.hpp"
#include "store/segments.hpp"

namespace broadsheet::admin {

struct IssueDetails {
  send::IssueProgress progress;                // as at `now`
  std::vector<store::CohortRelease> releases;  // in release order
  std::vector<store::BounceEventRow> bounces;  // at most `max_events`, oldest first
  std::vector<bounce::DomainRate> domain_rates;
  std::optional<std::string> segment;  // its segment's name; none: the whole newsletter
};

// The API and `issue show --json` read 1,000 inbound events; the text of `issue show`
// lists 100.
inline constexpr std::size_t kIssueEventsShown = 1000;

Result<IssueDetails> load_issue_details(store::DeliveryLog& deliveries, store::Bounces& bounces,
                                        store::Releases& releases, store::Segments* segments,
                                        const Issue& issue,
                                        UnixSeconds now,
                                        std::size_t max_events = kIssueEventsShown);

// The full issue: issue_json with "body_markdown", "sponsor", "deliveries", "bounces",
// "domain_rates", "releases" (json_shapes.hpp gives each part's shape) and "segment"
// (null: the whole newsletter). `segments` may be null (no segment is read then).
boost::json::object issue_details_json(const Issue& issue, const IssueDetails& details);

}  // namespace broadsheet::admin
