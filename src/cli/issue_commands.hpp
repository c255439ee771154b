// Pieces shared by the `issue` commands (issue_commands.cpp: create, list, show,
// update, remove; issue_send_commands.cpp: render, send, pause, resume, cancel;
// issue_schedule_commands.cpp: schedule, unschedule; issue_draft_command.cpp: draft).
#pragma once

#include <CLI/CLI.hpp>
#include <optional>
#include <string>
#include <vector>

#include "cli/commands.hpp"
#include "send/issue_control.hpp"
#include "store/store.hpp"

namespace broadsheet::cli {

// "sent=N deferred=N failed=N queued=N"
std::string delivery_counts_line(const store::DeliveryCounts& counts);
// "7× 421 try later, 5× cannot connect: Connection refused": the most common reasons
// of deferrals (send::issue_progress), most common first.
std::string deferral_reasons_text(const std::vector<store::DeferralReason>& reasons);
// "deferred 12: 7× 421 try later, …"; empty when nothing is deferred.
std::string deferral_line(std::size_t deferred, const std::vector<store::DeferralReason>& reasons);
// The pace of a send as `issue show` prints it: "512/s over the last 10 s (498/s on
// average)" while sending or paused, "498/s on average" once finished; nothing before
// it began.
std::optional<std::string> rate_line(const send::IssueProgress& progress);

// A sending issue: handed to the server running on the data folder (and with `wait`
// followed until it is no longer sending), or sent here by this process's engine until
// nothing is pending. Prints the counts line; returns the exit code (3 while
// deliveries are pending). Used by `issue send|resume` and `schedule tick --wait`.
struct Context;
int send_or_hand_over(Context& ctx, const std::string& data, Id id, bool wait);

void add_issue_render_command(CLI::App& group, Invocation& invocation);  // issue render
void add_issue_test_command(CLI::App& group, Invocation& invocation);    // issue test
void add_issue_send_commands(CLI::App& group,
                             Invocation& invocation);  // send, pause, resume, cancel
void add_issue_schedule_commands(CLI::App& group,
                                 Invocation& invocation);  // schedule, unschedule
void add_issue_draft_command(CLI::App& group, Invocation& invocation);  // issue draft

}  // namespace broadsheet::cli
