// Starting and steering the sending of an issue: what `broadsheet issue send|pause|
// resume|cancel` and the API's /api/v1/issues/{id}/... do, in one place so both say
// and allow the same. These only change the store; whoever sends (the server's
// dispatcher, or the CLI's own engine) sees the change and acts on it.
//
// Every change is written to the audit log under `actor` ("cli", "api:NAME").
// Thread-safe as the store's roles are.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "core/clock.hpp"
#include "core/result.hpp"
#include "core/types.hpp"
#include "store/audit_log.hpp"
#include "store/delivery_log.hpp"
#include "store/issues.hpp"

namespace broadsheet::send {

// The roles of the store that starting and steering an issue use.
struct IssueControlStore {
  store::Issues& issues;
  store::DeliveryLog& deliveries;  // the audience, fixed when sending begins
  store::AuditLog& audit;
};

struct SendStart {
  Issue issue;              // as it is now (sending)
  std::size_t queued = 0;   // readers queued by this call; 0 when it was already sending
  bool resumed = false;     // it was already sending: nothing new was queued
};

// A draft or scheduled issue begins sending: its audience (every confirmed, active
// reader now) is fixed in the delivery log. An issue already sending is left as it is
// (resumed). Errc::conflict for a paused one (resume it instead) and for one that was
// sent or cancelled; Errc::not_found for no such issue.
Result<SendStart> start_send(const IssueControlStore& store, Id issue_id, const std::string& actor);

enum class IssueAction { pause, resume, cancel };
std::string_view to_string(IssueAction a);

// pause: sending → paused; resume: paused → sending; cancel: scheduled, sending or
// paused → cancelled (the rest is never sent). Errc::conflict naming the status when
// the issue is in none of those.
Result<Issue> steer_issue(const IssueControlStore& store, Id issue_id, IssueAction action,
                          const std::string& actor);

// An issue's delivery counts and, once it has started, its pace in messages (sent or
// failed) per second. `rate` is the one the API and `issue show` give: while the issue
// is sending or paused, over the last kRateInterval (the log's clock has whole
// seconds); once it is sent or cancelled, the average over the whole send. `average`
// is always the latter, from its start to its end or `now`. While deliveries are
// deferred, `deferrals` holds their most common reasons (kDeferralReasons at most).
inline constexpr UnixSeconds kRateInterval = 10;
inline constexpr std::size_t kDeferralReasons = 3;
struct IssueProgress {
  store::DeliveryCounts counts;
  std::optional<double> rate;
  std::optional<double> average;
  bool finished = false;  // sent or cancelled: `rate` is the average
  std::vector<store::DeferralReason> deferrals;
  bool pending() const { return counts.queued > 0 || counts.deferred > 0; }
};
Result<IssueProgress> issue_progress(store::DeliveryLog& deliveries, const Issue& issue,
                                     UnixSeconds now);

}  // namespace broadsheet::send
