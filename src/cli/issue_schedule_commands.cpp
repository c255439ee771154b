// `broadsheet issue schedule ID (--edition DATE | --at INSTANT) [--now INSTANT]` and
// `issue unschedule ID`: an editor approves a draft for an edition of the newsletter's
// schedule (or, for a manual newsletter, an instant), or takes it back. The rules and
// their refusals are send/issue_schedule.hpp's; a refusal exits 1 with its message and
// changes nothing. --now says what time it is, so a publisher (and a test) can try the
// rules at any instant.
#include <fmt/format.h>

#include <iostream>

#include "cli/context.hpp"
#include "cli/issue_commands.hpp"
#include "send/issue_schedule.hpp"

namespace broadsheet::cli {
namespace {

struct ScheduleArgs {
  Id id = 0;
  std::string edition, at, now;
};

int schedule(const std::string& data, const ScheduleArgs& a) {
  auto fixed_now = now_option(a.now);
  if (!fixed_now) return fail(fixed_now.error());
  const UnixSeconds now = fixed_now->value_or(SystemClock::instance().now());
  auto ctx = open_context(data);
  if (!ctx) return fail(ctx.error());
  send::ScheduleRequest request{a.edition, a.at};
  auto done = send::schedule_issue(*ctx->store, *ctx->store, a.id, request, now, "cli");
  if (!done.issue) return fail(done.issue.error());
  const Issue& i = *done.issue;
  if (i.edition) {
    std::cout << fmt::format("scheduled issue {} for the {} edition of {}\n", i.id, *i.edition,
                             i.newsletter_slug);
  } else {
    std::cout << fmt::format("scheduled issue {} of {} for {}\n", i.id, i.newsletter_slug,
                             i.scheduled_at ? format_iso8601(*i.scheduled_at) : "?");
  }
  return kExitOk;
}

int unschedule(const std::string& data, const ScheduleArgs& a) {
  auto ctx = open_context(data);
  if (!ctx) return fail(ctx.error());
  auto done = send::unschedule_issue(*ctx->store, a.id, "cli");
  if (!done.issue) return fail(done.issue.error());
  const Issue& i = *done.issue;
  std::cout << fmt::format(
      "issue {} is a draft again{}\n", i.id,
      i.edition ? fmt::format(" (still the {} edition's draft)", *i.edition) : std::string());
  return kExitOk;
}

}  // namespace

void add_issue_schedule_commands(CLI::App& group, Invocation& invocation) {
  static ScheduleArgs a;
  auto* schedule_cmd = group.add_subcommand(
      "schedule",
      "Approve a draft for an edition (--edition) or, for a manual newsletter, an "
      "instant (--at)");
  auto& schedule_data = add_data_option(schedule_cmd);
  schedule_cmd->add_option("id", a.id, "The issue's id")->required();
  auto* edition = schedule_cmd->add_option(
      "--edition", a.edition, "The edition's date, YYYY-MM-DD, a day of the newsletter's schedule");
  auto* at = schedule_cmd->add_option(
      "--at", a.at, "For a manual newsletter: when it goes out, RFC 3339 (2026-12-08T06:00:00Z)");
  edition->excludes(at);
  schedule_cmd->add_option("--now", a.now, "Judge what is past as at this RFC 3339 instant");
  schedule_cmd->callback([&] {
    if (a.edition.empty() && a.at.empty()) {
      invocation.exit_code = fail("give --edition DATE or, for a manual newsletter, --at INSTANT");
      return;
    }
    invocation.exit_code = schedule(schedule_data, a);
  });

  auto* unschedule_cmd =
      group.add_subcommand("unschedule", "Put a scheduled issue back to draft (before it is sent)");
  auto& unschedule_data = add_data_option(unschedule_cmd);
  unschedule_cmd->add_option("id", a.id, "The issue's id")->required();
  unschedule_cmd->callback([&] { invocation.exit_code = unschedule(unschedule_data, a); });
}

}  // namespace broadsheet::cli
