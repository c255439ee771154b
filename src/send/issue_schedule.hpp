// Scheduling an issue: what `broadsheet issue schedule|unschedule` and POST
// /api/v1/issues/{id}/schedule|unschedule do, in one place so both refuse the same.
//
// A newsletter with a recurring schedule ties a draft to one of its editions (a day of
// the schedule, schedule/editions.hpp); a manual newsletter schedules it at an instant.
// Refused, with nothing changed and a message that says why and what to do: an edition
// that is malformed, not a day of the schedule (the schedule is named), already past,
// or already has another issue (named); an instant that is malformed or past; an edition
// for a manual newsletter (use the instant) or an instant for a recurring one (use an
// edition); an issue that is not a draft (its status is named). Unscheduling puts a
// scheduled issue back to draft; refused once sending has started. The store keeps the
// last two rules in its own transaction (store::Issues::schedule_issue), so a race with
// a send is refused there. Audited as issue.schedule / issue.unschedule under `actor`.
//
// Trusts the store and `now` (the caller's clock). Thread-safe as the store's roles are.
#pragma once

#include <string>
#include <string_view>

#include "core/clock.hpp"
#include "core/result.hpp"
#include "core/types.hpp"
#include "store/issues.hpp"
#include "store/newsletters.hpp"

namespace broadsheet::send {

// Why a schedule or unschedule was refused: the API's error code (refusal_code).
enum class ScheduleRefusal {
  none,
  not_found,           // no such issue
  invalid_edition,     // not YYYY-MM-DD, or no such day
  not_an_edition_day,  // the schedule has no edition that day
  edition_in_past,
  edition_taken,  // another issue has the edition
  invalid_at,     // not an RFC 3339 instant
  at_in_past,
  manual_newsletter,     // an edition asked of a manual newsletter
  recurring_newsletter,  // an instant asked of a recurring newsletter
  not_draft,             // scheduling an issue that is not a draft
  not_scheduled,         // unscheduling a draft, or an issue that has begun sending
  failed,                // the store failed (Errc::database and the like)
};
// "not_an_edition_day", ...: the JSON error code.
std::string_view refusal_code(ScheduleRefusal r);

// What the editor asked for: exactly one of `edition` and `at` non-empty, as typed.
// The names are how the caller's user calls them, for the messages: "--edition" and
// "--at" on the command line, "\"edition\"" and "\"at\"" in the API.
struct ScheduleRequest {
  std::string edition, at;
  std::string_view edition_name = "--edition", at_name = "--at";
};

struct ScheduleResult {
  Result<Issue> issue;  // the issue as it is now, or the refusal's Error
  ScheduleRefusal refusal = ScheduleRefusal::none;
};

ScheduleResult schedule_issue(store::Newsletters& newsletters, store::Issues& issues, Id issue_id,
                              const ScheduleRequest& request, UnixSeconds now,
                              const std::string& actor);

ScheduleResult unschedule_issue(store::Issues& issues, Id issue_id, const std::string& actor);

}  // namespace broadsheet::send
