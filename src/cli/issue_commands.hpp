// Pieces shared by the `issue` commands (issue_commands.cpp: create, list, show,
// update, remove; issue_send_commands.cpp: render, send, pause, resume, cancel).
#pragma once

#include <CLI/CLI.hpp>
#include <string>

#include "cli/commands.hpp"
#include "store/store.hpp"

namespace broadsheet::cli {

// "sent=N deferred=N failed=N queued=N"
std::string delivery_counts_line(const store::DeliveryCounts& counts);

void add_issue_render_command(CLI::App& group, Invocation& invocation);  // issue render
void add_issue_test_command(CLI::App& group, Invocation& invocation);    // issue test
void add_issue_send_commands(CLI::App& group,
                             Invocation& invocation);  // send, pause, resume, cancel

}  // namespace broadsheet::cli
