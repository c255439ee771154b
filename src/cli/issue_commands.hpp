// Pieces shared by the `issue` commands (issue_commands.cpp: create, list, show,
// update, remove; issue_send_commands.cpp: render, send, pause, resume, cancel).
#pragma once

#include <CLI/CLI.hpp>
#include <boost/json/object.hpp>
#include <string>

#include "cli/commands.hpp"
#include "store/store.hpp"

namespace broadsheet::cli {

// {"queued","sent","deferred","failed","total"} of an issue's delivery log, with
// "rate" (messages per second since it began) when it has begun.
Result<boost::json::object> issue_delivery_counts(Store& store, Id issue_id);
// "sent=N deferred=N failed=N queued=N"
std::string delivery_counts_line(const boost::json::object& counts);

void add_issue_render_command(CLI::App& group, Shared& shared);  // issue render
void add_issue_send_commands(CLI::App& group, Shared& shared);   // send, pause, resume, cancel

}  // namespace broadsheet::cli
