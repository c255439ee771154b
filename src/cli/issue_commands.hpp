// Pieces shared by the `issue` commands (issue_commands.cpp: create, list, show,
// update, remove; issue_send_commands.cpp: render, send, pause, resume, cancel;
// issue_schedule_commands.cpp: schedule, unschedule).
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

void add_issue_render_command(CLI::App& group, Invocation& invocation);  // issue render
void add_issue_test_command(CLI::App& group, Invocation& invocation);    // issue test
void add_issue_send_commands(CLI::App& group,
                             Invocation& invocation);  // send, pause, resume, cancel
void add_issue_schedule_commands(CLI::App& group,
                                 Invocation& invocation);  // schedule, unschedule

}  // namespace broadsheet::cli
