#include "send/issue_control.hpp"

#include <fmt/format.h>

#include <algorithm>

namespace broadsheet::send {

Result<SendStart> start_send(const IssueControlStore& store, Id issue_id,
                             const std::string& actor) {
  auto issue = store.issues.issue_by_id(issue_id);
  if (!issue) return issue.error();
  SendStart out;
  switch (issue->status) {
    case IssueStatus::draft:
    case IssueStatus::scheduled: {
      auto queued = store.deliveries.begin_sending(issue_id);
      if (!queued) return queued.error();
      out.queued = *queued;
      (void)store.audit.audit(actor, "issue.send", std::to_string(issue_id),
                              fmt::format("{} readers", *queued));
      issue = store.issues.issue_by_id(issue_id);
      if (!issue) return issue.error();
      break;
    }
    case IssueStatus::sending:
      out.resumed = true;
      break;
    case IssueStatus::paused:
      return make_error(Errc::conflict,
                        fmt::format("issue {} is paused; resume it to send the rest", issue_id));
    case IssueStatus::sent:
    case IssueStatus::cancelled:
      return make_error(Errc::conflict, fmt::format("issue {} is {}; it cannot be sent again",
                                                    issue_id, to_string(issue->status)));
  }
  out.issue = std::move(*issue);
  return out;
}

std::string_view to_string(IssueAction a) {
  switch (a) {
    case IssueAction::pause: return "pause";
    case IssueAction::resume: return "resume";
    case IssueAction::cancel: return "cancel";
  }
  return "pause";
}

Result<Issue> steer_issue(const IssueControlStore& store, Id issue_id, IssueAction action,
                          const std::string& actor) {
  Result<Issue> issue = [&] {
    switch (action) {
      case IssueAction::pause:
        return store.issues.change_issue_status(issue_id, {IssueStatus::sending},
                                                IssueStatus::paused);
      case IssueAction::resume:
        return store.issues.change_issue_status(issue_id, {IssueStatus::paused},
                                                IssueStatus::sending);
      case IssueAction::cancel:
        break;
    }
    return store.issues.change_issue_status(
        issue_id, {IssueStatus::scheduled, IssueStatus::sending, IssueStatus::paused},
        IssueStatus::cancelled);
  }();
  if (!issue) {
    // "Already paused" tells the editor more than "paused, so it cannot become paused".
    const IssueStatus target = action == IssueAction::pause    ? IssueStatus::paused
                               : action == IssueAction::resume ? IssueStatus::sending
                                                               : IssueStatus::cancelled;
    if (issue.error().code == Errc::conflict) {
      auto now = store.issues.issue_by_id(issue_id);
      if (now && now->status == target) {
        return make_error(Errc::conflict,
                          fmt::format("issue {} is already {}", issue_id, to_string(target)));
      }
    }
    return issue.error();
  }
  (void)store.audit.audit(actor, fmt::format("issue.{}", to_string(action)),
                          std::to_string(issue_id), "");
  return issue;
}

Result<IssueProgress> issue_progress(store::DeliveryLog& deliveries, const Issue& issue,
                                     UnixSeconds now) {
  auto counts = deliveries.delivery_counts(issue.id);
  if (!counts) return counts.error();
  IssueProgress out;
  out.counts = *counts;
  if (counts->deferred > 0) {
    auto reasons = deliveries.deferral_reasons(issue.id, kDeferralReasons);
    if (!reasons) return reasons.error();
    out.deferrals = std::move(*reasons);
  }
  if (!issue.started_at) return out;
  const UnixSeconds end = issue.finished_at.value_or(now);
  const double seconds = static_cast<double>(std::max<UnixSeconds>(1, end - *issue.started_at));
  out.average = static_cast<double>(counts->sent + counts->failed) / seconds;
  out.finished = issue.status == IssueStatus::sent || issue.status == IssueStatus::cancelled;
  if (out.finished) {
    out.rate = out.average;
    return out;
  }
  // The last interval, or what there is of it when the send began less long ago. The
  // log's times are whole seconds, so the window is the kRateInterval seconds ending
  // with the current one, both ends included: dividing the rows of `since..now` by
  // `now - since` instead would count up to one second too many (twice the true rate
  // two seconds into a send).
  const UnixSeconds since = std::max(*issue.started_at, now - kRateInterval + 1);
  auto recent = deliveries.settled_since(issue.id, since);
  if (!recent) return recent.error();
  out.rate = static_cast<double>(*recent) /
             static_cast<double>(std::max<UnixSeconds>(1, now - since + 1));
  return out;
}

}  // namespace broadsheet::send
