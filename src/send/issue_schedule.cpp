#include "send/issue_schedule.hpp"

#include <fmt/format.h>

#include <array>

#include "core/text.hpp"
#include "schedule/editions.hpp"
#include "schedule/schedule.hpp"

namespace broadsheet::send {
namespace {

ScheduleResult refused(ScheduleRefusal why, Errc code, std::string message) {
  return ScheduleResult{make_error(code, std::move(message)), why};
}

// A failure of the store: not_found and conflict are the editor's to act on.
ScheduleResult store_failed(const Error& e, ScheduleRefusal conflict) {
  ScheduleRefusal why = e.code == Errc::not_found  ? ScheduleRefusal::not_found
                        : e.code == Errc::conflict ? conflict
                                                   : ScheduleRefusal::failed;
  return ScheduleResult{e, why};
}

constexpr std::array<std::string_view, 7> kWeekdays = {
    "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"};

ScheduleResult schedule_edition(const Issue& issue, const Newsletter& n,
                                const schedule::Schedule& s, store::Issues& issues,
                                const ScheduleRequest& r, UnixSeconds now,
                                const std::string& actor) {
  if (s.manual) {
    return refused(ScheduleRefusal::manual_newsletter, Errc::invalid_argument,
                   fmt::format("{} is sent manually (schedule: manual) and has no editions: "
                               "schedule the issue at an instant with {}, e.g. {} "
                               "2026-12-08T06:00:00Z",
                               n.slug, r.at_name, r.at_name));
  }
  auto day = schedule::parse_day(r.edition);
  if (!day) {
    return refused(ScheduleRefusal::invalid_edition, Errc::invalid_argument,
                   fmt::format("{}: {}", r.edition_name, day.error().message));
  }
  const std::string date = schedule::format_day(*day);
  if (!schedule::is_edition_day(s, *day)) {
    return refused(ScheduleRefusal::not_an_edition_day, Errc::invalid_argument,
                   fmt::format("{} is a {}, not a day of {}'s schedule ({}: {})", date,
                               kWeekdays[static_cast<std::size_t>(schedule::weekday_of(*day))],
                               n.slug, s.text(), s.describe()));
  }
  const schedule::Day open = schedule::first_open_day(s, now);
  if (*day < open) {
    // A week holds an edition day of any schedule that is not manual.
    const auto coming = schedule::edition_days(s, open, 7);
    return refused(
        ScheduleRefusal::edition_in_past, Errc::invalid_argument,
        fmt::format(
            "edition {} is in the past: the first edition still to come "
            "is {} ({})",
            date,
            coming.empty() ? schedule::format_day(open) : schedule::format_day(coming.front()),
            s.zone == "local" ? "a local day ends last at UTC-12" : "the days of " + s.zone));
  }
  auto holder = issues.issue_of_edition(issue.newsletter_id, date);
  if (!holder) return store_failed(holder.error(), ScheduleRefusal::failed);
  if (*holder && (*holder)->id != issue.id) {
    const Issue& other = **holder;
    return refused(ScheduleRefusal::edition_taken, Errc::conflict,
                   fmt::format("edition {} of {} already has issue {} (\"{}\", {})", date, n.slug,
                               other.id, excerpt(other.subject, 60), to_string(other.status)));
  }
  auto done = issues.schedule_issue(issue.id, store::IssueSchedule{date, std::nullopt}, actor);
  if (!done) return store_failed(done.error(), ScheduleRefusal::not_draft);
  return ScheduleResult{std::move(*done), ScheduleRefusal::none};
}

ScheduleResult schedule_at(const Issue& issue, const Newsletter& n, const schedule::Schedule& s,
                           store::Issues& issues, const ScheduleRequest& r, UnixSeconds now,
                           const std::string& actor) {
  if (!s.manual) {
    return refused(ScheduleRefusal::recurring_newsletter, Errc::invalid_argument,
                   fmt::format("{} goes out on a schedule ({}): tie the issue to one of its "
                               "editions with {} YYYY-MM-DD instead of an instant",
                               n.slug, s.text(), r.edition_name));
  }
  auto at = parse_rfc3339(r.at);
  if (!at) {
    return refused(ScheduleRefusal::invalid_at, Errc::invalid_argument,
                   fmt::format("{}: {}", r.at_name, at.error().message));
  }
  if (*at <= now) {
    return refused(ScheduleRefusal::at_in_past, Errc::invalid_argument,
                   fmt::format("{} {} is in the past (it is {} now)", r.at_name,
                               format_iso8601(*at), format_iso8601(now)));
  }
  auto done = issues.schedule_issue(issue.id, store::IssueSchedule{std::nullopt, *at}, actor);
  if (!done) return store_failed(done.error(), ScheduleRefusal::not_draft);
  return ScheduleResult{std::move(*done), ScheduleRefusal::none};
}

}  // namespace

std::string_view refusal_code(ScheduleRefusal r) {
  switch (r) {
    case ScheduleRefusal::none:
      return "none";
    case ScheduleRefusal::not_found:
      return "not_found";
    case ScheduleRefusal::invalid_edition:
      return "invalid_edition";
    case ScheduleRefusal::not_an_edition_day:
      return "not_an_edition_day";
    case ScheduleRefusal::edition_in_past:
      return "edition_in_past";
    case ScheduleRefusal::edition_taken:
      return "edition_taken";
    case ScheduleRefusal::invalid_at:
      return "invalid_at";
    case ScheduleRefusal::at_in_past:
      return "at_in_past";
    case ScheduleRefusal::manual_newsletter:
      return "manual_newsletter";
    case ScheduleRefusal::recurring_newsletter:
      return "recurring_newsletter";
    case ScheduleRefusal::not_draft:
      return "not_draft";
    case ScheduleRefusal::not_scheduled:
      return "not_scheduled";
    case ScheduleRefusal::failed:
      return "unavailable";
  }
  return "unavailable";
}

ScheduleResult schedule_issue(store::Newsletters& newsletters, store::Issues& issues, Id issue_id,
                              const ScheduleRequest& r, UnixSeconds now, const std::string& actor) {
  auto issue = issues.issue_by_id(issue_id);
  if (!issue) return store_failed(issue.error(), ScheduleRefusal::failed);
  // The status first: whatever was asked, an issue that has gone out stays as it went.
  if (issue->status != IssueStatus::draft) {
    return refused(
        ScheduleRefusal::not_draft, Errc::conflict,
        fmt::format(
            "issue {} is {}; only a draft can be scheduled{}", issue_id, to_string(issue->status),
            issue->status == IssueStatus::scheduled ? " (unschedule it first to move it)" : ""));
  }
  auto n = newsletters.newsletter_by_id(issue->newsletter_id);
  if (!n) return store_failed(n.error(), ScheduleRefusal::failed);
  auto s = schedule::parse_schedule(n->schedule.empty() ? "manual" : n->schedule);
  if (!s) {
    return refused(ScheduleRefusal::failed, Errc::invalid_argument,
                   fmt::format("{}'s schedule \"{}\" cannot be read ({}); set it with "
                               "`newsletter update {} --schedule`",
                               n->slug, excerpt(n->schedule, 60), s.error().message, n->slug));
  }
  if (r.edition.empty() == r.at.empty()) {
    return refused(ScheduleRefusal::invalid_edition, Errc::invalid_argument,
                   fmt::format("give either {} (an edition of a scheduled newsletter) or {} (an "
                               "instant, for a manual one)",
                               r.edition_name, r.at_name));
  }
  if (!r.edition.empty()) return schedule_edition(*issue, *n, *s, issues, r, now, actor);
  return schedule_at(*issue, *n, *s, issues, r, now, actor);
}

ScheduleResult unschedule_issue(store::Issues& issues, Id issue_id, const std::string& actor) {
  auto done = issues.unschedule_issue(issue_id, actor);
  if (!done) return store_failed(done.error(), ScheduleRefusal::not_scheduled);
  return ScheduleResult{std::move(*done), ScheduleRefusal::none};
}

}  // namespace broadsheet::send
